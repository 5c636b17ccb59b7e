import { z } from 'zod';
import type { SettingsRepository } from '../../db/repositories/settings-repository.ts';
import { isTimeZone } from './periods.ts';
import { authorize, type Actor } from './roles.ts';
import { parseInput } from './validation.ts';

const settingsSchema = z.object({
  newsletterName: z.string().trim().min(1, { error: 'Name is required.' }).max(120, { error: 'Name must be at most 120 characters.' }),
  description: z.string().trim().max(500, { error: 'Description must be at most 500 characters.' }),
  defaultCategories: z.array(z.string().trim().min(1).max(100)).max(50),
  locale: z.enum(['fr', 'en'], { error: 'Language must be French (fr) or English (en).' }),
  timeZone: z.string().trim().refine(isTimeZone, { error: 'Unknown time zone: use a name such as Europe/Paris or UTC.' }),
  titleTemplate: z
    .string()
    .trim()
    .min(1, { error: 'The title template is required.' })
    .max(200, { error: 'The title template must be at most 200 characters.' }),
  cadence: z.enum(['monthly', 'weekly'], { error: 'Cadence must be monthly or weekly.' }),
  footer: z.string().trim().max(2000, { error: 'The footer must be at most 2000 characters.' }),
  senderName: z.string().trim().max(120, { error: 'The sender name must be at most 120 characters.' }),
  senderEmail: z.union([z.literal(''), z.email({ error: 'Enter a valid sender address.' })]),
});

export type Settings = z.output<typeof settingsSchema>;

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
    async update(input: Partial<Record<keyof Settings, unknown>>, actor: Actor): Promise<Settings> {
      authorize(actor, 'settings.change');
      const values = parseInput(settingsSchema.partial(), input);
      await settings.upsert(values);
      return this.get();
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
