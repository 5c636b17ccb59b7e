import { z } from 'zod';
import type { SettingsRepository } from '../../db/repositories/settings-repository.ts';
import { parseInput } from './validation.ts';

const settingsSchema = z.object({
  newsletterName: z.string().trim().min(1, { error: 'Name is required.' }).max(120, { error: 'Name must be at most 120 characters.' }),
  description: z.string().trim().max(500, { error: 'Description must be at most 500 characters.' }),
  defaultCategories: z.array(z.string().trim().min(1).max(100)).max(50),
});

export type Settings = z.output<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  newsletterName: 'Veille',
  description: 'A monthly selection of links, with commentary.',
  // The sections of the reference newsletter; created on demand from the categories page.
  defaultCategories: ['API', 'Cloud', 'Container & Orchestration', 'Data', '(No)SQL', 'DevOps', 'IoT', 'Ops', 'Python', 'Time Series', 'Web'],
};

/** Newsletter-wide settings with their defaults. */
export function createSettingsService({ settings }: { settings: SettingsRepository }) {
  return {
    async get(): Promise<Settings> {
      const stored = await settings.all();
      const merged = { ...DEFAULT_SETTINGS, ...stored };
      const parsed = settingsSchema.safeParse(merged);
      return parsed.success ? parsed.data : DEFAULT_SETTINGS;
    },

    async update(input: Partial<Record<keyof Settings, unknown>>): Promise<Settings> {
      const values = parseInput(settingsSchema.partial(), input);
      await settings.upsert(values);
      return this.get();
    },
  };
}

export type SettingsService = ReturnType<typeof createSettingsService>;
