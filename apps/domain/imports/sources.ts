// Reads what a user hands to the importer (a folder of a Zola or Hugo site, a zip of it, one file,
// an upload, the URL of a feed) into texts the parsers can read, and says in a sentence why
// anything else was left out. Everything here is untrusted: archives may try to escape their
// folder or expand without end, files may be binary or in another encoding, URLs may point
// inside the network. Nothing is ever written to disk; archives are read in memory, capped.
import http from 'node:http';
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { ValidationError } from '../platform/errors.ts';
import { EXPORT_FORMAT, EXPORT_VERSION } from '../exports/export-format.ts';
import { decodeWindows1252, encodingFor, fetchResource, MetadataFetchError, type FetchOptions } from '../links/url-metadata.ts';

export type SourceKind = 'markdown' | 'feed' | 'veille-json';

/** One readable text found in a source: `name` says where (e.g. "site.zip/content/2024-06.md"). */
export type SourceText = { name: string; kind: SourceKind; text: string };

/** Something left out of a source; `reason` is a sentence for the user. */
export type SourceProblem = { name: string; reason: string };

/** Where an import comes from: a file or folder on the server (CLI), an upload, or a feed's URL. */
export type ImportSource = { kind: 'path'; path: string } | { kind: 'upload'; filename: string; bytes: Buffer } | { kind: 'url'; url: string };

export type ImportLimits = {
  /** An upload larger than this is refused whole. */
  maxUploadBytes: number;
  /** Any one Markdown file or feed (on disk, in an archive, behind a URL). */
  maxFileBytes: number;
  /** A veille-export.json: it holds a whole newsletter, subscribers included. */
  maxExportBytes: number;
  /** Markdown and feeds of one source in all: what they parse into is held in memory at once. */
  maxTextBytes: number;
  /** Entries of one archive, or files of one folder. */
  maxEntries: number;
  /** Bytes read from one source in all, archives decompressed. */
  maxTotalUncompressed: number;
  /** Levels of folders followed below the one given. */
  maxDepth: number;
  /** Time to fetch a feed, redirects included. */
  fetchTimeoutMs: number;
  /** An entry that would expand this many times its compressed size beyond the limit is called a zip bomb. */
  bombRatio: number;
};

const MiB = 1024 * 1024;

/** The limits applied to every import source. */
export const IMPORT_LIMITS: Readonly<ImportLimits> = Object.freeze({
  maxUploadBytes: 25 * MiB,
  maxFileBytes: 5 * MiB,
  maxExportBytes: 100 * MiB,
  maxTextBytes: 20 * MiB,
  maxEntries: 5000,
  maxTotalUncompressed: 120 * MiB,
  maxDepth: 20,
  fetchTimeoutMs: 20_000,
  bombRatio: 100,
});

export type ReadSourceOptions = {
  /** Lets a feed URL reach loopback and private addresses (FETCH_ALLOW_PRIVATE; tests). */
  allowPrivate?: boolean;
  /** Tighter or looser limits than IMPORT_LIMITS (tests). */
  limits?: Partial<ImportLimits>;
  /** Resolves host names for URL sources (tests). */
  lookup?: FetchOptions['lookup'];
};

const FEED_ACCEPT = 'application/rss+xml, application/atom+xml, application/feed+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1';

/** Reads an import source into texts by kind, with a problem for everything that was left out. */
export async function readImportSource(source: ImportSource, options: ReadSourceOptions = {}): Promise<{ texts: SourceText[]; problems: SourceProblem[] }> {
  const reading = new Reading({ ...IMPORT_LIMITS, ...options.limits });
  switch (source.kind) {
    case 'path':
      await readPath(reading, source.path);
      break;
    case 'upload':
      await readUpload(reading, source.filename, source.bytes);
      break;
    case 'url':
      await readUrl(reading, source.url, options);
      break;
  }
  return { texts: reading.texts, problems: reading.problems };
}

// ---------------------------------------------------------------------------------------------
// What was found so far, and the limits that apply to all of it

/** Thrown inside a reading to stop it: the limit it hit is already reported as a problem. */
class StopReading extends Error {}

class Reading {
  readonly texts: SourceText[] = [];
  readonly problems: SourceProblem[] = [];
  private totalBytes = 0;

  constructor(readonly limits: ImportLimits) {}

  problem(name: string, reason: string): void {
    this.problems.push({ name, reason });
  }

  /** Room left under the total limit. */
  get room(): number {
    return this.limits.maxTotalUncompressed - this.totalBytes;
  }

  count(bytes: number): void {
    this.totalBytes += bytes;
  }

  private textBytes = 0;

  /** Counts Markdown or feed text against its own limit; false when it would go over. */
  takeText(bytes: number): boolean {
    if (this.textBytes + bytes > this.limits.maxTextBytes) return false;
    this.textBytes += bytes;
    return true;
  }
}

/** A size as people read it: "50 MB", "812 KB", "12 bytes" (binary units, as file managers show them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const [value, unit] = bytes < MiB ? [bytes / 1024, 'KB'] : bytes < 1024 * MiB ? [bytes / MiB, 'MB'] : [bytes / (1024 * MiB), 'GB'];
  return `${Number(value.toFixed(value < 10 ? 1 : 0))} ${unit}`;
}

/** The largest file of that name Veille reads: an export may be larger than an edition. */
function fileLimit(name: string, limits: ImportLimits): number {
  return /(^|\/)veille-export\.json$/i.test(name) ? limits.maxExportBytes : limits.maxFileBytes;
}

function tooLarge(size: number, limits: ImportLimits, name = ''): string {
  return `is ${formatBytes(size)}, more than the ${formatBytes(fileLimit(name, limits))} Veille reads from one file`;
}

// ---------------------------------------------------------------------------------------------
// Names

type FileKind = 'markdown' | 'feed' | 'json' | 'zip';

function kindByName(name: string): FileKind | undefined {
  switch (path.posix.extname(name).toLowerCase()) {
    case '.md':
    case '.markdown':
      return 'markdown';
    case '.xml':
    case '.rss':
    case '.atom':
      return 'feed';
    case '.json':
      return 'json';
    case '.zip':
      return 'zip';
    default:
      return undefined;
  }
}

/** Hidden files and folders, and the resource forks macOS adds to archives: never content. */
function isIgnored(segments: string[]): boolean {
  return segments.some((segment) => segment.startsWith('.') || segment === '__MACOSX');
}

const SECTION_INDEX_REASON = 'is a section index of Zola or Hugo (_index.md), not an edition; skipped';

/** Why an archive entry's name is unsafe to use as a path, or null when it is fine. */
export function unsafeEntryPath(name: string): string | null {
  if (name.includes('\0')) return 'it contains a NUL character';
  if (name.includes('\\')) return 'it contains a backslash';
  if (/^[a-zA-Z]:/.test(name)) return 'it starts with a drive letter';
  if (name.startsWith('/')) return 'it is an absolute path';
  if (name.split('/').includes('..')) return 'it climbs out of the archive with ".."';
  return null;
}

// ---------------------------------------------------------------------------------------------
// Bytes to text

const ZIP_MAGIC = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];

function isZip(bytes: Buffer): boolean {
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
  for (let index = 0; index < bytes.length; ) {
    const lead = bytes[index]!;
    if (lead < 0x80) {
      index += 1;
      continue;
    }
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    if (length === 0) return index;
    const second = bytes[index + 1] ?? 0;
    // Overlong forms, surrogates and code points past U+10FFFF.
    if ((lead === 0xe0 && second < 0xa0) || (lead === 0xed && second > 0x9f) || (lead === 0xf0 && second < 0x90) || (lead === 0xf4 && second > 0x8f)) return index;
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

function charsetOf(contentType: string | null): string | null {
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
  if (version !== EXPORT_VERSION) return `is a Veille export of version ${JSON.stringify(version)}, which this version of Veille cannot read`;
  return null;
}

/** Decodes one file and files it as a text of its kind, or as a problem. `kind` undefined: told from the content. */
function addFile(reading: Reading, name: string, bytes: Buffer, kind: Exclude<FileKind, 'zip'> | undefined, charset?: string | null): void {
  const start = bytes.subarray(0, 1024).toString('latin1').replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, '').trimStart();
  const guessed = kind ?? (start.startsWith('{') ? 'json' : start.startsWith('<') ? 'feed' : 'markdown');
  const decoded = decodeText(bytes, { xml: guessed === 'feed', charset });
  if ('problem' in decoded) return reading.problem(name, decoded.problem);
  const { text } = decoded;
  if (guessed !== 'json' && !reading.takeText(bytes.length)) {
    return reading.problem(name, `was not read: the Markdown files and feeds read so far reach the ${formatBytes(reading.limits.maxTextBytes)} one import may hold; import the rest separately`);
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

// ---------------------------------------------------------------------------------------------
// Zip archives

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

type Inflated = { bytes: Buffer } | { over: true } | { error: Error };

/** An entry's content, inflated no further than `cap` bytes. */
async function inflate(zip: ZipFile, entry: Entry, cap: number): Promise<Inflated> {
  let stream: Readable;
  try {
    stream = await zip.openReadStreamPromise(entry);
  } catch (error) {
    return { error: error as Error };
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      // Stop inflating at once: the rest of a bomb is never produced.
      if (total > cap) return { over: true };
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    return { error: error as Error };
  } finally {
    stream.destroy();
  }
  return { bytes: Buffer.concat(chunks, total) };
}

async function readZip(reading: Reading, archiveName: string, openZip: () => Promise<ZipFile>): Promise<void> {
  const { limits } = reading;
  const bomb = (expands: string) => `expands beyond ${expands}; looks like a zip bomb, so it was not read`;
  let zip: ZipFile;
  try {
    // Names are decoded below, so that one bad name is a problem of its entry, not of the archive.
    zip = await openZip();
  } catch (error) {
    return reading.problem(archiveName, `is not a valid zip archive (${(error as Error).message})`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      return reading.problem(archiveName, `has ${zip.entryCount} entries, more than the ${limits.maxEntries} Veille reads from one archive; split it into smaller ones`);
    }
    for await (const entry of zip.eachEntry()) {
      const entryName = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
      const name = `${archiveName}/${entryName}`;
      const unsafe = unsafeEntryPath(entryName);
      if (unsafe) {
        reading.problem(name, `has an unsafe path (${unsafe}); skipped`);
        continue;
      }
      const segments = entryName.split('/').filter((segment) => segment !== '');
      const base = segments.at(-1) ?? '';
      if (entryName.endsWith('/') || isIgnored(segments)) continue;
      if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
        reading.problem(name, 'is a symbolic link; skipped');
        continue;
      }
      const kind = kindByName(base);
      if (kind === undefined) continue;
      if (kind === 'zip') {
        reading.problem(name, 'is a zip archive inside the archive; Veille does not open archives within archives: unzip it and import its files');
        continue;
      }
      if (base.toLowerCase() === '_index.md') {
        reading.problem(name, SECTION_INDEX_REASON);
        continue;
      }
      if (entry.isEncrypted()) {
        reading.problem(name, 'is encrypted; Veille cannot read password-protected archives: make the archive without a password');
        continue;
      }
      if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
        reading.problem(name, `is compressed with a method Veille cannot read (method ${entry.compressionMethod}); use the usual Deflate compression`);
        continue;
      }
      // The declared size is checked before inflating anything; the inflation is capped as well,
      // since a forged header can declare less than the entry holds.
      const limit = fileLimit(name, limits);
      if (entry.uncompressedSize > limit) {
        const ratio = entry.uncompressedSize / Math.max(1, entry.compressedSize);
        reading.problem(name, ratio >= limits.bombRatio ? bomb(`${formatBytes(limit)} (to ${formatBytes(entry.uncompressedSize)} from ${formatBytes(entry.compressedSize)})`) : tooLarge(entry.uncompressedSize, limits, name));
        continue;
      }
      const totalReached = () => reading.problem(archiveName, `${bomb(`${formatBytes(limits.maxTotalUncompressed)} in total`)}: the rest of it was left out`);
      if (entry.uncompressedSize > reading.room) return totalReached();
      const cap = Math.min(limit, reading.room);
      const result = await inflate(zip, entry, cap);
      // yauzl stops an entry that inflates past the size its header declares: a forged header.
      if ('error' in result && /too many bytes/i.test(result.error.message)) {
        reading.problem(name, bomb(`the ${formatBytes(entry.uncompressedSize)} its header declares`));
        continue;
      }
      if ('over' in result) {
        if (cap < limit) return totalReached();
        reading.problem(name, bomb(formatBytes(limit)));
        continue;
      }
      if ('error' in result) {
        reading.problem(name, `is damaged in the archive (${result.error.message})`);
        continue;
      }
      const { bytes } = result;
      reading.count(bytes.length);
      // yauzl does not check the CRC: a damaged entry would otherwise read as garbage text.
      if (zlib.crc32(bytes) !== entry.crc32) {
        reading.problem(name, 'is damaged in the archive (its checksum does not match)');
        continue;
      }
      if (isZip(bytes)) {
        reading.problem(name, 'is a zip archive inside the archive; Veille does not open archives within archives: unzip it and import its files');
        continue;
      }
      addFile(reading, name, bytes, kind);
    }
  } catch (error) {
    reading.problem(archiveName, `is not a valid zip archive (${(error as Error).message})`);
  } finally {
    zip.close();
  }
}

const ZIP_OPTIONS = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true } as const;

// ---------------------------------------------------------------------------------------------
// Sources

async function readUpload(reading: Reading, filename: string, bytes: Buffer): Promise<void> {
  // Browsers may send a path ("C:\fakepath\site.zip"): only the last part is the name.
  const name = filename.split(/[\\/]/).at(-1)?.trim() || 'upload';
  if (bytes.length > reading.limits.maxUploadBytes) {
    const message = `${name} is ${formatBytes(bytes.length)}, more than the ${formatBytes(reading.limits.maxUploadBytes)} an upload may be.`;
    throw new ValidationError(message, { file: message });
  }
  const kind = kindByName(name);
  if (isZip(bytes)) return readZip(reading, name, () => yauzl.fromBufferPromise(bytes, ZIP_OPTIONS));
  if (kind === 'zip') return reading.problem(name, 'is not a valid zip archive (it does not start like one)');
  if (name.toLowerCase() === '_index.md') return reading.problem(name, SECTION_INDEX_REASON);
  if (bytes.length > fileLimit(name, reading.limits)) return reading.problem(name, tooLarge(bytes.length, reading.limits, name));
  reading.count(bytes.length);
  addFile(reading, name, bytes, kind);
}

async function readUrl(reading: Reading, url: string, options: ReadSourceOptions): Promise<void> {
  const { limits } = reading;
  let fetched;
  try {
    fetched = await fetchResource(url, {
      accept: FEED_ACCEPT,
      maxBytes: limits.maxFileBytes,
      timeoutMs: limits.fetchTimeoutMs,
      allowPrivate: options.allowPrivate ?? false,
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
  } catch (error) {
    if (error instanceof MetadataFetchError) return reading.problem(url, error.reason.replace(/\bpage\b/, 'feed'));
    throw error;
  }
  if (fetched.status < 200 || fetched.status > 299) {
    const text = http.STATUS_CODES[fetched.status];
    return reading.problem(url, `could not be read: the server answered ${text ? `${fetched.status} ${text}` : fetched.status}`);
  }
  if (fetched.truncated) return reading.problem(url, `is larger than the ${formatBytes(limits.maxFileBytes)} Veille reads from one feed`);
  reading.count(fetched.body.length);
  addFile(reading, url, fetched.body, 'feed', charsetOf(fetched.contentType));
}

async function readPath(reading: Reading, given: string): Promise<void> {
  const full = path.resolve(given);
  const found = await stat(full).catch(() => undefined);
  if (!found) throw new ValidationError(`There is no file or folder at ${given}.`, { path: 'No such file or folder.' });
  if (found.isDirectory()) {
    const state = { files: 0 };
    try {
      await walk(reading, full, '', 0, state, given);
    } catch (error) {
      if (!(error instanceof StopReading)) throw error;
    }
    return;
  }
  const name = path.basename(full);
  await readDiskFile(reading, full, name, found.size, false).catch((error: unknown) => {
    if (!(error instanceof StopReading)) throw error;
  });
}

async function walk(reading: Reading, directory: string, relative: string, depth: number, state: { files: number }, rootName: string): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    return reading.problem(relative || rootName, `could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (isIgnored([entry.name])) continue;
    const full = path.join(directory, entry.name);
    const name = relative ? `${relative}/${entry.name}` : entry.name;
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    let size: number | undefined;
    if (entry.isSymbolicLink()) {
      const target = await stat(full).catch(() => undefined);
      // A link to a folder could lead back up the tree, or out of it: only linked files are read.
      if (target?.isDirectory()) {
        reading.problem(name, 'is a symbolic link to a folder; not followed');
        continue;
      }
      isDirectory = false;
      isFile = Boolean(target?.isFile());
      size = target?.size;
    }
    if (isDirectory) {
      if (depth + 1 > reading.limits.maxDepth) {
        reading.problem(name, `is nested more than ${reading.limits.maxDepth} folders deep; not read`);
        continue;
      }
      await walk(reading, full, name, depth + 1, state, rootName);
      continue;
    }
    if (!isFile || kindByName(entry.name) === undefined) continue;
    state.files += 1;
    if (state.files > reading.limits.maxEntries) {
      reading.problem(rootName, `has more than ${reading.limits.maxEntries} files to read; the rest was left out`);
      throw new StopReading();
    }
    await readDiskFile(reading, full, name, size, true);
  }
}

/** One file of a folder (or the one file given): by its name's extension, or by its content when it was given alone. */
async function readDiskFile(reading: Reading, full: string, name: string, knownSize: number | undefined, inFolder: boolean): Promise<void> {
  const base = path.basename(full);
  const kind = kindByName(base);
  if (base.toLowerCase() === '_index.md') return reading.problem(name, SECTION_INDEX_REASON);
  let handle;
  try {
    handle = await open(full, 'r');
  } catch (error) {
    return reading.problem(name, `could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let isArchive = kind === 'zip';
  try {
    const size = knownSize ?? (await handle.stat()).size;
    if (!isArchive && !inFolder) {
      const head = Buffer.alloc(4);
      await handle.read(head, 0, 4, 0);
      isArchive = isZip(head);
    }
    if (!isArchive) {
      const limit = fileLimit(name, reading.limits);
      if (size > limit) return reading.problem(name, tooLarge(size, reading.limits, name));
      if (size > reading.room) {
        reading.problem(name, `was not read: the files read so far reach the ${formatBytes(reading.limits.maxTotalUncompressed)} Veille reads from one source`);
        throw new StopReading();
      }
      // Read at most one byte past the limit: a file that grew since stat() is still caught.
      const buffer = Buffer.alloc(Math.min(size, limit) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > limit) return reading.problem(name, tooLarge(bytesRead, reading.limits, name));
      const bytes = buffer.subarray(0, bytesRead);
      reading.count(bytes.length);
      addFile(reading, name, bytes, kind === 'zip' ? undefined : kind);
      return;
    }
  } finally {
    await handle.close();
  }
  await readZip(reading, name, () => yauzl.openPromise(full, ZIP_OPTIONS));
}
