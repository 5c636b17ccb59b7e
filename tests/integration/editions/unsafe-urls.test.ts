import { editionPath } from '../../../apps/domain/editions/periods.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeHTML } from 'entities';
import { parseDocument, DomUtils } from 'htmlparser2';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';

/** Every href and src of a document, as a browser reads them (references decoded, tabs and line breaks dropped). */
function urlsIn(html: string): string[] {
  const document = parseDocument(html);
  return DomUtils.findAll((element) => element.attribs.href !== undefined || element.attribs.src !== undefined, document.children).map((element) =>
    (element.attribs.href ?? element.attribs.src ?? '').replace(/[\t\n\r]/g, '').trim(),
  );
}

function assertInert(html: string, where: string): void {
  const urls = urlsIn(html);
  assert.ok(urls.length > 0, `${where} has links`);
  for (const url of urls) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
    assert.ok(scheme === undefined || ['http', 'https', 'mailto'].includes(scheme), `${where} links to ${url}`);
  }
}

test('a javascript: or data: URL already in the database renders inert everywhere: page, feeds, email, Substack copy, admin', async (t) => {
  const { app, services, database } = await buildTestApp(t);
  const owner = await setUpOwner(app);
  const [user] = await services.accounts.listUsers();
  const category = await services.categories.create({ name: 'Ops' });
  const ids: string[] = [];
  for (const title of ['Script link', 'Data link', 'Spaced link', 'Good link']) {
    ids.push(
      (await services.links.add({ actor: user!, input: { url: `https://links.example/${ids.length}`, title, commentary: 'À lire.', categoryId: category.id } }))
        .link.id,
    );
  }
  const child = await services.links.add({ actor: user!, input: { url: 'https://links.example/child', title: 'Child link', parentId: ids[3] } });
  const inboxLink = await services.links.add({ actor: user!, input: { url: 'https://links.example/inbox', title: 'Inbox link', categoryId: category.id } });
  await services.editions.put({ period: '2024-06', input: { title: 'Juin 2024', intro: 'Intro.', sections: [{ category: 'Ops', links: ids }] } });

  // As an older version or a hand-made import could have left them.
  const plant = (id: string, column: 'url' | 'commentary_html', value: string) =>
    database.pool.query(`UPDATE links SET ${column} = $2 WHERE id = $1`, [id, value]);
  await plant(ids[0]!, 'url', 'javascript:alert(1)');
  await plant(ids[1]!, 'url', 'data:text/html,<script>alert(2)</script>');
  await plant(ids[2]!, 'url', '  JaVaScRiPt:alert(3)');
  await plant(child.link.id, 'url', 'javascript:alert(4)');
  await plant(inboxLink.link.id, 'url', 'javascript:alert(5)');
  await plant(
    ids[3]!,
    'commentary_html',
    '<a href="javascript:alert(6)">six</a> <a href="&#106;avascript:alert(7)">seven</a> <a href="java&#x09;script:alert(8)">eight</a> <a href="data:text/html,x">nine</a> <img src="data:image/svg+xml,&lt;svg onload=alert(9)&gt;"> <a href="https://ok.example/">fine</a>',
  );
  await services.editions.publish({ period: '2024-06' });
  const row = await services.editions.find({ period: '2024-06' });
  const path = editionPath(row);

  const page = (await app.inject({ url: path })).body;
  assertInert(page, 'the public page');
  for (const title of ['Script link', 'Data link', 'Spaced link', 'Child link']) assert.ok(page.includes(title), `${title} is still shown, as text`);
  assert.ok(page.includes('<a href="https://ok.example/">fine</a>'), 'a safe link stays a link');
  assert.ok(page.includes('>seven</a>') && !page.includes('alert(7)'), 'a link that lost its URL keeps its text');

  const rss = (await app.inject({ url: '/feed.xml' })).body;
  assertInert(/<content:encoded><!\[CDATA\[([\s\S]*?)\]\]><\/content:encoded>/.exec(rss)![1]!, 'the RSS feed');
  const atom = (await app.inject({ url: '/atom.xml' })).body;
  assertInert(decodeHTML(/<content type="html">([\s\S]*?)<\/content>/.exec(atom)![1]!), 'the Atom feed');
  assertInert((await app.inject({ url: '/feed.json' })).json().items[0].content_html, 'the JSON feed');

  const email = await services.delivery.preview({ period: '2024-06' });
  assertInert(email.html, 'the email');
  assert.doesNotMatch(email.text, /javascript:|data:text/i, 'the plain-text part');

  const editor = (await owner.get('/admin/editions/2024-06')).body;
  assertInert(editor, 'the edition editor');
  const substack = /<template id="substack-html">([\s\S]*?)<\/template>/.exec(editor)![1]!;
  assertInert(substack, 'the Substack copy');
  assert.ok(substack.includes('Script link'));

  const inbox = (await owner.get('/admin/inbox?status=all')).body;
  assertInert(inbox, 'the inbox');
  assert.ok(inbox.includes('javascript:alert(5)'), 'the odd URL is shown as text, to be fixed');
  const markdown = (await owner.get('/admin/editions/2024-06/export.md')).body;
  assert.doesNotMatch(markdown, /\]\((?!https?:|mailto:)/, 'the Markdown links only http(s) and mailto');
});
