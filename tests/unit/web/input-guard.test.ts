import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findControlCharacter } from '../../../apps/web/plugins/input-guard.ts';

test('control characters are found wherever they are, and the field is named by its path', () => {
  const cases: Array<[unknown, 'single-line' | 'multi-line', string, string]> = [
    [{ q: '\u0000' }, 'multi-line', 'q', '\u0000'],
    [{ email: 'a\u0000@example.org' }, 'multi-line', 'email', '\u0000'],
    [{ title: 'ok', commentary: 'bell \u0007' }, 'multi-line', 'commentary', '\u0007'],
    [{ sections: [{ category: 'Ops', links: ['x', 'y\u001b'] }] }, 'multi-line', 'sections.0.links.1', '\u001b'],
    [{ 'na\u0000me': 'value' }, 'multi-line', 'body', '\u0000'],
    [{ nested: { 'line\nbreak': 1 } }, 'multi-line', 'nested', '\n'],
    [{ tag: 'a\tb' }, 'single-line', 'tag', '\t'],
    [{ period: '2026-11\r\n' }, 'single-line', 'period', '\r'],
    [{ id: 'x\u007f' }, 'single-line', 'id', '\u007f'],
    ['plain text body \u0000', 'multi-line', 'body', '\u0000'],
    [['first', 'sec\u0008ond'], 'multi-line', '1', '\u0008'],
  ];
  for (const [value, lines, field, character] of cases) {
    assert.deepEqual(findControlCharacter(value, lines), { field, character }, JSON.stringify(value));
  }
});

test('text that may span lines keeps its tabs and line breaks; files, numbers and empty values pass', () => {
  const clean: unknown[] = [
    { commentary: 'First line\r\nSecond line\n\tindented' },
    { title: 'Données – “quotes” 💥 \u00a0 \u202e \u0085' },
    { file: Buffer.from([0, 1, 2, 27]) },
    { count: 3, flag: true, none: null, list: [] },
    undefined,
    null,
    '',
  ];
  for (const value of clean) assert.equal(findControlCharacter(value, 'multi-line'), undefined, JSON.stringify(value));
});

test('deeply nested JSON is walked without exhausting the stack', () => {
  let value: unknown = 'bottom\u0000';
  for (let depth = 0; depth < 100_000; depth++) value = [value];
  assert.equal(findControlCharacter(value, 'multi-line')?.character, '\u0000');
});
