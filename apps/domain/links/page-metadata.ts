// Reading what a page says about itself (title, description, site name, canonical URL, language)
// from its HTML, the way link previews do: Open Graph first, then the document's own tags.
import { Parser } from 'htmlparser2';
import type { PageMetadata } from './url-metadata.ts';

const MAX_TITLE = 500;
const MAX_DESCRIPTION = 2000;
const MAX_SITE_NAME = 500;
const MAX_URL = 2048;

/** Whitespace collapsed, control characters dropped (PostgreSQL refuses NUL in text), cut at max; null when empty. */
function clean(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  let text = value
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000E-\u001F\u007F]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (text === '') return null;
  if (text.length > max) {
    text = text.slice(0, max);
    // Never leave half of a surrogate pair at the cut.
    if (/[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
    text = text.trimEnd();
  }
  return text;
}

function firstOf(max: number, ...values: Array<string | null | undefined>): string | null {
  for (const value of values) {
    const text = clean(value, max);
    if (text !== null) return text;
  }
  return null;
}

function httpUrl(value: string | null | undefined, base: string): string | null {
  const text = value?.trim();
  if (!text) return null;
  try {
    const url = new URL(text, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.href.length <= MAX_URL ? url.href : null;
  } catch {
    return null;
  }
}

function languageTag(value: string | null | undefined): string | null {
  const text = value?.trim().replace(/_/g, '-');
  if (!text || text.length > 35) return null;
  try {
    return Intl.getCanonicalLocales(text)[0] ?? null;
  } catch {
    return null;
  }
}

/** Reads title, description, site name, canonical URL and language from an HTML document. */
export function parseMetadata(html: string, baseUrl: string, headers: { contentLanguage?: string } = {}): Omit<PageMetadata, 'finalUrl' | 'contentType'> {
  const meta = new Map<string, string>();
  let htmlLang: string | undefined;
  let canonical: string | undefined;
  let base: string | undefined;
  let title: string | undefined;
  let titleText = '';
  let inTitle = false;
  // An <svg> can hold its own <title>, which is a tooltip, not the page's.
  let svgDepth = 0;

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        switch (name) {
          case 'html':
            htmlLang ??= attributes.lang ?? attributes['xml:lang'];
            break;
          case 'meta':
            for (const key of [attributes.property, attributes.name]) {
              const normalized = key?.trim().toLowerCase();
              // The first non-empty value wins, so an empty tag does not hide a later good one.
              if (normalized && !meta.has(normalized) && clean(attributes.content, 1) !== null) meta.set(normalized, attributes.content ?? '');
            }
            break;
          case 'link':
            if (canonical === undefined && attributes.href && (attributes.rel ?? '').toLowerCase().split(/\s+/).includes('canonical'))
              canonical = attributes.href;
            break;
          case 'base':
            base ??= attributes.href;
            break;
          case 'svg':
            svgDepth += 1;
            break;
          case 'title':
            if (svgDepth === 0 && title === undefined) inTitle = true;
            break;
        }
      },
      ontext(text) {
        if (inTitle) titleText += text;
      },
      onclosetag(name) {
        if (name === 'title' && inTitle) {
          inTitle = false;
          title = titleText;
        } else if (name === 'svg' && svgDepth > 0) {
          svgDepth -= 1;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  // A <title> never closed still names the page, as browsers show it.
  if (inTitle) title = titleText;

  const documentBase = httpUrl(base, baseUrl) ?? baseUrl;
  return {
    title: firstOf(MAX_TITLE, meta.get('og:title'), meta.get('twitter:title'), title),
    description: firstOf(MAX_DESCRIPTION, meta.get('og:description'), meta.get('twitter:description'), meta.get('description')),
    siteName: firstOf(MAX_SITE_NAME, meta.get('og:site_name'), meta.get('application-name')),
    canonicalUrl: httpUrl(canonical, documentBase) ?? httpUrl(meta.get('og:url'), documentBase),
    language: languageTag(htmlLang) ?? languageTag(meta.get('og:locale')) ?? languageTag(headers.contentLanguage?.split(',')[0]),
  };
}
