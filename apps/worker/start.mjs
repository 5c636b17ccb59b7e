// The worker's entry point (`npm run worker`, the Docker image's worker): runs the worker as built
// ahead of time by apps/worker/build.ts, or its TypeScript sources through tsx when that build is
// absent or older than one of the sources it was built from (never code that is not the source's).
// An optional argument names another build folder.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const buildDir = path.resolve(process.argv[2] ?? path.join(root, '.build/worker'));

/** Why the build cannot be run, or undefined when it is as recent as every source it holds. */
function staleness() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(path.join(buildDir, 'manifest.json'), 'utf8'));
  } catch {
    return `no build in ${path.relative(root, buildDir) || buildDir} (npm run build:worker)`;
  }
  for (const input of manifest.inputs) {
    let modified;
    try {
      modified = statSync(path.join(root, input)).mtimeMs;
    } catch {
      return `${input} is gone since the build`;
    }
    if (modified > manifest.builtAt) return `${input} changed since the build`;
  }
  return undefined;
}

const stale = staleness();
if (stale === undefined) {
  await import(pathToFileURL(path.join(buildDir, 'main.js')).href);
} else {
  process.stderr.write(`running the worker through tsx: ${stale}\n`);
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
