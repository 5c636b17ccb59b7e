import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMarkdownEdition, type ImportedEdition } from '../../../apps/domain/imports/edition-parse.ts';
import { categoriesOf, importedLink, textsOf } from '../../helpers/editions.ts';

function parsed(text: string, options?: Parameters<typeof parseMarkdownEdition>[2], source = 'edition.md'): ImportedEdition {
  const result = parseMarkdownEdition(text, source, options);
  if ('failure' in result) assert.fail(`unexpected failure: ${result.failure.reason}`);
  return result.edition;
}

const FRONT = '+++\ntitle = "Veille"\ndate = 2024-06-30\n+++\n';

function withBody(body: string): string {
  return `${FRONT}\n${body}`;
}

function only(edition: ImportedEdition, name: string) {
  const category = categoriesOf(edition).find((candidate) => candidate.name === name);
  assert.ok(category, `no category ${name}`);
  return category.links;
}

describe('parseMarkdownEdition: structure', () => {
  test('a "# Title" repeating the title is ignored; the intro is what comes before the first section', () => {
    const result = parsed(withBody('# Veille\n\nHello *readers*.\n\n## Web\n\n* [A](https://a.example)\n'));
    assert.equal(result.intro, 'Hello *readers*.');
    assert.deepEqual(categoriesOf(result), [{ name: 'Web', links: [importedLink('A', 'https://a.example')] }]);
  });

  test('bullets "*", "-", "+"; separators " : ", ": ", " - ", " — ", " – " or none', () => {
    const result = parsed(
      withBody(
        '## Web\n\n* [A](https://a.example) : one\n- [B](https://b.example): two\n+ [C](https://c.example) - three\n* [D](https://d.example) — four\n* [E](https://e.example) – five\n* [F](https://f.example)\n* [G](https://g.example), as is\n',
      ),
    );
    assert.deepEqual(only(result, 'Web'), [
      importedLink('A', 'https://a.example', 'one'),
      importedLink('B', 'https://b.example', 'two'),
      importedLink('C', 'https://c.example', 'three'),
      importedLink('D', 'https://d.example', 'four'),
      importedLink('E', 'https://e.example', 'five'),
      importedLink('F', 'https://f.example'),
      importedLink('G', 'https://g.example', ', as is'),
    ]);
    assert.deepEqual(result.warnings, []);
  });

  test('hand-written nesting (2 spaces), bold links, reference links, link titles and multi-line commentaries', () => {
    const result = parsed(
      withBody(
        [
          '## Web',
          '',
          '- **[Bold](https://bold.example)** : bold link',
          '  - [Child](https://child.example "a title") : child',
          '    continued on the next line',
          '- [Reference][ref] : by reference',
          '- [Shortcut] : shortcut reference',
          '- [Multi',
          'line title](<https://multi.example/a b>)',
          '',
          '[ref]: https://ref.example',
          '[shortcut]: https://shortcut.example',
        ].join('\n'),
      ),
    );
    assert.deepEqual(only(result, 'Web'), [
      importedLink('Bold', 'https://bold.example', 'bold link', [importedLink('Child', 'https://child.example', 'child\ncontinued on the next line')]),
      importedLink('Reference', 'https://ref.example', 'by reference'),
      importedLink('Shortcut', 'https://shortcut.example', 'shortcut reference'),
      importedLink('Multi line title', 'https://multi.example/a b'),
    ]);
  });

  test('items without a usable URL are skipped with a warning naming the section and the item', () => {
    const result = parsed(
      withBody(
        '## Web\n\n* [A](https://a.example)\n* Just some text\n* [Evil](javascript:alert(1)) : bad\n* [Relative](/local/page)\n* [B](https://b.example)\n    * [Empty]()\n',
      ),
    );
    assert.deepEqual(only(result, 'Web'), [importedLink('A', 'https://a.example'), importedLink('B', 'https://b.example')]);
    assert.deepEqual(result.warnings, [
      'Section “Web”, item 2 has no URL: skipped (“Just some text”)',
      'Section “Web”, item 3 has no usable URL (“javascript:alert(1)”): skipped (“[Evil](javascript:alert(1)) : bad”)',
      'Section “Web”, item 4 has no usable URL (“/local/page”): skipped (“[Relative](/local/page)”)',
      'Section “Web”, item 5.1 has an empty URL: skipped (“[Empty]()”)',
    ]);
  });

  test('a sub-list that is not made of links stays in the commentary', () => {
    const result = parsed(withBody('## Web\n\n* [A](https://a.example) : pros and cons\n  * fast\n  * small\n'));
    assert.deepEqual(only(result, 'Web'), [importedLink('A', 'https://a.example', 'pros and cons\n* fast\n* small')]);
  });

  test("text before and after a list is the section's intro and outro; after the last section's list, the closing words; between two lists, left out with a warning", () => {
    const result = parsed(
      withBody(
        '## Web\n\nSome links:\n\n* [A](https://a.example)\n\nIn between.\n\n* [B](https://b.example)\n\nAfter web.\n\n## Ops\n\n* [C](https://c.example)\n\nThat is all, folks.\n\nSee you next month.\n',
      ),
    );
    assert.deepEqual(categoriesOf(result), [
      { name: 'Web', links: [importedLink('A', 'https://a.example'), importedLink('B', 'https://b.example')] },
      { name: 'Ops', links: [importedLink('C', 'https://c.example')] },
    ]);
    assert.equal(result.outro, 'That is all, folks.\n\nSee you next month.');
    const [web, ops] = result.blocks;
    assert.deepEqual(web?.kind === 'category' && [web.intro, web.outro], ['Some links:', 'After web.']);
    assert.deepEqual(ops?.kind === 'category' && [ops.intro, ops.outro], ['', '']);
    assert.deepEqual(result.warnings, ['Section “Web”: text between the lists of links was left out (“In between.”)']);
  });

  test('markers say what the shape cannot: closing words, a kept empty section, a text section that looks like links', () => {
    const result = parsed(
      withBody(
        '## Web\n\n* [A](https://a.example)\n\nMy slides.\n\n## Kept\n\n<!-- keep-empty -->\n\n## Links of friends\n\n<!-- text -->\n\n* [Blog](https://blog.example)\n\n## Ops\n\n* [C](https://c.example)\n\nA last word on C.\n\n<!-- closing -->\n\nSee you.\n',
      ),
    );
    assert.deepEqual(
      result.blocks.map((block) => (block.kind === 'text' ? ['text', block.heading, block.body] : [block.name, block.intro, block.outro, block.keepEmpty])),
      [
        ['Web', '', 'My slides.', false],
        ['Kept', '', '', true],
        ['text', 'Links of friends', '* [Blog](https://blog.example)'],
        ['Ops', '', 'A last word on C.', false],
      ],
    );
    assert.equal(result.outro, 'See you.');
    assert.deepEqual(result.warnings, []);
  });

  test("sections named alike stay as the document has them: the import's plan merges them by the categories' key", () => {
    const result = parsed(withBody('## Web\n\n* [A](https://a.example)\n\n## Ops\n\n## web\n\n* [B](https://b.example)\n'));
    assert.deepEqual(categoriesOf(result), [
      { name: 'Web', links: [importedLink('A', 'https://a.example')] },
      { name: 'Ops', links: [] },
      { name: 'web', links: [importedLink('B', 'https://b.example')] },
    ]);
    assert.deepEqual(result.warnings, []);
  });

  test('section level: the level that heads lists of links, so "#" inside a tip stays in its body', () => {
    const tip = parsed(withBody('Intro.\n\n## Web\n\n* [A](https://a.example)\n\n## Tip\n\n# A heading inside the tip\n\nText.\n'));
    assert.deepEqual(textsOf(tip), [{ heading: 'Tip', body: '# A heading inside the tip\n\nText.' }]);
    const hugo = parsed(withBody('# Web\n\n* [A](https://a.example)\n\n### Detail\n\n# Ops\n\n* [B](https://b.example)\n'));
    assert.deepEqual(
      categoriesOf(hugo).map((category) => category.name),
      ['Web', 'Ops'],
    );
    const setext = parsed(withBody('Web\n---\n\n* [A](https://a.example)\n'));
    assert.deepEqual(categoriesOf(setext), [{ name: 'Web', links: [importedLink('A', 'https://a.example')] }]);
  });

  test('CRLF line endings, a byte order mark and tabs are fine', () => {
    const result = parsed(
      '\uFEFF+++\r\ntitle = "T"\r\ndate = 2024-06-30\r\n+++\r\n\r\nIntro\r\n\r\n## Web\r\n\r\n*\t[A](https://a.example) : one\r\n\t* [B](https://b.example) : two\r\n',
    );
    assert.equal(result.intro, 'Intro');
    assert.deepEqual(only(result, 'Web'), [importedLink('A', 'https://a.example', 'one', [importedLink('B', 'https://b.example', 'two')])]);
  });

  test('raw HTML is text, as in the app: a <pre> in a tip does not swallow the next sections', () => {
    const result = parsed(withBody('## Web\n\n* [A](https://a.example)\n\n## Tip\n\n<pre>\nunclosed\n\n## Ops\n\n* [B](https://b.example)\n'));
    assert.deepEqual(
      categoriesOf(result).map((category) => category.name),
      ['Web', 'Ops'],
    );
    assert.deepEqual(textsOf(result), [{ heading: 'Tip', body: '<pre>\nunclosed' }]);
  });

  test('an unclosed code fence is a dry-run warning, a stray ## inside a closed one stays code', () => {
    const unclosed = parsed(withBody('## Web\n\n* [A](https://a.example)\n\n## Tip\n\n```sh\nls\n\n## Ops\n\n* [B](https://b.example)\n'));
    assert.deepEqual(textsOf(unclosed), [{ heading: 'Tip', body: '```sh\nls\n\n## Ops\n\n* [B](https://b.example)' }]);
    assert.deepEqual(unclosed.warnings, ['The code block opening on line 8 after the front matter is never closed: everything after it was read as code.']);
    const closed = parsed(withBody('## Web\n\n* [A](https://a.example)\n\n## Tip\n\n```\n## not a section\n```\n\n## Ops\n\n* [B](https://b.example)\n'));
    assert.deepEqual(
      categoriesOf(closed).map((block) => block.name),
      ['Web', 'Ops'],
    );
    assert.deepEqual(textsOf(closed), [{ heading: 'Tip', body: '```\n## not a section\n```' }]);
    assert.deepEqual(closed.warnings, []);
  });
});
