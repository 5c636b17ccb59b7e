import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportEdition, type ExportLink, type VeilleExport } from '../../../apps/domain/exports/export-format.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { buildTestApp } from '../../helpers/app.ts';

const AT = '2024-06-30T08:00:00.000Z';

function exportLink(url: string, title: string | null, extra: Partial<ExportLink> = {}): ExportLink {
  return { url, title, commentary: '', via: null, tags: [], description: null, siteName: null, createdAt: AT, children: [], ...extra };
}

function exportEdition(
  period: string,
  title: string,
  sections: Array<{ category: string | null; links: ExportLink[] }>,
  extra: Partial<ExportEdition> = {},
): ExportEdition {
  return {
    period,
    title,
    slug: `edition-${period}`,
    status: 'published',
    tags: [],
    intro: '',
    outro: '',
    blocks: sections.map((section) => ({ kind: 'category', ...section, intro: '', outro: '', keepEmpty: false })),
    earlierPaths: [],
    path: `/${period.replace('-', '/')}/edition-${period}`,
    markdownFile: `editions/${period}-edition.md`,
    scheduledAt: null,
    publishedAt: AT,
    correctedAt: null,
    createdAt: AT,
    updatedAt: AT,
    ...extra,
  };
}

/** An export written by hand by someone who wants Veille to store what its forms refuse. */
function hostileExport(): VeilleExport {
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: AT,
    settings: { newsletterName: 'Veille\r\nBcc: attacker@evil.example', senderName: 'Nicolas', locale: 'fr' },
    categories: [
      { name: 'Ops', position: 1, archived: false },
      { name: 'Bell\u0007', position: 2, archived: false },
    ],
    editions: [
      exportEdition(
        '2024-06',
        'Juin 2024',
        [
          {
            category: 'Ops',
            links: [
              exportLink('https://links.example/good', 'Good', {
                tags: ['postgres', '<script>', 'Time Series'],
                children: [exportLink('javascript:alert(1)', 'Bad child')],
              }),
              exportLink('javascript:alert(1)', 'Script'),
              exportLink('data:text/html,<script>alert(1)</script>', 'Data'),
              exportLink('java\tscript:alert(1)', 'Tabbed'),
              exportLink('https://bank.example@evil.example/', 'Credentials'),
              exportLink('links.example/no-scheme', 'No scheme'),
              exportLink('https://links.example/title', 'Two\r\nlines'),
              exportLink('mailto:a@x.example,b@y.example', 'Two readers'),
              exportLink('mailto:editor@example.org', 'Write to me'),
            ],
          },
        ],
        { tags: ['ops', '<img src=x onerror=alert(1)>'], slug: '../../etc' },
      ),
      exportEdition('2024-05', '', [{ category: 'Ops', links: [exportLink('https://links.example/may', 'May')] }]),
      exportEdition('2024-04', 'Avril', [{ category: 'Bad\u0000name', links: [] }]),
    ],
    inbox: [
      { category: null, ...exportLink('javascript:alert(2)', 'Inbox script') },
      { category: 'Ops', ...exportLink('https://links.example/inbox', 'Inbox good') },
    ],
    subscribers: [
      {
        email: 'a@x.example,b@y.example',
        status: 'active',
        source: 'import',
        consent: null,
        createdAt: AT,
        confirmedAt: AT,
        unsubscribedAt: null,
        bouncedAt: null,
      },
      {
        email: 'c@x.example\r\nBcc: d@y.example',
        status: 'active',
        source: 'import',
        consent: null,
        createdAt: AT,
        confirmedAt: AT,
        unsubscribedAt: null,
        bouncedAt: null,
      },
      {
        email: 'Reader@Example.org',
        status: 'active',
        source: 'form',
        consent: { at: AT, ip: '203.0.113.9', form: 'home', text: 'Get every edition' },
        createdAt: AT,
        confirmedAt: AT,
        unsubscribedAt: null,
        bouncedAt: null,
      },
      { email: 'reader@example.org', status: 'active', source: 'form', consent: null, createdAt: AT, confirmedAt: AT, unsubscribedAt: null, bouncedAt: null },
      {
        email: 'ip@example.org',
        status: 'active',
        source: 'form',
        consent: { at: AT, ip: '"><script>alert(1)</script>', form: 'home', text: 'x' },
        createdAt: AT,
        confirmedAt: AT,
        unsubscribedAt: null,
        bouncedAt: null,
      },
    ],
  };
}

test('a hostile Veille export: each value is held to the forms’ rules, reported in the dry run, and nothing bad is stored', async (t) => {
  const { services, database } = await buildTestApp(t);
  const source = { kind: 'upload' as const, filename: 'veille-export.json', bytes: Buffer.from(JSON.stringify(hostileExport())) };

  const dry = await services.imports.importNow({ source, dryRun: true, actor: OPERATOR });
  const problems = dry.problems.map((problem) => problem.reason);
  const expectProblem = (pattern: RegExp) =>
    assert.ok(
      problems.some((reason) => pattern.test(reason)),
      `a problem matching ${pattern} in:\n${problems.join('\n')}`,
    );
  expectProblem(/setting “newsletterName” will not be applied: Name must be on one line/);
  expectProblem(/category “Bell.” was left out: Name contains invalid characters/);
  expectProblem(/edition 2024-05 \(“”\) was left out: its title is refused/);
  expectProblem(/edition 2024-04 .* the category “Bad.name” is refused/);
  expectProblem(/Inbox: the link “Inbox script” was left out.*“javascript:alert\(2\)” is refused \(Only http and https addresses are accepted\.\)/);
  expectProblem(/Subscriber 1 \(“a@x\.example,b@y\.example”\) was left out: its address is refused \(Enter a valid email address/);
  expectProblem(/Subscriber 2 .* was left out: its address is refused/);
  expectProblem(/Subscriber 4 \(“reader@example\.org”\) was left out: the same address appears earlier/);
  expectProblem(/Subscriber 5 .* consent record's IP address .* is not one/);

  const june = dry.editions.find((edition) => edition.period === '2024-06');
  assert.ok(june, 'June is imported');
  assert.equal(june.action, 'create');
  const warned = june.warnings.join('\n');
  for (const title of ['Bad child', 'Script', 'Data', 'Tabbed', 'Credentials', 'No scheme', 'Two lines', 'Two readers']) {
    assert.match(warned, new RegExp(`the link “${title}” was left out`), `${title} in:\n${warned}`);
  }
  assert.match(warned, /the link “Good” comes without the tags “<script>”/);
  assert.match(warned, /The tags “<img src=x onerror=alert\(1\)>” were left out/);
  assert.match(warned, /The slug “\.\.\/\.\.\/etc” is refused/);
  assert.deepEqual(
    dry.editions.map((edition) => edition.period),
    ['2024-06'],
  );
  assert.deepEqual(dry.subscribers, { create: 1, existing: 0 });
  assert.deepEqual(dry.inbox, { create: 1, existing: 0 });

  const done = await services.imports.importNow({ source, dryRun: false, actor: OPERATOR });
  assert.equal(done.outcome?.created, 1);
  const { rows: links } = await database.pool.query<{ url: string; title: string | null; tags: string[] }>('SELECT url, title, tags FROM links ORDER BY url');
  assert.deepEqual(
    links.map((link) => link.url),
    ['https://links.example/good', 'https://links.example/inbox', 'mailto:editor@example.org'],
  );
  assert.deepEqual(links.find((link) => link.title === 'Good')?.tags, ['postgres', 'time-series'], 'tags normalised as the form does');
  const edition = await services.editions.find({ period: '2024-06' });
  assert.deepEqual(edition.tags, ['ops']);
  assert.equal(edition.slug, 'juin-2024', 'a refused slug is made again from the title');
  const { rows: readers } = await database.pool.query<{ email: string }>('SELECT email FROM subscribers ORDER BY email');
  assert.deepEqual(
    readers.map((reader) => reader.email),
    ['reader@example.org'],
  );
  const settings = await services.settings.get();
  assert.equal(settings.newsletterName, 'Veille', 'the refused name is not applied');
  assert.equal(settings.locale, 'fr', 'the valid settings are');
  assert.deepEqual(
    (await services.categories.list()).map((category) => category.name),
    ['Ops'],
  );
});
