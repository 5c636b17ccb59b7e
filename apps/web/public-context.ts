import type { Services } from '../bootstrap/services.ts';
import { periodLabel } from '../domain/editions/periods.ts';
import { assetUrl } from './assets.ts';
import { consentText } from '../domain/subscribers/subscribers-service.ts';
import { formatDate, strings } from './i18n.ts';

/** What every public page's templates need: the newsletter, its words and how it writes dates. */
export async function publicContext(services: Pick<Services, 'settings' | 'editions'>) {
  const [current, info] = await Promise.all([services.settings.get(), services.editions.newsletter()]);
  return {
    info,
    t: strings(current.locale),
    lang: current.locale,
    newsletterName: current.newsletterName,
    description: current.description,
    date: (value: Date) => formatDate(value, current.locale, current.timeZone),
    label: (period: string) => periodLabel(period, current.locale),
    asset: assetUrl,
    consent: consentText(current.locale, current.newsletterName),
  };
}
