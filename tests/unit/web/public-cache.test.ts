import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseEncoding } from '../../../apps/web/public-cache.ts';
import { parseChange } from '../../../db/public-changes.ts';

test('the coding follows the client’s Accept-Encoding and its weights', () => {
  assert.equal(chooseEncoding('gzip, deflate, br'), 'br');
  assert.equal(chooseEncoding('gzip'), 'gzip');
  assert.equal(chooseEncoding('x-gzip'), 'gzip');
  assert.equal(chooseEncoding('br;q=0, gzip'), 'gzip');
  assert.equal(chooseEncoding('br;q=0.5, gzip;q=0.8'), 'gzip');
  assert.equal(chooseEncoding('*'), 'br');
  assert.equal(chooseEncoding('identity, *;q=0'), 'identity');
  assert.equal(chooseEncoding('deflate'), 'identity');
  assert.equal(chooseEncoding('br;q=nonsense'), 'identity');
  assert.equal(chooseEncoding(''), 'identity');
});

test('a notice names one edition or says everything may have changed', () => {
  assert.deepEqual(parseChange('edition:0f8fad5b-d9cb-469f-a165-70867728950e'), { scope: 'edition', editionId: '0f8fad5b-d9cb-469f-a165-70867728950e' });
  assert.deepEqual(parseChange('settings'), { scope: 'all', reason: 'settings' });
  assert.deepEqual(parseChange('edition:not-an-id'), { scope: 'all', reason: 'edition:not-an-id' });
});
