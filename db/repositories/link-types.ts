// The shapes of links as the links repository reads and writes them.
import type { links } from '../schema.ts';

export type LinkScope = 'inbox' | 'needs_work' | 'fetch_failed' | 'in_edition' | 'published' | 'all';

export type LinkEditionRef = { id: string; period: string; title: string; slug: string; status: 'draft' | 'scheduled' | 'published'; publishedAt: Date | null };

/** A link with what the screens show beside it: its category, who added it, its edition. */
export type Link = Omit<typeof links.$inferSelect, 'search'> & {
  categoryName: string | null;
  createdByName: string | null;
  edition: LinkEditionRef | null;
  /** Highlighted title and commentary when the link comes from a search (HTML-escaped elsewhere; see links-service). */
  headline?: { title: string; commentary: string };
};

export type LinkInsert = {
  url: string;
  normalizedUrl: string;
  title?: string | null;
  commentary?: string;
  commentaryHtml?: string;
  via?: string | null;
  tags?: string[];
  categoryId?: string | null;
  editionId?: string | null;
  parentId?: string | null;
  position: number;
  editedFields?: string[];
  createdBy?: string | null;
  // Set by imports, which bring links whose page was read long ago (or never will be).
  description?: string | null;
  siteName?: string | null;
  fetchStatus?: 'pending' | 'ok' | 'failed';
  createdAt?: Date;
};

export type LinkPatch = Partial<{
  url: string;
  normalizedUrl: string;
  title: string | null;
  description: string | null;
  siteName: string | null;
  commentary: string;
  commentaryHtml: string;
  via: string | null;
  tags: string[];
  categoryId: string | null;
  editionId: string | null;
  parentId: string | null;
  position: number;
  editedFields: string[];
  fetchStatus: 'pending' | 'ok' | 'failed';
  fetchError: string | null;
}>;

export type LinkQuery = {
  scope: LinkScope;
  /** undefined: any category; null: links without one. */
  categoryId?: string | null;
  editionId?: string;
  tag?: string;
  q?: string;
  limit: number;
  order: 'position' | 'recent' | 'rank';
  /** Keyset cursor for 'recent'. */
  before?: { createdAt: Date; id: string };
  /** Offset for 'rank' and 'position'. */
  offset?: number;
};
