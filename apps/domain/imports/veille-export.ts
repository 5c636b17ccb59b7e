// What a Veille export may bring in. The schema of export-format.ts checks its shape; here every
// value is held to the rules the forms and the API apply (links, tags, categories, editions,
// addresses, settings), so an import never stores what Veille itself would refuse: a `javascript:`
// link, a tag with markup, an address such as "a@x,b@y" that would send one message to two
// readers. An item that breaks a rule is left out and said in the dry run; the rest comes in.
import type { z } from 'zod';
import { editionFieldRules } from '../editions/editions-service.ts';
import type { ExportEdition, ExportInboxLink, ExportLink, ExportSubscriber, VeilleExport } from '../exports/export-format.ts';
import { linkFieldRules } from '../links/link-fields.ts';
import { settingRules } from '../editions/settings-service.ts';
import { ValidationError } from '../platform/errors.ts';
import { emailField, nameField } from '../platform/validation.ts';
import type { SourceProblem } from './sources.ts';
import { preview } from './types.ts';

/** The export with what breaks a rule left out, the reasons, and each edition's own warnings (by period). */
export type CheckedExport = { data: VeilleExport; problems: SourceProblem[]; warnings: Map<string, string[]> };

const IP_ADDRESS = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-f:.]*:[0-9a-f:.]*)$/i;

/** The first message of a failed parse. */
function reason(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'invalid value';
}

/** Tags that pass the rule, one by one (within its count limit); the others are named. */
function keepValidTags(tags: string[], rule: z.ZodType<string[] | undefined>): { kept: string[]; refused: string[] } {
  const kept: string[] = [];
  const refused: string[] = [];
  for (const tag of tags) {
    const one = rule.safeParse([tag]);
    const normalized = one.success ? (one.data ?? [])[0] : undefined;
    if (normalized === undefined) {
      if (!one.success) refused.push(tag);
      continue;
    }
    if (kept.includes(normalized)) continue;
    if (rule.safeParse([...kept, normalized]).success) kept.push(normalized);
    else refused.push(tag);
  }
  return { kept, refused };
}

function describeLink(link: ExportLink): string {
  return `“${preview(link.title || link.url, 50)}”`;
}

/** A link held to the form's rules; undefined (with the reason) when it cannot be kept. Its nested items are checked alike. */
function checkLink(link: ExportLink, where: string, notes: string[]): ExportLink | undefined {
  const url = linkFieldRules.url.safeParse(link.url);
  if (!url.success) {
    notes.push(
      `${where}: the link ${describeLink(link)} was left out, with its nested items: its URL “${preview(link.url, 60)}” is refused (${reason(url.error)})`,
    );
    return undefined;
  }
  const fields = {
    title: linkFieldRules.title.safeParse(link.title ?? undefined),
    commentary: linkFieldRules.commentary.safeParse(link.commentary),
    via: linkFieldRules.via.safeParse(link.via ?? undefined),
    description: linkFieldRules.description.safeParse(link.description ?? undefined),
    siteName: linkFieldRules.siteName.safeParse(link.siteName ?? undefined),
  };
  for (const [field, parsed] of Object.entries(fields)) {
    if (!parsed.success) {
      notes.push(`${where}: the link ${describeLink(link)} was left out, with its nested items: its ${field} is refused (${reason(parsed.error)})`);
      return undefined;
    }
  }
  const tags = keepValidTags(link.tags, linkFieldRules.tags as z.ZodType<string[] | undefined>);
  if (tags.refused.length > 0)
    notes.push(
      `${where}: the link ${describeLink(link)} comes without the tags ${tags.refused.map((tag) => `“${preview(tag, 30)}”`).join(', ')} (tags are letters, digits, dots, plus signs and dashes, at most 20)`,
    );
  const children: ExportLink[] = [];
  for (const child of link.children) {
    const checked = checkLink(child, where, notes);
    if (checked) children.push(checked);
  }
  return {
    ...link,
    url: url.data,
    title: fields.title.data || null,
    commentary: fields.commentary.data ?? '',
    via: fields.via.data || null,
    description: fields.description.data || null,
    siteName: fields.siteName.data || null,
    tags: tags.kept,
    children,
  };
}

function checkLinkList(links: ExportLink[], where: string, notes: string[]): ExportLink[] {
  return links.flatMap((link) => checkLink(link, where, notes) ?? []);
}

/** A category name as the categories page accepts it; null stays null (links of no category). */
function checkCategoryName(name: string | null): { ok: true; name: string | null } | { ok: false; reason: string } {
  if (name === null) return { ok: true, name: null };
  const parsed = nameField.safeParse(name);
  return parsed.success ? { ok: true, name: parsed.data } : { ok: false, reason: reason(parsed.error) };
}

/** An edition held to the editor's rules: refused whole when its own text breaks one, its bad links and tags left out. */
function checkEdition(edition: ExportEdition): { edition: ExportEdition; warnings: string[] } | { refused: string } {
  const label = `${edition.period} (“${preview(edition.title, 50)}”)`;
  const content = {
    title: editionFieldRules.title.safeParse(edition.title),
    intro: editionFieldRules.intro.safeParse(edition.intro),
    outro: editionFieldRules.outro.safeParse(edition.outro),
  };
  for (const [field, parsed] of Object.entries(content)) {
    if (!parsed.success) return { refused: `The edition ${label} was left out: its ${field} is refused (${reason(parsed.error)}).` };
  }
  // The blocks' own texts, as the editor takes them (the links are checked one by one below).
  try {
    editionFieldRules.blocks(edition.blocks.map((block) => (block.kind === 'category' ? { ...block, links: undefined } : block)));
  } catch (error) {
    if (error instanceof ValidationError) return { refused: `The edition ${label} was left out: ${error.message}` };
    throw error;
  }
  const blocks: ExportEdition['blocks'] = [];
  const warnings: string[] = [];
  for (const block of edition.blocks) {
    if (block.kind === 'text') {
      blocks.push(block);
      continue;
    }
    const checked = checkCategoryName(block.category);
    if (!checked.ok)
      return { refused: `The edition ${label} was left out: the category “${preview(block.category ?? '', 40)}” is refused (${checked.reason}).` };
    blocks.push({ ...block, category: checked.name, links: checkLinkList(block.links, `Section “${checked.name ?? 'Miscellaneous'}”`, warnings) });
  }
  const slug = editionFieldRules.slug.safeParse(edition.slug);
  if (!slug.success) warnings.push(`The slug “${preview(edition.slug, 40)}” is refused (${reason(slug.error)}): one is made from the title.`);
  const tags = keepValidTags(edition.tags, editionFieldRules.tags as z.ZodType<string[] | undefined>);
  if (tags.refused.length > 0)
    warnings.push(
      `The tags ${tags.refused.map((tag) => `“${preview(tag, 30)}”`).join(', ')} were left out (tags are letters, digits, dots, apostrophes and dashes, at most 40).`,
    );
  return {
    edition: {
      ...edition,
      title: content.title.data!,
      slug: slug.success ? slug.data : '',
      tags: tags.kept,
      intro: content.intro.data!,
      outro: content.outro.data!,
      blocks,
    },
    warnings,
  };
}

/** A reader with an address the subscribe form accepts, and a consent record that is one. */
function checkSubscriber(subscriber: ExportSubscriber): ExportSubscriber | string {
  const email = emailField.safeParse(subscriber.email);
  if (!email.success) return `its address is refused (${reason(email.error)})`;
  const ip = subscriber.consent?.ip;
  if (ip !== null && ip !== undefined && (!IP_ADDRESS.test(ip) || ip.length > 45)) return `its consent record's IP address “${preview(ip, 40)}” is not one`;
  return { ...subscriber, email: email.data };
}

/** Holds every value of a parsed export to Veille's own rules; `file` names it in the problems. */
export function checkVeilleExport(data: VeilleExport, file: string): CheckedExport {
  const problems: SourceProblem[] = [];
  const problem = (text: string) => problems.push({ name: file, reason: text });
  const warnings = new Map<string, string[]>();

  // Settings: each known one held to its rule; a bad one is not applied, the others are.
  const settings: VeilleExport['settings'] = {};
  for (const [key, value] of Object.entries(data.settings)) {
    const rule = settingRules[key as keyof typeof settingRules] as z.ZodType | undefined;
    if (!rule) continue;
    const parsed = rule.safeParse(value);
    if (parsed.success) settings[key] = parsed.data;
    else problem(`The setting “${key}” will not be applied: ${reason(parsed.error)}`);
  }

  const categories: VeilleExport['categories'] = [];
  for (const category of data.categories) {
    const checked = checkCategoryName(category.name);
    if (checked.ok && checked.name) categories.push({ ...category, name: checked.name });
    else if (!checked.ok) problem(`The category “${preview(category.name, 40)}” was left out: ${checked.reason}`);
  }

  const editions: ExportEdition[] = [];
  for (const edition of data.editions) {
    const checked = checkEdition(edition);
    if ('refused' in checked) {
      problem(checked.refused);
      continue;
    }
    editions.push(checked.edition);
    if (checked.warnings.length > 0) warnings.set(edition.period, checked.warnings);
  }

  const inbox: ExportInboxLink[] = [];
  const inboxNotes: string[] = [];
  for (const link of data.inbox) {
    const category = checkCategoryName(link.category);
    if (!category.ok) {
      inboxNotes.push(`Inbox: the link ${describeLink(link)} was left out: its category “${preview(link.category ?? '', 40)}” is refused (${category.reason})`);
      continue;
    }
    const checked = checkLink(link, 'Inbox', inboxNotes);
    if (checked) inbox.push({ ...checked, category: category.name });
  }
  for (const note of inboxNotes) problem(`${note}.`);

  // Addresses are unique whatever their case: a second spelling of one is the same reader.
  const subscribers: ExportSubscriber[] = [];
  const seen = new Set<string>();
  data.subscribers.forEach((subscriber, index) => {
    const checked = checkSubscriber(subscriber);
    const name = `Subscriber ${index + 1} (“${preview(subscriber.email, 60)}”)`;
    if (typeof checked === 'string') problem(`${name} was left out: ${checked}.`);
    else if (seen.has(checked.email)) problem(`${name} was left out: the same address appears earlier in the file.`);
    else {
      seen.add(checked.email);
      subscribers.push(checked);
    }
  });

  return { data: { ...data, settings, categories, editions, inbox, subscribers }, problems, warnings };
}
