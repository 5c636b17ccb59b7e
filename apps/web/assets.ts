// The static files pages link carry a hash of their content in their URL (`?v=`): browsers keep
// them between releases and fetch a file again as soon as its bytes change, and every web
// instance of one release links the same URLs, whichever of them served the page.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

/** The folder served under /static/. */
export const publicDir = path.join(root, 'public');

/** Where a vendored browser library lives inside node_modules. */
export function vendorDir(packageName: string, subdir = ''): string {
  return path.join(path.dirname(require.resolve(`${packageName}/package.json`)), subdir);
}

/** The vendored files pages link, by the URL they are served at (app.ts serves these folders). */
export const VENDORED = {
  htmx: { prefix: '/static/vendor/htmx/', dir: () => vendorDir('htmx.org', 'dist'), files: ['htmx.min.js'] },
  sortable: { prefix: '/static/vendor/sortable/', dir: () => vendorDir('sortablejs'), files: ['Sortable.min.js'] },
};

/** A short hash of a file's bytes: the same content gives the same version on every machine. */
export function contentVersion(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 16);
}

/** The versioned URL of each file, from a map of URL path to file on disk. */
export function versionedUrls(files: Map<string, string>): Map<string, string> {
  return new Map([...files].map(([url, file]) => [url, `${url}?v=${contentVersion(readFileSync(file))}`]));
}

/** Every file under public/ and the vendored files, by the URL path they are served at. */
export function staticFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(publicDir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(publicDir, entry);
    if (statSync(file).isFile()) files.set(`/static/${entry.split(path.sep).join('/')}`, file);
  }
  for (const vendored of Object.values(VENDORED)) {
    for (const name of vendored.files) files.set(`${vendored.prefix}${name}`, path.join(vendored.dir(), name));
  }
  return files;
}

let urls: Map<string, string> | undefined;

/**
 * The URL a page links for a static file (`/static/css/app.css`), with its content's version.
 * The files are read and hashed once, on first use; naming a file that does not exist throws, so
 * a template's typo fails at once instead of linking nothing.
 */
export function assetUrl(urlPath: string): string {
  urls ??= versionedUrls(staticFiles());
  const found = urls.get(urlPath);
  if (!found) throw new Error(`No static file is served at ${urlPath}`);
  return found;
}
