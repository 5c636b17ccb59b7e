// Benchmarks (not part of npm test): each scenario runs against the real app on a throw-away
// embedded PostgreSQL and prints its figures. Usage: npm run bench [-- scenario ...]
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const requested = process.argv.slice(2);
const scenarios = (await readdir(here))
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => requested.length === 0 || requested.some((r) => name.startsWith(r)));
if (scenarios.length === 0) {
  process.stderr.write('no benchmark matched\n');
  process.exit(1);
}
let failed = false;
for (const scenario of scenarios.sort()) {
  process.stdout.write(`\n== ${scenario.replace('.bench.ts', '')}\n`);
  const code = await new Promise<number>((resolve) => {
    spawn(process.execPath, ['--import', 'tsx', path.join(here, scenario)], {
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn' },
    }).on('exit', (exit) => resolve(exit ?? 1));
  });
  failed ||= code !== 0;
}
process.exit(failed ? 1 : 0);
