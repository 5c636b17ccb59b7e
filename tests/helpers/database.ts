import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Creates a database of this test's own, cloned from the migrated template. `drop` removes it;
 * call it after everything using the database is closed (node runs `after` hooks in the order
 * they were added, so the caller registers one hook that closes its users first).
 */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const serverUrl = process.env.VEILLE_TEST_SERVER_URL;
  const template = process.env.VEILLE_TEST_TEMPLATE;
  if (!serverUrl || !template) throw new Error('run the tests with `npm test`, which prepares the test database server');
  const name = `veille_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    // Cloning needs the template to be idle; another file cloning at the same instant can make it busy for a moment.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(template)}`);
        break;
      } catch (error) {
        if (attempt >= 20 || !String((error as Error).message).includes('being accessed by other users')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${cleanup.escapeIdentifier(name)} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
