import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BURST_MS, hourOf, isScannerAgent, judgeClick, WINDOW_MS, type WindowEntry } from '../../../apps/domain/clicks/click-filter.ts';
import { createClickSigner, parseClickPart } from '../../../apps/domain/clicks/click-links.ts';
import { linkStats, linkStatsCsv, percent } from '../../../apps/domain/clicks/click-stats.ts';
import { archivedCopyUrl, isDead, pickPerHost } from '../../../apps/domain/links/link-health-service.ts';
import { category, edition, link } from '../../helpers/editions.ts';

const EDITION = { id: '7d1c2f9e-1111-4a1b-9c3d-000000000001', period: '2024-06' };
const LINK = '3f2a9b10-2222-4b2c-8d4e-000000000002';
const NOW = new Date('2024-07-01T10:30:00Z');
const entry = (linkId: string, msAgo: number, counted = true, scanner = false): WindowEntry => ({
  id: Math.random(),
  linkId,
  at: new Date(NOW.getTime() - msAgo),
  countedHour: counted ? hourOf(new Date(NOW.getTime() - msAgo)) : null,
  scanner,
});

test('a click address names its link by prefix and is signed for that edition and that link only', () => {
  const signer = createClickSigner('a-secret-of-at-least-thirty-two-characters');
  const path = signer.path(EDITION, LINK);
  assert.match(path, /^\/c\/2024-06\/3f2a9b10\.[A-Za-z0-9_-]{16}$/);
  const part = parseClickPart(path.split('/').at(-1)!)!;
  assert.equal(part.linkPrefix, '3f2a9b10');
  assert.ok(signer.verify(EDITION.id, LINK, part.signature));
  assert.ok(!signer.verify(EDITION.id, '3f2a9b10-2222-4b2c-8d4e-000000000003', part.signature), 'another link sharing the prefix');
  assert.ok(!signer.verify('7d1c2f9e-1111-4a1b-9c3d-000000000009', LINK, part.signature), 'the same link in another edition');
  assert.ok(!createClickSigner('another-secret-of-at-least-thirty-two-chars').verify(EDITION.id, LINK, part.signature), 'another server');
  for (const bad of [
    '',
    '3f2a9b10',
    '3f2a9b10.',
    '3F2A9B10.' + part.signature,
    '3f2a9b1.' + part.signature,
    `${part.linkPrefix}.${part.signature}x`,
    '../../x.y',
  ])
    assert.equal(parseClickPart(bad), undefined, bad);
});

test('user agents of machines are known, browsers and mail apps are not', () => {
  for (const agent of [
    undefined,
    '',
    'Googlebot/2.1 (+http://www.google.com/bot.html)',
    'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
    'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36',
    'python-requests/2.32.3',
    'curl/8.5.0',
    'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)',
    'Mozilla/5.0 (compatible; Barracuda Sentinel (EE))',
  ])
    assert.ok(isScannerAgent(agent), String(agent));
  for (const agent of [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
    'Mozilla/5.0 (Linux; Android 14; Cubot KingKong) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/126.0 Mobile Safari/537.36 GSA/15.0',
  ])
    assert.ok(!isScannerAgent(agent), agent);
});

test('a click is counted once per visitor and link within the window; several links at once are a scanner’s burst', () => {
  const judge = (window: WindowEntry[], linkId: string, linksInEdition = 10) => judgeClick({ window, linkId, now: NOW, linksInEdition });
  assert.deepEqual(judge([], 'a'), { kind: 'count' });
  assert.deepEqual(judge([entry('a', 30_000)], 'a'), { kind: 'repeat' });
  assert.deepEqual(judge([entry('a', WINDOW_MS + 1)], 'a'), { kind: 'count' }, 'a minute later it counts again');
  assert.deepEqual(judge([entry('a', 30_000)], 'b'), { kind: 'count' }, 'a reader reading on');
  assert.deepEqual(judge([entry('a', BURST_MS + 500), entry('b', BURST_MS + 100)], 'c'), { kind: 'count' }, 'three links over a few seconds');
  const first = entry('a', 800);
  const second = entry('b', 300);
  assert.deepEqual(judge([first, second], 'c'), { kind: 'scanner', uncount: [first, second] }, 'three links within two seconds');
  assert.deepEqual(judge([first], 'b', 2), { kind: 'scanner', uncount: [first] }, 'both links of an edition of two at once');
  assert.deepEqual(judge([], 'a', 1), { kind: 'count' }, 'the one link of an edition of one');
  assert.deepEqual(judge([entry('a', 40_000, false, true)], 'b'), { kind: 'scanner', uncount: [] }, 'a scanner stays one for the minute');
  assert.deepEqual(hourOf(new Date('2024-07-01T10:59:59.999Z')), new Date('2024-07-01T10:00:00Z'));
});

test('the stats list every link in reading order with its share of delivered copies, and write CSV cells as text', () => {
  const child = link('Nested', 'https://example.org/n');
  const top = link('=HYPERLINK("https://evil.example")', 'https://example.org/a', '', [child]);
  const other = link('Other', 'https://example.org/b');
  const doc = edition({ blocks: [category('Ops', [top, other])] });
  const rows = linkStats(
    doc,
    [
      { linkId: top.id, url: top.url, title: top.title, clicks: 3 },
      { linkId: child.id, url: child.url, title: child.title, clicks: 1 },
      { linkId: 'gone', url: 'https://example.org/gone', title: null, clicks: 2 },
    ],
    8,
  );
  assert.deepEqual(
    rows.map((row) => [row.title, row.section, row.depth, row.clicks, percent(row.share)]),
    [
      ['=HYPERLINK("https://evil.example")', 'Ops', 0, 3, '37.5'],
      ['Nested', 'Ops', 1, 1, '12.5'],
      ['Other', 'Ops', 0, 0, '0.0'],
      ['https://example.org/gone', null, 0, 2, '25.0'],
    ],
  );
  assert.equal(percent(linkStats(doc, [], 0)[0]!.share), '', 'no share before any copy was delivered');
  const csv = linkStatsCsv('2024-06', 8, rows);
  assert.ok(!/^=|,=/m.test(csv), 'no cell starts like a formula');
});

test('link health: dead after two failures in a row, a few links per host per run, the archived copy at the edition’s date', () => {
  assert.ok(isDead({ checks: 2, failures: 2 }));
  assert.ok(!isDead({ checks: 1, failures: 1 }));
  assert.ok(!isDead({ checks: 2, failures: 1 }));
  const due = ['a.example/1', 'a.example/2', 'b.example/1', 'a.example/3', 'c.example/1', 'A.EXAMPLE/4'].map((path) => ({ url: `https://${path}` }));
  assert.deepEqual(
    pickPerHost(due, 10, 2).map((link) => link.url),
    ['https://a.example/1', 'https://a.example/2', 'https://b.example/1', 'https://c.example/1'],
  );
  assert.equal(pickPerHost(due, 2, 2).length, 2);
  assert.equal(archivedCopyUrl('https://example.org/post?x=1', '2024-06-30'), 'https://web.archive.org/web/20240630/https://example.org/post?x=1');
});
