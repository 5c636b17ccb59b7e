import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { markdownToText, renderMarkdown, renderMarkdownInline } from '../../../apps/domain/platform/markdown.ts';

// Each payload goes through both renderers; the output must stay inert whatever the input.
const XSS_PAYLOADS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.example/x.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<IMG SRC=JaVaScRiPt:alert(1)>',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](<java\tscript:alert(1)>)',
  '[x](java\tscript:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](&#x6A;avascript&#58;alert(1))',
  '[x](javascript&colon;alert(1))',
  '[x](%6Aavascript:alert(1))',
  '[x](javascript:alert(1) "title")',
  '[x]: javascript:alert(1)\n\n[click][x]',
  '[x](vbscript:msgbox(1))',
  '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
  '[x](file:///etc/passwd)',
  '[x](//evil.example/x)',
  '![x](javascript:alert(1))',
  '![x](data:image/png;base64,iVBORw0KGgo=)',
  '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)',
  '![x](https://ok.example/a.png"onerror="alert(1))',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="&#x6A;avascript:alert(1)">x</a>',
  '<a href="data:text/html,<script>alert(1)</script>">x</a>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<iframe src="https://evil.example"></iframe>',
  '<style>body{display:none}</style>',
  '"><script>alert(1)</script>',
  '<img src="x" onerror="alert(1)"',
  '<scr<script>ipt>alert(1)</scr</script>ipt>',
  '<<script>script>alert(1)<</script>/script>',
  '<javascript:alert(1)>',
  '<JAVASCRIPT:alert(1)>',
  '<details open ontoggle=alert(1)>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
  '<base href="javascript:alert(1)//">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<input onfocus=alert(1) autofocus>',
  '<body onload=alert(1)>',
  '<!-- --><script>alert(1)</script>',
  '\u0000<script>alert(1)</script>',
  '[a](https://ok.example "t\\" onmouseover=\\"alert(1)")',
  '<https://ok.example/" onmouseover="alert(1)>',
  'https://ok.example/"onmouseover="alert(1)',
  '```js" onclick="alert(1)\ncode\n```',
  '```<script>\ncode\n```',
  '`<script>alert(1)</script>`',
  '**<img src=x onerror=alert(1)>**',
  '| a |\n|---|\n| <script>alert(1)</script> |',
  '> <iframe src=javascript:alert(1)>',
];

const ALLOWED_TAGS = new Set([
  'p',
  'br',
  'strong',
  'em',
  'b',
  'i',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'del',
  'span',
  'img',
]);
const ALLOWED_SCHEMES = new Set(['http', 'https', 'mailto']);

function decodeEntities(value: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", colon: ':', tab: '\t', newline: '\n' };
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body.startsWith('#x') || body.startsWith('#X')) return String.fromCodePoint(parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10));
    return named[body.toLowerCase()] ?? entity;
  });
}

interface Tag {
  name: string;
  attributes: Array<{ name: string; value: string }>;
}

// Text is escaped in the output, so every literal "<" opens a real tag and attribute values are double-quoted.
function tagsOf(html: string): Tag[] {
  return [...html.matchAll(/<([a-zA-Z][\w:-]*)([^>]*)>/g)].map(([, name = '', rest = '']) => ({
    name: name.toLowerCase(),
    attributes: [...rest.matchAll(/([^\s"'=/]+)(?:="([^"]*)")?/g)].map(([, attribute = '', value = '']) => ({
      name: attribute.toLowerCase(),
      value: decodeEntities(value),
    })),
  }));
}

function assertInert(html: string): void {
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<iframe/i);
  assert.doesNotMatch(html, /<svg/i);
  assert.doesNotMatch(html, /<style/i);
  for (const tag of tagsOf(html)) {
    assert.ok(ALLOWED_TAGS.has(tag.name), `unexpected tag <${tag.name}> in ${html}`);
    for (const attribute of tag.attributes) {
      assert.doesNotMatch(attribute.name, /^on/, `event handler ${attribute.name} in ${html}`);
      assert.notEqual(attribute.name, 'style');
      if (attribute.name === 'href' || attribute.name === 'src') {
        // Browsers ignore control characters and whitespace inside a scheme, so the check does too.
        const url = [...attribute.value]
          .filter((char) => char.charCodeAt(0) > 0x20)
          .join('')
          .toLowerCase();
        assert.doesNotMatch(url, /^(javascript|vbscript|data|file):/, `${attribute.name}="${attribute.value}" in ${html}`);
        assert.doesNotMatch(url, /^\/\//, `protocol-relative ${attribute.name} in ${html}`);
        const scheme = /^([a-z][a-z0-9+.-]*):/.exec(url)?.[1];
        if (scheme !== undefined) assert.ok(ALLOWED_SCHEMES.has(scheme), `scheme ${scheme} in ${html}`);
        if (tag.name === 'img') assert.match(url, /^https?:\/\//);
      }
    }
  }
}

describe('hostile Markdown renders inert', () => {
  test('has at least 25 payloads', () => assert.ok(XSS_PAYLOADS.length >= 25));
  for (const payload of XSS_PAYLOADS) {
    test(JSON.stringify(payload).slice(0, 70), () => {
      assertInert(renderMarkdown(payload));
      assertInert(renderMarkdownInline(payload));
    });
  }
});

describe('renderMarkdown', () => {
  test('keeps French text and its accents as characters', () => {
    const html = renderMarkdown("Les **données** de l'été à Montréal : ça marche, œuvre, « guillemets ».");
    assert.equal(html, "<p>Les <strong>données</strong> de l'été à Montréal : ça marche, œuvre, « guillemets ».</p>\n");
  });

  test('renders lists, nested lists and numbered lists that start elsewhere than 1', () => {
    assert.equal(renderMarkdown('- un\n- deux\n  - deux bis'), '<ul>\n<li>un</li>\n<li>deux\n<ul>\n<li>deux bis</li>\n</ul>\n</li>\n</ul>\n');
    assert.match(renderMarkdown('3. trois\n4. quatre'), /^<ol start="3">\n<li>trois<\/li>/);
  });

  test('highlights a fenced js block with hljs spans', () => {
    const html = renderMarkdown('```js\nconst answer = 42; // why\n```');
    assert.match(
      html,
      /^<pre tabindex="0"><code class="hljs language-js"><span class="hljs-keyword">const<\/span> answer = <span class="hljs-number">42<\/span>;/,
    );
    assert.match(html, /<span class="hljs-comment">\/\/ why<\/span>/);
  });

  test('escapes a block in an unknown language, and one without a language', () => {
    assert.equal(
      renderMarkdown('```nosuchlanguage\na < b && c\n```'),
      '<pre tabindex="0"><code class="hljs language-nosuchlanguage">a &lt; b &amp;&amp; c\n</code></pre>\n',
    );
    assert.equal(renderMarkdown('```\n<b>x</b>\n```'), '<pre tabindex="0"><code class="hljs">&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n');
  });

  test('makes every code block, fenced or indented, reachable from the keyboard, which is how a long line is scrolled', () => {
    assert.equal(renderMarkdown('    docker image history nginx:stable'), '<pre tabindex="0"><code>docker image history nginx:stable\n</code></pre>\n');
    assert.match(renderMarkdown('```sh\nls\n```'), /^<pre tabindex="0"><code /);
  });

  test('gives every link rel="noopener noreferrer nofollow", typed or linkified', () => {
    assert.equal(
      renderMarkdown('[Grafana](https://grafana.com/ "Site")'),
      '<p><a href="https://grafana.com/" title="Site" rel="noopener noreferrer nofollow">Grafana</a></p>\n',
    );
    assert.match(
      renderMarkdown('voir https://example.org/x'),
      /<a href="https:\/\/example\.org\/x" rel="noopener noreferrer nofollow">https:\/\/example\.org\/x<\/a>/,
    );
    assert.match(renderMarkdown('<mailto:ed@example.org>'), /<a href="mailto:ed@example\.org" rel="noopener noreferrer nofollow">/);
  });

  test('shifts headings so "#" is h3 and nothing goes past h6', () => {
    assert.equal(
      renderMarkdown('# Un\n## Deux\n### Trois\n#### Quatre\n###### Six'),
      '<h3>Un</h3>\n<h4>Deux</h4>\n<h5>Trois</h5>\n<h6>Quatre</h6>\n<h6>Six</h6>\n',
    );
  });

  test('renders blockquotes, tables, strikethrough and rules without style attributes', () => {
    assert.equal(renderMarkdown('> cité'), '<blockquote>\n<p>cité</p>\n</blockquote>\n');
    const table = renderMarkdown('| a | b |\n|--:|---|\n| 1 | 2 |');
    assert.match(table, /^<table>\n<thead>\n<tr>\n<th>a<\/th>/);
    assert.match(table, /<td>1<\/td>/);
    assert.equal(renderMarkdown('~~barré~~\n\n---'), '<p><del>barré</del></p>\n<hr />\n');
  });

  test('keeps http(s) images and drops images from anywhere else', () => {
    assert.equal(renderMarkdown('![logo](https://example.org/a.png "T")'), '<p><img src="https://example.org/a.png" alt="logo" title="T" /></p>\n');
    assert.doesNotMatch(renderMarkdown('![logo](/uploads/a.png)'), /<img/);
  });

  test('shows raw HTML as text', () => {
    assert.equal(renderMarkdown('<b>gras</b>'), '<p>&lt;b&gt;gras&lt;/b&gt;</p>\n');
  });
});

describe('renderMarkdownInline', () => {
  test('renders emphasis, code and links without a wrapping paragraph', () => {
    const html = renderMarkdownInline('un **outil** de `monitoring`, voir [la doc](https://example.org/doc)');
    assert.equal(
      html,
      'un <strong>outil</strong> de <code>monitoring</code>, voir <a href="https://example.org/doc" rel="noopener noreferrer nofollow">la doc</a>',
    );
    assert.doesNotMatch(html, /<p>/);
  });

  test('does not turn block syntax into blocks', () => {
    assert.doesNotMatch(renderMarkdownInline('# pas un titre\n- pas une liste'), /<h\d|<ul|<li/);
  });
});

describe('markdownToText', () => {
  test('strips formatting, keeps link text, image alt and code', () => {
    assert.equal(
      markdownToText('## Titre\nLes **données** de [Grafana](https://grafana.com) et `code`.\n\n- un\n- deux\n\n![le logo](https://example.org/a.png)'),
      'Titre Les données de Grafana et code. un deux le logo',
    );
  });

  test('decodes entities and leaves raw HTML as its text', () => {
    assert.equal(markdownToText('A &amp; B <b>c</b>'), 'A & B <b>c</b>');
  });

  test('truncates at a word boundary with an ellipsis, within the limit', () => {
    const text = 'Les bases de données temporelles gagnent du terrain';
    assert.equal(markdownToText(text, 100), text);
    assert.equal(markdownToText(text, text.length), text);
    const short = markdownToText(text, 20);
    assert.equal(short, 'Les bases de…');
    assert.ok(short.length <= 20);
    assert.equal(markdownToText('Un, deux, trois', 11), 'Un, deux…', 'no dangling comma before the ellipsis');
    assert.equal(markdownToText('Anticonstitutionnellement', 10), 'Anticonst…', 'one long word is cut inside');
  });

  test('keeps French no-break spaces and never splits a character', () => {
    assert.equal(markdownToText('Titre\u00a0: commentaire'), 'Titre\u00a0: commentaire');
    assert.equal(markdownToText('🚀🚀🚀🚀', 3), '🚀🚀…');
  });
});
