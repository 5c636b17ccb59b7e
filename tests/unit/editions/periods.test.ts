import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  nextPeriod,
  parsePeriod,
  periodLabel,
  periodOf,
  periodStart,
  previousPeriod,
  renderTitleTemplate,
  slugify,
  urlSegmentsOf,
} from '../../../apps/domain/editions/periods.ts';

const FR_MONTHS = ['Janvier', 'Février', 'Mars', 'Avril', 'Mai', 'Juin', 'Juillet', 'Août', 'Septembre', 'Octobre', 'Novembre', 'Décembre'];
const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

describe('renderTitleTemplate', () => {
  test('reproduces the sample edition titles', () => {
    assert.equal(renderTitleTemplate('Web, Ops, IoT et Time Series - {Month} {year}', '2024-06', 'fr'), 'Web, Ops, IoT et Time Series - Juin 2024');
    assert.equal(renderTitleTemplate('Web, Ops & Data - {Month} {year}', '2018-01', 'fr'), 'Web, Ops & Data - Janvier 2018');
  });

  test('fills every placeholder and leaves unknown ones alone', () => {
    assert.equal(renderTitleTemplate('{month} {Month} {MM} {year} {period} [{week}] {unknown}', '2024-08', 'fr'), 'août Août 08 2024 2024-08 [] {unknown}');
    assert.equal(renderTitleTemplate('{Month} {month}', '2024-12', 'en'), 'December december');
    assert.equal(renderTitleTemplate('Veille {year}-W{week} ({Month})', '2024-W07', 'fr'), 'Veille 2024-W7 (Février)');
  });
});

describe('periodLabel', () => {
  test('names all twelve months in French and English', () => {
    for (let month = 1; month <= 12; month++) {
      const period = `2024-${String(month).padStart(2, '0')}`;
      assert.equal(periodLabel(period, 'fr'), `${FR_MONTHS[month - 1]} 2024`);
      assert.equal(periodLabel(period, 'en'), `${EN_MONTHS[month - 1]} 2024`);
    }
  });

  test('keeps French accents', () => {
    assert.equal(periodLabel('2024-06', 'fr'), 'Juin 2024');
    assert.equal(periodLabel('2024-02', 'fr'), 'Février 2024');
    assert.equal(periodLabel('2024-08', 'fr'), 'Août 2024');
    assert.equal(periodLabel('2024-12', 'fr'), 'Décembre 2024');
    assert.equal(periodLabel('2024-06', 'en'), 'June 2024');
  });

  test('labels weeks', () => {
    assert.equal(periodLabel('2024-W07', 'fr'), 'Semaine 7 2024');
    assert.equal(periodLabel('2024-W07', 'en'), 'Week 7, 2024');
  });
});

describe('parsePeriod', () => {
  const VALID: Array<[string, ReturnType<typeof parsePeriod>]> = [
    ['2024-06', { cadence: 'monthly', year: 2024, month: 6 }],
    ['2018-01', { cadence: 'monthly', year: 2018, month: 1 }],
    ['2024-12', { cadence: 'monthly', year: 2024, month: 12 }],
    ['2024-W07', { cadence: 'weekly', year: 2024, week: 7 }],
    ['2024-W01', { cadence: 'weekly', year: 2024, week: 1 }],
    ['2024-W52', { cadence: 'weekly', year: 2024, week: 52 }],
    ['2020-W53', { cadence: 'weekly', year: 2020, week: 53 }],
  ];
  const INVALID = [
    '',
    '2024',
    '2024-00',
    '2024-13',
    '2024-6',
    '24-06',
    '2024-06-01',
    ' 2024-06',
    '2024/06',
    '2024-W00',
    '2024-W53',
    '2021-W53',
    '2020-W54',
    '2024-W7',
    '2024-w07',
    'garbage',
  ];

  for (const [value, expected] of VALID) {
    test(`accepts ${value}`, () => assert.deepEqual(parsePeriod(value), expected));
  }
  test('rejects malformed keys', () => {
    for (const value of INVALID) assert.equal(parsePeriod(value), undefined, value);
  });
});

describe('periodOf', () => {
  test('reads the month on the wall clock of the zone', () => {
    const lateJune = new Date('2024-06-30T23:30:00Z');
    assert.equal(periodOf(lateJune, 'monthly', 'Europe/Paris'), '2024-07');
    assert.equal(periodOf(lateJune, 'monthly', 'UTC'), '2024-06');
    assert.equal(periodOf(lateJune, 'monthly', 'America/New_York'), '2024-06');

    const earlyJuly = new Date('2024-07-01T03:30:00Z');
    assert.equal(periodOf(earlyJuly, 'monthly', 'America/New_York'), '2024-06');
    assert.equal(periodOf(earlyJuly, 'monthly', 'UTC'), '2024-07');
    assert.equal(periodOf(earlyJuly, 'monthly', 'Europe/Paris'), '2024-07');

    assert.equal(periodOf(new Date('2024-12-31T23:00:00Z'), 'monthly', 'Europe/Paris'), '2025-01');
    assert.equal(periodOf(new Date('2024-12-31T22:59:59Z'), 'monthly', 'Europe/Paris'), '2024-12');
  });

  test('uses ISO week-numbering years around new year', () => {
    assert.equal(periodOf(new Date('2020-12-31T12:00:00Z'), 'weekly', 'UTC'), '2020-W53');
    assert.equal(periodOf(new Date('2021-01-01T12:00:00Z'), 'weekly', 'UTC'), '2020-W53');
    assert.equal(periodOf(new Date('2021-01-03T12:00:00Z'), 'weekly', 'UTC'), '2020-W53');
    assert.equal(periodOf(new Date('2021-01-04T12:00:00Z'), 'weekly', 'UTC'), '2021-W01');
    assert.equal(periodOf(new Date('2024-12-30T12:00:00Z'), 'weekly', 'UTC'), '2025-W01');
    assert.equal(periodOf(new Date('2024-02-14T12:00:00Z'), 'weekly', 'UTC'), '2024-W07');
  });

  test('reads the week on the wall clock of the zone', () => {
    // Sunday 23:30 UTC is already Monday in Paris.
    assert.equal(periodOf(new Date('2021-01-03T23:30:00Z'), 'weekly', 'Europe/Paris'), '2021-W01');
    assert.equal(periodOf(new Date('2021-01-03T23:30:00Z'), 'weekly', 'UTC'), '2020-W53');
  });
});

describe('periodStart', () => {
  test('starts months at local midnight', () => {
    assert.equal(periodStart('2024-03', 'Europe/Paris').toISOString(), '2024-02-29T23:00:00.000Z');
    assert.equal(periodStart('2024-07', 'Europe/Paris').toISOString(), '2024-06-30T22:00:00.000Z');
    assert.equal(periodStart('2024-03', 'America/New_York').toISOString(), '2024-03-01T05:00:00.000Z');
    assert.equal(periodStart('2024-03', 'UTC').toISOString(), '2024-03-01T00:00:00.000Z');
  });

  test('starts weeks on Monday at local midnight', () => {
    assert.equal(periodStart('2024-W01', 'Europe/Paris').toISOString(), '2023-12-31T23:00:00.000Z');
    assert.equal(periodStart('2020-W53', 'UTC').toISOString(), '2020-12-28T00:00:00.000Z');
    assert.equal(periodStart('2025-W01', 'UTC').toISOString(), '2024-12-30T00:00:00.000Z');
  });

  test('round-trips with periodOf', () => {
    for (const period of ['2024-03', '2024-10', '2024-W13', '2024-W44']) {
      const cadence = period.includes('W') ? 'weekly' : 'monthly';
      for (const zone of ['Europe/Paris', 'America/New_York', 'Asia/Kolkata']) {
        const start = periodStart(period, zone);
        assert.equal(periodOf(start, cadence, zone), period, `${period} ${zone}`);
        assert.equal(periodOf(new Date(start.getTime() - 1), cadence, zone), previousPeriod(period), `${period} ${zone}`);
      }
    }
  });

  test('rejects malformed periods', () => {
    assert.throws(() => periodStart('2024-13', 'UTC'), RangeError);
  });
});

describe('nextPeriod / previousPeriod', () => {
  test('cross year ends', () => {
    assert.equal(nextPeriod('2024-12'), '2025-01');
    assert.equal(previousPeriod('2025-01'), '2024-12');
    assert.equal(nextPeriod('2024-06'), '2024-07');
    assert.equal(nextPeriod('2020-W53'), '2021-W01');
    assert.equal(previousPeriod('2021-W01'), '2020-W53');
    assert.equal(nextPeriod('2024-W52'), '2025-W01');
    assert.equal(previousPeriod('2025-W01'), '2024-W52');
    assert.equal(nextPeriod('2024-W07'), '2024-W08');
  });
});

describe('slugify', () => {
  test('turns the sample titles into their file names', () => {
    assert.equal(slugify('Web, Ops, IoT et Time Series - Juin 2024'), 'web-ops-iot-et-time-series-juin-2024');
    assert.equal(slugify('Web, Ops & Data - Janvier 2018'), 'web-ops-data-janvier-2018');
  });

  test('strips accents and punctuation', () => {
    assert.equal(slugify('  Février, Août & Décembre !  '), 'fevrier-aout-decembre');
    assert.equal(slugify('Cœur — ça marche'), 'coeur-ca-marche');
    assert.equal(slugify('!!!'), '');
  });

  test('cuts long slugs at a dash boundary', () => {
    const slug = slugify('word '.repeat(30) + 'end');
    assert.ok(slug.length <= 80);
    assert.ok(!slug.endsWith('-'));
    assert.match(slug, /^(word-)*word$/);
  });
});

describe('urlSegmentsOf', () => {
  test('splits periods for permalinks', () => {
    assert.deepEqual(urlSegmentsOf('2024-06'), { year: '2024', part: '06' });
    assert.deepEqual(urlSegmentsOf('2024-W07'), { year: '2024', part: 'W07' });
  });
});
