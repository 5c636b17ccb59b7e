import { z } from 'zod';
import type { SettingsRepository } from '../../../db/repositories/settings-repository.ts';
import { isTimeZone } from './periods.ts';
import { authorize, type Actor } from '../accounts/roles.ts';
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
export function createSettingsService({ settings }: { settings: SettingsRepository }) {
  return {
    /** The current settings, defaults filled in. */
    async get(): Promise<Settings> {
      const stored = await settings.all();
      const merged = { ...DEFAULT_SETTINGS, ...stored };
      // A stored value that no longer validates falls back to its default, the others are kept.
      const result = { ...DEFAULT_SETTINGS } as Record<string, unknown>;
      for (const key of Object.keys(DEFAULT_SETTINGS) as Array<keyof Settings>) {
        const field = settingsSchema.shape[key].safeParse(merged[key]);
        if (field.success) result[key] = field.data;
      }
      return result as Settings;
    },

    /** Changes some settings (those given); owners only. */
    async update({ actor, input }: { actor: Actor; input: Partial<Record<keyof Settings, unknown>> }): Promise<Settings> {
      authorize(actor, 'settings.change');
      const values = parseInput(settingsSchema.partial(), input);
      await settings.upsert(values);
      return this.get();
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
