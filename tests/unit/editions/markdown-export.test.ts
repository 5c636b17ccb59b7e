import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomUtils, parseDocument } from 'htmlparser2';
import MarkdownIt from 'markdown-it';
import { editionToMarkdown } from '../../../apps/domain/editions/edition-markdown.ts';
import { parseMarkdownEdition } from '../../../apps/domain/imports/edition-parse.ts';
import { renderCommentary } from '../../../apps/domain/links/links-service.ts';
import { escapeMarkdownHeading, escapeMarkdownText, inertMarkdown } from '../../../apps/domain/platform/markdown-syntax.ts';
import { category, edition, importedCategories, importedTexts, link, text } from '../../helpers/editions.ts';

// A static-site generator as Zola, or Hugo with unsafe HTML on, renders Markdown: raw HTML passes
// through and every link scheme is followed.
const generator = new MarkdownIt({ html: true });
generator.validateLink = () => true;

const MARKDOWN_ELEMENTS = new Set([
  'p',
  'a',
  'em',
  'strong',
  'code',
  'pre',
  'ul',
  'ol',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'hr',
  'br',
  'img',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  's',
]);

/** What the generator would publish holds only Markdown's own elements, no event handler and no link to another scheme. */
function assertPublishedInert(markdown: string): string {
  const html = generator.render(markdown);
  const elements = DomUtils.findAll(() => true, parseDocument(html).children);
  for (const element of elements) {
    assert.ok(MARKDOWN_ELEMENTS.has(element.name), `<${element.name}> in ${html}`);
    for (const [name, value] of Object.entries(element.attribs)) {
      assert.ok(!/^on/i.test(name), `${name}= on <${element.name}>`);
      if (name === 'href' || name === 'src') {
        const url = value.replace(/[\t\n\r]/g, '').trim();
        const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
        assert.ok(scheme === undefined || ['http', 'https', 'mailto'].includes(scheme), `${name}="${value}" in ${html}`);
      }
    }
  }
  return html;
}

const HOSTILE_TEXT = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(2)>',
  '</li></ul><iframe src="javascript:alert(3)"></iframe>',
  '<!-- comment --> <a href="javascript:alert(4)">x</a>',
  '<javascript:alert(5)>',
  '&lt;script&gt; and &#60;b&#62;',
  '*emphasis* _under_ `code` [brackets] ~~strike~~ \\ backslash',
];

describe('editionToMarkdown with hostile content', () => {
  const doc = edition({
    intro: 'Intro <script>alert(6)</script> and [a link](javascript:alert(7)) and <https://ok.example/auto> and `<b>kept in code</b>`.',
    blocks: [
      category(
        '<img src=x onerror=alert(8)> Ops #',
        [
          ...HOSTILE_TEXT.map((title, index) =>
            link(title, `https://links.example/${index}`, `Commentary <svg onload=alert(${index})> with [x](javascript:alert(${index}))`),
          ),
          link('Script URL', 'javascript:alert(9)', 'a link to nowhere'),
          link('Data URL', 'data:text/html,<script>alert(10)</script>'),
          link('# Not a heading', 'java\tscript:alert(11)'),
          link('Fence trick', 'https://links.example/fence', '```<script>alert(12)</script>'),
          link('Entity trick', 'https://links.example/entity', '[x](&#106;avascript:alert(13)) and ![y](data:image/svg+xml,<svg onload=alert(14)>)'),
          link('Reference trick', 'https://links.example/ref', 'see [x][evil]\n\n[evil]: javascript:alert(15)'),
        ],
        { intro: '<script>alert(21)</script> before', outro: '[after](javascript:alert(22))' },
      ),
      text(
        '</h2><script>alert(16)</script>',
        '<div onclick="alert(17)">\n\n* item\n\n    <script>alert(18)</script>\n\n```html\n<script>in a fence, kept</script>\n```',
      ),
    ],
    outro: '    <script>alert(19)</script> after a list',
  });
  const markdown = editionToMarkdown(doc);

  test('what a generator publishes from it runs nothing and links nowhere but http, https and mailto', () => {
    const html = assertPublishedInert(markdown);
    for (const title of ['&lt;script&gt;alert(1)&lt;/script&gt;', '&lt;img src=x onerror=alert(2)&gt;', 'Script URL', 'Data URL', '# Not a heading'])
      assert.ok(html.includes(title), `${title} shown as text`);
    assert.ok(html.includes('<a href="https://ok.example/auto">'), 'a safe autolink stays a link');
    assert.ok(html.includes('<code>&lt;b&gt;kept in code&lt;/b&gt;</code>'), 'code spans are left as they are');
    assert.ok(html.includes('&lt;script&gt;in a fence, kept&lt;/script&gt;'), 'fenced code too');
    assert.doesNotMatch(markdown, /javascript:alert\((7|9|11|13|22)\)|data:text/, 'unsafe destinations are dropped, their text kept');
    assert.match(markdown, /and a link and/);
  });

  test('it reads back to the same titles and headings, and commentaries that Veille renders the same', () => {
    const result = parseMarkdownEdition(markdown, 'hostile.md');
    assert.ok('edition' in result);
    const [section] = importedCategories(result.edition);
    assert.equal(section?.name, '<img src=x onerror=alert(8)> Ops #');
    assert.deepEqual(
      section?.links.map((item) => item.title),
      [...HOSTILE_TEXT.map((title) => title.replace(/\s+/g, ' ')), 'Fence trick', 'Entity trick', 'Reference trick'],
    );
    // Raw HTML is text in Veille: escaping it changes nothing to what readers see.
    for (const [index, item] of (section?.links ?? []).slice(0, HOSTILE_TEXT.length).entries()) {
      assert.equal(renderCommentary(item.commentary), renderCommentary(`Commentary <svg onload=alert(${index})> with x`));
    }
    assert.equal(importedTexts(result.edition)[0]?.heading, '</h2><script>alert(16)</script>');
    assert.match(result.edition.warnings.join('\n'), /Script URL|no usable URL/);
  });

  test('closing words after a list are marked off it: an indented outro stays a code block of its own, inert', () => {
    const listThenOutro = editionToMarkdown(edition({ blocks: [category('Ops', [link('A', 'https://a.example')])], outro: '    <script>alert(20)</script>' }));
    assert.match(listThenOutro, /^<!-- closing -->\n\n {4}<script>alert\(20\)<\/script>\n$/m);
    assertPublishedInert(listThenOutro);
  });

  test('the reference editions need none of it: their export stays byte for byte (see edition-render.test.ts)', () => {
    assert.equal(
      inertMarkdown('Plain *text* with [a link](https://example.org/a_(b)) and `<code>`.'),
      'Plain *text* with [a link](https://example.org/a_(b)) and `<code>`.',
    );
  });
});

describe('inertMarkdown', () => {
  const cases: Array<[string, string]> = [
    ['<script>alert(1)</script>', '\\<script>alert(1)\\</script>'],
    ['a < b and 3<4', 'a < b and 3<4'],
    ['`<b>` stays', '`<b>` stays'],
    ['<https://example.org/x> and <me@example.org>', '<https://example.org/x> and <me@example.org>'],
    ['<javascript:alert(1)>', '\\<javascript:alert(1)>'],
    ['[x](javascript:alert(1)) [ok](https://a.example)', 'x [ok](https://a.example)'],
    ['![alt](data:image/png;base64,AAAA) ![img](https://a.example/i.png)', 'alt ![img](https://a.example/i.png)'],
    ['[x](<https://a.example/with space>)', '[x](<https://a.example/with space>)'],
    ['[r]: javascript:alert(1)', '\\[r]: javascript:alert(1)'],
    ['\\<b> already escaped', '\\<b> already escaped'],
    ['```\n<script>x</script>\n```', '```\n<script>x</script>\n```'],
  ];
  for (const [source, expected] of cases) {
    test(JSON.stringify(source), () => {
      assert.equal(inertMarkdown(source), expected);
      assertPublishedInert(inertMarkdown(source));
    });
  }

  test('whatever slips past the scanner is caught: backticks paired across list items, brackets in code spans', () => {
    for (const source of [
      '* a `x\n* b <script>alert(1)</script> `',
      '[a `]` b](javascript:alert(1))',
      '[x](a`) <img src=x onerror=alert(1)> `',
      'a\n[x]:\njavascript:alert(1)\n\n[x]',
    ]) {
      assertPublishedInert(inertMarkdown(source));
    }
  });

  test('titles and headings are text', () => {
    assert.equal(escapeMarkdownText('a *b* [c] <d> `e` _f_ ~g~ \\h &amp; & i'), 'a \\*b\\* \\[c\\] \\<d\\> \\`e\\` \\_f\\_ \\~g\\~ \\\\h \\&amp; & i');
    assert.equal(escapeMarkdownText('# title', { lineStart: true }), '\\# title');
    assert.equal(escapeMarkdownText('1. title', { lineStart: true }), '1\\. title');
    assert.equal(escapeMarkdownHeading('C#'), 'C#');
    assert.equal(escapeMarkdownHeading('Closing #'), 'Closing \\#');
    assert.equal(escapeMarkdownHeading('Container & Orchestration'), 'Container & Orchestration');
  });
});
