import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromThisSite } from '../../../apps/web/plugins/cross-site.ts';

const ORIGINS = ['https://news.example.org', 'http://127.0.0.1:3000'];

test('a request is from this site when its Fetch Metadata or its Origin says so, or when no browser made it', () => {
  const accepted: Array<Record<string, string>> = [
    { 'sec-fetch-site': 'same-origin' },
    { 'sec-fetch-site': 'none' },
    { 'sec-fetch-site': 'same-origin', origin: 'https://news.example.org' },
    { origin: 'https://news.example.org' },
    { origin: 'HTTPS://NEWS.EXAMPLE.ORG' },
    { origin: 'http://127.0.0.1:3000' },
    {},
  ];
  for (const headers of accepted) assert.equal(fromThisSite(headers, ORIGINS), true, JSON.stringify(headers));
});

test('other sites, sibling hosts, opaque origins and odd values are refused', () => {
  const refused: Array<Record<string, string | string[]>> = [
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site' },
    { 'sec-fetch-site': 'cross-site', origin: 'https://news.example.org' },
    { 'sec-fetch-site': '' },
    { 'sec-fetch-site': 'SAME-ORIGIN-ish' },
    { 'sec-fetch-site': ['same-origin', 'cross-site'] },
    { origin: 'https://evil.example' },
    { origin: 'https://news.example.org.evil.example' },
    { origin: 'http://news.example.org' },
    { origin: 'null' },
    { origin: '' },
    { origin: ['https://news.example.org', 'https://evil.example'] },
  ];
  for (const headers of refused) assert.equal(fromThisSite(headers, ORIGINS), false, JSON.stringify(headers));
});
