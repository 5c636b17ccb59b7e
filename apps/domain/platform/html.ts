// Small helpers for the HTML the renderers write by hand (web body, feeds, email).
import { decodeHTMLAttribute } from 'entities';

const SAFE_LINK = /^(?:https?:\/\/|mailto:)/i;
const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
const LINK_SCHEMES = new Set(['http', 'https', 'mailto']);
const IMAGE_SCHEMES = new Set(['http', 'https']);

/** Escapes text for HTML or XML content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** True for the URLs an editor's link may point to (http, https, mailto); others are shown as text. */
export function isSafeUrl(url: string): boolean {
  return SAFE_LINK.test(url.trim());
}

/** The href of a link's URL, or undefined when it must be shown as text (any other scheme, or none). */
export function safeHref(url: string): string | undefined {
  return isSafeUrl(url) ? url.trim() : undefined;
}

/**
 * True when a URL (character references already decoded) has no scheme, so it is relative, or a
 * scheme a link may use: http, https and mailto; http and https only for an image. It is read as
 * a browser does: tabs and line breaks dropped, control characters and spaces around it trimmed,
 * so "java\tscript:" counts as javascript:.
 */
export function allowedUrl(url: string, options: { image?: boolean } = {}): boolean {
  // eslint-disable-next-line no-control-regex
  const read = url.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  const scheme = SCHEME.exec(read)?.[1]?.toLowerCase();
  return scheme === undefined || (options.image ? IMAGE_SCHEMES : LINK_SCHEMES).has(scheme);
}

/**
 * Checks every link and image of sanitised HTML as it is written out: a URL with a scheme other
 * than http, https or mailto (http and https for images) loses its attribute and renders inert,
 * whatever the database holds; with `base`, relative URLs are made absolute (feeds and emails are
 * read away from the site). The HTML comes from the sanitiser: every "<" opens a real tag and
 * attribute values are double-quoted with ">" escaped, so matching tags textually is reliable here.
 */
export function checkLinks(html: string, base?: string): string {
  return html.replace(/<(a|img)\s[^>]*>/gi, (tag, name: string) =>
    tag.replace(/\s(href|src)="([^"]*)"/gi, (attribute, attributeName: string, value: string) => {
      const url = decodeHTMLAttribute(value);
      if (!allowedUrl(url, { image: name.toLowerCase() === 'img' })) return '';
      if (!base || SCHEME.test(url.trim())) return attribute;
      try {
        return ` ${attributeName}="${escapeHtml(new URL(url.trim(), base).href)}"`;
      } catch {
        return attribute;
      }
    }),
  );
}
