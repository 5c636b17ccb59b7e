// Small helpers for the HTML the renderers write by hand (web body, feeds, email).

const SAFE_LINK = /^(?:https?:\/\/|mailto:)/i;

/** Escapes text for HTML or XML content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** True for the URLs an editor's link may point to (http, https, mailto); others are shown as text. */
export function isSafeUrl(url: string): boolean {
  return SAFE_LINK.test(url.trim());
}

// Decodes what sanitize-html's attribute escaping produces, so a URL can be resolved and escaped again.
function decodeAttribute(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, entity: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[entity] ?? '');
}

/**
 * Makes relative links of sanitised HTML absolute against `base` (feeds and emails are read away
 * from the site). The HTML comes from the sanitiser: every "<" opens a real tag and attribute
 * values are double-quoted with ">" escaped, so matching tags textually is reliable here.
 */
export function absolutizeLinks(html: string, base: string | undefined): string {
  if (!base) return html;
  return html.replace(/<(?:a|img)\s[^>]*>/g, (tag) =>
    tag.replace(/\s(href|src)="([^"]*)"/g, (attribute, name: string, value: string) => {
      const raw = decodeAttribute(value);
      if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) return attribute;
      try {
        return ` ${name}="${escapeHtml(new URL(raw, base).href)}"`;
      } catch {
        return attribute;
      }
    }),
  );
}
