// The admin's words, in the language each editor chose on their Account page (English by default),
// apart from the newsletter's own language, which the public site and the emails speak. One
// dictionary per locale beside this file; templates read them as `it.t.<section>.<word>`, and
// write dates and periods with `it.date`, `it.dateTime` and `it.periodLabel`.
import { periodLabel } from '../../domain/editions/periods.ts';
import { formatCalendarDate, type Locale } from '../../domain/platform/locales/index.ts';
import { en, type AdminWords } from './en.ts';
import { fr } from './fr.ts';

export type { AdminWords };

/** The languages the admin speaks, in the order its language menu lists them. */
export const ADMIN_LOCALES = ['en', 'fr'] as const satisfies readonly Locale[];
export type AdminLocale = (typeof ADMIN_LOCALES)[number];

const DICTIONARIES: Record<AdminLocale, AdminWords> = { en, fr };

/** The admin's words in a language (English for anything else). */
export function adminWordsFor(locale: string | undefined): AdminWords {
  return DICTIONARIES[locale === 'fr' ? 'fr' : 'en'];
}

// Every admin page asks for them: built once per language and time zone (a valid zone name, from the settings).
const formats = new Map<string, AdminFormats>();

/** How the admin writes dates, periods and numbers for an editor: their language, the newsletter's time zone. */
export function adminFormats(locale: AdminLocale, timeZone: string): AdminFormats {
  const key = `${locale} ${timeZone}`;
  let found = formats.get(key);
  if (!found) formats.set(key, (found = buildFormats(locale, timeZone)));
  return found;
}

function buildFormats(locale: AdminLocale, timeZone: string) {
  const { intlLocale } = DICTIONARIES[locale];
  const numbers = new Intl.NumberFormat(intlLocale);
  return {
    /** "Dec 1, 2026" / "1er déc. 2026". */
    date: (value: Date) => formatCalendarDate(value, intlLocale, { dateStyle: 'medium', timeZone }),
    /** "Dec 1, 2026, 2:30 PM" / "1er déc. 2026, 14:30". */
    dateTime: (value: Date) => formatCalendarDate(value, intlLocale, { dateStyle: 'medium', timeStyle: 'short', timeZone }),
    /** A period as the admin names it: "December 2026", "Week 7, 2024". */
    periodLabel: (period: string) => periodLabel(period, locale),
    /** A month of a chart, short: "Dec" / "déc.". */
    monthShort: (month: string) => formatCalendarDate(new Date(`${month}-15T12:00:00Z`), intlLocale, { month: 'short', timeZone: 'UTC' }),
    /** A month of a chart with its year: "Dec 2025" / "déc. 2025". */
    monthYear: (month: string) => formatCalendarDate(new Date(`${month}-15T12:00:00Z`), intlLocale, { month: 'short', year: 'numeric', timeZone: 'UTC' }),
    number: (value: number) => numbers.format(value),
  };
}

export type AdminFormats = ReturnType<typeof buildFormats>;
