// Browsers drop tabs and line breaks inside a URL and read a backslash as a slash, so "/\t/host",
// "/\host" and "/\r\n/host" all lead to //host, another site. Such targets are refused whole, not
// cleaned: whatever a browser would make of them, it is not a page of this site.
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f\\]/;

/**
 * The same-origin address a redirect may send the browser to (path, query and fragment), or
 * undefined: `target` (a path, or an absolute URL such as htmx's HX-Current-URL) is resolved
 * against the public URL and must stay on its origin.
 */
export function localRedirectTarget(target: unknown, publicUrl: string): string | undefined {
  if (typeof target !== 'string' || target === '' || target.length > 2000) return undefined;
  if (UNSAFE_CHARACTERS.test(target) || target.startsWith('//')) return undefined;
  // The same tricks percent-encoded once more ("/%09/host", "/%5Chost", "/%2F/host").
  let decoded: string;
  try {
    decoded = decodeURIComponent(target);
  } catch {
    return undefined;
  }
  if (UNSAFE_CHARACTERS.test(decoded) || decoded.startsWith('//')) return undefined;
  const base = new URL(publicUrl);
  if (!target.startsWith('/') && !/^https?:\/\//i.test(target)) return undefined;
  let resolved: URL;
  try {
    resolved = new URL(target, base);
  } catch {
    return undefined;
  }
  if (resolved.origin !== base.origin) return undefined;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
