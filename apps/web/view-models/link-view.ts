import { checkLinks, safeHref } from '../../domain/platform/html.ts';
import { highlightToHtml } from '../../domain/links/link-fields.ts';
import type { Link } from '../../domain/links/links-service.ts';
import { editionPath } from '../../domain/editions/periods.ts';

export type LinkView = {
  id: string;
  url: string;
  /** The URL to link to; undefined when it is not http, https or mailto (the row shows it as text). */
  href: string | undefined;
  host: string;
  displayTitle: string;
  titleHtml: string | undefined;
  commentaryHtml: string;
  hasCommentary: boolean;
  description: string | null;
  siteName: string | null;
  via: string | null;
  tags: string[];
  categoryId: string | null;
  categoryName: string | null;
  parentId: string | null;
  needsCategory: boolean;
  fetchStatus: Link['fetchStatus'];
  fetchError: string | null;
  createdByName: string | null;
  createdAt: Date;
  edition: (NonNullable<Link['edition']> & { path: string | null }) | null;
  children: LinkView[];
};

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

/**
 * What stands for a link that has no title (its page could not be fetched, or not yet): its host
 * and path, readable ("example.org/posts/été"), without the scheme, "www.", query or fragment.
 */
export function urlLabel(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.protocol === 'mailto:') return decodeSafely(parsed.pathname);
  if (!parsed.hostname) return url;
  const path = parsed.pathname.replace(/\/+$/, '');
  return parsed.hostname.replace(/^www\./, '') + decodeSafely(path);
}

// Percent-escapes are decoded for reading, unless that would show invisible or direction-changing characters.
function decodeSafely(text: string): string {
  try {
    const decoded = decodeURI(text);
    return /[\p{C}]/u.test(decoded) ? text : decoded;
  } catch {
    return text;
  }
}

/** What a link row shows: display title, rendered commentary, what still needs work. */
export function linkView(link: Link & { children?: Link[] }): LinkView {
  const displayTitle = link.title || urlLabel(link.url);
  const commentary = link.commentary.trim();
  return {
    id: link.id,
    url: link.url,
    href: safeHref(link.url),
    host: hostOf(link.url),
    displayTitle,
    // Search results carry highlighted fragments; they are escaped before the <mark>s go in.
    titleHtml: link.headline && link.title ? highlightToHtml(link.headline.title) : undefined,
    commentaryHtml: link.headline?.commentary ? highlightToHtml(link.headline.commentary) : checkLinks(link.commentaryHtml),
    hasCommentary: commentary.length > 0,
    description: link.description,
    siteName: link.siteName,
    via: link.via,
    tags: link.tags,
    categoryId: link.categoryId,
    categoryName: link.categoryName,
    parentId: link.parentId,
    needsCategory: !link.categoryId && !link.parentId,
    fetchStatus: link.fetchStatus,
    fetchError: link.fetchError,
    createdByName: link.createdByName,
    createdAt: link.createdAt,
    edition: link.edition ? { ...link.edition, path: link.edition.status === 'published' ? editionPath(link.edition) : null } : null,
    children: (link.children ?? []).map((child) => linkView(child)),
  };
}
