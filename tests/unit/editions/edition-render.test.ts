import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomUtils, Parser, parseDocument } from 'htmlparser2';
import type { Element } from 'domhandler';
import { atomFeed, editionBodyHtml, jsonFeed, rssFeed, sectionSlug, sitemapXml } from '../../../apps/domain/editions/edition-render.ts';
import { editionDate, editionToMarkdown } from '../../../apps/domain/editions/edition-markdown.ts';
import type { EditionDocument } from '../../../apps/domain/editions/edition-types.ts';
import { NEWSLETTER, category, edition, fromSample, link, text } from '../../helpers/editions.ts';
import { readSample, readSampleMarkdown, SAMPLE_NAMES } from '../../helpers/samples.ts';

// A reference edition as a document, and the file the published archive holds for it.
function loadSample(name: string): { doc: EditionDocument; markdown: string } {
  return { doc: fromSample(readSample(name), name), markdown: readSampleMarkdown(name) };
}

// htmlparser2 is lenient (it closes what is left open), so well-formedness is checked here:
// every element is closed by its own end tag or is self-closing, and there is a single root.
function assertWellFormedXml(xml: string): void {
  const problems: string[] = [];
  let depth = 0;
  let roots = 0;
  const parser: Parser = new Parser(
    {
      onopentag() {
        if (depth === 0) roots += 1;
        depth += 1;
      },
      onclosetag(name) {
        depth -= 1;
        const source = xml.slice(parser.startIndex, parser.endIndex + 1);
        const selfClosing = source.startsWith(`<${name}`) && source.endsWith('/>');
        if (source !== `</${name}>` && !selfClosing) problems.push(`<${name}> closed by ${source}`);
      },
    },
    { xmlMode: true },
  );
  parser.end(xml);
  assert.deepEqual(problems, []);
  assert.equal(depth, 0);
  assert.equal(roots, 1);
  assert.doesNotMatch(xml, /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i, 'bare ampersand');
}

function elements(xml: string, name: string): Element[] {
  return DomUtils.getElementsByTagName(name, parseDocument(xml, { xmlMode: true }).children, true);
}

function childText(element: Element, name: string): string {
  const child = DomUtils.getElementsByTagName(name, element.children, false)[0];
  assert.ok(child, `<${name}> in <${element.name}>`);
  return DomUtils.textContent(child);
}

describe('editionToMarkdown', () => {
  for (const name of SAMPLE_NAMES) {
    test(`reproduces the published archive file ${name}.md`, () => {
      const { doc, markdown } = loadSample(name);
      assert.equal(editionToMarkdown(doc).trimEnd(), markdown.trimEnd());
    });
  }

  test('dates an unpublished edition on the last day of its period, a published one on its publication day', () => {
    assert.equal(editionDate({ period: '2018-01', publishedAt: null }), '2018-01-31');
    assert.equal(editionDate({ period: '2024-02', publishedAt: null }), '2024-02-29');
    assert.equal(editionDate({ period: '2024-12', publishedAt: null }), '2024-12-31');
    assert.equal(editionDate({ period: '2024-W01', publishedAt: null }), '2024-01-07');
    assert.equal(editionDate({ period: '2021-W53', publishedAt: null }), '2022-01-09');
    assert.equal(editionDate({ period: '2024-06', publishedAt: new Date('2024-07-02T09:00:00Z') }), '2024-07-02');
  });

  test('escapes TOML strings, link text and awkward URLs', () => {
    const doc = edition({
      title: 'Say "hi" \\ bye\tnow\u0001',
      tags: ['a"b', 'c\\d'],
      blocks: [
        category('Web', [
          link('Arrays [1] and ]', 'https://x.example/a_(b)', 'two\nlines', [link('Child', 'https://x.example/with space', 'c')]),
          link('Plain', 'https://x.example/p'),
        ]),
      ],
    });
    const markdown = editionToMarkdown(doc);
    assert.match(markdown, /^title = "Say \\"hi\\" \\\\ bye\\tnow\\u0001"$/m);
    assert.match(markdown, /^tags = \["a\\"b", "c\\\\d"\]$/m);
    assert.match(markdown, /^date = 2024-06-30$/m);
    assert.ok(markdown.includes('* [Arrays \\[1\\] and \\]](<https://x.example/a_(b)>) : two\n  lines\n'));
    assert.ok(markdown.includes('\n    * [Child](<https://x.example/with space>) : c\n'));
    assert.ok(markdown.includes('\n* [Plain](https://x.example/p)\n'));
  });

  test('keeps intro, blocks in their order, section texts and closing words, with markers where the shape is not enough', () => {
    const doc = edition({
      intro: 'Hello.',
      outro: 'Bye.',
      blocks: [
        category('Empty'),
        text('Tip', '```\ncode\n```'),
        category('Kept', [], { keepEmpty: true }),
        category('Web', [link('A', 'https://a.example/')], { intro: 'From the conference:', outro: 'My slides are online.' }),
      ],
    });
    assert.equal(
      editionToMarkdown(doc),
      '+++\ntitle = "Juin 2024"\ndate = 2024-06-30\n[taxonomies]\ntags = []\n+++\n\nHello.\n\n## Empty\n\n## Tip\n\n```\ncode\n```\n\n## Kept\n\n<!-- keep-empty -->\n\n## Web\n\nFrom the conference:\n\n* [A](https://a.example/)\n\nMy slides are online.\n\n<!-- closing -->\n\nBye.\n',
    );
  });
});

describe('editionBodyHtml', () => {
  test('renders the intro, the sections in order (empty ones only when kept), and the outro', () => {
    const { doc } = loadSample('web-ops-iot-et-time-series-juin-2024');
    const blocks = doc.blocks.map((block) => (block.kind === 'category' && block.name === 'API' ? { ...block, keepEmpty: true } : block));
    const html = editionBodyHtml({ ...doc, blocks, outro: 'À **bientôt**' });
    const headings = [...html.matchAll(/<h2 id="([^"]*)">([^<]*)<\/h2>/g)].map((match) => [match[1], match[2]]);
    assert.deepEqual(headings, [
      ['api', 'API'],
      ['python', 'Python'],
      ['ops', 'Ops'],
    ]);
    assert.ok(html.startsWith('<div class="edition-intro">\n<p>Cette édition'));
    assert.ok(html.endsWith('<div class="edition-outro">\n<p>À <strong>bientôt</strong></p>\n</div>'));
    assert.ok(html.includes('<section class="edition-section edition-kept-empty">\n<h2 id="api">API</h2>\n</section>'));
    assert.equal((html.match(/<ul>/g) ?? []).length, 2, 'no empty list for empty sections');
    assert.equal((html.match(/<li>/g) ?? []).length, 10);
    assert.doesNotMatch(html, /<script|<style|target=/);
  });

  test('adds " : " only when there is a commentary, and nests children', () => {
    const doc = edition({
      blocks: [
        category('(No)SQL', [
          link('Parent', 'https://p.example/', 'about *this*', [link('Child', 'https://c.example/', 'small')]),
          link('Bare', 'https://b.example/'),
        ]),
      ],
    });
    const html = editionBodyHtml(doc);
    assert.ok(html.includes('<h2 id="no-sql">(No)SQL</h2>'));
    assert.ok(
      html.includes(
        '<li><a href="https://p.example/">Parent</a> : about <em>this</em><ul>\n<li><a href="https://c.example/">Child</a> : small</li>\n</ul></li>',
      ),
    );
    assert.ok(html.includes('<li><a href="https://b.example/">Bare</a></li>'));
  });

  test('renders a free section code block as pre/code', () => {
    const { doc } = loadSample('web-ops-data-janvier-2018');
    const html = editionBodyHtml(doc);
    assert.match(html, /<section class="edition-free">\n<h2 id="astuce-s-du-mois">Astuce\(s\) du mois<\/h2>\n<p>La commande docker history/);
    assert.match(html, /<pre tabindex="0"><code[^>]*>docker image history nginx:stable\n/);
    assert.ok(html.includes('&lt;missing&gt;'));
    assert.ok(html.indexOf('edition-free') > html.lastIndexOf('edition-section'));
    assert.doesNotMatch(html, /edition-intro/, 'no intro block for an empty intro');
  });

  test('keeps hostile titles, headings and URLs inert', () => {
    const doc = edition({
      blocks: [
        category(
          '<img src=x onerror=alert(1)>',
          [
            link('<script>alert(1)</script>', 'javascript:alert(1)', 'see [x](javascript:alert(2))'),
            link('Quote', 'https://q.example/?a="><script>&b=1'),
            link('Mail', 'mailto:someone@example.org'),
          ],
          { intro: '<script>alert(4)</script>', outro: '[y](javascript:alert(5))' },
        ),
        text('</section><script>', '<script>alert(3)</script>'),
      ],
    });
    const html = editionBodyHtml(doc);
    assert.doesNotMatch(html, /<script|<img|href="(?!https:|mailto:)/i);
    assert.ok(html.includes('<li>&lt;script&gt;alert(1)&lt;/script&gt; : see'));
    assert.ok(html.includes('<a href="https://q.example/?a=&quot;&gt;&lt;script&gt;&amp;b=1">Quote</a>'));
    assert.ok(html.includes('<a href="mailto:someone@example.org">Mail</a>'));
    assert.ok(html.includes('&lt;/section&gt;&lt;script&gt;</h2>'));
  });

  test('makes relative links absolute when asked, and gives duplicate slugs distinct ids', () => {
    const doc = edition({
      intro: 'See [last month](/2024/05/mai) and [below](#ops).',
      blocks: [category('Ops', [], { keepEmpty: true }), category('OPS!', [], { keepEmpty: true })],
    });
    const html = editionBodyHtml(doc, { absoluteBase: 'https://veille.example/2024/06/juin-2024' });
    assert.ok(html.includes('href="https://veille.example/2024/05/mai"'));
    assert.ok(html.includes('href="https://veille.example/2024/06/juin-2024#ops"'));
    assert.ok(html.includes('<h2 id="ops-2">OPS!</h2>'));
    assert.ok(editionBodyHtml(doc).includes('href="/2024/05/mai"'));
    assert.equal(sectionSlug('Élément & Co'), 'element-co');
    assert.equal(sectionSlug('!!!'), 'section');
  });
});

describe('feeds', () => {
  const june = edition({
    title: 'Juin <2024> & "co"',
    tags: ['caddy', 'a&b'],
    intro: 'Intro with **bold** and a [link](https://x.example/).',
    publishedAt: new Date('2024-07-01T06:30:00Z'),
    correctedAt: new Date('2024-07-03T10:00:00Z'),
    blocks: [category('Web', [link('CDATA ]]> trap\u0007', 'https://x.example/', 'ends with `]]>` here')])],
  });
  const may = edition({
    id: 'e2',
    period: '2024-05',
    title: 'Mai 2024',
    slug: 'mai-2024',
    path: '/2024/05/mai-2024',
    publishedAt: new Date('2024-06-01T06:30:00Z'),
  });
  const editions = [june, may];

  test('RSS 2.0 is well formed, with one item per edition', () => {
    const xml = rssFeed(NEWSLETTER, editions, { selfUrl: 'https://veille.example/feed.xml' });
    assertWellFormedXml(xml);
    assert.ok(!xml.includes('\u0007'), 'no XML-invalid control character');
    const [channel] = elements(xml, 'channel');
    assert.ok(channel);
    assert.equal(childText(channel, 'title'), NEWSLETTER.name);
    assert.equal(childText(channel, 'description'), NEWSLETTER.description);
    assert.equal(childText(channel, 'language'), 'fr');
    assert.equal(childText(channel, 'lastBuildDate'), 'Wed, 03 Jul 2024 10:00:00 GMT');
    const self = elements(xml, 'atom:link')[0];
    assert.deepEqual(self?.attribs, { href: 'https://veille.example/feed.xml', rel: 'self', type: 'application/rss+xml' });
    const items = elements(xml, 'item');
    assert.equal(items.length, 2);
    const [first, second] = items as [Element, Element];
    assert.equal(childText(first, 'title'), 'Juin <2024> & "co"');
    assert.equal(childText(first, 'link'), 'https://veille.example/2024/06/juin-2024');
    // Made of the edition's id, not its path: a slug changed later does not make it a new item.
    assert.equal(childText(first, 'guid'), 'urn:veille:edition:e1');
    assert.equal(elements(xml, 'guid')[0]?.attribs.isPermaLink, 'false');
    assert.equal(
      childText(elements(rssFeed(NEWSLETTER, [{ ...june, slug: 'renamed', path: '/2024/06/renamed' }], { selfUrl: 'x' }), 'item')[0]!, 'guid'),
      'urn:veille:edition:e1',
    );
    assert.equal(childText(first, 'pubDate'), 'Mon, 01 Jul 2024 06:30:00 GMT');
    assert.match(childText(second, 'pubDate'), /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    assert.deepEqual(
      DomUtils.getElementsByTagName('category', first.children).map((c) => DomUtils.textContent(c)),
      ['caddy', 'a&b'],
    );
    assert.equal(childText(first, 'description'), 'Intro with bold and a link.');
    // The CDATA split must give back exactly the body, "]]>" included.
    const content = childText(first, 'content:encoded');
    assert.equal(content, editionBodyHtml(june, { absoluteBase: 'https://veille.example/2024/06/juin-2024' }).replaceAll('\u0007', ''));
    assert.ok(content.includes('CDATA ]]&gt; trap'));
    assert.ok(content.includes('<code>]]&gt;</code>'));
    // Every "]]>" in the document closes a CDATA section: none leaks from the body.
    assert.equal(xml.split(']]>').length, xml.split('<![CDATA[').length);
  });

  test('Atom 1.0 is well formed, with ids, dates and escaped HTML content', () => {
    const xml = atomFeed(NEWSLETTER, editions, { selfUrl: 'https://veille.example/atom.xml' });
    assertWellFormedXml(xml);
    const [feed] = elements(xml, 'feed');
    assert.ok(feed);
    assert.equal(feed.attribs.xmlns, 'http://www.w3.org/2005/Atom');
    assert.equal(childText(feed, 'id'), 'https://veille.example/');
    assert.equal(childText(feed, 'subtitle'), NEWSLETTER.description);
    assert.equal(childText(feed, 'updated'), '2024-07-03T10:00:00.000Z');
    const links = DomUtils.getElementsByTagName('link', feed.children, false).map((element) => element.attribs);
    assert.deepEqual(
      links.map((attribs) => [attribs.rel, attribs.href]),
      [
        ['self', 'https://veille.example/atom.xml'],
        ['alternate', 'https://veille.example/'],
      ],
    );
    const [author] = DomUtils.getElementsByTagName('author', feed.children, false);
    assert.ok(author);
    assert.equal(childText(author, 'name'), NEWSLETTER.name);
    const entries = elements(xml, 'entry');
    assert.equal(entries.length, 2);
    const [first, second] = entries as [Element, Element];
    assert.equal(childText(first, 'id'), 'urn:veille:edition:e1');
    assert.equal(childText(first, 'title'), 'Juin <2024> & "co"');
    assert.equal(childText(first, 'published'), '2024-07-01T06:30:00.000Z');
    assert.equal(childText(first, 'updated'), '2024-07-03T10:00:00.000Z');
    assert.equal(childText(second, 'updated'), '2024-06-01T06:30:00.000Z');
    assert.deepEqual(
      DomUtils.getElementsByTagName('category', first.children).map((c) => c.attribs.term),
      ['caddy', 'a&b'],
    );
    assert.equal(childText(first, 'summary'), 'Intro with bold and a link.');
    const content = DomUtils.getElementsByTagName('content', first.children)[0];
    assert.equal(content?.attribs.type, 'html');
    assert.ok(content && DomUtils.textContent(content).startsWith('<div class="edition-intro">'));
  });

  test('JSON Feed 1.1 has the required fields', () => {
    const feed = JSON.parse(jsonFeed(NEWSLETTER, editions, { selfUrl: 'https://veille.example/feed.json' })) as Record<string, unknown> & {
      items: Array<Record<string, unknown>>;
    };
    assert.equal(feed.version, 'https://jsonfeed.org/version/1.1');
    assert.equal(feed.title, NEWSLETTER.name);
    assert.equal(feed.home_page_url, 'https://veille.example/');
    assert.equal(feed.feed_url, 'https://veille.example/feed.json');
    assert.equal(feed.language, 'fr');
    assert.equal(feed.items.length, 2);
    const [item] = feed.items;
    assert.equal(item?.id, 'urn:veille:edition:e1');
    assert.equal(item?.url, 'https://veille.example/2024/06/juin-2024');
    assert.equal(item?.title, 'Juin <2024> & "co"');
    assert.equal(item?.date_published, '2024-07-01T06:30:00.000Z');
    assert.equal(item?.date_modified, '2024-07-03T10:00:00.000Z');
    assert.deepEqual(item?.tags, ['caddy', 'a&b']);
    assert.equal(item?.summary, 'Intro with bold and a link.');
    assert.match(String(item?.content_html), /^<div class="edition-intro">/);
  });

  test('an empty list of editions still gives valid feeds', () => {
    assertWellFormedXml(rssFeed(NEWSLETTER, [], { selfUrl: 'https://veille.example/feed.xml' }));
    assertWellFormedXml(atomFeed({ ...NEWSLETTER, locale: 'en' }, [], { selfUrl: 'https://veille.example/atom.xml' }));
    assert.deepEqual((JSON.parse(jsonFeed(NEWSLETTER, [], { selfUrl: 'https://veille.example/feed.json' })) as { items: unknown[] }).items, []);
  });
});

describe('sitemapXml', () => {
  test('lists absolute locations with day-precision lastmod', () => {
    const xml = sitemapXml(NEWSLETTER, [
      { path: '/', lastModified: new Date('2024-07-03T10:00:00Z') },
      { path: '/2024/06/juin-2024?a=1&b=2', lastModified: new Date('2024-07-01T06:30:00Z') },
    ]);
    assertWellFormedXml(xml);
    assert.equal(elements(xml, 'urlset')[0]?.attribs.xmlns, 'http://www.sitemaps.org/schemas/sitemap/0.9');
    const urls = elements(xml, 'url').map((url) => [childText(url, 'loc'), childText(url, 'lastmod')]);
    assert.deepEqual(urls, [
      ['https://veille.example/', '2024-07-03'],
      ['https://veille.example/2024/06/juin-2024?a=1&b=2', '2024-07-01'],
    ]);
  });
});
