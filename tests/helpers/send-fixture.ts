// A published edition and its readers, for the tests that send it from worker processes.
import type { TestApp } from './app.ts';
import { startAppProcess, startNode, workerNodeArgs, type AppProcess } from './process.ts';
import { OPERATOR } from '../../apps/domain/accounts/roles.ts';

/** Publishes the June 2024 edition, one link per title in an "Ops" section, with the sender settings set. */
export async function publishEdition(testApp: TestApp, titles: string[] = ['Caddy 2.8', 'Traefik 3']): Promise<void> {
  const { services } = testApp;
  await services.settings.update({
    actor: OPERATOR,
    input: { newsletterName: 'Web, Ops & Data', locale: 'fr', senderName: 'Web, Ops & Data', senderEmail: 'news@veille.test' },
  });
  const owner = await services.accounts.setUpOwner({ name: 'Owner', email: 'owner@veille.test', password: 'correct horse battery staple' });
  const category = await services.categories.create({ name: 'Ops' });
  const ids = [];
  for (const [index, title] of titles.entries()) {
    const { link } = await services.links.add({
      actor: owner,
      input: { url: `https://links.example/${index}`, title, commentary: `À lire : **${title}**.`, categoryId: category.id },
    });
    ids.push(link.id);
  }
  await services.editions.put({
    period: '2024-06',
    input: { title: 'Web, Ops & Data - Juin 2024', intro: 'Une édition de test.', sections: [{ category: 'Ops', links: ids }] },
  });
  await services.editions.publish({ period: '2024-06' });
}

/** Publishes the June 2024 edition (two links) and adds `count` active readers; returns their addresses, sorted. */
export async function publishedEditionWithReaders(testApp: TestApp, count: number): Promise<string[]> {
  const { services } = testApp;
  await publishEdition(testApp);
  const readers = Array.from({ length: count }, (_, index) => `reader${String(index).padStart(3, '0')}@example.org`);
  for (let start = 0; start < readers.length; start += 20) {
    await Promise.all(readers.slice(start, start + 20).map((email) => services.subscribers.add({ email, actor: OPERATOR })));
  }
  return readers;
}

/** A worker process (`npm run worker`'s sources, through tsx) on the test app's database, sending through `smtpUrl`. */
export function startWorkerProcess(testApp: TestApp, smtpUrl: string, env: Record<string, string> = {}): AppProcess {
  return startAppProcess('apps/worker/main.ts', workerEnv(testApp, smtpUrl, env));
}

/**
 * A worker process started exactly as `npm run worker` starts it once built: node with the
 * arguments of package.json's `worker` script (apps/worker/start.mjs), the build in `buildDir`.
 */
export function startBuiltWorkerProcess(testApp: TestApp, smtpUrl: string, buildDir: string, env: Record<string, string> = {}): AppProcess {
  return startNode([...workerNodeArgs(), buildDir], workerEnv(testApp, smtpUrl, env));
}

function workerEnv(testApp: TestApp, smtpUrl: string, env: Record<string, string>): Record<string, string> {
  return {
    DATABASE_URL: testApp.databaseUrl,
    SMTP_URL: smtpUrl,
    DATA_DIR: testApp.config.dataDir,
    // The same secret as the test's app: it signs the unsubscribe links in the messages.
    SESSION_SECRET: testApp.config.sessionSecret,
    PUBLIC_URL: 'http://veille.test',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'test',
    ...env,
  };
}
