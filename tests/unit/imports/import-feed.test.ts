import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { atomFeed, rssFeed } from '../../../apps/domain/editions/edition-render.ts';
import type { EditionDocument } from '../../../apps/domain/editions/edition-types.ts';
import { parseFeed, type ImportedEdition } from '../../../apps/domain/imports/edition-parse.ts';
import {
  NEWSLETTER,
  categoriesOf,
  category,
  edition,
  expectedContent,
  fromSample,
  importedContent,
  importedLink,
  keptAsPublished,
  link,
  text,
  textsOf,
} from '../../helpers/editions.ts';
import { readSample, SAMPLE_NAMES } from '../../helpers/samples.ts';

const FEEDS = { rss: rssFeed, atom: atomFeed };
// Feeds list published editions: each gets a publication date.
const PUBLISHED_AT = new Date('2024-06-30T08:00:00Z');

/** A reference edition as a feed lists it, published on the 28th of its month. */
function publishedSample(name: string): EditionDocument {
  const sample = readSample(name);
  const [year, month] = sample.period.split('-');
  return keptAsPublished(fromSample(sample, name, { publishedAt: new Date(Date.UTC(Number(year), Number(month) - 1, 28, 8)) }));
}

function editions(xml: string, options?: Parameters<typeof parseFeed>[2]) {
  const result = parseFeed(xml, 'feed.xml', options);
  if ('failure' in result) assert.fail(`unexpected failure: ${result.failure.reason}`);
  return result;
}

function failure(xml: string): string {
  const result = parseFeed(xml, 'feed.xml');
  if (!('failure' in result)) assert.fail('expected a failure');
  assert.equal(result.failure.source, 'feed.xml');
  return result.failure.reason;
}

function rssItem(body: string, extra = ''): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '<channel><title>Blog</title><link>https://blog.example/</link><description>d</description>',
    `<item><title>Veille de juin</title><link>https://blog.example/p/veille-juin</link><guid isPermaLink="false">guid-1</guid><pubDate>Sun, 30 Jun 2024 08:00:00 GMT</pubDate>${extra}`,
    `<content:encoded><![CDATA[${body}]]></content:encoded>`,
    '</item></channel></rss>',
  ].join('\n');
}

function one(xml: string): ImportedEdition {
  const result = editions(xml);
  assert.deepEqual(result.skipped, []);
  assert.equal(result.editions.length, 1);
  return result.editions[0] as ImportedEdition;
}

describe("parseFeed: the app's own feeds", () => {
  for (const [kind, render] of Object.entries(FEEDS)) {
    test(`${kind}: both reference editions come back with the content of their JSON`, () => {
      const docs = SAMPLE_NAMES.map(publishedSample);
      const result = editions(render(NEWSLETTER, docs, { selfUrl: `https://veille.example/feed.${kind}` }));
      assert.deepEqual(result.skipped, []);
      assert.equal(result.editions.length, 2);
      SAMPLE_NAMES.forEach((name, index) => {
        const parsed = result.editions[index] as ImportedEdition;
        assert.deepEqual(importedContent(parsed), expectedContent(docs[index]!));
        assert.deepEqual(parsed.warnings, []);
        assert.equal(parsed.source, `https://veille.example${docs[index]?.path}`);
        assert.equal(parsed.date?.toISOString(), docs[index]?.publishedAt?.toISOString());
      });
    });

    test(`${kind}: every shape: section texts, text sections between categories, a kept empty section, code, closing words`, () => {
      const doc = edition({
        publishedAt: PUBLISHED_AT,
        title: 'Édition "spéciale" & <co> — Juin',
        tags: ['été', 'a & b', '<tag>'],
        intro: 'Intro with a [link](https://example.com/intro) and *emphasis*.\n\nSecond paragraph with `code` and 5 * 3 and snake_case.',
        blocks: [
          category(
            'Cœur & <Âme> — “spécial”',
            [
              link(
                'Title with ] and [ brackets & <tags>',
                'https://example.com/a?x=1&y=2',
                'Commentary with a [link](https://example.com/x), **strong**, *em*, `code` and ~~old~~.',
              ),
              link('Parens', 'https://en.wikipedia.org/wiki/Foo_(bar)', 'first paragraph\n\nsecond paragraph', [
                link('Child', 'https://example.com/c1', 'child : with a colon', [link('Grandchild', 'https://example.com/g', 'deep')]),
                link('Child 2', 'https://example.com/c2'),
              ]),
              link('Émoji 🎉', 'https://example.com/%C3%A9t%C3%A9', 'ça marche\u00a0: oui — vraiment'),
              link('Mail', 'mailto:someone@example.com', '- starts with a dash'),
            ],
            { intro: 'Seen at the *conference*:', outro: 'My slides: [here](https://example.com/slides).' },
          ),
          text(
            'Astuce(s) du mois',
            'Prose with **bold**.\n\n```sh\n## not a section\n* [not](https://a.link)\n<b>&amp;</b>\n```\n\n* a plain list\n* of [things](https://example.com/t)\n\n# A heading\n\n1. one\n2. two\n\n> quoted\n\nAfter.',
          ),
          category('Empty', [], { keepEmpty: true }),
          text('Nothing yet', ''),
          text('Only links', '* [A](https://example.com/only)'),
          category('Last', [link('Z', 'https://example.com/z')], { outro: 'A last word on Z.' }),
        ],
        outro: 'Bye, see [you](https://example.com/bye).\n\n# A heading in the outro\n\n* a list in the outro',
      });
      const parsed = one(render(NEWSLETTER, [doc], { selfUrl: 'https://veille.example/feed' }));
      assert.deepEqual(importedContent(parsed), expectedContent(doc));
      assert.deepEqual(parsed.warnings, []);
    });

    test(`${kind}: Markdown comes back in a normalised form where HTML cannot tell the difference`, () => {
      const doc = edition({
        publishedAt: PUBLISHED_AT,
        intro: '- dash list\n- item\n\n_under_ and __strong__\nsoft break and https://bare.example/a_b link\n\n## Sub-heading',
        blocks: [category('Web', [link('A', 'https://example.com/a')])],
      });
      const parsed = one(render(NEWSLETTER, [doc], { selfUrl: 'https://veille.example/feed' }));
      assert.equal(parsed.intro, '* dash list\n* item\n\n*under* and **strong** soft break and https://bare.example/a_b link\n\n## Sub-heading');
    });
  }
});

describe('parseFeed: other feeds', () => {
  test('a Substack item: li > p > a, h3 sections, a captioned image, the subscribe box dropped, the footer as outro', () => {
    const body = [
      '<div class="captioned-image-container"><figure><a class="image-link image2" target="_blank" href="https://substackcdn.com/image/fetch/big.png">',
      '<div class="image2-inset"><picture><source type="image/webp" srcset="https://substackcdn.com/image/fetch/small.webp 424w">',
      '<img src="https://substackcdn.com/image/fetch/small.png" alt="Cover" width="1024"></picture>',
      '<div class="image-link-expand"><div class="pencraft"><button tabindex="0" type="button"><svg><path d="M0"/></svg></button></div></div></div></a>',
      '<figcaption class="image-caption">Photo by <em>someone</em></figcaption></figure></div>',
      '<p>Bonjour à tous, voici la veille de juin&nbsp;!</p>',
      '<h3>Python</h3>',
      '<ul><li><p><a href="https://example.com/a" rel="">FastAPI &amp; friends</a> : un <strong>très</strong> bon article avec <code>async</code>.</p></li>',
      '<li><p><a href="https://example.com/b">B</a></p><ul><li><p><a href="https://example.com/b1">B1</a> — sous-lien</p></li></ul></li></ul>',
      '<h3>Ops</h3>',
      '<ul><li><p><a href="https://example.com/c">C</a>: commentaire</p></li></ul>',
      '<p>Thanks for reading Veille! Subscribe for free to receive new posts and support my work.</p>',
      '<div class="subscription-widget-wrap"><div class="subscription-widget show-subscribe"><div class="preamble"><p class="cta-caption">Thanks for reading! Subscribe</p></div>',
      '<form class="subscription-widget-subscribe"><input type="email" class="email-input" name="email"><input type="submit" value="Subscribe"></form></div></div>',
      '<p class="button-wrapper"><a class="button primary" href="https://blog.example/subscribe"><span>Subscribe now</span></a></p>',
    ].join('');
    const parsed = one(rssItem(body, '<category>python</category><category>ops</category><dc:creator>Me</dc:creator>'));
    assert.equal(parsed.title, 'Veille de juin');
    assert.equal(parsed.source, 'https://blog.example/p/veille-juin');
    assert.equal(parsed.period, '2024-06');
    assert.deepEqual(parsed.tags, ['python', 'ops']);
    assert.equal(
      parsed.intro,
      '![Cover](https://substackcdn.com/image/fetch/small.png)\n\nPhoto by *someone*\n\nBonjour à tous, voici la veille de juin\u00a0!',
    );
    assert.deepEqual(categoriesOf(parsed), [
      {
        name: 'Python',
        links: [
          importedLink('FastAPI & friends', 'https://example.com/a', 'un **très** bon article avec `async`.'),
          importedLink('B', 'https://example.com/b', '', [importedLink('B1', 'https://example.com/b1', 'sous-lien')]),
        ],
      },
      { name: 'Ops', links: [importedLink('C', 'https://example.com/c', 'commentaire')] },
    ]);
    assert.deepEqual(textsOf(parsed), []);
    assert.equal(parsed.outro, 'Thanks for reading Veille! Subscribe for free to receive new posts and support my work.');
    assert.deepEqual(parsed.warnings, []);
  });

  test('a plain blog post without lists of links is skipped with a reason; the others are kept', () => {
    const xml = rssItem('<h2>Section</h2><ul><li><a href="https://x.example">X</a></li></ul>').replace(
      '</channel>',
      '<item><title>My holidays</title><link>https://blog.example/holidays</link><description>&lt;p&gt;We went to the sea.&lt;/p&gt;&lt;h2&gt;Day 1&lt;/h2&gt;&lt;p&gt;Sun.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;sand&lt;/li&gt;&lt;/ul&gt;</description></item></channel>',
    );
    const result = editions(xml);
    assert.equal(result.editions.length, 1);
    assert.deepEqual(result.skipped, [
      { source: 'https://blog.example/holidays', reason: 'This post has no section with a list of links: it does not look like an edition.' },
    ]);
  });

  test('Atom with xhtml content, relative links resolved against the entry, a date-only <updated>', () => {
    const xml = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title><id>urn:blog</id><updated>2018-01-31</updated>',
      '<entry><title type="html">Web &amp;amp; Ops &lt;em&gt;janvier&lt;/em&gt;</title><id>urn:entry:1</id>',
      '<link rel="alternate" type="text/html" href="https://blog.example/2018/01/veille/"/><link rel="enclosure" href="https://blog.example/a.mp3"/>',
      '<updated>2018-01-31</updated><category term="web"/><category term="ops" label="Ops"/>',
      '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><h2>Web</h2><ul><li><a href="../other/">Relative</a> : resolved</li><li><a href="//cdn.example/x">Protocol-relative</a></li></ul></div></content>',
      '</entry></feed>',
    ].join('\n');
    const parsed = one(xml);
    assert.equal(parsed.title, 'Web & Ops janvier');
    assert.equal(parsed.source, 'https://blog.example/2018/01/veille/');
    assert.equal(parsed.period, '2018-01');
    assert.deepEqual(parsed.tags, ['web', 'ops']);
    assert.deepEqual(categoriesOf(parsed), [
      {
        name: 'Web',
        links: [importedLink('Relative', 'https://blog.example/2018/01/other/', 'resolved'), importedLink('Protocol-relative', 'https://cdn.example/x')],
      },
    ]);
  });

  test('RSS 1.0 (RDF) items; an item without a date keeps a null period and says so', () => {
    const xml = [
      '<?xml version="1.0"?>',
      '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
      '<channel rdf:about="https://blog.example/"><title>Blog</title></channel>',
      '<item rdf:about="https://blog.example/1"><title>Dated</title><link>https://blog.example/1</link><dc:date>2024-05-31T23:30:00+00:00</dc:date><dc:subject>web</dc:subject>',
      '<description>&lt;h2&gt;W&lt;/h2&gt;&lt;ul&gt;&lt;li&gt;&lt;a href="https://a.example"&gt;A&lt;/a&gt;&lt;/li&gt;&lt;/ul&gt;</description></item>',
      '<item rdf:about="https://blog.example/2"><title>Undated</title><link>https://blog.example/2</link>',
      '<description>&lt;h2&gt;W&lt;/h2&gt;&lt;ul&gt;&lt;li&gt;&lt;a href="https://a.example"&gt;A&lt;/a&gt;&lt;/li&gt;&lt;/ul&gt;</description></item>',
      '</rdf:RDF>',
    ].join('\n');
    const result = editions(xml);
    const [dated, undated] = result.editions;
    assert.equal(dated?.period, '2024-06');
    assert.equal(editions(xml, { timeZone: 'UTC' }).editions[0]?.period, '2024-05');
    assert.deepEqual(dated?.tags, ['web']);
    assert.equal(undated?.period, null);
    assert.equal(undated?.date, null);
    assert.deepEqual(undated?.warnings, ["The item has no publication date: choose the edition's period by hand."]);
  });
});

describe('parseFeed: dates', () => {
  test('RFC 822, ISO 8601 and day-only dates; the period is read in the time zone', () => {
    const at = (date: string, timeZone?: string) =>
      editions(
        rssItem('<h2>W</h2><ul><li><a href="https://a.example">A</a></li></ul>').replace('Sun, 30 Jun 2024 08:00:00 GMT', date),
        timeZone ? { timeZone } : undefined,
      ).editions[0];
    assert.equal(at('Sun, 30 Jun 2024 22:30:00 GMT')?.period, '2024-07');
    assert.equal(at('Sun, 30 Jun 2024 22:30:00 GMT', 'UTC')?.period, '2024-06');
    assert.equal(at('Sun, 30 Jun 2024 22:30:00 -0400', 'America/New_York')?.period, '2024-06');
    assert.equal(at('2024-06-30T22:30:00Z', 'Asia/Tokyo')?.period, '2024-07');
    for (const timeZone of ['Pacific/Pago_Pago', 'Pacific/Kiritimati']) {
      assert.equal(at('30 Jun 2024', timeZone)?.period, '2024-06');
      assert.equal(at('2024-06-30', timeZone)?.period, '2024-06');
    }
    assert.equal(
      editions(
        rssItem('<h2>W</h2><ul><li><a href="https://a.example">A</a></li></ul>').replace('Sun, 30 Jun 2024 08:00:00 GMT', 'Sun, 30 Jun 2024 08:00:00 GMT'),
        { cadence: 'weekly' },
      ).editions[0]?.period,
      '2024-W26',
    );
    const unreadable = at('the day after tomorrow');
    assert.equal(unreadable?.period, null);
    assert.deepEqual(unreadable?.warnings, ["The publication date “the day after tomorrow” was not understood: choose the edition's period by hand."]);
  });
});

describe('parseFeed: what is not a feed', () => {
  test('HTML, JSON, binary, empty and truncated inputs are failures, never exceptions', () => {
    assert.equal(
      failure('<!DOCTYPE html>\n<html><head><title>Blog</title></head><body><p>Hi<br></p></body></html>'),
      "This is not an RSS or Atom feed: the document's root is <html>.",
    );
    assert.equal(failure('{"items": []}'), 'This is a JSON document, not an RSS or Atom feed.');
    assert.match(failure('{"version": "https://jsonfeed.org/version/1.1", "items": []}'), /JSON Feed/);
    assert.match(failure('\u0000\u0001\u0002PK\u0003\u0004binary'), /binary data/);
    assert.equal(failure(''), 'The feed is empty.');
    assert.equal(failure('  \n '), 'The feed is empty.');
    assert.equal(failure('just some words'), 'This is not an RSS or Atom feed: it is not XML.');
    assert.match(failure(rssItem('<h2>W</h2>').slice(0, 300)), /^The feed is not well-formed XML \(is it truncated\?\): <\w+> is never closed\.$/);
    assert.equal(
      failure('<rss><channel><item><title>x</title><description>x'),
      'The feed is not well-formed XML (is it truncated?): <description> is never closed.',
    );
    assert.match(failure('<rss><channel><item><![CDATA[ unterminated'), /never closed/);
    assert.match(failure('<rss><channel><item><a><b></a></item></channel></rss>'), /<b> is never closed/);
    assert.equal(failure('<?xml version="1.0"?><rss version="2.0"><channel><title>Empty</title></channel></rss>'), 'The feed has no items.');
    for (const odd of [null, undefined, 42, {}] as unknown[]) assert.ok('failure' in parseFeed(odd as string, 'odd.xml'));
  });

  test('random input never throws', () => {
    const pieces = [
      '<rss>',
      '<channel>',
      '<item>',
      '</item>',
      '<title>',
      '</title>',
      '<content:encoded>',
      '<![CDATA[',
      ']]>',
      '&lt;h2&gt;',
      '&lt;ul&gt;&lt;li&gt;&lt;a href="https://x"&gt;',
      '<h2>',
      '<ul>',
      '<li>',
      '<a href="https://a">',
      '</a>',
      '&amp;',
      '&',
      '<',
      '>',
      'text',
      '"',
      '\n',
      '</rss>',
      '<feed>',
      '<entry>',
    ];
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let round = 0; round < 300; round += 1) {
      let xml = '';
      const length = Math.floor(random() * 60);
      for (let index = 0; index < length; index += 1) xml += pieces[Math.floor(random() * pieces.length)];
      const result = parseFeed(xml, 'fuzz.xml');
      assert.ok('failure' in result || 'editions' in result);
    }
  });

  test('a 1 MB line and deep nesting are handled without throwing', () => {
    const bodies = [
      `<h2>W</h2><ul><li><a href="https://a.example">A</a> : ${'*_`<[&'.repeat(170_000)}</li></ul>`,
      `<h2>W</h2><ul><li><a href="https://a.example">A</a></li></ul><p>${'x '.repeat(500_000)}</p><pre><code>${' '.repeat(1_000_000)}x</code></pre>`,
      `<h2>W</h2><ul><li><a href="https://a.example">A</a></li></ul>${'<div>'.repeat(900)}deep${'</div>'.repeat(900)}`,
    ];
    for (const body of bodies) {
      const result = parseFeed(rssItem(body), 'big.xml');
      assert.ok('editions' in result, 'failure' in result ? result.failure.reason : '');
      assert.equal(result.editions.length + result.skipped.length, 1);
    }
    const deep = parseFeed(rssItem(`<h2>W</h2><ul><li><a href="https://a.example">A</a></li></ul>${'<div>'.repeat(300_000)}`), 'deep.xml');
    assert.ok('skipped' in deep);
    assert.match(deep.skipped[0]?.reason ?? '', /nested more than 1000 elements deep/);
    assert.match(failure(`<rss>${'<x>'.repeat(300_000)}</rss>`), /nested more than 1000 elements deep/);
  });

  test('sloppy HTML with many unclosed paragraphs and list items is not taken for deep nesting', () => {
    const parsed = one(rssItem(`<p>intro${'<p>more'.repeat(3000)}<h2>W</h2><ul>${'<li><a href="https://a.example">A</a> : c'.repeat(3000)}</ul>`));
    assert.equal(categoriesOf(parsed)[0]?.links.length, 3000);
    // htmlparser2 nests "<li>…<p>…<li>" instead of closing: too deep to walk, the item is skipped, nothing throws.
    const nested = parseFeed(rssItem(`<h2>W</h2><ul>${'<li><a href="https://a.example">A</a> : <p>c'.repeat(5000)}</ul>`), 'sloppy.xml');
    assert.ok('skipped' in nested);
    assert.equal(nested.skipped[0]?.reason, 'The item is nested too deeply to be read.');
  });
});

describe('parseFeed: entities, CDATA and hostile content', () => {
  test('entities are decoded once, CDATA is kept as written, HTML entities in XML text are understood', () => {
    const xml = [
      '<?xml version="1.0"?><rss version="2.0"><channel>',
      '<item><title>L&#8217;été &amp; co &eacute;t&eacute; AT&amp;amp;T</title><link>https://blog.example/1</link><pubDate>Sun, 30 Jun 2024 08:00:00 +0200</pubDate>',
      '<category><![CDATA[R&D <3]]></category>',
      '<description><![CDATA[<h2>Caf&eacute; &amp; th&#233;</h2><ul><li><a href="https://a.example/?a=1&amp;b=2">Tom &amp; Jerry &lt;3</a> : ]]]]><![CDATA[> and &lt;b&gt; shown as text</li></ul>]]></description>',
      '</item></channel></rss>',
    ].join('\n');
    const parsed = one(xml);
    assert.equal(parsed.title, 'L’été & co été AT&amp;T');
    assert.deepEqual(parsed.tags, ['R&D <3']);
    assert.deepEqual(categoriesOf(parsed), [
      { name: 'Café & thé', links: [importedLink('Tom & Jerry <3', 'https://a.example/?a=1&b=2', '\\]\\]> and \\<b> shown as text')] },
    ]);
  });

  test('javascript: links are skipped with a warning, scripts, styles and frames are dropped', () => {
    const body = [
      '<script>alert("intro")</script><style>p{}</style><p>Intro<iframe src="https://evil.example"></iframe><img src="data:image/png;base64,AAAA" onerror="alert(1)"></p>',
      '<h2>Web</h2><ul>',
      '<li><a href="https://ok.example" onclick="alert(1)">OK</a> : see <a href="javascript:alert(2)">this</a> <img src="javascript:alert(3)"><script>alert(4)</script></li>',
      '<li><a href="javascript:alert(1)">Evil</a> : bad</li>',
      '<li><a href="  JaVaScRiPt:alert(1)">Evil 2</a></li>',
      '<li><a href="java&#x09;script:alert(1)">Evil 3</a></li>',
      '<li><a href="data:text/html,<script>alert(1)</script>">Evil 4</a></li>',
      '<li><a href="https://fine.example">Fine</a></li>',
      '</ul><noscript><p>nothing</p></noscript><object data="x"></object>',
    ].join('');
    const parsed = one(rssItem(body));
    assert.equal(parsed.intro, 'Intro');
    assert.deepEqual(categoriesOf(parsed), [
      { name: 'Web', links: [importedLink('OK', 'https://ok.example', 'see this'), importedLink('Fine', 'https://fine.example')] },
    ]);
    assert.deepEqual(parsed.warnings, [
      'Section “Web”, item 2 has no usable URL (“javascript:alert(1)”): skipped (“Evil : bad”)',
      'Section “Web”, item 3 has no usable URL (“JaVaScRiPt:alert(1)”): skipped (“Evil 2”)',
      'Section “Web”, item 4 has no usable URL (“java script:alert(1)”): skipped (“Evil 3”)',
      'Section “Web”, item 5 has no usable URL (“data:text/html,<script>alert(1)</script>”): skipped (“Evil 4”)',
    ]);
    assert.doesNotMatch(JSON.stringify(parsed), /alert\([234]\)|nothing|evil\.example/);
  });
});
