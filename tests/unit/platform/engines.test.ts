import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

type LockEntry = { version?: string; engines?: { node?: string } | string[]; os?: string[]; cpu?: string[] };

/** Whether npm installs a package limited to `allowed` (npm's os and cpu fields: names, or !names to refuse) here. */
function allows(allowed: string[] | undefined, current: string): boolean {
  if (!allowed) return true;
  if (allowed.includes(`!${current}`)) return false;
  return allowed.includes(current) || allowed.every((entry) => entry.startsWith('!'));
}

test('every installed package declares that it runs on Node 20 and on this Node (npm ci warns EBADENGINE otherwise)', () => {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const project = (lock.packages['']!.engines as { node: string }).node;
  assert.equal(project, JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node, 'the lock file is up to date');
  // The Node 20 releases the project supports.
  const node20 = `${project} <21`;
  const refused: string[] = [];
  for (const [location, entry] of Object.entries(lock.packages)) {
    // Packages for other platforms are in the lock but not installed here.
    if (location === '' || !allows(entry.os, process.platform) || !allows(entry.cpu, process.arch)) continue;
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (!range) continue;
    if (!semver.intersects(range, node20) || !semver.satisfies(process.version, range))
      refused.push(`${location.replace(/^.*node_modules\//, '')}@${entry.version} wants Node ${range}`);
  }
  assert.deepEqual(refused, []);
});
