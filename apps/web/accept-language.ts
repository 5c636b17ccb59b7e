// The language a browser asks for, among the admin's: what the sign-in screens speak, before anyone
// is signed in to have chosen one.
import { ADMIN_LOCALES, type AdminLocale } from './admin-locales/index.ts';

/**
 * The admin language the Accept-Language header prefers: its languages by q-value (highest first,
 * in the header's order when equal; q=0 refuses one), the first the admin speaks; English otherwise.
 */
export function preferredAdminLocale(header: string | string[] | undefined): AdminLocale {
  const text = [header ?? ''].flat().join(',').slice(0, 1000);
  const ranges = text
    .split(',')
    .map((part, index) => {
      const [tag = '', ...parameters] = part.trim().split(';');
      const q = parameters.map((parameter) => /^\s*q\s*=(.*)$/i.exec(parameter)?.[1]).find((value) => value !== undefined);
      const weight = q === undefined ? 1 : /^\s*[0-9.]+\s*$/.test(q) ? Number(q) : 0;
      return { language: tag.trim().toLowerCase().split('-')[0] ?? '', weight: Number.isFinite(weight) ? Math.min(weight, 1) : 0, index };
    })
    .filter((range) => range.language && range.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { language } of ranges) {
    if (language === '*') return 'en';
    const locale = ADMIN_LOCALES.find((candidate) => candidate === language);
    if (locale) return locale;
  }
  return 'en';
}
