// The look before the leap: what an editor is told before publishing or sending an edition. The
// checks never decide anything but an empty edition: the editor reads them and chooses. The publish
// screen and GET /api/v1/editions/:period/checks show the same list.
import { categoryBlocks, everyLink, repeatedLinks } from '../editions/edition-blocks.ts';
import { emptyEditionMessage, isEditionEmpty } from '../editions/edition-document.ts';
import type { EditionDocument, EditionLink } from '../editions/edition-types.ts';
import type { LinkCheckState } from '../links/link-check-service.ts';

/** Gmail clips messages whose HTML is over about 102 kB: readers then see "[Message clipped]". */
export const GMAIL_CLIP_BYTES = 102 * 1024;

/** A link a check is about. */
export type CheckedLink = { id: string; title: string; url: string; reason?: string };

/** One finding: an error stops publishing and sending, a warning asks for a look, an info tells. */
export type PreflightCheck = {
  level: 'error' | 'warning' | 'info';
  /** Stable, for scripts: empty-edition, dead-link, links-unchecked, link-check-running, links-load, no-commentary, duplicate-link, empty-section, email-size, audience, sent. */
  code: string;
  message: string;
  links?: CheckedLink[];
  /** The section a check is about, and its category's id (null: the links without a category). */
  section?: string;
  categoryId?: string | null;
  /** Bytes (email-size), readers (audience), links checked so far (link-check-running), links checked (links-load). */
  count?: number;
  /** Links to check in all (link-check-running). */
  total?: number;
};

const named = (links: EditionLink[]) => links.map((link) => `“${link.title}”`).join(', ');
const checked = (link: EditionLink): CheckedLink => ({ id: link.id, title: link.title, url: link.url });

/** The checks of an edition from what each part says of it: its document, its email's size, the readers, its last link check, its send. */
export function preflightChecks(input: {
  doc: EditionDocument;
  emailBytes: number;
  audience: number;
  linkCheck: LinkCheckState;
  sent: boolean;
}): PreflightCheck[] {
  const { doc, emailBytes, audience, linkCheck } = input;
  const checks: PreflightCheck[] = [];
  if (isEditionEmpty(doc)) checks.push({ level: 'error', code: 'empty-edition', message: emptyEditionMessage('publishing') });

  const links = everyLink(doc);
  if (linkCheck.status === 'none' && links.length > 0) checks.push({ level: 'info', code: 'links-unchecked', message: 'The links have not been checked yet.' });
  else if (linkCheck.status === 'running')
    checks.push({
      level: 'info',
      code: 'link-check-running',
      message: `Checking links… (${linkCheck.checked} of ${linkCheck.total})`,
      count: linkCheck.checked,
      total: linkCheck.total,
    });
  for (const broken of linkCheck.broken)
    checks.push({
      level: 'warning',
      code: 'dead-link',
      message: `“${broken.title}” does not load: ${broken.reason}`,
      links: [{ id: broken.linkId, title: broken.title, url: broken.url, reason: broken.reason }],
    });
  if (linkCheck.status === 'done' && linkCheck.total > 0 && linkCheck.broken.length === 0)
    checks.push({
      level: 'info',
      code: 'links-load',
      count: linkCheck.total,
      message: linkCheck.total === 1 ? 'The link loads.' : `All ${linkCheck.total} links load.`,
    });

  const bare = links.filter((link) => !link.commentary.trim());
  if (bare.length > 0)
    checks.push({
      level: 'warning',
      code: 'no-commentary',
      message: `${bare.length} link${bare.length === 1 ? ' has' : 's have'} no commentary: ${named(bare.slice(0, 5))}${bare.length > 5 ? '…' : ''}`,
      links: bare.map(checked),
    });

  const reported = new Set<string>();
  for (const [id, others] of repeatedLinks(doc)) {
    if (reported.has(id)) continue;
    const link = links.find((candidate) => candidate.id === id)!;
    for (const other of others) reported.add(other.id);
    checks.push({
      level: 'warning',
      code: 'duplicate-link',
      message: `${link.url} is in the edition ${others.length + 1} times: ${named([link, ...others])}.`,
      links: [link, ...others].map(checked),
    });
  }

  for (const block of categoryBlocks(doc).filter((candidate) => candidate.links.length === 0))
    checks.push(
      block.keepEmpty
        ? {
            level: 'warning',
            code: 'empty-section',
            section: block.name,
            categoryId: block.categoryId,
            message: `“${block.name}” has no links: readers see its heading alone.`,
          }
        : {
            level: 'info',
            code: 'empty-section',
            section: block.name,
            categoryId: block.categoryId,
            message: `“${block.name}” has no links: readers do not see it.`,
          },
    );

  const kilobytes = Math.round(emailBytes / 1024);
  checks.push(
    emailBytes > GMAIL_CLIP_BYTES
      ? { level: 'warning', code: 'email-size', count: emailBytes, message: `The email weighs ${kilobytes} kB: Gmail clips messages over 102 kB.` }
      : { level: 'info', code: 'email-size', count: emailBytes, message: `The email weighs ${kilobytes} kB (Gmail clips over 102 kB).` },
  );
  if (input.sent) checks.push({ level: 'info', code: 'sent', message: 'This edition has been sent already: publishing changes shows on the web only.' });
  checks.push({ level: 'info', code: 'audience', count: audience, message: `${audience} active subscriber${audience === 1 ? '' : 's'} will receive it.` });
  return checks;
}
