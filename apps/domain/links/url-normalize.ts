import { ValidationError } from '../platform/errors.ts';

const MAX_URL_LENGTH = 2048;

// A scheme as RFC 3986 spells it; "localhost:3000" also looks like one, hence the port check below.
const SCHEME_PREFIX = /^([a-z][a-z0-9+.-]*):/i;
const PORT_AFTER_COLON = /^\d+(?:[/?#]|$)/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

// Parameters that only say where a click came from; compared in lower case since senders vary it.
const TRACKING_PARAMETERS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'mc_cid',
  'mc_eid',
  'yclid',
  '_hsenc',
  '_hsmi',
  'mkt_tok',
  'igshid',
  'ref_src',
  'ref_url',
]);

// Short names that are tracking on these sites only: elsewhere "s" or "si" may well be a search or an id.
const SITE_TRACKING_PARAMETERS: ReadonlyArray<{ hosts: readonly string[]; names: ReadonlySet<string> }> = [
  { hosts: ['youtube.com', 'youtu.be', 'open.spotify.com'], names: new Set(['si']) },
  { hosts: ['twitter.com', 'x.com'], names: new Set(['s']) },
];

/** Parses what an editor pasted into an absolute http(s) URL, or throws a ValidationError on the "url" field. */
export function parseLinkUrl(input: string): URL {
  const trimmed = input.trim();
  if (trimmed === '') refuse('Enter the address of the link.', 'url_required');
  if (trimmed.length > MAX_URL_LENGTH) refuse(`The address must be at most ${MAX_URL_LENGTH} characters.`, 'url_too_long');

  const scheme = SCHEME_PREFIX.exec(trimmed);
  let candidate = trimmed;
  if (trimmed.startsWith('//')) candidate = `https:${trimmed}`;
  else if (!scheme || PORT_AFTER_COLON.test(trimmed.slice(scheme[0].length))) candidate = `https://${trimmed}`;

  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    refuse('Enter a valid web address, such as https://example.org/article.', 'url_invalid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse('Only http and https addresses are accepted.', 'url_scheme');
  // "https://bank.example@evil.example" reads as the bank's address; a newsletter link never needs credentials.
  if (url.username !== '' || url.password !== '') refuse('The address must not contain a user name or password.', 'url_credentials');
  // IPv4 addresses have dots once parsed (even "http://2130706433/"), IPv6 ones are bracketed.
  const host = url.hostname.replace(/\.$/, '');
  if (!host.includes('.') && host !== 'localhost' && !host.startsWith('['))
    refuse('Enter a full address with a domain name, such as example.org.', 'url_domain');
  // Punycode can make the serialised address longer than what was typed.
  if (url.href.length > MAX_URL_LENGTH) refuse(`The address must be at most ${MAX_URL_LENGTH} characters.`, 'url_too_long');
  return url;
}

/** The key two links are compared by to detect duplicates: same key, same page. */
export function normalizeUrl(input: string | URL): string {
  const url = toLinkUrl(input);
  const host = url.hostname.replace(/\.$/, '');
  const port = url.port === '' ? '' : `:${url.port}`;
  const path = normalizePercentEncoding(url.pathname).replace(/\/+$/, '');
  const parameters = queryParameters(url)
    .filter((parameter) => !isTrackingParameter(parameter.name, host))
    .map((parameter) => normalizePercentEncoding(parameter.raw))
    // Array#sort is stable, so repeated keys (?tag=a&tag=b) keep their order, which can matter.
    .map((raw) => ({ raw, key: raw.split('=', 1)[0] ?? '' }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((parameter) => parameter.raw);
  const query = parameters.length > 0 ? `?${parameters.join('&')}` : '';
  // http and https serve the same page on every site worth linking to, so the key always says https.
  return `https://${host}${port}${path}${query}`;
}

/** The duplicate key of a URL that may not be one the forms accept (an imported mailto:, an odd address): the URL itself then. */
export function comparableUrl(input: string): string {
  try {
    return normalizeUrl(input);
  } catch {
    return input.trim();
  }
}

/** The pasted URL cleaned for storage and display: tracking parameters removed, everything else kept. */
export function cleanUrl(input: string | URL): string {
  const url = toLinkUrl(input);
  const parameters = queryParameters(url);
  const kept = parameters.filter((parameter) => !isTrackingParameter(parameter.name, url.hostname.replace(/\.$/, '')));
  // Untouched when nothing is tracking, so even an odd but harmless query stays exactly as pasted.
  if (kept.length !== parameters.length) url.search = kept.map((parameter) => parameter.raw).join('&');
  return url.href;
}

function refuse(reason: string, code: string): never {
  throw new ValidationError(reason, { url: reason }, { fieldCodes: { url: { code, max: MAX_URL_LENGTH } } });
}

function toLinkUrl(input: string | URL): URL {
  // A URL object passed in is re-parsed: the same rules apply and the caller's object is never mutated.
  return parseLinkUrl(typeof input === 'string' ? input : input.href);
}

interface QueryParameter {
  /** The parameter as it appears in the query, "name=value" still percent-encoded. */
  raw: string;
  /** The decoded name, to recognise tracking parameters however they were encoded. */
  name: string;
}

// Split by hand rather than with URLSearchParams, which re-encodes every value it serialises.
function queryParameters(url: URL): QueryParameter[] {
  return url.search
    .slice(1)
    .split('&')
    .filter((raw) => raw !== '')
    .map((raw) => ({ raw, name: decodeComponent(raw.split('=', 1)[0] ?? '') }));
}

function decodeComponent(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    // A stray "%" is not an encoding error worth refusing a link for.
    return value;
  }
}

function isTrackingParameter(name: string, host: string): boolean {
  const lower = name.toLowerCase();
  if (lower.startsWith('utm_') || TRACKING_PARAMETERS.has(lower)) return true;
  return SITE_TRACKING_PARAMETERS.some((site) => site.names.has(name) && site.hosts.some((siteHost) => host === siteHost || host.endsWith(`.${siteHost}`)));
}

// "%7e", "%7E" and "~" are the same character: decode what never needed encoding, upper-case the rest.
function normalizePercentEncoding(value: string): string {
  return value.replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}
