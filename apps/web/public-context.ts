import type { Services } from '../bootstrap/services.ts';
import { periodLabel } from '../domain/editions/periods.ts';
import { formatDate, wordsFor } from '../domain/platform/locales/index.ts';
import { assetUrl } from './assets.ts';

/** What every public page's templates need: the newsletter, its words and how it writes dates. */
export type PublicContext = Awaited<ReturnType<typeof publicContext>>;

/** What every public page's templates need: the newsletter, its words and how it writes dates. */
export async function publicContext(services: Pick<Services, 'settings' | 'editions'>) {
  const [current, info] = await Promise.all([services.settings.get(), services.editions.newsletter()]);
  const words = wordsFor(current.locale);
  return {
    info,
    t: words.site,
    lang: current.locale,
    ogLocale: words.ogLocale,
    newsletterName: current.newsletterName,
    description: current.description,
    date: (value: Date) => formatDate(value, current.locale, current.timeZone),
    label: (period: string) => periodLabel(period, current.locale),
    asset: assetUrl,
    consent: words.subscription.consent(current.newsletterName),
  };
}
