import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localRedirectTarget } from '../../../apps/web/redirects.ts';

const PUBLIC_URL = 'https://news.example.org';

test('pages of the site are followed, normalised, with their query and fragment', () => {
  const allowed: Array<[string, string]> = [
    ['/admin', '/admin'],
    ['/admin/team?x=1', '/admin/team?x=1'],
    ['/admin/editions/2024-06#link-check', '/admin/editions/2024-06#link-check'],
    ['/admin/../archive', '/archive'],
    ['/admin/inbox?q=caf%C3%A9', '/admin/inbox?q=caf%C3%A9'],
    // htmx's HX-Current-URL is absolute: the same origin is fine.
    ['https://news.example.org/admin/inbox?tag=k8s', '/admin/inbox?tag=k8s'],
  ];
  for (const [target, expected] of allowed) assert.equal(localRedirectTarget(target, PUBLIC_URL), expected, target);
});

test('anything a browser could read as another site is refused', () => {
  const hostile: unknown[] = [
    'https://evil.example/',
    'http://news.example.org/admin', // another scheme is another origin
    'https://news.example.org.evil.example/admin',
    'https://news.example.org@evil.example/',
    '//evil.example/',
    '///evil.example/',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '/\r\nSet-Cookie: x=1',
    '/\u0000',
    '/\u007f/evil.example',
    '/%09/evil.example',
    '/%0d%0a',
    '/%0D%0ALocation:%20https://evil.example',
    '/%5Cevil.example',
    '/%5C%5Cevil.example',
    '/%2F/evil.example',
    '/%2f%2fevil.example',
    '%2F%2Fevil.example',
    '/%E0%A4%A',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'admin',
    'evil.example',
    ' /admin',
    '',
    `/${'a'.repeat(3000)}`,
    undefined,
    null,
    42,
    ['/admin'],
    { toString: () => '/admin' },
  ];
  for (const target of hostile) assert.equal(localRedirectTarget(target, PUBLIC_URL), undefined, JSON.stringify(target));
});
