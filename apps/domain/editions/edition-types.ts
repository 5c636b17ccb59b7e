// The shape of an edition as the renderers see it: what the web page, the feeds, the Markdown
// export, the "copy for Substack" HTML and the email are all made from.

import type { Locale } from '../platform/locales/index.ts';

export type { Locale };

export type EditionLink = {
  id: string;
  url: string;
  /** The URL as duplicates are told apart (see links/url-normalize.ts). */
  normalizedUrl: string;
  title: string;
  /** Markdown, as the editor wrote it. */
  commentary: string;
  /** The same, rendered and sanitised once when saved. */
  commentaryHtml: string;
  via: string | null;
  children: EditionLink[];
};

/** A category's section: optional text before and after the edition's links of that category. */
export type CategoryBlock = {
  kind: 'category';
  /** Null for the links of no category (shown under the locale's "Miscellaneous"). */
  categoryId: string | null;
  name: string;
  /** Markdown shown before the links. */
  intro: string;
  /** Markdown shown after the links. */
  outro: string;
  /** Shown to readers even without links (a heading alone); an empty section is hidden otherwise. */
  keepEmpty: boolean;
  links: EditionLink[];
};

/** A section of text alone (a tip of the month, a word about an event), anywhere among the others. */
export type TextBlock = {
  kind: 'text';
  /** Stable across saves: the editor and anchors find the block by it. */
  id: string;
  heading: string;
  /** Markdown. */
  body: string;
};

export type EditionBlock = CategoryBlock | TextBlock;

export type EditionStatus = 'draft' | 'scheduled' | 'published';

export type EditionDocument = {
  id: string;
  /** 'YYYY-MM' or 'YYYY-Www'. */
  period: string;
  title: string;
  slug: string;
  tags: string[];
  /** Markdown before the first block. */
  intro: string;
  /** The closing words, Markdown after the last block. */
  outro: string;
  /** In the order readers see them, the empty category sections nobody kept included. */
  blocks: EditionBlock[];
  status: EditionStatus;
  scheduledAt: Date | null;
  publishedAt: Date | null;
  correctedAt: Date | null;
  updatedAt: Date;
  version: number;
  /** Public path: /YYYY/MM/slug. */
  path: string;
};

export type NewsletterInfo = {
  name: string;
  description: string;
  /** Absolute, without trailing slash. */
  publicUrl: string;
  locale: Locale;
  footer: string;
};
