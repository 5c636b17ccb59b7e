import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { decodeHTML } from 'entities';
import { Parser } from 'htmlparser2';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';
import { buildInbox, HX, rowIds } from '../../helpers/inbox.ts';

const HOSTILE_TITLES = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  "'><body onload=alert(1)>",
  '</textarea><script>alert(1)</script>',
  '" autofocus onfocus="alert(1)',
  '<a href="javascript:alert(1)">title link</a>',
];
const HOSTILE_COMMENTARIES = [
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '[click](javascript&#58;alert(1))',
  '[click](%20javascript:alert(1))',
  '[click](vbscript:msgbox(1))',
  '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '![img](javascript:alert(1))',
  '![img](x" onerror="alert(1))',
  '<a href="javascript:alert(1)">raw link</a>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<div onmouseover="alert(1)">hover</div>',
  '<scr<script>ipt>alert(1)</script>',
  '<img src="x" onerror="alert(1)"',
  '<svg><script>alert(1)</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<script>alert(1)</script>\n\nSecond paragraph with [a link](javascript:alert(1)) and <b onclick=alert(1)>bold</b>',
  '```"><img src=x onerror=alert(1)>\ncode\n```',
  '<details open ontoggle=alert(1)>',
  '[x](https://example.org/" onclick="alert(1))',
];
const HOSTILE_VIAS = ['<script>alert(1)</script>', '" onmouseover="alert(1)', '<img src=x onerror=alert(1)>'];
const HOSTILE_URLS = [
  'https://example.org/?q="><script>alert(1)</script>',
  "https://example.org/#'><img src=x onerror=alert(1)>",
  'https://example.org/"onmouseover="alert(1)',
];

/** What would run in a browser: inline scripts, event handler attributes, script URLs, embedded documents. */
function activeContent(html: string): string[] {
  const problems: string[] = [];
  let inScript = false;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'script') {
          inScript = true;
          if (!attributes.src?.startsWith('/static/')) problems.push(`<script src="${attributes.src ?? ''}">`);
        }
        if (['iframe', 'object', 'embed', 'svg', 'math', 'base', 'style', 'frame'].includes(name)) problems.push(`<${name}>`);
        for (const [attribute, value] of Object.entries(attributes)) {
          if (/^on|^hx-on/i.test(attribute)) problems.push(`<${name} ${attribute}="${value}">`);
          // Browsers ignore control characters and spaces around a scheme.
          // eslint-disable-next-line no-control-regex
          const compact = value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
          if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(attribute) && /^(javascript|vbscript|data):/.test(compact)) {
            problems.push(`<${name} ${attribute}="${value}">`);
          }
        }
      },
      ontext(text) {
        if (inScript && text.trim() !== '') problems.push(`inline script: ${text.slice(0, 60)}`);
      },
      onclosetag(name) {
        if (name === 'script') inScript = false;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return problems;
}

function assertInert(html: string, where: string): void {
  assert.doesNotMatch(html, /<script>alert/i, `${where}: a script tag from editor text`);
  // Inside a real tag: the same characters in escaped text ("&lt;a href=...") are harmless.
  assert.doesNotMatch(html, /<[a-z][^<>]*\shref\s*=\s*["']?\s*javascript:/i, `${where}: a javascript: link`);
  assert.deepEqual(activeContent(html), [], `${where}: active content`);
}

test('XSS: hostile titles, commentary, via, tags and URLs are shown as text on the inbox, in search results and in the edit form', async (t) => {
  const { app, owner, form, services, user } = await buildInbox(t);
  const { token } = await services.auth.createApiToken({ actor: user, name: 'test' });
  const post = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v1/links', headers: { authorization: `Bearer ${token}` }, payload });

  const ids: string[] = [];
  const count = Math.max(HOSTILE_TITLES.length, HOSTILE_COMMENTARIES.length);
  for (let index = 0; index < count; index += 1) {
    const response = await post({
      url: HOSTILE_URLS[index % HOSTILE_URLS.length]!.replace('example.org', `example${index}.org`),
      title: HOSTILE_TITLES[index % HOSTILE_TITLES.length],
      commentary: HOSTILE_COMMENTARIES[index],
      via: HOSTILE_VIAS[index % HOSTILE_VIAS.length],
      tags: ['xss', 'c++', 'c#'],
      category: index === 0 ? '<script>alert(1)</script> & "co"' : undefined,
    });
    assert.equal(response.statusCode, 201, response.body);
    ids.push(response.json<{ id: string }>().id);
  }
  // A nested item and a failed fetch show their text in other places of the row.
  const child = await post({
    url: 'https://example.org/child',
    title: '<img src=x onerror=alert(1)>',
    commentary: '[c](javascript:alert(1))',
    parentId: ids[1],
  });
  assert.equal(child.statusCode, 201, child.body);
  for (const tags of [['<script>'], ['a"b'], ['x onmouseover=alert(1)']]) {
    const refused = await post({ url: 'https://example.org/tags', tags });
    assert.equal(refused.statusCode, 422, `tags ${JSON.stringify(tags)} are refused`);
  }

  const inbox = await owner.get('/admin/inbox');
  assert.equal(inbox.statusCode, 200);
  assertInert(inbox.body, 'inbox');
  assert.deepEqual(rowIds(inbox.body).sort(), [...ids].sort());
  assert.ok(inbox.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the title is shown, escaped');
  assert.ok(inbox.body.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(inbox.body.includes('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;'), 'the category name is escaped');
  assert.match(inbox.body, /via &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.ok(
    inbox.body.includes('href="/admin/inbox?tag=c%2B%2B&amp;status=all"') || inbox.body.includes('href="/admin/inbox?tag=c%2B%2B&status=all"'),
    'tags are encoded in links',
  );

  for (const query of ['alert', 'click', 'script', 'xss', encodeURIComponent('<script>alert(1)</script>'), encodeURIComponent('"><svg onload=alert(1)>')]) {
    const results = await owner.get(`/admin/inbox?q=${query}&status=all`);
    assert.equal(results.statusCode, 200, query);
    assertInert(results.body, `search for ${decodeURIComponent(query)}`);
    const fragment = await owner.get(`/admin/inbox?q=${query}`, { ...HX, 'hx-target': 'inbox-list' });
    assertInert(fragment.body, `search fragment for ${decodeURIComponent(query)}`);
  }
  const highlighted = await owner.get('/admin/inbox?q=alert');
  assert.ok(rowIds(highlighted.body).length >= 10, 'the search finds the hostile links');
  assert.match(highlighted.body, /<mark>alert<\/mark>/, 'matches are highlighted, and only with <mark>');

  for (const id of ids) {
    const editForm = await owner.get(`/admin/links/${id}/edit`, HX);
    assert.equal(editForm.statusCode, 200);
    assertInert(editForm.body, `edit form of ${id}`);
    const page = await owner.get(`/admin/links/${id}/edit`);
    assertInert(page.body, `edit page of ${id}`);
    const row = await owner.get(`/admin/links/${id}/row`, HX);
    assertInert(row.body, `row of ${id}`);
  }
  const editTextarea = await owner.get(`/admin/links/${ids[4]}/edit`, HX);
  assert.ok(editTextarea.body.includes('value="&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;"'), 'the title sits escaped in its input');

  // The edit form given back after a refusal echoes what was posted: still escaped.
  const refused = await form(
    `/admin/links/${ids[0]}`,
    { title: 'x'.repeat(1200), commentary: '</textarea><script>alert(1)</script>', via: '"><img src=x onerror=alert(1)>' },
    HX,
  );
  assert.equal(refused.statusCode, 422);
  assertInert(refused.body, 'refused edit form');

  // The capture popup shows what a hostile page's title and selection hold.
  const popup = await owner.get(
    `/admin/links/new?popup=1&url=${encodeURIComponent(HOSTILE_URLS[0]!)}&title=${encodeURIComponent(HOSTILE_TITLES[2]!)}&text=${encodeURIComponent(HOSTILE_COMMENTARIES[9]!)}`,
  );
  assert.equal(popup.statusCode, 200);
  assertInert(popup.body, 'capture popup');
  const preview = await form('/admin/links/preview', { commentary: HOSTILE_COMMENTARIES.join('\n') }, HX);
  assert.equal(preview.statusCode, 200);
  assertInert(preview.body, 'Markdown preview');
  const inline = await form('/admin/links/preview', { commentary: '[x](javascript:alert(1)) <img src=x onerror=alert(1)>' }, HX);
  assertInert(inline.body, 'inline Markdown preview');
});

/** Runs the capture page's bookmarklet as a browser would on another site's page, and returns the address it opens. */
function bookmarkletOpens(capturePage: string): string {
  const href = decodeHTML(/<a [^>]*href="(javascript:[^"]*)"[^>]*data-bookmarklet/.exec(capturePage)![1]!);
  // A browser percent-decodes a javascript: URL before running it.
  const code = decodeURIComponent(href.slice('javascript:'.length));
  let opened = '';
  const window = { getSelection: () => 'Selected text', open: (url: string) => (opened = url) };
  runInNewContext(code, { window, document: { title: 'A page' }, location: { href: 'https://elsewhere.example/post' }, encodeURIComponent, String });
  return opened;
}

test('the bookmarklet opens PUBLIC_URL, whatever Host the capture page was asked with', async (t) => {
  const { app } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  const page = await owner.get('/admin/capture', { host: 'evil.example' });
  assert.equal(page.statusCode, 200);
  assert.doesNotMatch(page.body, /evil\.example/);
  assert.equal(
    bookmarkletOpens(page.body),
    `http://veille.test/admin/links/new?popup=1&url=${encodeURIComponent('https://elsewhere.example/post')}&title=A%20page&text=Selected%20text`,
  );

  // A PUBLIC_URL with quotes and percent signs stays one string.
  const odd = await buildTestApp(t, { env: { PUBLIC_URL: "https://news.example.org/o'hara%22x" } });
  const oddOwner = await setUpOwner(odd.app);
  const oddPage = await oddOwner.get('/admin/capture');
  assert.ok(bookmarkletOpens(oddPage.body).startsWith("https://news.example.org/o'hara%22x/admin/links/new?popup=1&url="));
});

test('a refused character on a form about nothing, or from nobody, is a 4xx without internals', async (t) => {
  const { app, form } = await buildInbox(t);
  const ghost = await form('/admin/links/00000000-0000-4000-8000-000000000000', { title: 'a\u0000b' }, HX);
  // The form cannot be shown again for a link that does not exist: that is the answer.
  assert.equal(ghost.statusCode, 404, 'the link to show again does not exist');
  assert.equal(ghost.json<{ error: string }>().error, 'not_found');
  const page = await form('/admin/links/00000000-0000-4000-8000-000000000000', { title: 'a\u0000b' });
  assert.equal(page.statusCode, 404);
  assert.doesNotMatch(page.body, /at \w+ \(|TypeError/);
  for (const url of ['/admin/categories?name=a%00b', '/admin/links?url=a%00b', '/admin/links/bulk?ids=a%00b']) {
    const anonymous = await app.inject({ method: 'POST', url, payload: 'name=a%00b', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(anonymous.statusCode, 401, url);
  }
});
