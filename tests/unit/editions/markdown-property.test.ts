// The Markdown export read back by the Markdown importer, as a property: editions of every shape,
// made by a seeded generator, come back equal (blocks in order, section texts, kept empty
// sections, text sections anywhere, closing words). A failure prints the seed to replay.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { editionToMarkdown } from '../../../apps/domain/editions/edition-markdown.ts';
import type { EditionBlock, EditionDocument, EditionLink } from '../../../apps/domain/editions/edition-types.ts';
import { parseMarkdownEdition } from '../../../apps/domain/imports/edition-parse.ts';
import { category, edition, expectedContent, importedContent, link, text } from '../../helpers/editions.ts';
import { seededRandom, type Random } from '../../helpers/fuzz.ts';

const NAMES = ['Web', 'Ops', 'Bases de Données', '(No)SQL', 'C#', 'IoT & Time Series', 'Sécurité', 'Python 3', 'Cœur “spécial”', 'API [v2]'];
const TITLES = ['DuckDB 1.0', 'Title with ] and [', 'Star * and `tick`', 'Émoji 🎉', 'Colon : in title', 'Unbalanced ) paren', 'A_b_c'];
const URLS = ['https://example.com/a', 'https://en.wikipedia.org/wiki/Foo_(bar)', 'https://example.com/path with space', 'https://example.com/?a=1&b=2#f'];
const COMMENTARIES = [
  '',
  'Short.',
  'With a [link](https://example.com/x), *emphasis* and `code`.',
  'two\nlines',
  'ça marche : oui — vraiment',
  'first paragraph\n\nsecond paragraph',
];
// Texts for intros, outros, text sections and closing words: prose, lists that are not links, code.
const TEXTS = [
  'A few words on where these links come from: the **conference** of the month.',
  'My slides are [online](https://example.com/slides).',
  '* a plain list\n* of things',
  '```sh\n## not a heading\n* [not](https://a.link) : not a link\n```',
  '1. first\n2. second',
  '> a quote\n> on two lines',
  'Prose.\n\n    indented code\n\nMore prose.',
];
// Bodies of text sections may also look like lists of links: the export marks them.
const BODIES = [...TEXTS, '', '* [A link](https://example.com/only) : in a text section', '```\nunterminated looking ``` fence\n```'];

function links(random: Random, depth: number): EditionLink[] {
  return Array.from({ length: random.int(depth === 0 ? 4 : 2) }, () =>
    link(random.pick(TITLES), random.pick(URLS), random.pick(COMMENTARIES), depth < 2 && random.chance(0.2) ? links(random, depth + 1) : []),
  );
}

/** An edition of any shape the editor can make: category sections with or without text and links, text sections anywhere. */
function randomEdition(seed: number): EditionDocument {
  const random = seededRandom(seed);
  const names = [...NAMES].sort(() => random.int(3) - 1).slice(0, 1 + random.int(5));
  const blocks: EditionBlock[] = names.map((name) => {
    const own = links(random, 0);
    return category(name, own, {
      intro: random.chance(0.4) ? random.pick(TEXTS) : '',
      outro: random.chance(0.4) ? random.pick(TEXTS) : '',
      // Kept matters only for a section without links.
      keepEmpty: own.length === 0 && random.chance(0.5),
    });
  });
  for (let count = random.int(3); count > 0; count -= 1) {
    blocks.splice(random.int(blocks.length + 1), 0, text(random.pick(['Astuce du mois', 'Le mot de la fin ?', 'Événement #3']), random.pick(BODIES)));
  }
  return edition({
    intro: random.chance(0.6) ? random.pick(TEXTS) : '',
    outro: random.chance(0.5) ? random.pick(TEXTS) : '',
    blocks,
  });
}

describe('Markdown export and import, as a property', () => {
  test('300 generated editions of every shape come back equal', () => {
    const shapes = { textBetween: 0, sectionIntro: 0, sectionOutro: 0, keptEmpty: 0, hiddenEmpty: 0, closing: 0 };
    for (let seed = 1; seed <= 300; seed += 1) {
      const doc = randomEdition(seed);
      const markdown = editionToMarkdown(doc);
      const result = parseMarkdownEdition(markdown, `seed-${seed}.md`);
      if ('failure' in result) assert.fail(`seed ${seed}: ${result.failure.reason}\n${markdown}`);
      assert.deepEqual(importedContent(result.edition), expectedContent(doc), `seed ${seed}:\n${markdown}`);
      assert.deepEqual(result.edition.warnings, [], `seed ${seed}`);
      const kinds = doc.blocks.map((block) => block.kind);
      if (kinds.indexOf('text') > 0 && kinds.lastIndexOf('category') > kinds.indexOf('text')) shapes.textBetween += 1;
      for (const block of doc.blocks) {
        if (block.kind !== 'category') continue;
        if (block.intro) shapes.sectionIntro += 1;
        if (block.outro) shapes.sectionOutro += 1;
        if (block.links.length === 0) shapes[block.keepEmpty ? 'keptEmpty' : 'hiddenEmpty'] += 1;
      }
      if (doc.outro) shapes.closing += 1;
    }
    // The generator reached every shape, many times.
    for (const [shape, count] of Object.entries(shapes)) assert.ok(count > 20, `${shape}: ${count}`);
  });
});
