// Turning a file's bytes into a text of its kind (Markdown, a feed, a Veille export), or into a
// sentence saying why not: binary data, an encoding that is not UTF-8, a feed that is a web page.
import { EXPORT_FORMAT, READABLE_EXPORT_VERSIONS } from '../exports/export-format.ts';
import { decodeWindows1252, encodingFor } from '../links/charset.ts';
import { formatBytes, type FileKind, type Reading } from './source-reading.ts';

const ZIP_MAGIC = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];

/** True when the bytes start like a zip archive. */
export function isZip(bytes: Buffer): boolean {
  return ZIP_MAGIC.some((magic) => bytes.subarray(0, 4).equals(magic));
}

const BINARY_SIGNATURES: Array<[number[], string]> = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive'],
  [[0x1f, 0x8b], 'a gzip archive'],
];

/**
 * What a binary file looks like ("a PNG image"), or null when its start could be text. Only
 * signatures that no text starts with are named; other binaries (BMP, icons...) hold NUL bytes.
 */
function binaryKind(bytes: Buffer): string | null {
  for (const [signature, label] of BINARY_SIGNATURES) {
    if (signature.every((byte, index) => bytes[index] === byte)) return label;
  }
  if (bytes.subarray(0, 12).toString('latin1').startsWith('RIFF') && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'a WebP image';
  // Text never holds NUL; UTF-16 without a BOM is not accepted either (it is told apart below).
  if (bytes.subarray(0, 8192).includes(0)) return 'binary data';
  return null;
}

/** Where the first byte that breaks UTF-8 is, for the message. */
function firstInvalidUtf8(bytes: Buffer): number {
  for (let index = 0; index < bytes.length;) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index += 1;
      continue;
    }
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0) return index;
    const second = bytes[index + 1] ?? 0;
    // Overlong forms, surrogates and code points past U+10FFFF.
    if ((lead === 0xe0 && second < 0xa0) || (lead === 0xed && second > 0x9f) || (lead === 0xf0 && second < 0x90) || (lead === 0xf4 && second > 0x8f))
      return index;
    for (let next = 1; next < length; next++) if (((bytes[index + next] ?? 0) & 0xc0) !== 0x80) return index;
    index += length;
  }
  return -1;
}

function notUtf8(bytes: Buffer): string {
  const at = Math.max(0, firstInvalidUtf8(bytes));
  let line = 1;
  for (let index = 0; index < at; index++) if (bytes[index] === 0x0a) line += 1;
  const byte = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, '0');
  return `is not UTF-8 text (byte 0x${byte} on line ${line}; it is probably Windows-1252 or Latin-1); save it as UTF-8`;
}

/** The encoding an XML declaration names (`<?xml version="1.0" encoding="ISO-8859-1"?>`), read as ASCII. */
function xmlDeclaredEncoding(bytes: Buffer): string | null {
  const head = bytes.subarray(0, 512).toString('latin1');
  const declaration = /^\s*<\?xml\s[^>]*?\?>/.exec(head)?.[0];
  return declaration ? (/\bencoding\s*=\s*["']([^"']+)["']/.exec(declaration)?.[1]?.trim() ?? null) : null;
}

/** The charset a Content-Type header names, if any. */
export function charsetOf(contentType: string | null): string | null {
  return /;\s*charset\s*=\s*["']?([^"';\s]+)/i.exec(contentType ?? '')?.[1] ?? null;
}

type Decoded = { text: string } | { problem: string };

/**
 * Text from bytes: a BOM decides (UTF-8, UTF-16LE/BE); XML may declare its encoding (or a
 * server its charset); everything else must be UTF-8. Binary data is refused.
 */
function decodeText(bytes: Buffer, options: { xml: boolean; charset?: string | null }): Decoded {
  const fatal = (encoding: string, data: Uint8Array) => new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(data);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    try {
      return { text: fatal('utf-8', bytes.subarray(3)) };
    } catch {
      return { problem: notUtf8(bytes.subarray(3)) };
    }
  }
  for (const [first, second, encoding] of [
    [0xff, 0xfe, 'utf-16le'],
    [0xfe, 0xff, 'utf-16be'],
  ] as const) {
    if (bytes[0] === first && bytes[1] === second) {
      try {
        return { text: fatal(encoding, bytes.subarray(2)) };
      } catch {
        return { problem: `starts as ${encoding === 'utf-16le' ? 'UTF-16LE' : 'UTF-16BE'} text but is not valid UTF-16; save it as UTF-8` };
      }
    }
  }
  const binary = binaryKind(bytes);
  if (binary) {
    const hint = binary === 'binary data' ? ' (UTF-16 text needs a byte order mark; UTF-8 is best)' : '';
    return { problem: `is not a text file: it looks like ${binary}${hint}` };
  }
  if (options.xml) {
    // The server's charset first (RFC 7303), then the document's own declaration.
    const label = encodingFor(options.charset) ? options.charset! : xmlDeclaredEncoding(bytes);
    if (label) {
      const encoding = encodingFor(label);
      if (!encoding) return { problem: `declares an unknown encoding ${label.slice(0, 40)}; save it as UTF-8` };
      // A declaration readable as ASCII proves the bytes are not UTF-16, whatever it says.
      if (encoding === 'windows-1252') return { text: decodeWindows1252(bytes) };
      if (encoding !== 'utf-8' && !encoding.startsWith('utf-16')) {
        try {
          return { text: fatal(encoding, bytes) };
        } catch {
          return { problem: `is not valid ${label} text, the encoding it declares; save it as UTF-8` };
        }
      }
    }
  }
  try {
    return { text: fatal('utf-8', bytes) };
  } catch {
    return { problem: notUtf8(bytes) };
  }
}

/** The name of the root element of an XML document, or null when there is none to be seen. */
function rootElement(text: string): string | null {
  let rest = text.slice(0, 64 * 1024).replace(/^\uFEFF/, '');
  for (;;) {
    rest = rest.trimStart();
    const skip = /^(<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE(?:[^[>]|\[[\s\S]*?\])*>)/i.exec(rest);
    if (!skip) break;
    rest = rest.slice(skip[0].length);
  }
  return /^<([A-Za-z_][\w.:-]*)/.exec(rest)?.[1] ?? null;
}

/** Why a text is not an RSS or Atom feed, or null when it is one. */
function notAFeed(text: string): string | null {
  const root = rootElement(text);
  const local = root?.split(':').at(-1)?.toLowerCase();
  if (local === 'rss' || local === 'feed' || local === 'rdf') return null;
  if (local === 'html') return 'is a web page, not an RSS or Atom feed';
  return root ? `is XML but not an RSS or Atom feed (its root element is <${root}>)` : 'is not an RSS or Atom feed (no XML element found)';
}

/** Why a JSON text is not a Veille export this version can read, or null when it is one. */
function notAnExport(text: string): string | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `is not valid JSON (${(error as Error).message})`;
  }
  if (typeof data !== 'object' || data === null || (data as { format?: unknown }).format !== EXPORT_FORMAT) {
    return `is JSON but not a Veille export (it has no "format": "${EXPORT_FORMAT}" field)`;
  }
  const version = (data as { version?: unknown }).version;
  if (typeof version !== 'number' || !READABLE_EXPORT_VERSIONS.includes(version))
    return `is a Veille export of version ${JSON.stringify(version)}, which this version of Veille cannot read`;
  return null;
}

/** Decodes one file and files it as a text of its kind, or as a problem. `kind` undefined: told from the content. */
export function addFile(reading: Reading, name: string, bytes: Buffer, kind: Exclude<FileKind, 'zip'> | undefined, charset?: string | null): void {
  const start = bytes
    .subarray(0, 1024)
    .toString('latin1')
    .replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, '')
    .trimStart();
  const guessed = kind ?? (start.startsWith('{') ? 'json' : start.startsWith('<') ? 'feed' : 'markdown');
  const decoded = decodeText(bytes, { xml: guessed === 'feed', charset });
  if ('problem' in decoded) return reading.problem(name, decoded.problem);
  const { text } = decoded;
  if (guessed !== 'json' && !reading.takeText(bytes.length)) {
    return reading.problem(
      name,
      `was not read: the Markdown files and feeds read so far reach the ${formatBytes(reading.limits.maxTextBytes)} one import may hold; import the rest separately`,
    );
  }
  if (guessed === 'feed') {
    const reason = notAFeed(text);
    if (reason) return reading.problem(name, reason);
    reading.texts.push({ name, kind: 'feed', text });
  } else if (guessed === 'json') {
    const reason = notAnExport(text);
    if (reason) return reading.problem(name, reason);
    reading.texts.push({ name, kind: 'veille-json', text });
  } else {
    reading.texts.push({ name, kind: 'markdown', text });
  }
}
