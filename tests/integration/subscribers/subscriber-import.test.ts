import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTestApp } from '../../helpers/app.ts';
import { setUpOwner } from '../../helpers/client.ts';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';

/** A multipart upload with the CSRF field, as the admin's form sends it. */
function multipart(fields: Record<string, string>, file: { name: string; content: string }) {
  const boundary = '----veille-test-boundary';
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: text/csv\r\n\r\n${file.content}\r\n`);
  return { payload: `${parts.join('')}--${boundary}--\r\n`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

test('a Substack export is previewed, then imported all at once with original dates; nothing before the go-ahead', async (t) => {
  const { app, services } = await buildTestApp(t);
  const client = await setUpOwner(app);
  await services.subscribers.add({ email: 'known@example.org', actor: OPERATOR });
  const csrf = await client.csrfToken();
  const csv = [
    'email,active_subscription,expiry,plan,email_disabled,created_at',
    'ana@example.org,true,,free,false,2021-03-04T10:00:00.000Z',
    'bob@example.org,false,,free,true,2022-01-01T00:00:00.000Z',
    'known@example.org,true,,free,false,2020-01-01T00:00:00.000Z',
    'broken-address,true,,free,false,2020-01-01T00:00:00.000Z',
    'ana@example.org,true,,free,false,2021-03-04T10:00:00.000Z',
  ].join('\n');
  const upload = multipart({ _csrf: csrf }, { name: 'substack.csv', content: csv });
  const preview = await app.inject({
    method: 'POST',
    url: '/admin/subscribers/import',
    ...upload,
    headers: { ...upload.headers, cookie: `veille_session=${client.cookies.get('veille_session')}` },
  });
  assert.equal(preview.statusCode, 200, preview.body.slice(0, 300));
  assert.match(preview.body, /Read as a <strong>Substack<\/strong> export/);
  assert.match(preview.body, /<strong>1<\/strong> new active/);
  assert.match(preview.body, /<strong>1<\/strong> new pending/);
  assert.match(preview.body, /1 already subscribers/);
  assert.match(preview.body, /1 repeated in the file/);
  assert.match(preview.body, /broken-address/);
  assert.equal((await services.subscribers.counts()).active, 1, 'nothing imported by the preview');

  const id = /action="\/admin\/subscribers\/import\/([0-9a-f-]+)"/.exec(preview.body)![1]!;
  const done = await client.postForm(`/admin/subscribers/import/${id}`);
  assert.equal(done.statusCode, 303);
  const ana = (await services.subscribers.list({ q: 'ana@', actor: OPERATOR })).rows[0]!;
  assert.equal(ana.status, 'active');
  assert.equal(ana.createdAt.toISOString(), '2021-03-04T10:00:00.000Z');
  assert.equal((await services.subscribers.list({ q: 'bob@', actor: OPERATOR })).rows[0]!.status, 'pending');
  assert.equal((await client.postForm(`/admin/subscribers/import/${id}`)).statusCode, 404, 'an import runs once');

  const noFile = multipart({ _csrf: csrf }, { name: 'empty.csv', content: '' });
  const refused = await app.inject({
    method: 'POST',
    url: '/admin/subscribers/import',
    ...noFile,
    headers: { ...noFile.headers, cookie: `veille_session=${client.cookies.get('veille_session')}` },
  });
  assert.equal(refused.statusCode, 422);
  const forged = multipart({ _csrf: 'forged' }, { name: 'x.csv', content: csv });
  const csrfRefused = await app.inject({
    method: 'POST',
    url: '/admin/subscribers/import',
    ...forged,
    headers: { ...forged.headers, cookie: `veille_session=${client.cookies.get('veille_session')}` },
  });
  assert.equal(csrfRefused.statusCode, 403);
});
