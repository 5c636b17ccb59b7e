import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../../db/embedded.ts';
import { freePort } from '../../helpers/net.ts';


async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

test('embedded PostgreSQL initialises, survives a stale pid file and is shared by a second process', async (t) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'veille-embedded-'));
  await chmod(folder, 0o755);
  t.after(() => rm(folder, { recursive: true, force: true }));
  const directory = path.join(folder, 'postgres');
  const port = await freePort();
  const warnings: string[] = [];
  const log = { info: () => undefined, warn: (message: string) => warnings.push(message) };

  const first = await startEmbeddedPostgres({ directory, port, log, database: 'veille' });
  assert.deepEqual(await query(first.url('veille'), 'SELECT 1 AS one'), [{ one: 1 }]);

  // A second process (the CLI while the app runs) uses the running server and leaves it running.
  const second = await startEmbeddedPostgres({ directory, port, log, database: 'veille' });
  await second.stop();
  assert.deepEqual(await query(first.url('veille'), 'SELECT 2 AS two'), [{ two: 2 }]);
  await first.stop();

  // An unclean stop leaves postmaster.pid behind, often naming a pid now used by another process.
  await writeFile(path.join(directory, 'postmaster.pid'), `${process.pid}\n${directory}\n`);
  const restarted = await startEmbeddedPostgres({ directory, port, log, database: 'veille' });
  t.after(() => restarted.stop());
  assert.ok(warnings.some((message) => message.includes('stale')), 'the stale pid file was reported');
  assert.deepEqual(await query(restarted.url('veille'), 'SELECT 3 AS three'), [{ three: 3 }]);
});
