import { z } from 'zod';
import type { SettingsRepository } from '../../../db/repositories/settings-repository.ts';
import { isTimeZone } from './periods.ts';
import { authorize, type Actor } from '../accounts/roles.ts';
import type { ChangeFeed } from '../platform/changes.ts';
import { multiLineText, parseInput, singleLineText } from '../platform/validation.ts';

// The name, sender name and title template end up in email headers (From, Subject, List-Id): one
// line each, so that a line break can never start a header of its own.
const settingsSchema = z.object({
  newsletterName: singleLineText('Name', 120).pipe(z.string().min(1, { error: 'Name is required.' })),
  description: multiLineText('Description', 500),
  defaultCategories: z.array(z.string().trim().min(1).max(100)).max(50),
  locale: z.enum(['fr', 'en'], { error: 'Language must be French (fr) or English (en).' }),
  timeZone: z.string().trim().refine(isTimeZone, { error: 'Unknown time zone: use a name such as Europe/Paris or UTC.' }),
  titleTemplate: singleLineText('The title template', 200).pipe(z.string().min(1, { error: 'The title template is required.' })),
  cadence: z.enum(['monthly', 'weekly'], { error: 'Cadence must be monthly or weekly.' }),
  footer: multiLineText('The footer', 2000),
  senderName: singleLineText('The sender name', 120),
  senderEmail: z.union([z.literal(''), z.email({ error: 'Enter a valid sender address.' })]),
  // Links of the emails go through counted addresses (on), or straight to their page (off).
  clickCounting: z
    .union([z.boolean(), z.enum(['on', 'off'])], { error: 'Click counting is either on or off.' })
    .transform((value) => value === true || value === 'on'),
});

export type Settings = z.output<typeof settingsSchema>;

/** Each setting's rule, for the imports that bring settings in. */
export const settingRules = settingsSchema.shape;

export const DEFAULT_SETTINGS: Settings = {
  newsletterName: 'Veille',
  description: 'A monthly selection of links, with commentary.',
  // The sections of the reference newsletter; created on demand from the categories page.
  defaultCategories: ['API', 'Cloud', 'Container & Orchestration', 'Data', '(No)SQL', 'DevOps', 'IoT', 'Ops', 'Python', 'Time Series', 'Web'],
  locale: 'en',
  timeZone: 'UTC',
  // {name} is the newsletter's name; {Month}/{month} the month's name, {year}, {MM}, {week}.
  titleTemplate: '{name} - {Month} {year}',
  cadence: 'monthly',
  footer: '',
  senderName: '',
  senderEmail: '',
  clickCounting: true,
};

/** Newsletter-wide settings with their defaults. */
export function createSettingsService({ settings, changes }: { settings: SettingsRepository; changes?: Pick<ChangeFeed, 'watch' | 'mode'> }) {
  // Every admin page shows the newsletter's name and dates in its time zone, and the settings
  // change a few times a year: a process that hears the database's notices of changes (a web
  // process, see db/public-changes.ts) keeps them in memory until a notice says they changed,
  // wherever the change was made (another instance, the command line). A process that does not
  // listen (the worker, the command line, a web process whose listening connection is down) reads
  // them every time.
  let cached: Settings | undefined;
  let generation = 0;
  changes?.watch((change) => {
    // Settings notify "settings"; a reconnection or a poll that saw a difference may hide one.
    if (change.scope !== 'all') return;
    cached = undefined;
    generation++;
  });
  const listening = () => changes?.mode() === 'listening';

  async function read(): Promise<Settings> {
    const stored = await settings.all();
    const merged = { ...DEFAULT_SETTINGS, ...stored };
    // A stored value that no longer validates falls back to its default, the others are kept.
    const result = { ...DEFAULT_SETTINGS } as Record<string, unknown>;
    for (const key of Object.keys(DEFAULT_SETTINGS) as Array<keyof Settings>) {
      const field = settingsSchema.shape[key].safeParse(merged[key]);
      if (field.success) result[key] = field.data;
    }
    return result as Settings;
  }

  // Callers get their own copy: one that changes what it was given changes nothing for the others.
  const copy = (value: Settings): Settings => ({ ...value, defaultCategories: [...value.defaultCategories] });

  return {
    /** The current settings, defaults filled in. */
    async get(): Promise<Settings> {
      if (cached && listening()) return copy(cached);
      // Kept only if no notice came while reading (it may be about a change the read missed), and
      // only if the feed listened from before the read (a change made before it was heard).
      const seen = generation;
      const trusted = listening();
      const fresh = await read();
      if (trusted && listening() && seen === generation) cached = fresh;
      return copy(fresh);
    },

    /** Changes some settings (those given); owners only. */
    async update({ actor, input }: { actor: Actor; input: Partial<Record<keyof Settings, unknown>> }): Promise<Settings> {
      authorize(actor, 'settings.change');
      const values = parseInput(settingsSchema.partial(), input);
      await settings.upsert(values);
      // This process answers with the new values at once, not once the notice comes back.
      cached = undefined;
      generation++;
      return this.get();
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
