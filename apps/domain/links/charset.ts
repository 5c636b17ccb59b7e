// Turning the bytes of a page into text: a BOM, the Content-Type's charset, a <meta> charset, as
// browsers do; and windows-1252 decoded as the web means it.

const CHARSET_SNIFF_BYTES = 4096;

/** The WHATWG name of an encoding label, or null when TextDecoder does not know it. */
export function encodingFor(label: string | null | undefined): string | null {
  if (!label) return null;
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return null;
  }
}

function bomEncoding(bytes: Buffer): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return null;
}

function headerCharset(contentTypeHeader: string | null): string | null {
  return /;\s*charset\s*=\s*["']?([^"';\s]+)/i.exec(contentTypeHeader ?? '')?.[1] ?? null;
}

/** The charset a <meta> tag declares near the start; read as latin1, which keeps every ASCII byte. */
function metaCharset(bytes: Buffer): string | null {
  const head = bytes.subarray(0, CHARSET_SNIFF_BYTES).toString('latin1');
  for (const [tag] of head.matchAll(/<meta\b[^>]*>/gi)) {
    const label = /\bcharset\s*=\s*["']?\s*([^\s"'/>;]+)/i.exec(tag)?.[1];
    const encoding = encodingFor(label);
    // A page that could be read as ASCII to find this tag is not UTF-16, whatever it says (HTML spec).
    if (encoding) return encoding.startsWith('utf-16') ? 'utf-8' : encoding;
  }
  return null;
}

// windows-1252 where it differs from latin1 (bytes 0x80 to 0x9F), from the WHATWG index.
const WINDOWS_1252_C1 =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

/** windows-1252, which is also what "iso-8859-1" and "latin1" mean on the web. */
export function decodeWindows1252(bytes: Buffer): string {
  // Node 20.18.3+ and 22.13+ decode this encoding as plain latin1 (nodejs/node#60888), turning
  // curly quotes and the euro sign into control characters: the 32 differing bytes are mapped here.
  return bytes.toString('latin1').replace(/[\u0080-\u009F]/g, (char) => WINDOWS_1252_C1.charAt(char.charCodeAt(0) - 0x80));
}

/** Turns the bytes of an HTML page into text, honouring a BOM, the header's charset, then a <meta> charset. */
export function decodeBody(bytes: Buffer, contentTypeHeader: string | null): string {
  // A BOM comes first, as in the HTML encoding sniffing algorithm: it is proof in the bytes
  // themselves, where a header is often a server default nobody set for this page.
  const encoding = bomEncoding(bytes) ?? encodingFor(headerCharset(contentTypeHeader)) ?? metaCharset(bytes) ?? 'utf-8';
  if (encoding === 'windows-1252') return decodeWindows1252(bytes);
  return new TextDecoder(encoding).decode(bytes);
}
