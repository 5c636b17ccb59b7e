import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

const canonicalOf = (body: string) => ({
  link: /<link rel="canonical" href="([^"]*)">/.exec(body)?.[1],
  og: /<meta property="og:url" content="([^"]*)">/.exec(body)?.[1],
});

test('canonical and og:url come from known parameters only: a poisoned query never reaches a later visitor', async (t) => {
  const { app, services } = await buildTestApp(t);
  await services.imports.loadDemo({ actor: OPERATOR });
  const [tag] = await services.editions.publishedTags();
  assert.ok(tag, 'the demo editions have tags');
  const year = (await services.editions.publishedYears())[0]!.year;

  const pages: Array<[string, string]> = [
    ['/archive', 'http://veille.test/archive'],
    [`/archive/${year}`, `http://veille.test/archive/${year}`],
    [`/tags/${encodeURIComponent(tag.tag)}`, `http://veille.test/tags/${encodeURIComponent(tag.tag)}`],
  ];
  for (const [path, expected] of pages) {
    // The first visitor asks with extra parameters, another spelling or a trailing slash...
    for (const poisoned of [`${path}?page=1&x=evil-marker`, `${path}/?utm_source=evil-marker`, `${path}?page=01&x=%22%3E%3Cscript%3Eevil-marker`]) {
      const first = await app.inject({ url: poisoned });
      assert.equal(first.statusCode, 200, poisoned);
      assert.doesNotMatch(first.body, /evil-marker/, poisoned);
      assert.deepEqual(canonicalOf(first.body), { link: expected, og: expected }, poisoned);
    }
    // ...and everyone after gets the page as it is.
    const later = await app.inject({ url: path });
    assert.doesNotMatch(later.body, /evil-marker/);
    assert.deepEqual(canonicalOf(later.body), { link: expected, og: expected });
  }
  const upper = await app.inject({ url: `/tags/${encodeURIComponent(tag.tag.toUpperCase())}?x=evil-marker` });
  assert.equal(canonicalOf(upper.body).link, `http://veille.test/tags/${encodeURIComponent(tag.tag)}`, 'a tag in capitals has the canonical of its page');
  assert.doesNotMatch((await app.inject({ url: '/?x=evil-marker' })).body, /evil-marker/);
});

test('a favicon answers at /favicon.ico and every layout links it', async (t) => {
  const { app } = await buildTestApp(t);
  const ico = await app.inject({ url: '/favicon.ico' });
  assert.equal(ico.statusCode, 200);
  assert.equal(ico.headers['content-type'], 'image/x-icon');
  assert.deepEqual([...ico.rawPayload.subarray(0, 4)], [0, 0, 1, 0], 'an ICO file');
  const svg = await app.inject({ url: '/static/favicon.svg' });
  assert.equal(svg.statusCode, 200);
  assert.match(String(svg.headers['content-type']), /^image\/svg\+xml/);
  const setup = await app.inject({ url: '/setup' });
  assert.match(setup.body, /<link rel="icon" href="\/favicon.ico" sizes="32x32">/);
  assert.match(setup.body, /<link rel="icon" href="\/static\/favicon.svg\?v=[^"]+" type="image\/svg\+xml">/);
  const client = await setUpOwner(app);
  for (const url of ['/', '/archive', '/admin', '/admin/capture']) assert.match((await client.get(url)).body, /rel="icon" href="\/favicon.ico"/, url);
});
