// Builds the worker ahead of time: its TypeScript bundled into plain JavaScript in .build/worker
// (git-ignored), which apps/worker/start.mjs runs instead of compiling every module through tsx at
// start. The tsx loader alone holds ~40 MB in each process it runs (its hooks run in a thread of
// their own) and the compiled modules' source maps more: a worker sending a large list stays
// well under its memory budget without them. `npm run worker` builds first (preworker), the
// Docker image at its build; the manifest lists the sources, so a build older than any of them is
// never run (start.mjs falls back to tsx).
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where `npm run worker` finds the built worker. */
export const WORKER_BUILD_DIR = path.join(root, '.build/worker');

/** What a build writes beside its code: when, and from which sources (relative to the repository). */
export type WorkerManifest = { builtAt: number; inputs: string[] };

/**
 * Modules find their files (migrations, email templates) from their own address: once bundled,
 * `import.meta.url` would be the bundle's, so each source's is rewritten to the address of the
 * source itself, relative to the bundle (the build can move with the repository).
 */
function sourceAddresses(outdir: string): Plugin {
  return {
    name: 'source-import-meta-url',
    setup(context) {
      context.onLoad({ filter: /\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
        const relative = path.relative(outdir, args.path).split(path.sep).join('/');
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`), loader: 'ts' };
      });
    },
  };
}

/** Bundles apps/worker/main.ts into `outdir` (replaced whole); returns the manifest written there. */
export async function buildWorker(outdir: string = WORKER_BUILD_DIR): Promise<WorkerManifest> {
  const builtAt = Date.now();
  // Written aside, then moved in: a worker starting meanwhile never reads half a build.
  const staging = `${outdir}.${process.pid}.tmp`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(path.dirname(outdir), { recursive: true });
  try {
    const result = await build({
      entryPoints: [path.join(root, 'apps/worker/main.ts')],
      bundle: true,
      // Modules imported lazily (the embedded PostgreSQL, the importer) stay chunks of their own,
      // loaded only when used, with the packages they import.
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      outdir: staging,
      // Stack traces name the bundle's lines; keeping source maps in memory is what this avoids.
      sourcemap: false,
      metafile: true,
      logLevel: 'warning',
      plugins: [sourceAddresses(outdir)],
    });
    const inputs = Object.keys(result.metafile.inputs)
      .map((input) => path.relative(root, path.resolve(input)))
      .sort();
    const manifest: WorkerManifest = { builtAt, inputs };
    await writeFile(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    await rm(outdir, { recursive: true, force: true });
    await rename(staging, outdir);
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const manifest = await buildWorker();
    process.stdout.write(`worker built into ${path.relative(process.cwd(), WORKER_BUILD_DIR) || '.'} from ${manifest.inputs.length} sources\n`);
  } catch (error) {
    // No build is not fatal: start.mjs runs the sources through tsx instead (more memory, same worker).
    await rm(WORKER_BUILD_DIR, { recursive: true, force: true }).catch(() => undefined);
    process.stderr.write(`the worker could not be built, it will run through tsx: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
