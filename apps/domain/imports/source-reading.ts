// The state of one reading of an import source: the texts found so far, the problems met, and
// the limits that apply to all of it; with the names an archive or a folder holds and which of
// them Veille reads. Everything here is about untrusted input: sizes are counted and capped.
import path from 'node:path';

export type SourceKind = 'markdown' | 'feed' | 'veille-json';

/** One readable text found in a source: `name` says where (e.g. "site.zip/content/2024-06.md"). */
export type SourceText = { name: string; kind: SourceKind; text: string };

/** Something left out of a source; `reason` is a sentence for the user. */
export type SourceProblem = { name: string; reason: string };

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

/** A mebibyte, the unit of the limits. */
export const MiB = 1024 * 1024;

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

/** Thrown inside a reading to stop it: the limit it hit is already reported as a problem. */
export class StopReading extends Error {}

/** What one reading of a source found so far, and the room left under its limits. */
export class Reading {
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
export function fileLimit(name: string, limits: ImportLimits): number {
  return /(^|\/)veille-export\.json$/i.test(name) ? limits.maxExportBytes : limits.maxFileBytes;
}

/** The reason given for a file over its limit. */
export function tooLarge(size: number, limits: ImportLimits, name = ''): string {
  return `is ${formatBytes(size)}, more than the ${formatBytes(fileLimit(name, limits))} Veille reads from one file`;
}

/** The kinds of file a name can say. */
export type FileKind = 'markdown' | 'feed' | 'json' | 'zip';

/** What a file is, by its extension; undefined for what Veille does not read. */
export function kindByName(name: string): FileKind | undefined {
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
export function isIgnored(segments: string[]): boolean {
  return segments.some((segment) => segment.startsWith('.') || segment === '__MACOSX');
}

/** Why a Zola or Hugo section index is left out. */
export const SECTION_INDEX_REASON = 'is a section index of Zola or Hugo (_index.md), not an edition; skipped';

/** Why an archive entry's name is unsafe to use as a path, or null when it is fine. */
export function unsafeEntryPath(name: string): string | null {
  if (name.includes('\0')) return 'it contains a NUL character';
  if (name.includes('\\')) return 'it contains a backslash';
  if (/^[a-zA-Z]:/.test(name)) return 'it starts with a drive letter';
  if (name.startsWith('/')) return 'it is an absolute path';
  if (name.split('/').includes('..')) return 'it climbs out of the archive with ".."';
  return null;
}
