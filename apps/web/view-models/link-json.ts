import type { Duplicate, Link } from '../../domain/links/links-service.ts';
import { editionPath } from '../../domain/editions/periods.ts';

/** A link as the JSON API shows it. */
export function linkJson(link: Link & { children?: Link[] }, duplicates?: Duplicate[]): Record<string, unknown> {
  return {
    id: link.id,
    url: link.url,
    title: link.title,
    description: link.description,
    siteName: link.siteName,
    canonicalUrl: link.canonicalUrl,
    language: link.language,
    commentary: link.commentary,
    via: link.via,
    tags: link.tags,
    category: link.categoryName,
    categoryId: link.categoryId,
    parentId: link.parentId,
    position: link.position,
    edition: link.edition
      ? {
          period: link.edition.period,
          title: link.edition.title,
          status: link.edition.status,
          url: link.edition.status === 'published' ? editionPath(link.edition) : null,
        }
      : null,
    fetch: { status: link.fetchStatus, error: link.fetchError, fetchedAt: link.fetchedAt },
    createdBy: link.createdByName,
    createdAt: link.createdAt,
    updatedAt: link.updatedAt,
    ...(link.children ? { children: link.children.map((child) => linkJson(child)) } : {}),
    ...(duplicates ? { duplicates } : {}),
  };
}
