import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import yazl from 'yazl';
import { ValidationError } from '../../../apps/domain/platform/errors.ts';
import { EXPORT_FORMAT } from '../../../apps/domain/exports/export-format.ts';
import { IMPORT_LIMITS, formatBytes, readImportSource, unsafeEntryPath, type SourceProblem } from '../../../apps/domain/imports/sources.ts';

const MiB = 1024 * 1024;

type ZipInput = { name: string; data: Buffer | string; compress?: boolean; mode?: number };

/** A zip archive made with yazl, in memory. */
async function buildZip(entries: ZipInput[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    zip.addBuffer(Buffer.isBuffer(entry.data) ? entry.data : Buffer.from(entry.data), entry.name, {
      compress: entry.compress ?? true,
      ...(entry.mode === undefined ? {} : { mode: entry.mode }),
    });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Renames an entry in place (local header and central directory): yazl refuses the names an attacker would use. */
function renameEntry(zip: Buffer, from: string, to: string): Buffer {
  assert.equal(Buffer.byteLength(from), Buffer.byteLength(to), 'same length, so offsets stay right');
  const patched = Buffer.from(zip);
  const needle = Buffer.from(from);
  let at = patched.indexOf(needle);
  assert.ok(at >= 0);
  while (at >= 0) {
    Buffer.from(to).copy(patched, at);
    at = patched.indexOf(needle, at + 1);
  }
  return patched;
}

/** Changes a field of an entry's central directory record (`offset` from the record's start). */
function patchCentral(zip: Buffer, name: string, write: (record: Buffer) => void): Buffer {
  const patched = Buffer.from(zip);
  for (let at = patched.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at >= 0; at = patched.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at + 4)) {
    const nameLength = patched.readUInt16LE(at + 28);
    if (patched.subarray(at + 46, at + 46 + nameLength).toString() === name) {
      write(patched.subarray(at));
      return patched;
    }
  }
  throw new Error(`no central record for ${name}`);
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'veille-sources-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function problemFor(problems: SourceProblem[], name: string): string {
  const found = problems.find((problem) => problem.name === name);
  assert.ok(found, `a problem for ${name} among ${JSON.stringify(problems, null, 1)}`);
  return found.reason;
}

const EXPORT_JSON = JSON.stringify({
  format: EXPORT_FORMAT,
  version: 1,
  exportedAt: '2024-07-01T00:00:00.000Z',
  settings: {},
  categories: [],
  editions: [],
  inbox: [],
  subscribers: [],
});
const latin1Feed = Buffer.from(
  '<?xml version="1.0" encoding="ISO-8859-1"?>\n<rss version="2.0"><channel><title>Donn\u00e9es \u0092quot\u00e9es\u0092</title></channel></rss>\n',
  'latin1',
);
// "Sélection : l’été" in windows-1252: é is 0xE9, the curly apostrophe 0x92.
const windows1252Markdown = Buffer.from('# S\u00e9lection\n\nl\u0092\u00e9t\u00e9 arrive.\n', 'latin1');

test('the limits are the documented ones', () => {
  assert.equal(IMPORT_LIMITS.maxUploadBytes, 25 * MiB);
  assert.equal(IMPORT_LIMITS.maxFileBytes, 5 * MiB);
  assert.equal(IMPORT_LIMITS.maxEntries, 5000);
  assert.equal(IMPORT_LIMITS.maxExportBytes, 100 * MiB);
  assert.equal(IMPORT_LIMITS.maxTextBytes, 20 * MiB);
  assert.equal(IMPORT_LIMITS.maxTotalUncompressed, 120 * MiB);
  assert.equal(formatBytes(50 * MiB), '50 MB');
  assert.equal(formatBytes(5 * MiB), '5 MB');
  assert.equal(formatBytes(1536), '1.5 KB');
});

test('an export may be larger than an edition file; Markdown and feeds have a total of their own', async (t) => {
  const dir = await tempDir(t);
  const padded = JSON.stringify({ ...JSON.parse(EXPORT_JSON), padding: 'x'.repeat(4000) });
  await writeFile(path.join(dir, 'veille-export.json'), padded);
  await writeFile(path.join(dir, 'a.md'), `+++\ntitle = "A"\ndate = 2024-01-31\n+++\n${'a'.repeat(600)}\n`);
  await writeFile(path.join(dir, 'b.md'), `+++\ntitle = "B"\ndate = 2024-02-29\n+++\n${'b'.repeat(600)}\n`);
  const { texts, problems } = await readImportSource(
    { kind: 'path', path: dir },
    { limits: { maxFileBytes: 1000, maxExportBytes: 10_000, maxTextBytes: 1000 } },
  );
  assert.deepEqual(texts.map((text) => text.name).sort(), ['a.md', 'veille-export.json']);
  assert.deepEqual(problems, [
    { name: 'b.md', reason: 'was not read: the Markdown files and feeds read so far reach the 1000 bytes one import may hold; import the rest separately' },
  ]);
  const tooBig = await readImportSource({ kind: 'path', path: path.join(dir, 'veille-export.json') }, { limits: { maxExportBytes: 2000 } });
  assert.match(tooBig.problems[0]!.reason, /more than the 2 KB Veille reads from one file/);
});

test('a folder: Markdown, feeds and exports are read; hidden files, __MACOSX and other files are ignored; _index.md is skipped with a reason', async (t) => {
  const dir = await tempDir(t);
  await mkdir(path.join(dir, 'content/2024'), { recursive: true });
  await mkdir(path.join(dir, '.git'), { recursive: true });
  await mkdir(path.join(dir, '__MACOSX'), { recursive: true });
  await writeFile(
    path.join(dir, 'content/2024/juin.md'),
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('+++\ntitle = "Juin"\n+++\n\n## Données\n')]),
  );
  await writeFile(path.join(dir, 'content/2024/notes.markdown'), '# Notes\n');
  await writeFile(path.join(dir, 'content/_index.md'), '+++\ntitle = "Archive"\n+++\n');
  await writeFile(path.join(dir, 'content/cover.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]));
  await writeFile(path.join(dir, '.hidden.md'), '# hidden\n');
  await writeFile(path.join(dir, '.git/HEAD.md'), 'ref\n');
  await writeFile(path.join(dir, '__MACOSX/._juin.md'), Buffer.from([0, 5, 22, 7]));
  await writeFile(path.join(dir, 'feed.xml'), latin1Feed);
  await writeFile(path.join(dir, 'veille-export.json'), EXPORT_JSON);
  await writeFile(path.join(dir, 'package.json'), '{"name": "site"}');
  await writeFile(path.join(dir, 'old.md'), windows1252Markdown);
  await writeFile(path.join(dir, 'sitemap.xml'), '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>');
  await writeFile(path.join(dir, 'picture.md'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(32)]));
  await writeFile(path.join(dir, 'nul.md'), Buffer.from('text\0with a NUL'));
  await writeFile(path.join(dir, 'utf16.md'), Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('\u0000#\u0000 \u0000\u00e9', 'latin1')]));
  // A 50 MB file that takes no room: its size is what matters, it is never read.
  await writeFile(path.join(dir, 'huge.md'), '');
  await truncate(path.join(dir, 'huge.md'), 50 * MiB);
  await symlink(path.join(dir, 'content'), path.join(dir, 'loop'));

  const { texts, problems } = await readImportSource({ kind: 'path', path: dir });
  assert.deepEqual(
    texts.map(({ name, kind }) => ({ name, kind })),
    [
      { name: 'content/2024/juin.md', kind: 'markdown' },
      { name: 'content/2024/notes.markdown', kind: 'markdown' },
      { name: 'feed.xml', kind: 'feed' },
      { name: 'utf16.md', kind: 'markdown' },
      { name: 'veille-export.json', kind: 'veille-json' },
    ],
  );
  assert.equal(texts[0]!.text.startsWith('+++'), true, 'the BOM is gone');
  assert.match(texts[0]!.text, /## Données/);
  assert.match(texts[2]!.text, /<title>Données ’quotées’<\/title>/, 'ISO-8859-1 read as the web reads it (windows-1252)');
  assert.equal(texts[3]!.text, '# é');
  assert.equal(texts[4]!.text, EXPORT_JSON);

  assert.match(problemFor(problems, 'content/_index.md'), /section index of Zola or Hugo.*skipped/);
  assert.match(problemFor(problems, 'old.md'), /^is not UTF-8 text \(byte 0xE9 on line 1; .*Windows-1252.*\); save it as UTF-8$/);
  assert.match(problemFor(problems, 'package.json'), /is JSON but not a Veille export/);
  assert.match(problemFor(problems, 'sitemap.xml'), /not an RSS or Atom feed \(its root element is <urlset>\)/);
  assert.match(problemFor(problems, 'picture.md'), /is not a text file: it looks like a PNG image/);
  assert.match(problemFor(problems, 'nul.md'), /is not a text file: it looks like binary data/);
  assert.equal(problemFor(problems, 'huge.md'), 'is 50 MB, more than the 5 MB Veille reads from one file');
  assert.match(problemFor(problems, 'loop'), /symbolic link to a folder; not followed/);
  assert.equal(problems.length, 8, JSON.stringify(problems, null, 1));
});

test('a folder with more files than allowed stops with a problem; so does a folder over the total', async (t) => {
  const dir = await tempDir(t);
  for (let index = 0; index < 5; index++) await writeFile(path.join(dir, `${index}.md`), `# ${index}\n${'x'.repeat(400)}\n`);
  const many = await readImportSource({ kind: 'path', path: dir }, { limits: { maxEntries: 3 } });
  assert.equal(many.texts.length, 3);
  assert.deepEqual(many.problems, [{ name: dir, reason: 'has more than 3 files to read; the rest was left out' }]);

  const total = await readImportSource({ kind: 'path', path: dir }, { limits: { maxTotalUncompressed: 1000 } });
  assert.equal(total.texts.length, 2);
  assert.equal(total.problems.length, 1);
  assert.match(total.problems[0]!.reason, /reach the 1000 bytes Veille reads from one source/);

  await assert.rejects(
    readImportSource({ kind: 'path', path: path.join(dir, 'missing') }),
    (error: unknown) => error instanceof ValidationError && /There is no file or folder at/.test(error.message),
  );
});

test('one file: by its extension, or by its content when the extension says nothing', async (t) => {
  const dir = await tempDir(t);
  await writeFile(path.join(dir, 'feed.rss'), '<rss version="2.0"><channel/></rss>');
  await writeFile(path.join(dir, 'backup'), await buildZip([{ name: 'a.md', data: '# A' }]));
  await writeFile(path.join(dir, 'notes.txt'), '# Just Markdown\n');
  await writeFile(path.join(dir, '_index.md'), '# index\n');

  assert.deepEqual(
    (await readImportSource({ kind: 'path', path: path.join(dir, 'feed.rss') })).texts.map((text) => text.kind),
    ['feed'],
  );
  const zipped = await readImportSource({ kind: 'path', path: path.join(dir, 'backup') });
  assert.deepEqual(zipped.texts, [{ name: 'backup/a.md', kind: 'markdown', text: '# A' }], 'a zip without .zip is still read as one');
  assert.deepEqual(
    (await readImportSource({ kind: 'path', path: path.join(dir, 'notes.txt') })).texts.map((text) => text.kind),
    ['markdown'],
  );
  assert.match((await readImportSource({ kind: 'path', path: path.join(dir, '_index.md') })).problems[0]!.reason, /section index/);
});

test('a zip: traversal, absolute and backslash names, bombs, nested and encrypted entries are problems; the rest is read', async () => {
  const zeros = Buffer.alloc(50 * MiB);
  let zip = await buildZip([
    { name: 'site/content/2024-06.md', data: '# Juin 2024\n' },
    { name: 'XX/XX/etc/passwd', data: 'root:x:0:0' },
    { name: 'Xabs.md', data: '# absolute' },
    { name: 'DX/win.md', data: '# drive' },
    { name: 'back/slash.md', data: '# backslash' },
    { name: 'bomb.md', data: zeros },
    { name: 'inner.zip', data: await buildZip([{ name: 'deep.md', data: '# deep' }]) },
    { name: 'disguised.md', data: await buildZip([{ name: 'deep.md', data: '# deep' }]) },
    { name: 'secret.md', data: '# secret '.repeat(20) },
    { name: 'site/content/_index.md', data: '# section' },
    { name: '__MACOSX/site/._2024-06.md', data: Buffer.from([0, 5, 22, 7]) },
    { name: 'site/.DS_Store', data: Buffer.from([0, 0, 0, 1]) },
    { name: 'site/static/logo.png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47]) },
    { name: 'link.md', data: '/etc/passwd', mode: 0o120777 },
    { name: 'feed.atom', data: latin1Feed },
    { name: 'veille-export.json', data: EXPORT_JSON },
  ]);
  assert.ok(zip.length < 200 * 1024, `50 MB of zeros compress to ${zip.length} bytes`);
  zip = renameEntry(zip, 'XX/XX/etc/passwd', '../../etc/passwd');
  zip = renameEntry(zip, 'Xabs.md', '/abs.md');
  zip = renameEntry(zip, 'DX/win.md', 'D:/win.md');
  zip = renameEntry(zip, 'back/slash.md', 'back\\slash.md');
  // The "traditional encryption" flag, as a password-protected archive sets it.
  zip = patchCentral(zip, 'secret.md', (record) => record.writeUInt16LE(record.readUInt16LE(8) | 1, 8));

  const { texts, problems } = await readImportSource({ kind: 'upload', filename: 'C:\\fakepath\\site export.zip', bytes: zip });
  const archive = 'site export.zip';
  assert.deepEqual(
    texts.map(({ name, kind }) => ({ name, kind })),
    [
      { name: `${archive}/site/content/2024-06.md`, kind: 'markdown' },
      { name: `${archive}/feed.atom`, kind: 'feed' },
      { name: `${archive}/veille-export.json`, kind: 'veille-json' },
    ],
  );
  assert.match(texts[1]!.text, /Données ’quotées’/);
  assert.match(problemFor(problems, `${archive}/../../etc/passwd`), /^has an unsafe path \(it climbs out of the archive with ".."\); skipped$/);
  assert.match(problemFor(problems, `${archive}//abs.md`), /unsafe path \(it is an absolute path\)/);
  assert.match(problemFor(problems, `${archive}/D:/win.md`), /unsafe path \(it starts with a drive letter\)/);
  assert.match(problemFor(problems, `${archive}/back\\slash.md`), /unsafe path \(it contains a backslash\)/);
  assert.match(problemFor(problems, `${archive}/bomb.md`), /^expands beyond 5 MB \(to 50 MB from \d+ KB\); looks like a zip bomb/);
  assert.match(problemFor(problems, `${archive}/inner.zip`), /zip archive inside the archive/);
  assert.match(problemFor(problems, `${archive}/disguised.md`), /zip archive inside the archive/);
  assert.match(problemFor(problems, `${archive}/secret.md`), /is encrypted/);
  assert.match(problemFor(problems, `${archive}/site/content/_index.md`), /section index/);
  assert.match(problemFor(problems, `${archive}/link.md`), /symbolic link/);
  assert.equal(problems.length, 10, JSON.stringify(problems, null, 1));
});

test('a zip entry whose header understates its size is stopped as a bomb; a wrong checksum is damage', async () => {
  let zip = await buildZip([
    { name: 'liar.md', data: 'a'.repeat(100_000) },
    { name: 'crc.md', data: '# fine text' },
    { name: 'ok.md', data: '# ok' },
  ]);
  zip = patchCentral(zip, 'liar.md', (record) => record.writeUInt32LE(1000, 24));
  zip = patchCentral(zip, 'crc.md', (record) => record.writeUInt32LE((record.readUInt32LE(16) ^ 0xff) >>> 0, 16));
  const { texts, problems } = await readImportSource({ kind: 'upload', filename: 'a.zip', bytes: zip });
  assert.deepEqual(
    texts.map((text) => text.name),
    ['a.zip/ok.md'],
  );
  assert.match(problemFor(problems, 'a.zip/liar.md'), /^expands beyond the 1000 bytes its header declares; looks like a zip bomb/);
  assert.match(problemFor(problems, 'a.zip/crc.md'), /damaged in the archive \(its checksum does not match\)/);
});

test('a zip over the total, over the entry count, or not a zip at all', async () => {
  const text = 'a'.repeat(400 * 1024);
  const three = await buildZip([
    { name: '1.md', data: text },
    { name: '2.md', data: text },
    { name: '3.md', data: text },
  ]);
  const total = await readImportSource({ kind: 'upload', filename: 'three.zip', bytes: three }, { limits: { maxTotalUncompressed: MiB } });
  assert.deepEqual(
    total.texts.map((entry) => entry.name),
    ['three.zip/1.md', 'three.zip/2.md'],
  );
  assert.deepEqual(total.problems, [
    { name: 'three.zip', reason: 'expands beyond 1 MB in total; looks like a zip bomb, so it was not read: the rest of it was left out' },
  ]);

  const many = await readImportSource({ kind: 'upload', filename: 'three.zip', bytes: three }, { limits: { maxEntries: 2 } });
  assert.deepEqual(many.texts, []);
  assert.match(many.problems[0]!.reason, /has 3 entries, more than the 2 Veille reads from one archive/);

  const corrupt = await readImportSource({ kind: 'upload', filename: 'broken.zip', bytes: three.subarray(0, 200) });
  assert.deepEqual(corrupt.texts, []);
  assert.match(corrupt.problems[0]!.reason, /^is not a valid zip archive \(/);
  const named = await readImportSource({ kind: 'upload', filename: 'fake.zip', bytes: Buffer.from('# not a zip') });
  assert.match(named.problems[0]!.reason, /^is not a valid zip archive/);
  // Detected by its first bytes, whatever its name.
  const renamed = await readImportSource({ kind: 'upload', filename: 'export.bin', bytes: await buildZip([{ name: 'x.md', data: '# x' }]) });
  assert.deepEqual(
    renamed.texts.map((entry) => entry.name),
    ['export.bin/x.md'],
  );
});

test('uploads: too large is refused whole; Markdown, feeds and JSON are told apart; encodings', async () => {
  await assert.rejects(
    readImportSource({ kind: 'upload', filename: 'big.zip', bytes: Buffer.alloc(2048) }, { limits: { maxUploadBytes: 1024 } }),
    (error: unknown) => error instanceof ValidationError && error.message === 'big.zip is 2 KB, more than the 1 KB an upload may be.',
  );
  const big = await readImportSource({ kind: 'upload', filename: 'big.md', bytes: Buffer.alloc(6 * MiB, 0x61) });
  assert.equal(big.problems[0]!.reason, 'is 6 MB, more than the 5 MB Veille reads from one file');

  const markdown = await readImportSource({ kind: 'upload', filename: 'juin.md', bytes: Buffer.from('# Juin\n') });
  assert.deepEqual(markdown.texts, [{ name: 'juin.md', kind: 'markdown', text: '# Juin\n' }]);
  const feed = await readImportSource({ kind: 'upload', filename: 'feed', bytes: latin1Feed });
  assert.equal(feed.texts[0]!.kind, 'feed');
  const exported = await readImportSource({ kind: 'upload', filename: 'backup.json', bytes: Buffer.from(EXPORT_JSON) });
  assert.equal(exported.texts[0]!.kind, 'veille-json');

  const notExport = await readImportSource({ kind: 'upload', filename: 'data.json', bytes: Buffer.from('{"editions": []}') });
  assert.deepEqual(notExport.problems, [{ name: 'data.json', reason: `is JSON but not a Veille export (it has no "format": "${EXPORT_FORMAT}" field)` }]);
  const later = await readImportSource({ kind: 'upload', filename: 'v9.json', bytes: Buffer.from(`{"format": "${EXPORT_FORMAT}", "version": 9}`) });
  assert.match(later.problems[0]!.reason, /version 9, which this version of Veille cannot read/);
  const broken = await readImportSource({ kind: 'upload', filename: 'broken.json', bytes: Buffer.from('{"format": ') });
  assert.match(broken.problems[0]!.reason, /^is not valid JSON \(/);

  const windows = await readImportSource({ kind: 'upload', filename: 'old.md', bytes: windows1252Markdown });
  assert.deepEqual(windows.texts, []);
  assert.match(windows.problems[0]!.reason, /^is not UTF-8 text \(byte 0xE9 on line 1; .*\); save it as UTF-8$/);
  const windowsFeed = await readImportSource({
    kind: 'upload',
    filename: 'feed.xml',
    bytes: Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="windows-1252"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><title>'),
      Buffer.from([0x93, 0x80, 0x94]),
      Buffer.from('</title></feed>'),
    ]),
  });
  assert.match(windowsFeed.texts[0]!.text, /<title>“€”<\/title>/);
  const shiftJis = await readImportSource({
    kind: 'upload',
    filename: 'feed.xml',
    bytes: Buffer.concat([
      Buffer.from('<?xml version="1.0" encoding="Shift_JIS"?><rss><channel><title>'),
      Buffer.from([0x93, 0xfa, 0x96, 0x7b]),
      Buffer.from('</title></channel></rss>'),
    ]),
  });
  assert.match(shiftJis.texts[0]!.text, /<title>日本<\/title>/);
  const unknown = await readImportSource({ kind: 'upload', filename: 'feed.xml', bytes: Buffer.from('<?xml version="1.0" encoding="x-klingon"?><rss/>') });
  assert.equal(unknown.problems[0]!.reason, 'declares an unknown encoding x-klingon; save it as UTF-8');
  const utf16le = await readImportSource({
    kind: 'upload',
    filename: 'feed.xml',
    bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<?xml version="1.0" encoding="UTF-16"?><rss/>', 'utf16le')]),
  });
  assert.equal(utf16le.texts[0]!.text, '<?xml version="1.0" encoding="UTF-16"?><rss/>');
  const page = await readImportSource({ kind: 'upload', filename: 'index.xml', bytes: Buffer.from('<!DOCTYPE html><html><body>hi</body></html>') });
  assert.equal(page.problems[0]!.reason, 'is a web page, not an RSS or Atom feed');
  const image = await readImportSource({ kind: 'upload', filename: 'photo', bytes: Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0, 0]) });
  assert.equal(image.problems[0]!.reason, 'is not a text file: it looks like a GIF image');
});

test('unsafeEntryPath names what is wrong with a path', () => {
  assert.equal(unsafeEntryPath('content/2024/juin.md'), null);
  assert.equal(unsafeEntryPath('a..b/c.md'), null, 'dots inside a name are fine');
  assert.match(unsafeEntryPath('a/../../b.md')!, /climbs out/);
  assert.match(unsafeEntryPath('c:evil.md')!, /drive letter/);
  assert.match(unsafeEntryPath('a\0b')!, /NUL/);
});
