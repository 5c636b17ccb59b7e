// An edition's title from the settings' title template, and its live preview on the settings form.
import type { Clock } from '../platform/clock.ts';
import { periodOf, renderTitleTemplate } from './periods.ts';
import { settingRules, type Settings, type SettingsService } from './settings-service.ts';

/** An edition's title from the settings' template: the newsletter's name and the period's words, in its language. */
export function editionTitle(current: Pick<Settings, 'titleTemplate' | 'newsletterName' | 'locale'>, period: string): string {
  return renderTitleTemplate(current.titleTemplate.replaceAll('{name}', current.newsletterName), period, current.locale);
}

export type TitlePreviewInput = { titleTemplate?: unknown; newsletterName?: unknown; locale?: unknown; cadence?: unknown };

/**
 * The title the current period's edition would get from settings being typed: what is not given,
 * or not valid, is taken from the saved settings; a template that is not one gives the reason instead.
 */
export async function titlePreview({ settings, clock }: { settings: Pick<SettingsService, 'get'>; clock: Clock }, input: TitlePreviewInput) {
  const saved = await settings.get();
  const pick = <K extends 'newsletterName' | 'locale' | 'cadence'>(key: K): Settings[K] => {
    const parsed = settingRules[key].safeParse(input[key]);
    return parsed.success ? (parsed.data as Settings[K]) : saved[key];
  };
  const values = { newsletterName: pick('newsletterName'), locale: pick('locale'), cadence: pick('cadence') };
  const period = periodOf(clock.now(), values.cadence, saved.timeZone);
  const template = settingRules.titleTemplate.safeParse(input.titleTemplate ?? saved.titleTemplate);
  if (!template.success) return { period, locale: values.locale, error: template.error.issues[0]?.message ?? 'Invalid template.' };
  return { period, locale: values.locale, title: editionTitle({ ...values, titleTemplate: template.data }, period) };
}
