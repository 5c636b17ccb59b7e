// Hostile requests for the route fuzz: a seeded generator, so that a failure is replayed with the
// same seed, and the values attackers and broken clients send (wrong types, control characters,
// huge strings, broken bodies, odd htmx headers), mixed with real values so that requests get
// past the routes' first checks.
import type { InjectOptions } from 'fastify';
import { COMMON_NAMES, CONTROL_STRINGS, FIELD_NAMES, HOSTILE_PARAMS, HOSTILE_STRINGS, LONG } from './fuzz-values.ts';

export { CONTROL_STRINGS, FIELD_NAMES, HOSTILE_PARAMS, HOSTILE_STRINGS } from './fuzz-values.ts';

/** A small deterministic PRNG (mulberry32): the same seed gives the same requests. */
export function seededRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (probability: number) => next() < probability,
    int: (max: number) => Math.floor(next() * max),
    pick<T>(items: readonly T[]): T {
      return items[Math.floor(next() * items.length)]!;
    },
  };
}

export type Random = ReturnType<typeof seededRandom>;

/** A real value for a field, query or path parameter of that name (an existing id, a period, a token), when there is one. */
export type RealValue = (name: string) => string | undefined;

/** A field or parameter name. */
function fieldName(random: Random): string {
  return random.chance(0.5) ? random.pick(COMMON_NAMES) : random.pick(FIELD_NAMES);
}

/** One hostile string; now and then one with control characters. */
export function hostileString(random: Random): string {
  return random.chance(0.04) ? random.pick(CONTROL_STRINGS) : random.pick(HOSTILE_STRINGS);
}

/** A value for a named field: often a real one, else hostile, now and then plain. */
function fieldValue(random: Random, name: string, real: RealValue): string {
  const known = random.chance(0.4) ? real(name) : undefined;
  if (known !== undefined) return known;
  return random.chance(0.85) ? hostileString(random) : random.pick(['x', 'https://example.org/new', 'nicolas@example.org', '1', 'on', 'true']);
}

/** JSON values of every type, nested and odd. */
function jsonValue(random: Random, real: RealValue, depth = 0): unknown {
  switch (random.int(depth > 2 ? 6 : 9)) {
    case 0:
      return hostileString(random);
    case 1:
      return random.pick([0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2]);
    case 2:
      return random.pick([true, false]);
    case 3:
      return null;
    case 4:
      return hostileString(random).slice(0, 200);
    case 5:
      return random.pick(['', 'https://example.org/article', 'Un titre', '2026-11']);
    case 6:
      return Array.from({ length: random.int(4) }, () => jsonValue(random, real, depth + 1));
    case 7:
      return jsonObject(random, real, depth + 1);
    default:
      return [[[[[[[[[[{}]]]]]]]]]];
  }
}

function jsonObject(random: Random, real: RealValue, depth = 0): Record<string, unknown> {
  return Object.fromEntries(
    Array.from({ length: 1 + random.int(4) }, () => {
      const name = fieldName(random);
      return [name, random.chance(0.3) ? (real(name) ?? jsonValue(random, real, depth)) : jsonValue(random, real, depth)];
    }),
  );
}

/** A urlencoded body with some fields, some of them repeated. */
function formBody(random: Random, real: RealValue): string {
  const form = new URLSearchParams();
  for (let index = 0, count = 1 + random.int(5); index < count; index++) {
    const name = fieldName(random);
    const repeat = random.chance(0.2) ? 2 + random.int(3) : 1;
    for (let copy = 0; copy < repeat; copy++) form.append(random.chance(0.1) ? `${name}[]` : name, fieldValue(random, name, real));
  }
  return form.toString();
}

/** A multipart body: well-formed with odd content, or broken in one of the ways parsers trip on. */
function multipartBody(random: Random, real: RealValue, csrf: string | undefined): { payload: string | Buffer; contentType: string } {
  const boundary = '----fuzz-boundary';
  const type = `multipart/form-data; boundary=${boundary}`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const file = (name: string, content: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="x.csv"\r\nContent-Type: text/csv\r\n\r\n${content}\r\n`;
  const token = csrf ? field('_csrf', csrf) : '';
  const name = fieldName(random);
  const good = `${token}${field(name, fieldValue(random, name, real))}${file('file', random.pick(['email\nnew@example.org\n', '', 'x'.repeat(5000), '\u0000\u0001', '# Titre\n\n- [a](https://example.org)\n']))}--${boundary}--\r\n`;
  const variants: Array<() => { payload: string | Buffer; contentType: string }> = [
    () => ({ payload: good, contentType: type }),
    () => ({ payload: good, contentType: type }),
    () => ({ payload: good.slice(0, good.length / 2), contentType: type }),
    () => ({ payload: good, contentType: 'multipart/form-data' }),
    () => ({ payload: good, contentType: 'multipart/form-data; boundary=' }),
    () => ({ payload: good, contentType: 'multipart/form-data; boundary=other' }),
    () => ({ payload: `${token}--${boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${boundary}--\r\n`, contentType: type }),
    () => ({ payload: `${token}--${boundary}\r\nbroken header line\r\n\r\nx\r\n--${boundary}--\r\n`, contentType: type }),
    () => ({ payload: `${token}${field('__proto__', 'x')}--${boundary}--\r\n`, contentType: type }),
    () => ({ payload: `${token}${Array.from({ length: 40 }, (_, index) => field(`f${index}`, 'x')).join('')}--${boundary}--\r\n`, contentType: type }),
    () => ({ payload: `${token}${file('file', 'a')}${file('file', 'b')}--${boundary}--\r\n`, contentType: type }),
    () => ({
      payload: `${token}${field('json', '{"a":')}--${boundary}--\r\n`.replace('name="json"', 'name="json"\r\nContent-Type: application/json'),
      contentType: type,
    }),
    () => ({ payload: Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x02]), contentType: type }),
  ];
  return random.pick(variants)();
}

/** One body and content type, chosen among the ways a client gets them wrong. */
function hostileBody(random: Random, real: RealValue, csrf: string | undefined): { payload?: string | Buffer; contentType?: string } {
  switch (random.int(12)) {
    case 0:
      return {};
    case 1:
    case 2:
    case 3:
    case 4:
      return { payload: formBody(random, real), contentType: 'application/x-www-form-urlencoded' };
    case 5:
    case 6:
      return { payload: JSON.stringify(random.chance(0.7) ? jsonObject(random, real) : jsonValue(random, real)), contentType: 'application/json' };
    case 7:
      return {
        payload: random.pick(['{"email":', '{', '[1,', '"\\u0000"', '{"a":"\\ud800"}', 'nul', '{"__proto__":{"admin":true}}', '', `{"a":${'['.repeat(5000)}`]),
        contentType: 'application/json',
      };
    case 8:
    case 9:
      return multipartBody(random, real, csrf);
    case 10:
      return {
        payload: formBody(random, real),
        contentType: random.pick([
          'text/csv',
          'application/xml',
          'text/plain',
          'application/octet-stream',
          'image/png',
          'application/x-www-form-urlencoded; charset=utf-16',
          'garbage',
        ]),
      };
    default:
      return { payload: `email=${LONG}&title=${LONG}`, contentType: 'application/x-www-form-urlencoded' };
  }
}

/** Percent-encodes a value; a lone surrogate (which encodeURIComponent refuses) becomes its raw UTF-8 bytes. */
function encode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

/** A query string of a few parameters, real and hostile, sometimes repeated. */
function hostileQuery(random: Random, real: RealValue): string {
  if (random.chance(0.25)) return '';
  const parts: string[] = [];
  // Now and then a plausible query: every common parameter with a real value, plus one hostile one.
  if (random.chance(0.25)) {
    for (const name of COMMON_NAMES) {
      const known = real(name);
      if (known !== undefined) parts.push(`${name}=${encode(known)}`);
    }
  }
  for (let index = 0, count = 1 + random.int(3); index < count; index++) {
    const name = fieldName(random);
    const value = random.chance(0.7) ? encode(fieldValue(random, name, real).slice(0, 3000)) : random.pick(HOSTILE_PARAMS);
    parts.push(`${name}=${value}`);
    if (random.chance(0.15)) parts.push(`${name}=${value}`);
  }
  return `?${parts.join('&')}`;
}

/** Headers browsers, htmx and broken clients send. */
function hostileHeaders(random: Random): Record<string, string> {
  const headers: Record<string, string> = {};
  const rare = (value: string) => (random.chance(0.05) ? random.pick(CONTROL_STRINGS) : value);
  if (random.chance(0.4)) headers['hx-request'] = rare(random.pick(['true', 'true', 'false', '1', '']));
  if (random.chance(0.3))
    headers['hx-current-url'] = rare(
      random.pick([
        'not a url',
        'http://',
        '::::',
        'http://[::1',
        '/admin/inbox',
        'javascript:alert(1)',
        'http://veille.test/admin/inbox?x=%00',
        'https://evil.example/',
        'http://veille.test/%09/evil.example',
      ]),
    );
  if (random.chance(0.3))
    headers['hx-target'] = rare(
      random.pick(['', 'inbox-list', 'subscriber-list', 'edition-sections', 'link-00000000-0000-0000-0000-000000000000', '"><script>', LONG.slice(0, 2000)]),
    );
  if (random.chance(0.1)) headers['hx-history-restore-request'] = 'true';
  if (random.chance(0.1)) headers['hx-trigger'] = rare(random.pick(['search', LONG.slice(0, 500)]));
  if (random.chance(0.5)) headers.accept = random.pick(['text/html', 'application/json', '*/*', '', 'image/png', 'application/json, text/html']);
  if (random.chance(0.1)) headers['if-none-match'] = random.pick(['*', '"x"', 'W/"", ""']);
  if (random.chance(0.1)) headers['if-modified-since'] = random.pick(['yesterday', 'Thu, 01 Jan 1970 00:00:00 GMT', '99999999999999']);
  if (random.chance(0.05)) headers['user-agent'] = rare(random.pick([LONG.slice(0, 5000), '']));
  if (random.chance(0.05)) headers['x-csrf-token'] = rare(random.pick(['', 'forged', LONG.slice(0, 1000)]));
  if (random.chance(0.05)) headers['x-forwarded-for'] = rare(random.pick(['1.2.3.4', 'garbage', '::1, 10.0.0.1', LONG.slice(0, 500)]));
  return headers;
}

/** The request for one route: its path parameters filled, a query, a body (with the CSRF token when there is one) and headers. */
export function hostileRequest(
  random: Random,
  route: { method: string; url: string },
  real: RealValue,
  csrf: string | undefined,
): InjectOptions & { url: string; headers: Record<string, string> } {
  const path = route.url.replace(/:([A-Za-z0-9_]+)|\*/g, (match, name: string | undefined) => {
    const known = real(name ?? '*');
    if (known !== undefined && random.chance(0.6)) return known;
    return match === '*' ? random.pick(['css/app.css', '..%2F..%2Fpackage.json', '%00', 'x/../../etc/passwd', 'htmx.min.js', '']) : random.pick(HOSTILE_PARAMS);
  });
  const headers = hostileHeaders(random);
  const request = { method: route.method as InjectOptions['method'], url: path + hostileQuery(random, real), headers };
  if (route.method === 'GET' || route.method === 'HEAD') return request;
  const body = hostileBody(random, real, csrf);
  if (body.contentType) headers['content-type'] = body.contentType;
  return body.payload === undefined ? request : { ...request, payload: body.payload };
}
