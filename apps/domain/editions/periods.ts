// Edition periods: a calendar month ('2024-06') or an ISO week ('2024-W07'), with the time-zone
// arithmetic, labels, title templates and URL pieces that depend on them. Pure functions: the
// only outside help is Intl, for month names and IANA time zones, and the locales' words.
import { wordsFor, type Locale } from '../platform/locales/index.ts';

export type { Locale };
export type Cadence = 'monthly' | 'weekly';

export type ParsedPeriod = { cadence: Cadence; year: number; month?: number; week?: number };

const DAY_MS = 86_400_000;
const MONTHLY = /^(\d{4})-(\d{2})$/;
const WEEKLY = /^(\d{4})-W(\d{2})$/;

/** A period key: 'YYYY-MM' (monthly) or 'YYYY-Www' (ISO week, e.g. '2024-W07'). Undefined when malformed. */
export function parsePeriod(value: string): ParsedPeriod | undefined {
  const monthly = MONTHLY.exec(value);
  if (monthly) {
    const year = Number(monthly[1]);
    const month = Number(monthly[2]);
    if (year < 1 || month < 1 || month > 12) return undefined;
    return { cadence: 'monthly', year, month };
  }
  const weekly = WEEKLY.exec(value);
  if (weekly) {
    const year = Number(weekly[1]);
    const week = Number(weekly[2]);
    if (year < 1 || week < 1 || week > isoWeeksInYear(year)) return undefined;
    return { cadence: 'weekly', year, week };
  }
  return undefined;
}

/** The period key containing that instant, read on the wall clock of an IANA time zone. */
export function periodOf(date: Date, cadence: Cadence, timeZone: string): string {
  const local = wallClock(date.getTime(), timeZone);
  if (cadence === 'monthly') return monthKey(local.year, local.month);
  const { year, week } = isoWeekOf(local.year, local.month, local.day);
  return weekKey(year, week);
}

/** The first instant of a period in a time zone: the 1st at 00:00 (monthly) or Monday 00:00 (weekly). */
export function periodStart(period: string, timeZone: string): Date {
  const { year, month, day } = firstDay(requirePeriod(period));
  return new Date(startOfLocalDay(year, month, day, timeZone));
}

/** The period right after the given one, crossing year ends. */
export function nextPeriod(period: string): string {
  return shiftPeriod(requirePeriod(period), 1);
}

/** The period right before the given one, crossing year ends. */
export function previousPeriod(period: string): string {
  return shiftPeriod(requirePeriod(period), -1);
}

/** A human label: 'Juin 2024' / 'June 2024'; weekly 'Semaine 7 2024' / 'Week 7, 2024'. */
export function periodLabel(period: string, locale: Locale): string {
  const parsed = requirePeriod(period);
  if (parsed.cadence === 'weekly') return wordsFor(locale).edition.week(parsed.week ?? 1, parsed.year);
  return `${capitalise(monthName(parsed.month ?? 1, locale), locale)} ${parsed.year}`;
}

/**
 * Fills {Month}, {month}, {year}, {MM}, {week} and {period} in a title template; unknown
 * placeholders are left as they are. A weekly period takes the month holding its Thursday.
 */
export function renderTitleTemplate(template: string, period: string, locale: Locale): string {
  const parsed = requirePeriod(period);
  const month = parsed.cadence === 'monthly' ? (parsed.month ?? 1) : thursdayOf(parsed).month;
  const values: Record<string, string> = {
    Month: capitalise(monthName(month, locale), locale),
    month: monthName(month, locale).toLocaleLowerCase(locale),
    year: pad(parsed.year, 4),
    MM: pad(month, 2),
    week: parsed.cadence === 'weekly' ? String(parsed.week) : '',
    period,
  };
  return template.replace(/\{(Month|month|year|MM|week|period)\}/g, (_match, name: string) => values[name] ?? '');
}

/** A URL-safe slug: lower case, no accents, '&' dropped, dashes between words, at most 80 characters. */
export function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/&/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= 80) return slug;
  const cut = slug.slice(0, 80);
  if (slug[80] === '-') return cut.replace(/-+$/, '');
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > 0 ? cut.slice(0, lastDash) : cut).replace(/-+$/, '');
}

/** The year and part of a period used in permalinks: '2024-06' -> 2024 / 06, '2024-W07' -> 2024 / W07. */
export function urlSegmentsOf(period: string): { year: string; part: string } {
  const parsed = requirePeriod(period);
  return {
    year: pad(parsed.year, 4),
    part: parsed.cadence === 'monthly' ? pad(parsed.month ?? 1, 2) : `W${pad(parsed.week ?? 1, 2)}`,
  };
}

// --- Calendar helpers (proleptic Gregorian, computed in UTC so the host zone never matters) ---

type CalendarDay = { year: number; month: number; day: number };

function requirePeriod(period: string): ParsedPeriod {
  const parsed = parsePeriod(period);
  if (!parsed) throw new RangeError(`Invalid period: ${JSON.stringify(period)}`);
  return parsed;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function monthKey(year: number, month: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}`;
}

function weekKey(year: number, week: number): string {
  return `${pad(year, 4)}-W${pad(week, 2)}`;
}

/** Date.UTC for any year, including 0-99 which Date.UTC would map to 1900-1999. */
function utcDay(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function dayOf(ms: number): CalendarDay {
  const date = new Date(ms);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** ISO weekday, 1 = Monday ... 7 = Sunday. */
function isoWeekday(ms: number): number {
  return ((new Date(ms).getUTCDay() + 6) % 7) + 1;
}

/** The Monday that starts ISO week 1 of an ISO year (the week holding January 4th). */
function isoYearStart(year: number): number {
  const jan4 = utcDay(year, 1, 4);
  return jan4 - (isoWeekday(jan4) - 1) * DAY_MS;
}

function isoWeeksInYear(year: number): number {
  return Math.round((isoYearStart(year + 1) - isoYearStart(year)) / (7 * DAY_MS));
}

function isoWeekOf(year: number, month: number, day: number): { year: number; week: number } {
  const ms = utcDay(year, month, day);
  // The ISO year is the calendar year of the Thursday in the same week.
  const thursday = ms + (4 - isoWeekday(ms)) * DAY_MS;
  const isoYear = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - isoYearStart(isoYear)) / (7 * DAY_MS)) + 1;
  return { year: isoYear, week };
}

function mondayOf(parsed: ParsedPeriod): number {
  return isoYearStart(parsed.year) + ((parsed.week ?? 1) - 1) * 7 * DAY_MS;
}

function thursdayOf(parsed: ParsedPeriod): CalendarDay {
  return dayOf(mondayOf(parsed) + 3 * DAY_MS);
}

function firstDay(parsed: ParsedPeriod): CalendarDay {
  if (parsed.cadence === 'monthly') return { year: parsed.year, month: parsed.month ?? 1, day: 1 };
  return dayOf(mondayOf(parsed));
}

function shiftPeriod(parsed: ParsedPeriod, step: 1 | -1): string {
  if (parsed.cadence === 'monthly') {
    const index = parsed.year * 12 + (parsed.month ?? 1) - 1 + step;
    return monthKey(Math.floor(index / 12), (index % 12) + 1);
  }
  const { year, week } = isoWeekOf(...ymd(dayOf(mondayOf(parsed) + step * 7 * DAY_MS)));
  return weekKey(year, week);
}

function ymd(day: CalendarDay): [number, number, number] {
  return [day.year, day.month, day.day];
}

// --- Names ---

const monthFormatters = new Map<Locale, Intl.DateTimeFormat>();

function monthName(month: number, locale: Locale): string {
  let formatter = monthFormatters.get(locale);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(wordsFor(locale).intlLocale, { month: 'long', timeZone: 'UTC' });
    monthFormatters.set(locale, formatter);
  }
  return formatter.format(utcDay(2000, month, 1));
}

function capitalise(text: string, locale: Locale): string {
  return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
}

// --- Time zones ---

type WallClock = CalendarDay & { hour: number; minute: number; second: number };

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock reading of an instant in a time zone. */
function wallClock(ms: number, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const part of zoneFormatter(timeZone).formatToParts(ms)) parts[part.type] = part.value;
  const rawYear = Number(parts.year);
  const year = parts.era === 'BC' || parts.era === 'B' ? 1 - rawYear : rawYear;
  return {
    year,
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (positive east of Greenwich). */
function zoneOffset(ms: number, timeZone: string): number {
  const local = wallClock(ms, timeZone);
  const asUtc = utcDay(local.year, local.month, local.day) + ((local.hour * 60 + local.minute) * 60 + local.second) * 1000;
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant a wall-clock time shows in an IANA time zone; `wall` is that time written as if it
 * were UTC (Date.UTC of its fields). A time the clock skips is moved on by the gap; a time it shows
 * twice gives one of the two.
 */
export function wallClockToInstant(wall: number, timeZone: string): number {
  // The offset at a first guess, then at the instant it gives: twice, for days when it changes.
  const first = wall - zoneOffset(wall, timeZone);
  return wall - zoneOffset(first, timeZone);
}

/** True for an IANA time zone name this runtime knows. */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.length > 0;
  } catch {
    return false;
  }
}

/** The first instant of a local calendar day: 00:00, or the end of a DST gap that swallows midnight. */
function startOfLocalDay(year: number, month: number, day: number, timeZone: string): number {
  const wall = utcDay(year, month, day);
  const before = zoneOffset(wall - DAY_MS, timeZone);
  const after = zoneOffset(wall + DAY_MS, timeZone);
  const candidates = [wall - before, wall - after].filter((ms) => {
    const local = wallClock(ms, timeZone);
    return local.year === year && local.month === month && local.day === day && local.hour === 0 && local.minute === 0 && local.second === 0;
  });
  if (candidates.length > 0) return Math.min(...candidates);
  // Midnight does not exist that day: the day starts at the transition, reached with the old offset.
  return wall - before;
}

/** The public path of an edition: /YYYY/MM/slug (weekly: /YYYY/Www/slug). */
export function editionPath(edition: { period: string; slug: string }): string {
  const { year, part } = urlSegmentsOf(edition.period);
  return `/${year}/${part}/${edition.slug}`;
}

/** Turns a wall-clock date and time in a time zone ("2024-06-30T18:00") into the instant it names. */
export function zonedTimeToUtc(local: string, timeZone: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(local.trim());
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const result = new Date(wallClockToInstant(Date.UTC(year, month - 1, day, hour, minute), timeZone));
  return Number.isNaN(result.getTime()) ? undefined : result;
}
