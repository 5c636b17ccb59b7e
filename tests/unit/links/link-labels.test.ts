import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markdownQuote } from '../../../apps/web/view-models/link-pages-view.ts';
import { urlLabel } from '../../../apps/web/view-models/link-view.ts';

test('a link without title reads as its host and path', () => {
  assert.equal(urlLabel('https://www.example.org/posts/%C3%A9t%C3%A9/?utm_source=x#top'), 'example.org/posts/été');
  assert.equal(urlLabel('https://example.org/'), 'example.org');
  assert.equal(urlLabel('http://sub.example.org:8080/a/b'), 'sub.example.org/a/b');
  assert.equal(urlLabel('mailto:someone@example.org'), 'someone@example.org');
  assert.equal(urlLabel('https://example.org/%E2%80%AEevil'), 'example.org/%E2%80%AEevil', 'a direction override stays escaped');
  assert.equal(urlLabel('https://example.org/%ZZ'), 'example.org/%ZZ', 'a broken escape stays as it is');
  assert.equal(urlLabel('not a url'), 'not a url');
});

test('selected text becomes a Markdown quotation', () => {
  assert.equal(markdownQuote('A sentence.'), '> A sentence.');
  assert.equal(markdownQuote('\n  First line.\r\nSecond line.\n\n\n\nNew paragraph.  \n\n'), '> First line.\n> Second line.\n>\n> New paragraph.');
  assert.equal(markdownQuote('   \n  '), '');
});
