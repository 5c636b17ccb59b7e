import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';
import { categoryBlocks } from '../../../apps/domain/editions/edition-blocks.ts';

test('the editor adds the inbox in its order, previews web and email side by side, and lists pre-send checks', async (t) => {
  const { app, services } = await buildTestApp(t);
  const client = await setUpOwner(app);
  const [owner] = await services.accounts.listUsers();
  const ops = await services.categories.create({ name: 'Ops' });
  await services.categories.create({ name: 'Data' });
  const first = (await services.links.add({ actor: owner!, input: { url: 'https://example.org/a', title: 'First', commentary: 'Un.', categoryId: ops.id } }))
    .link;
  const second = (await services.links.add({ actor: owner!, input: { url: 'https://example.org/b', title: 'Second', categoryId: ops.id } })).link;
  // The editor puts "First" back on top of the group (new links come first).
  await services.links.move({ id: first.id, afterId: second.id });

  await services.editions.ensureDraft({ period: '2024-06' });
  const proposed = await client.get('/admin/editions/2024-06');
  assert.ok(proposed.body.indexOf('First') < proposed.body.indexOf('Second'), 'proposed in the inbox order');
  assert.equal((await client.postForm('/admin/editions/2024-06/links/all')).statusCode, 303);
  const doc = await services.editions.document({ edition: await services.editions.find({ period: '2024-06' }) });
  assert.deepEqual(
    categoryBlocks(doc)[0]!.links.map((link) => link.title),
    ['First', 'Second'],
  );

  const previews = await client.get('/admin/editions/2024-06/previews');
  assert.equal(previews.statusCode, 200);
  assert.match(previews.body, /<iframe src="\/admin\/editions\/2024-06\/preview"/);
  assert.match(previews.body, /<iframe src="\/admin\/editions\/2024-06\/email-preview"[^>]*sandbox/);
  const web = await client.get('/admin/editions/2024-06/preview');
  assert.match(String(web.headers['content-security-policy']), /frame-ancestors 'self'/);
  assert.match(web.body, /Second/);
  const email = await client.get('/admin/editions/2024-06/email-preview');
  assert.match(String(email.headers['content-security-policy']), /style-src 'unsafe-inline'/);
  assert.match(String(email.headers['content-security-policy']), /default-src 'none'/);
  assert.match(email.body, /https:\/\/example\.org\/b/);

  await services.editions.arrange({
    period: '2024-06',
    action: `add-category:${(await services.categories.list()).find((category) => category.name === 'Data')!.id}`,
  });
  await services.editions.arrange({ period: '2024-06', order: [`c:${ops.id}`] });
  await services.editions.publish({ period: '2024-06' });
  const editor = await client.get('/admin/editions/2024-06');
  assert.match(editor.body, /The email weighs \d+ kB/);
  assert.match(editor.body, /1 link has no commentary: “Second”/);
  assert.match(editor.body, /“Data” has no links: readers see its heading alone/);
  assert.match(editor.body, /0 active subscribers will receive it/);
  const test = await client.postForm('/admin/editions/2024-06/test-email');
  assert.equal(test.statusCode, 303);
  const outbox = await client.get('/admin/outbox');
  assert.match(outbox.body, /\[Test\] /);
});
