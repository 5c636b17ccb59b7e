// Everything a newsletter holds, exported as files a person can read and Veille can read back:
// one Markdown file per edition (the same Markdown as the editor's "Export Markdown") and
// veille-export.json with editions, links, inbox, categories, settings and subscribers. It is
// how a user leaves, or keeps a backup, without PostgreSQL tools. Accounts, sessions, tokens and
// password hashes are never exported.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type yazlModule from 'yazl';
import type { CategoriesService } from '../categories/categories-service.ts';
import type { Link, LinksService } from '../links/links-service.ts';
import type { Subscriber, SubscribersService } from '../subscribers/subscribers-service.ts';
import { lazyModule } from '../platform/lazy-module.ts';

const yazl = lazyModule<typeof yazlModule>('yazl');
import type { Clock } from '../platform/clock.ts';
import { editionToMarkdown } from '../editions/edition-markdown.ts';
import type { EditionLink } from '../editions/edition-types.ts';
import type { EditionsService } from '../editions/editions-service.ts';
import {
  EXPORT_FORMAT,
  EXPORT_JSON_NAME,
  EXPORT_VERSION,
  editionMarkdownPath,
  type ExportBlock,
  type ExportEdition,
  type ExportInboxLink,
  type ExportLink,
  type ExportSubscriber,
  type VeilleExport,
} from './export-format.ts';
import { authorize, type Actor } from '../accounts/roles.ts';
import type { SettingsService } from '../editions/settings-service.ts';

/** How much an export holds; the CLI and the admin page show it. */
export type ExportCounts = {
  editions: number;
  /** Links of the editions, nested items included. */
  editionLinks: number;
  /** Links of the inbox, nested items included. */
  inboxLinks: number;
  categories: number;
  subscribers: number;
};

/** One file of an export, by its path inside the export folder or archive. */
export type ExportFile = { path: string; content: string };

/** A zip of the export, produced as it is read. */
export type ExportArchive = { filename: string; stream: Readable; counts: ExportCounts };

type Deps = {
  editions: Pick<EditionsService, 'list' | 'document' | 'earlierPaths'>;
  links: Pick<LinksService, 'listAllForExport' | 'inboxCounts'>;
  categories: Pick<CategoriesService, 'list'>;
  subscribers: Pick<SubscribersService, 'all' | 'counts'>;
  settings: Pick<SettingsService, 'get'>;
  clock: Clock;
};

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

function countLinks(links: ExportLink[]): number {
  return links.reduce((sum, link) => sum + 1 + countLinks(link.children), 0);
}

function exportSubscriber(subscriber: Subscriber): ExportSubscriber {
  const consent = subscriber.consent;
  return {
    email: subscriber.email,
    status: subscriber.status,
    source: subscriber.source,
    consent: consent ? { at: String(consent.at ?? ''), ip: consent.ip ?? null, form: String(consent.form ?? ''), text: String(consent.text ?? '') } : null,
    createdAt: subscriber.createdAt.toISOString(),
    confirmedAt: iso(subscriber.confirmedAt),
    unsubscribedAt: iso(subscriber.unsubscribedAt),
    bouncedAt: iso(subscriber.bouncedAt),
  };
}

/** The date of a moment in a time zone, as YYYY-MM-DD. */
function localDate(at: Date, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
  } catch {
    return at.toISOString().slice(0, 10);
  }
}

/** Exports the whole newsletter: a snapshot object, a folder of files, or a zip archive. */
export function createExportService({ editions, links, categories, subscribers, settings, clock }: Deps) {
  /** The export's JSON and every file it is made of. */
  async function collect(actor: Actor): Promise<{ data: VeilleExport; files: ExportFile[] }> {
    const now = clock.now();
    // Read one after the other rather than in one transaction: an edit made during an export
    // shows in it or not, but an edition is always whole (its document is read in one go).
    const [currentSettings, allCategories, rows, allLinks, allSubscribers] = await Promise.all([
      settings.get(),
      categories.list({ includeArchived: true }),
      editions.list(),
      links.listAllForExport(),
      subscribers.all({ actor }),
    ]);
    const categoryById = new Map(allCategories.map((category) => [category.id, category]));
    const linkById = new Map(allLinks.map((link) => [link.id, link]));
    const childrenByParent = new Map<string, Link[]>();
    for (const link of allLinks) {
      if (!link.parentId) continue;
      const siblings = childrenByParent.get(link.parentId) ?? [];
      siblings.push(link);
      childrenByParent.set(link.parentId, siblings);
    }

    const exportLink = (link: Link): ExportLink => ({
      url: link.url,
      title: link.title,
      commentary: link.commentary,
      via: link.via,
      tags: link.tags,
      description: link.description,
      siteName: link.siteName,
      createdAt: link.createdAt.toISOString(),
      children: (childrenByParent.get(link.id) ?? []).map(exportLink),
    });
    // A link added after the links were read but before its edition was: what the document says of it.
    const fromDocument = (link: EditionLink): ExportLink => ({
      url: link.url,
      title: link.title,
      commentary: link.commentary,
      via: link.via,
      tags: [],
      description: null,
      siteName: null,
      createdAt: now.toISOString(),
      children: link.children.map(fromDocument),
    });

    const files: ExportFile[] = [];
    const exportedEditions: ExportEdition[] = [];
    // Oldest first, as a newsletter's archive is read; one document at a time keeps the pool free.
    for (const row of [...rows].sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : 0))) {
      const document = await editions.document({ edition: row });
      const markdownFile = editionMarkdownPath(row);
      files.push({ path: markdownFile, content: editionToMarkdown(document) });
      exportedEditions.push({
        period: row.period,
        title: row.title,
        slug: row.slug,
        status: row.status,
        tags: row.tags,
        intro: row.intro,
        outro: row.outro,
        blocks: document.blocks.map((block): ExportBlock => {
          if (block.kind === 'text') return { kind: 'text', id: block.id, heading: block.heading, body: block.body };
          return {
            kind: 'category',
            category: block.categoryId ? block.name : null,
            intro: block.intro,
            outro: block.outro,
            keepEmpty: block.keepEmpty,
            links: block.links.map((link) => {
              const stored = linkById.get(link.id);
              return stored ? exportLink(stored) : fromDocument(link);
            }),
          };
        }),
        earlierPaths: await editions.earlierPaths({ id: row.id }),
        path: document.path,
        markdownFile,
        scheduledAt: iso(row.scheduledAt),
        publishedAt: iso(row.publishedAt),
        correctedAt: iso(row.correctedAt),
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      });
    }

    // The inbox in the order the inbox shows it: by category, then by position; uncategorised last.
    const categoryPosition = (link: Link) => (link.categoryId ? (categoryById.get(link.categoryId)?.position ?? Infinity) : Infinity);
    const inbox: ExportInboxLink[] = allLinks
      .filter((link) => !link.editionId && !link.parentId)
      .sort((a, b) => categoryPosition(a) - categoryPosition(b) || a.position - b.position)
      .map((link) => ({ category: link.categoryId ? (categoryById.get(link.categoryId)?.name ?? null) : null, ...exportLink(link) }));

    const data: VeilleExport = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: now.toISOString(),
      settings: { ...currentSettings },
      categories: allCategories.map((category) => ({ name: category.name, position: category.position, archived: category.archivedAt !== null })),
      editions: exportedEditions,
      inbox,
      subscribers: allSubscribers.map(exportSubscriber),
    };
    return { data, files: [{ path: EXPORT_JSON_NAME, content: `${JSON.stringify(data, null, 2)}\n` }, ...files] };
  }

  function countsOf(data: VeilleExport): ExportCounts {
    return {
      editions: data.editions.length,
      editionLinks: data.editions.reduce(
        (sum, edition) => sum + edition.blocks.reduce((inner, block) => inner + (block.kind === 'category' ? countLinks(block.links) : 0), 0),
        0,
      ),
      inboxLinks: countLinks(data.inbox),
      categories: data.categories.length,
      subscribers: data.subscribers.length,
    };
  }

  return {
    /** Everything, as the object written to veille-export.json. */
    async snapshot({ actor }: { actor: Actor }): Promise<VeilleExport> {
      authorize(actor, 'newsletter.export');
      return (await collect(actor)).data;
    },

    /** The files of an export: veille-export.json first, then editions/<period>-<slug>.md. */
    async files({ actor }: { actor: Actor }): Promise<{ files: ExportFile[]; counts: ExportCounts }> {
      authorize(actor, 'newsletter.export');
      const { data, files } = await collect(actor);
      return { files, counts: countsOf(data) };
    },

    /** Writes the export into a folder (created when missing); files of an earlier export there are replaced. */
    async writeDirectory({ actor, dir }: { actor: Actor; dir: string }): Promise<ExportCounts> {
      authorize(actor, 'newsletter.export');
      const { data, files } = await collect(actor);
      for (const file of files) {
        const target = path.join(dir, ...file.path.split('/'));
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, file.content);
      }
      return countsOf(data);
    },

    /** The export as a zip archive, named veille-export-YYYY-MM-DD.zip after today in the newsletter's time zone. */
    async zip({ actor }: { actor: Actor }): Promise<ExportArchive> {
      authorize(actor, 'newsletter.export');
      const { data, files } = await collect(actor);
      const at = new Date(data.exportedAt);
      const zip = new (yazl().ZipFile)();
      for (const file of files) zip.addBuffer(Buffer.from(file.content), file.path, { mtime: at });
      zip.end();
      // yazl's output is a PassThrough; its types only promise the older ReadableStream interface.
      const stream = zip.outputStream as Readable;
      return { filename: `veille-export-${localDate(at, String(data.settings.timeZone ?? 'UTC'))}.zip`, stream, counts: countsOf(data) };
    },

    /** What an export would hold, counted cheaply for the admin page (the inbox as the inbox counts it: top-level links). */
    async summary({ actor }: { actor: Actor }): Promise<{ editions: number; inboxLinks: number; categories: number; subscribers: number }> {
      authorize(actor, 'newsletter.export');
      const [rows, inboxCounts, allCategories, subscriberCounts] = await Promise.all([
        editions.list(),
        links.inboxCounts(),
        categories.list({ includeArchived: true }),
        subscribers.counts(),
      ]);
      return {
        editions: rows.length,
        inboxLinks: inboxCounts.total,
        categories: allCategories.length,
        subscribers: Object.values(subscriberCounts).reduce((sum, count) => sum + count, 0),
      };
    },
  };
}

export type ExportService = ReturnType<typeof createExportService>;
