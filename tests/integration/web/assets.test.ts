import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { staticFiles } from '../../../apps/web/assets.ts';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';

/** The /static/ URLs a page links in its head. */
function linkedAssets(body: string): string[] {
  return [...body.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map((match) => match[1]!);
}

test('pages link their stylesheet, scripts and icon by content version, and those URLs serve the files', async (t) => {
  const { app } = await buildTestApp(t);
  const other = await buildTestApp(t);
  const setup = linkedAssets((await app.inject({ url: '/setup' })).body);
  assert.deepEqual(setup.map((url) => url.split('?')[0]).sort(), [
    '/static/css/app.css',
    '/static/favicon.svg',
    '/static/js/app.js',
    '/static/vendor/htmx/htmx.min.js',
  ]);
  for (const url of setup) assert.match(url, /\?v=[A-Za-z0-9_-]{16}$/, url);
  assert.deepEqual(linkedAssets((await other.app.inject({ url: '/setup' })).body), setup, 'another instance links the same URLs');

  const owner = await setUpOwner(app);
  const admin = linkedAssets((await owner.get('/admin')).body);
  assert.ok(
    admin.some((url) => url.startsWith('/static/vendor/sortable/Sortable.min.js?v=')),
    admin.join(' '),
  );
  const home = linkedAssets((await app.inject({ url: '/' })).body);
  assert.ok(home.includes(setup.find((url) => url.startsWith('/static/css/app.css'))!), 'the public site links the same stylesheet');

  const files = staticFiles();
  for (const url of new Set([...setup, ...admin, ...home])) {
    const served = await app.inject({ url });
    assert.equal(served.statusCode, 200, url);
    assert.ok(served.rawPayload.equals(await readFile(files.get(url.split('?')[0]!)!)), `${url} serves the file it names`);
  }
  // The libraries' folders serve only the files pages link.
  assert.equal((await app.inject({ url: '/static/vendor/htmx/htmx.js' })).statusCode, 404);
  assert.equal((await app.inject({ url: '/static/vendor/sortable/package.json' })).statusCode, 404);
});
