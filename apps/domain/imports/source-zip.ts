// Reading a zip archive in memory, entry by entry, refusing what could escape the folder or
// expand without end: unsafe paths, symbolic links, nested archives, encrypted or exotic entries,
// sizes beyond the limits (declared or actual), damaged checksums.
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type yauzlModule from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { lazyModule } from '../platform/lazy-module.ts';
import { fileLimit, formatBytes, isIgnored, kindByName, SECTION_INDEX_REASON, tooLarge, unsafeEntryPath, type Reading } from './source-reading.ts';
import { addFile, isZip } from './source-text.ts';

/** The zip reader, loaded by the first import of an archive. */
export const yauzl = lazyModule<typeof yauzlModule>('yauzl');

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

/** Reads every entry of an archive Veille can use into `reading`; the others are problems. */
export async function readZip(reading: Reading, archiveName: string, openZip: () => Promise<ZipFile>): Promise<void> {
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
      return reading.problem(
        archiveName,
        `has ${zip.entryCount} entries, more than the ${limits.maxEntries} Veille reads from one archive; split it into smaller ones`,
      );
    }
    for await (const entry of zip.eachEntry()) {
      const entryName = yauzl().getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
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
        reading.problem(
          name,
          ratio >= limits.bombRatio
            ? bomb(`${formatBytes(limit)} (to ${formatBytes(entry.uncompressedSize)} from ${formatBytes(entry.compressedSize)})`)
            : tooLarge(entry.uncompressedSize, limits, name),
        );
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

/** How yauzl opens an archive: entries one at a time, names decoded here, sizes checked. */
export const ZIP_OPTIONS = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true } as const;
