// The shapes the stats pages, the API and the CSV exports share: per link of an edition, and the
// links followed most across editions. Pure functions of what the repository counted.
import { categoryBlocks } from '../editions/edition-blocks.ts';
import type { EditionDocument, EditionLink } from '../editions/edition-types.ts';
import { defuseFormula } from '../subscribers/subscriber-export.ts';
import type * as csvStringifyModule from 'csv-stringify/sync';
import { lazyModule } from '../platform/lazy-module.ts';

const csvStringify = lazyModule<typeof csvStringifyModule>('csv-stringify/sync');

/** One link of an edition with its clicks; `share` is clicks per delivered copy (null before any copy was delivered). */
export type LinkStats = {
  linkId: string;
  title: string;
  url: string;
  /** The section it is in; null for a link that has left the edition since. */
  section: string | null;
  /** True in the section of the links without a category, which the admin names in its own language. */
  uncategorised: boolean;
  /** 0 for a top-level link, 1 for a nested one. */
  depth: number;
  clicks: number;
  share: number | null;
};

/** A link followed across editions, with the edition it was sent in. */
export type TopLink = {
  linkId: string;
  title: string;
  url: string;
  period: string;
  editionTitle: string;
  clicks: number;
  delivered: number;
  share: number | null;
};

/** Clicks per delivered copy, or null when nothing was delivered. */
export function shareOf(clicks: number, delivered: number): number | null {
  return delivered > 0 ? clicks / delivered : null;
}

/** Every link of the edition in reading order (nested ones after their parent), then those with clicks that have left it. */
export function linkStats(
  doc: EditionDocument,
  totals: Array<{ linkId: string; url: string; title: string | null; clicks: number }>,
  delivered: number,
): LinkStats[] {
  const clicks = new Map(totals.map((total) => [total.linkId, total.clicks]));
  const rows: LinkStats[] = [];
  const visit = (link: EditionLink, section: { name: string; categoryId: string | null }, depth: number) => {
    const count = clicks.get(link.id) ?? 0;
    rows.push({
      linkId: link.id,
      title: link.title,
      url: link.url,
      section: section.name,
      uncategorised: section.categoryId === null,
      depth,
      clicks: count,
      share: shareOf(count, delivered),
    });
    for (const child of link.children) visit(child, section, depth + 1);
  };
  for (const section of categoryBlocks(doc)) for (const link of section.links) visit(link, section, 0);
  const listed = new Set(rows.map((row) => row.linkId));
  for (const total of totals.filter((candidate) => !listed.has(candidate.linkId) && candidate.clicks > 0)) {
    rows.push({
      linkId: total.linkId,
      title: total.title || total.url,
      url: total.url,
      section: null,
      uncategorised: false,
      depth: 0,
      clicks: total.clicks,
      share: shareOf(total.clicks, delivered),
    });
  }
  return rows;
}

/** A share as a percentage with one decimal, as the CSV and the pages write it ("12.5"); empty when there is none. */
export function percent(share: number | null): string {
  return share === null ? '' : (Math.round(share * 1000) / 10).toFixed(1);
}

function csv(columns: string[], records: Array<Array<string | number>>): string {
  return csvStringify().stringify(records, {
    header: true,
    columns,
    record_delimiter: '\r\n',
    quoted_match: /[\r\n]/,
    // Titles and URLs come from pages anyone can write: a cell that starts like a formula is read as text.
    cast: { string: defuseFormula },
  });
}

/** The CSV of an edition's links and their clicks. */
export function linkStatsCsv(period: string, delivered: number, rows: LinkStats[]): string {
  return csv(
    ['period', 'section', 'title', 'url', 'clicks', 'delivered', 'share_percent'],
    rows.map((row) => [period, row.section ?? '', row.title, row.url, row.clicks, delivered, percent(row.share)]),
  );
}

/** The CSV of the links followed most across editions. */
export function topLinksCsv(rows: TopLink[]): string {
  return csv(
    ['period', 'edition', 'title', 'url', 'clicks', 'delivered', 'share_percent'],
    rows.map((row) => [row.period, row.editionTitle, row.title, row.url, row.clicks, row.delivered, percent(row.share)]),
  );
}
