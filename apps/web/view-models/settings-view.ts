// The settings page: the saved settings (or, after a refusal, what was typed), the time zones to
// choose from, and the title the current period's edition gets from the template.
import type { Config } from '../../bootstrap/config.ts';
import type { Services } from '../../bootstrap/services.ts';

/** Every IANA time zone this runtime knows, UTC first: the settings' searchable list. */
export function timeZoneNames(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
}

/** What the settings page shows; `typed` is a refused form's input, previewed as it was. */
export async function settingsView(services: Pick<Services, 'settings' | 'editions'>, config: Pick<Config, 'publicUrl'>, typed?: unknown) {
  const values = await services.settings.get();
  const input = (typed && typeof typed === 'object' ? typed : {}) as Record<string, unknown>;
  const preview = await services.editions.titlePreview({
    titleTemplate: input.titleTemplate ?? values.titleTemplate,
    newsletterName: input.newsletterName ?? values.newsletterName,
    locale: input.locale ?? values.locale,
    cadence: input.cadence ?? values.cadence,
  });
  return { values, errors: {}, publicUrl: config.publicUrl, timeZones: timeZoneNames(), preview };
}
