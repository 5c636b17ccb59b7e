// Reads what a user hands to the importer (a folder of a Zola or Hugo site, a zip of it, one file,
// an upload, the URL of a feed) into texts the parsers can read, and says in a sentence why
// anything else was left out. Everything here is untrusted: archives may try to escape their
// folder or expand without end, files may be binary or in another encoding, URLs may point
// inside the network. Nothing is ever written to disk; archives are read in memory, capped.
import http from 'node:http';
import type { Dirent } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../platform/errors.ts';
import { fetchResource, MetadataFetchError, type FetchOptions } from '../links/safe-fetch.ts';
import {
  fileLimit,
  formatBytes,
  IMPORT_LIMITS,
  isIgnored,
  kindByName,
  Reading,
  SECTION_INDEX_REASON,
  StopReading,
  tooLarge,
  type ImportLimits,
  type SourceProblem,
  type SourceText,
} from './source-reading.ts';
import { addFile, charsetOf, isZip } from './source-text.ts';
import { readZip, yauzl, ZIP_OPTIONS } from './source-zip.ts';

export type { ImportLimits, SourceKind, SourceProblem, SourceText } from './source-reading.ts';
export { formatBytes, IMPORT_LIMITS, unsafeEntryPath } from './source-reading.ts';

/** Where an import comes from: a file or folder on the server (CLI), an upload, or a feed's URL. */
export type ImportSource = { kind: 'path'; path: string } | { kind: 'upload'; filename: string; bytes: Buffer } | { kind: 'url'; url: string };

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

async function readUpload(reading: Reading, filename: string, bytes: Buffer): Promise<void> {
  // Browsers may send a path ("C:\fakepath\site.zip"): only the last part is the name.
  const name = filename.split(/[\\/]/).at(-1)?.trim() || 'upload';
  if (bytes.length > reading.limits.maxUploadBytes) {
    const message = `${name} is ${formatBytes(bytes.length)}, more than the ${formatBytes(reading.limits.maxUploadBytes)} an upload may be.`;
    throw new ValidationError(message, { file: message });
  }
  const kind = kindByName(name);
  if (isZip(bytes)) return readZip(reading, name, () => yauzl().fromBufferPromise(bytes, ZIP_OPTIONS));
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
  await readZip(reading, name, () => yauzl().openPromise(full, ZIP_OPTIONS));
}
