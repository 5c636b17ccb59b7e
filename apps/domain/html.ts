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

// What a browser makes of an attribute's URL: its character references decoded, tabs and line
// breaks dropped, control characters and spaces around it trimmed ("java&#x09;script:" is javascript:).
function browserUrl(value: string): string {
  // eslint-disable-next-line no-control-regex
  return decodeHTMLAttribute(value).replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
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
      const url = browserUrl(value);
      const scheme = SCHEME.exec(url)?.[1]?.toLowerCase();
      if (scheme !== undefined) return (name.toLowerCase() === 'img' ? IMAGE_SCHEMES : LINK_SCHEMES).has(scheme) ? attribute : '';
      if (!base) return attribute;
      try {
        return ` ${attributeName}="${escapeHtml(new URL(url, base).href)}"`;
      } catch {
        return attribute;
      }
    }),
  );
}
