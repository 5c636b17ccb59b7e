// Reads the title, description and language of a page an editor pasted, through the safe fetcher
// (safe-fetch.ts): SSRF-checked, capped in time, size and redirects.
import { decodeBody } from './charset.ts';
import { parseMetadata } from './page-metadata.ts';
import { describeStatus, fetchFinal, MetadataFetchError, readBody, settingsFrom, type Exchange, type FetchOptions, type FetchSettings } from './safe-fetch.ts';

/** What a link preview needs from a page; every field but finalUrl may be missing. */
export type PageMetadata = {
  title: string | null;
  description: string | null;
  siteName: string | null;
  /** Absolute http(s) URL the page declares as its own address. */
  canonicalUrl: string | null;
  /** BCP 47 tag, e.g. "fr-FR". */
  language: string | null;
  /** URL after redirects. */
  finalUrl: string;
  /** Media type of the final answer without its parameters, e.g. "text/html". */
  contentType: string | null;
};

const ACCEPT = 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.5';
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml']);

function mediaType(header: string | undefined): string | null {
  const essence = (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === '' ? null : essence;
}

/** For answers without a Content-Type: the few ways an HTML document starts. */
function looksLikeHtml(body: Buffer): boolean {
  const start = body
    .subarray(0, 1024)
    .toString('latin1')
    .replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, '')
    .trimStart()
    .toLowerCase();
  return /^(<!doctype html|<html|<head|<title|<meta|<!--)/.test(start);
}

async function readMetadata(url: URL, { request, response }: Exchange, settings: FetchSettings, signal: AbortSignal): Promise<PageMetadata> {
  const contentTypeHeader = response.headers['content-type'] ?? null;
  const contentType = mediaType(contentTypeHeader ?? undefined);
  const empty: PageMetadata = { title: null, description: null, siteName: null, canonicalUrl: null, language: null, finalUrl: url.href, contentType };
  // A PDF or an image is still a valid link: there is simply nothing to read in it.
  if (contentType !== null && !HTML_TYPES.has(contentType)) {
    request.destroy();
    return empty;
  }
  const body = await readBody(response, settings.maxBytes, signal);
  request.destroy();
  if (contentType === null && !looksLikeHtml(body)) return empty;
  const contentLanguage = response.headers['content-language'];
  return { ...empty, ...parseMetadata(decodeBody(body, contentTypeHeader), url.href, contentLanguage ? { contentLanguage } : {}) };
}

/** Fetches a pasted URL safely (checked addresses, caps on time, size and redirects) and reads its metadata. */
export async function fetchPageMetadata(url: string, options: FetchOptions = {}): Promise<PageMetadata> {
  const settings = settingsFrom(options, ACCEPT);
  return fetchFinal(url, settings, async (current, exchange, signal) => {
    const status = exchange.response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      exchange.request.destroy();
      throw new MetadataFetchError(`The page answered ${describeStatus(status)}.`);
    }
    return readMetadata(current, exchange, settings, signal);
  });
}
