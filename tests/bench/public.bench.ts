// Public pages under load, each against its reference measured in the same run: the same bytes
// answered from a Buffer by a bare Fastify route (in its own process), with the same autocannon
// settings (-c50, BENCH_SECONDS each). The app runs as `npm start` runs it (apps/web/main.ts, its
// own process, LOG_LEVEL=warn), the load generator in a third process. Pages: the June 2024
// reference edition, imported from its Markdown, amid 120 older editions; the archive index;
// robots.txt. Each is measured BENCH_ROUNDS times, alternating with its reference, and the best
// of each is kept: other processes on a shared machine lower some runs, never raise them. The CPU
// time each server used per request (least of the rounds) is printed too: on a shared machine it
// moves much less than requests per second do. Goal: at least 0.9 of the reference's req/s.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OPERATOR } from '../../apps/domain/accounts/roles.ts';
import { editionPath } from '../../apps/domain/editions/periods.ts';
import { connectDatabase } from '../../db/client.ts';
import { readSampleMarkdown } from '../helpers/samples.ts';
import { startBenchRuntime } from './harness.ts';
import { seedPublishedEditions } from './seed.ts';
import { printTable, processCpuMs, startBufferServer, startLoadGenerator, startWebProcess } from './processes.ts';
import type { LoadResult } from './load-process.ts';

const OLDER_EDITIONS = 120;
const LINKS_PER_EDITION = 40;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = 50;
const GOAL = 0.9;
const SAMPLE = 'web-ops-iot-et-time-series-juin-2024';

const bench = await startBenchRuntime();
const database = connectDatabase(bench.runtime.databaseUrl, { max: 2 });
const load = await startLoadGenerator();
const stops: Array<() => Promise<void>> = [];
try {
  const services = bench.runtime.services;
  await services.accounts.setUpOwner({ name: 'Bench', email: 'bench@example.org', password: 'bench passphrase long enough' });
  await services.settings.update({ actor: OPERATOR, input: { newsletterName: 'Web, Ops & Data', locale: 'fr', timeZone: 'Europe/Paris' } });
  const categories = [];
  for (const name of ['Container & Orchestration', 'Data', '(No)SQL', 'Ops', 'Python', 'Web']) categories.push(await services.categories.create({ name }));
  const categoryIds = categories.map((category) => category.id);
  // The ten years before the sample: 2014-06 … 2024-05.
  await seedPublishedEditions(database.pool, { count: OLDER_EDITIONS, linksPerEdition: LINKS_PER_EDITION, categoryIds });

  // The reference edition, imported as an editor imports it.
  const prepared = await services.imports.prepare({
    actor: OPERATOR,
    source: { kind: 'upload', filename: `${SAMPLE}.md`, bytes: Buffer.from(readSampleMarkdown(SAMPLE)) },
  });
  await services.imports.start({ actor: OPERATOR, id: prepared.id });
  await services.imports.runPrepared({ importId: prepared.id });
  const sample = await services.editions.find({ period: '2024-06' });
  if (sample.status !== 'published') throw new Error(`the imported sample is ${sample.status}`);

  const web = await startWebProcess(bench.runtime.databaseUrl, { SESSION_SECRET: bench.config.sessionSecret, DATA_DIR: bench.dataDir });
  stops.push(web.stop);
  const pages = [
    { name: 'edition page (June 2024 sample)', path: editionPath(sample) },
    { name: 'archive index', path: '/archive' },
    { name: 'robots.txt', path: '/robots.txt' },
  ];

  type Run = LoadResult & { cpuUsPerRequest: number; loadCpuUsPerRequest: number };
  const best = (runs: Run[]) => runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
  const leastCpu = (runs: Run[], of: 'cpuUsPerRequest' | 'loadCpuUsPerRequest' = 'cpuUsPerRequest') => Math.min(...runs.map((run) => run[of])).toFixed(1);
  const measure = async (url: string, pid: number): Promise<Run> => {
    const [cpuBefore, loadBefore] = [processCpuMs(pid), processCpuMs(load.pid)];
    const result = await load.run({ url, connections: CONNECTIONS, duration: SECONDS });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} answers not 2xx, ${result.errors} errors`);
    const perRequest = (ms: number) => (ms * 1000) / Math.max(1, result.requests);
    return { ...result, cpuUsPerRequest: perRequest(processCpuMs(pid) - cpuBefore), loadCpuUsPerRequest: perRequest(processCpuMs(load.pid) - loadBefore) };
  };
  const rows = [
    [
      'what',
      'bytes',
      'app req/s',
      'app p99 ms',
      'reference req/s',
      'ref p99 ms',
      'ratio',
      `goal >= ${GOAL}`,
      'app CPU µs/req',
      'ref CPU µs/req',
      'load CPU µs/req app/ref',
    ],
  ];
  for (const page of pages) {
    const answer = await fetch(web.baseUrl + page.path);
    if (answer.status !== 200) throw new Error(`${page.path} answered ${answer.status}`);
    const bytes = Buffer.from(await answer.arrayBuffer());
    const file = path.join(bench.dataDir, `${page.name.replace(/\W+/g, '-')}.body`);
    await writeFile(file, bytes);
    const reference = await startBufferServer(file, answer.headers.get('content-type') ?? 'text/html; charset=utf-8');
    stops.push(reference.stop);
    const appRuns: Run[] = [];
    const referenceRuns: Run[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      referenceRuns.push(await measure(reference.url, reference.pid));
      appRuns.push(await measure(web.baseUrl + page.path, web.pid));
    }
    await reference.stop();
    const app = best(appRuns);
    const ref = best(referenceRuns);
    const ratio = app.requestsPerSecond / ref.requestsPerSecond;
    rows.push([
      `${page.name} ${page.path}`,
      String(bytes.length),
      String(app.requestsPerSecond),
      String(app.p99),
      String(ref.requestsPerSecond),
      String(ref.p99),
      ratio.toFixed(2),
      ratio >= GOAL ? 'met' : 'MISSED',
      leastCpu(appRuns),
      leastCpu(referenceRuns),
      `${leastCpu(appRuns, 'loadCpuUsPerRequest')}/${leastCpu(referenceRuns, 'loadCpuUsPerRequest')}`,
    ]);
    process.stdout.write(
      `${page.name}: app ${appRuns.map((run) => run.requestsPerSecond).join(', ')} req/s; reference ${referenceRuns.map((run) => run.requestsPerSecond).join(', ')} req/s\n`,
    );
  }
  process.stdout.write(
    `\nautocannon -c${CONNECTIONS} -d${SECONDS}, best of ${ROUNDS} rounds each, app and reference alternating; load average at the end: ${os
      .loadavg()
      .map((load) => load.toFixed(1))
      .join(' ')}\n`,
  );
  printTable(rows);
} finally {
  for (const stop of stops.reverse()) await stop();
  await load.stop();
  await database.close();
  await bench.close();
}
