import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keptTextId } from '../../../apps/domain/editions/edition-blocks.ts';

test('a text block brought from an export keeps its id when it is a valid one not yet taken in its edition', () => {
  const taken = new Set<string>();
  assert.equal(keptTextId('free-1', taken), 'free-1');
  const again = keptTextId('free-1', taken);
  assert.notEqual(again, 'free-1', 'a second block with the same id gets a fresh one');
  assert.match(again, /^[0-9a-f-]{36}$/);
  for (const hostile of ['"><script>', 'a'.repeat(65), '', ' spaced id ']) {
    const id = keptTextId(hostile, taken);
    assert.notEqual(id, hostile, JSON.stringify(hostile));
    assert.match(id, /^[0-9a-f-]{36}$/);
  }
  assert.match(keptTextId(undefined, taken), /^[0-9a-f-]{36}$/);
});
