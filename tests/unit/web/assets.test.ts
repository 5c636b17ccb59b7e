import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { assetUrl, contentVersion, staticFiles, versionedUrls } from '../../../apps/web/assets.ts';

const run = promisify(execFile);

test('a file’s URL follows its bytes: the same content gives the same version wherever it lies, a changed byte a new one', async (t) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'veille-assets-'));
  t.after(() => rm(folder, { recursive: true, force: true }));
  const [a, b] = [path.join(folder, 'a.css'), path.join(folder, 'b.css')];
  await writeFile(a, 'body { color: black; }\n');
  await writeFile(b, 'body { color: black; }\n');
  const first = versionedUrls(new Map([['/static/css/app.css', a]]));
  const copy = versionedUrls(new Map([['/static/css/app.css', b]]));
  assert.match(first.get('/static/css/app.css')!, /^\/static\/css\/app\.css\?v=[A-Za-z0-9_-]{16}$/);
  assert.equal(copy.get('/static/css/app.css'), first.get('/static/css/app.css'), 'two instances of one release link the same URL');
  await writeFile(b, 'body { color: navy; }\n');
  assert.notEqual(
    versionedUrls(new Map([['/static/css/app.css', b]])).get('/static/css/app.css'),
    first.get('/static/css/app.css'),
    'a changed file gets a new URL',
  );
  assert.equal(contentVersion(Buffer.from('x')), contentVersion(Buffer.from('x')));
});

test('every linked file is versioned by its own content: public/ and the vendored htmx and Sortable', async () => {
  const files = staticFiles();
  for (const url of [
    '/static/css/app.css',
    '/static/js/app.js',
    '/static/favicon.svg',
    '/static/vendor/htmx/htmx.min.js',
    '/static/vendor/sortable/Sortable.min.js',
  ]) {
    const file = files.get(url);
    assert.ok(file, `${url} is known`);
    const expected = createHash('sha256')
      .update(await readFile(file))
      .digest('base64url')
      .slice(0, 16);
    assert.equal(assetUrl(url), `${url}?v=${expected}`);
  }
  assert.throws(() => assetUrl('/static/css/missing.css'), /No static file is served at \/static\/css\/missing\.css/);
});

test('another process computes the same URLs: nothing depends on when or where it started', async () => {
  const urls = ['/static/css/app.css', '/static/vendor/htmx/htmx.min.js'];
  const script = `import { assetUrl } from './apps/web/assets.ts'; process.stdout.write(JSON.stringify(${JSON.stringify(urls)}.map(assetUrl)));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  assert.deepEqual(JSON.parse(stdout), urls.map(assetUrl));
});
