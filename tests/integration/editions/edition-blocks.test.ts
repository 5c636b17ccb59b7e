// The edition as blocks through the API, the editor's form and the public site: text sections
// between categories, section texts, kept and hidden empty sections, refusals that name the block,
// the checks before publishing, and permalinks that survive a slug change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildEditions, type ErrorBody } from '../../helpers/edition-app.ts';

type BlockJson =
  | { kind: 'category'; categoryId: string | null; category: string | null; intro: string; outro: string; keepEmpty: boolean; links: Array<{ id: string }> }
  | { kind: 'text'; id: string; heading: string; body: string };
type DocumentJson = { version: number; outro: string; blocks: BlockJson[]; sections: unknown[]; freeSections: unknown[] };

test('blocks go in through the API in any order and come out the same in GET, the page, the feed and the Markdown export', async (t) => {
  const { app, client, call, createLink } = await buildEditions(t);
  const a = await createLink({ url: 'https://example.org/a', title: 'Lien A', commentary: 'Bien.' });
  const b = await createLink({ url: 'https://example.org/b', title: 'Lien B', commentary: 'Aussi.' });
  const blocks = [
    { kind: 'category', category: 'Bases de données', intro: 'Vu à la *conférence* :', outro: 'Mes slides sont en ligne.', links: [a] },
    { kind: 'text', heading: 'Astuce du mois', body: '```sh\n## pas un titre\nls -la\n```' },
    { kind: 'category', category: 'Ops', links: [b] },
    { kind: 'category', category: 'Vide gardé', keepEmpty: true, links: [] },
    { kind: 'category', category: 'Vide caché', links: [] },
  ];
  const put = await call('PUT', '/api/v1/editions/2024-06', { title: 'Juin', blocks, outro: 'À bientôt.' });
  assert.equal(put.statusCode, 201, put.body);
  const doc = (await call('GET', '/api/v1/editions/2024-06')).json<DocumentJson>();
  assert.deepEqual(
    doc.blocks.map((block) =>
      block.kind === 'text' ? ['text', block.heading] : [block.category, block.intro, block.keepEmpty, block.links.map((link) => link.id)],
    ),
    [
      ['Bases de données', 'Vu à la *conférence* :', false, [a]],
      ['text', 'Astuce du mois'],
      ['Ops', '', false, [b]],
      ['Vide gardé', '', true, []],
      ['Vide caché', '', false, []],
    ],
  );
  // A heading with other accents and case finds the same category.
  const again = await call('PUT', '/api/v1/editions/2024-06', {
    ...doc,
    blocks: doc.blocks.map((block) =>
      block.kind === 'category' && block.category === 'Bases de données' ? { ...block, categoryId: undefined, category: 'BASES DE DONNÉES' } : block,
    ),
  });
  assert.equal(again.statusCode, 200, again.body);
  const same = (await call('GET', '/api/v1/editions/2024-06')).json<DocumentJson>();
  assert.deepEqual(same.blocks, doc.blocks, 'PUT of what GET returned changes nothing');

  assert.equal((await call('POST', '/api/v1/editions/2024-06/publish')).statusCode, 200);
  const page = await app.inject({ method: 'GET', url: '/2024/06/juin' });
  assert.equal(page.statusCode, 200);
  const order = [
    'Bases de données',
    'Vu à la <em>conférence</em> :',
    'Lien A',
    'Mes slides sont en ligne.',
    'Astuce du mois',
    '## pas un titre',
    'Ops',
    'Lien B',
    'Vide gardé',
    'À bientôt.',
  ];
  let cursor = -1;
  for (const part of order) {
    const at = page.body.indexOf(part, cursor + 1);
    assert.ok(at > cursor, `${part} in order on the page`);
    cursor = at;
  }
  assert.ok(!page.body.includes('Vide caché'), 'an empty section nobody kept is not shown');
  const feed = await app.inject({ method: 'GET', url: '/feed.xml' });
  assert.ok(feed.body.includes('Mes slides sont en ligne.') && feed.body.includes('Astuce du mois') && !feed.body.includes('Vide caché'));

  const markdown = (await client.get('/admin/editions/2024-06/export.md')).body;
  assert.match(
    markdown,
    /## Bases de données\n\nVu à la \*conférence\* :\n\n\* \[Lien A\]\(https:\/\/example\.org\/a\) : Bien\.\n\nMes slides sont en ligne\.\n\n## Astuce du mois/,
  );
  assert.match(markdown, /## Vide gardé\n\n<!-- keep-empty -->\n\n## Vide caché\n\n<!-- closing -->\n\nÀ bientôt\.\n$/);
});

test('a bad block list is refused with the block named, and changes nothing', async (t) => {
  const { call, createLink } = await buildEditions(t);
  const a = await createLink({ url: 'https://example.org/a', title: 'A' });
  assert.equal((await call('PUT', '/api/v1/editions/2024-06', { blocks: [{ kind: 'category', category: 'Ops', links: [a] }] })).statusCode, 201);
  const refusals: Array<[unknown, RegExp]> = [
    [
      [
        { kind: 'category', category: 'Ops', links: [a] },
        { kind: 'text', heading: '  ', body: 'x' },
      ],
      /^Block 2 \(text section\): A text section needs a heading\./,
    ],
    [
      [
        { kind: 'category', category: 'Ops' },
        { kind: 'category', category: 'OPS' },
      ],
      /^Block 2 \(category “OPS”\): block 1 is for the same category/,
    ],
    [[{ kind: 'category', categoryId: '00000000-0000-4000-8000-000000000000' }], /^Block 1 \(category section\): there is no category with the id/],
    [[{ kind: 'category', category: 'Ops', links: ['00000000-0000-4000-8000-000000000000'] }], /^Block 1: there is no link with the id/],
    [
      [
        { kind: 'category', category: 'Ops', links: [a] },
        { kind: 'category', category: 'Web', links: [a] },
      ],
      /^Block 2 lists the link .*, which block 1 lists already/,
    ],
    [[{ kind: 'picture' }], /^Block 1: Each block is/],
    ['not a list', /blocks is a list of blocks/],
  ];
  for (const [blocks, message] of refusals) {
    const response = await call('PUT', '/api/v1/editions/2024-06', { blocks });
    assert.equal(response.statusCode, 422, response.body);
    assert.match(response.json<ErrorBody>().message, message);
  }
  const after = (await call('GET', '/api/v1/editions/2024-06')).json<DocumentJson>();
  assert.deepEqual(
    after.blocks.map((block) => (block.kind === 'category' ? block.links.map((link) => link.id) : [])),
    [[a]],
    'nothing of a refused document is kept',
  );
  // The older shape sent beside blocks must say the same thing.
  const disagree = await call('PUT', '/api/v1/editions/2024-06', { blocks: after.blocks, sections: [{ category: 'Web', links: [a] }] });
  assert.equal(disagree.statusCode, 422);
  assert.match(disagree.json<ErrorBody>().message, /blocks and sections say different things/);
});

test('the editor writes section texts in place, adds a text section between two categories, moves it, and lists the checks', async (t) => {
  const { services, client, call, createLink } = await buildEditions(t);
  const a = await createLink({ url: 'https://example.org/a', title: 'A' });
  const b = await createLink({ url: 'https://example.org/b?utm_source=x', title: 'B', commentary: 'Deux fois.' });
  const c = await createLink({ url: 'https://example.org/b', title: 'B again', commentary: 'Le même.' });
  await call('PUT', '/api/v1/editions/2024-06', {
    blocks: [
      { kind: 'category', category: 'Data', links: [a] },
      { kind: 'category', category: 'Web', links: [b, c] },
    ],
  });
  const doc = (await call('GET', '/api/v1/editions/2024-06')).json<DocumentJson>();
  const [data, web] = doc.blocks as Array<Extract<BlockJson, { kind: 'category' }>>;
  const dataKey = `c:${data!.categoryId}`;

  const added = await client.postForm('/admin/editions/2024-06/sections', { action: `add-text:${dataKey}` });
  assert.equal(added.statusCode, 303);
  const headings = async () =>
    (await call('GET', '/api/v1/editions/2024-06')).json<DocumentJson>().blocks.flatMap((block) => (block.kind === 'text' ? [block.heading] : []));
  assert.deepEqual(await headings(), ['Nouvelle section'], 'a new text section is headed in the newsletter’s language');
  const editor = await client.get('/admin/editions/2024-06');
  assert.match(editor.body, /Twice in this edition: also “B again”/, 'the duplicate is flagged');
  const textKey = /name="blockKey" value="(t:[^"]+)"/.exec(editor.body)?.[1];
  assert.ok(textKey, 'the new text section is in the form');
  const version = /name="version" id="edition-version" value="(\d+)"/.exec(editor.body)?.[1];
  const saved = await client.postForm('/admin/editions/2024-06', {
    version: version!,
    title: 'Juin',
    blockKey: [dataKey, textKey, `c:${web!.categoryId}`],
    [`intro:${dataKey}`]: 'Avant les liens.',
    [`outro:${dataKey}`]: '',
    [`heading:${textKey}`]: 'Astuce du mois',
    [`body:${textKey}`]: 'Utilisez `psql`.',
  });
  assert.equal(saved.statusCode, 303, saved.body);
  const after = (await call('GET', '/api/v1/editions/2024-06')).json<DocumentJson>();
  assert.deepEqual(
    after.blocks.map((block) => (block.kind === 'text' ? block.heading : `${block.category}:${block.intro}`)),
    ['Data:Avant les liens.', 'Astuce du mois', 'Web:'],
  );

  assert.equal((await client.postForm('/admin/editions/2024-06/sections', { action: `up:${textKey}` })).statusCode, 303);
  assert.deepEqual(
    (await call('GET', '/api/v1/editions/2024-06')).json<DocumentJson>().blocks.map((block) => block.kind),
    ['text', 'category', 'category'],
  );
  const refused = await client.postForm('/admin/editions/2024-06/sections', { action: `remove:${dataKey}` });
  assert.equal(refused.statusCode, 422, 'a section holding links is not removed');

  const checks = await call('GET', '/api/v1/editions/2024-06/checks');
  assert.equal(checks.statusCode, 200);
  const codes = checks.json<Array<{ level: string; code: string; message: string }>>().map((check) => check.code);
  for (const code of ['no-commentary', 'duplicate-link', 'email-size', 'audience']) assert.ok(codes.includes(code), code);
  void services;
});

test('a published edition whose slug changes answers at its old path with a 301, and its feed id stays', async (t) => {
  const { app, call, publishWith, services } = await buildEditions(t);
  const { edition } = await publishWith('2024-06', { url: 'https://example.org/a', title: 'A', commentary: 'Bien.' });
  const oldPath = `/2024/06/${edition.slug}`;
  const feedBefore = (await app.inject({ method: 'GET', url: '/feed.xml' })).body;
  const guid = /<guid isPermaLink="false">([^<]+)<\/guid>/.exec(feedBefore)?.[1];
  assert.equal(guid, `urn:uuid:${edition.id}`);

  const renamed = await call('PUT', '/api/v1/editions/2024-06', { slug: 'premier-nom' });
  assert.equal(renamed.statusCode, 200, renamed.body);
  assert.equal((await call('PUT', '/api/v1/editions/2024-06', { slug: 'second-nom' })).statusCode, 200);
  for (const path of [oldPath, '/2024/06/premier-nom']) {
    const moved = await app.inject({ method: 'GET', url: path });
    assert.equal(moved.statusCode, 301, path);
    assert.equal(moved.headers.location, '/2024/06/second-nom');
  }
  assert.equal((await app.inject({ method: 'GET', url: '/2024/06/second-nom' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/2024/06/never-was' })).statusCode, 404);
  assert.ok((await app.inject({ method: 'GET', url: '/feed.xml' })).body.includes(`<guid isPermaLink="false">urn:uuid:${edition.id}</guid>`));
  assert.deepEqual(await services.editions.earlierPaths({ id: edition.id }), [oldPath, '/2024/06/premier-nom']);
});
