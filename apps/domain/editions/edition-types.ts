// The shape of an edition as the renderers see it: what the web page, the feeds, the Markdown
// export, the "copy for Substack" HTML and (later) the email are all made from.

import type { Locale } from '../platform/locales/index.ts';

export type { Locale };

export type EditionLink = {
  id: string;
  url: string;
  title: string;
  /** Markdown, as the editor wrote it. */
  commentary: string;
  /** The same, rendered and sanitised once when saved. */
  commentaryHtml: string;
  via: string | null;
  children: EditionLink[];
};

export type EditionSection = {
  categoryId: string | null;
  name: string;
  /** Empty sections are kept: the published editions show them too. */
  links: EditionLink[];
};

export type FreeSection = { heading: string; body: string };

export type EditionStatus = 'draft' | 'scheduled' | 'published';

export type EditionDocument = {
  id: string;
  /** 'YYYY-MM' or 'YYYY-Www'. */
  period: string;
  title: string;
  slug: string;
  tags: string[];
  /** Markdown. */
  intro: string;
  outro: string;
  freeSections: FreeSection[];
  sections: EditionSection[];
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
