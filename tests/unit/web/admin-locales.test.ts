import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminFormats, adminWordsFor } from '../../../apps/web/admin-locales/index.ts';
import { en } from '../../../apps/web/admin-locales/en.ts';
import { fr } from '../../../apps/web/admin-locales/fr.ts';

/** Every key of a dictionary, nested ones as paths, with the kind of word (text or sentence builder). */
function shape(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, inner]) =>
    inner && typeof inner === 'object' ? shape(inner as object, `${prefix}${key}.`) : [`${prefix}${key}:${typeof inner}`],
  );
}

test('the admin dictionaries have the same words, English for anything but French', () => {
  assert.deepEqual(shape(fr).sort(), shape(en).sort());
  assert.equal(adminWordsFor('fr'), fr);
  assert.equal(adminWordsFor('en'), en);
  assert.equal(adminWordsFor(undefined), en);
  assert.equal(adminWordsFor('de'), en);
  assert.equal(fr.nav.settings, 'Réglages');
  assert.equal(en.dashboard.noCommentary(2), '2 links without a commentary');
  assert.equal(fr.dashboard.daysLeft(3), 'Il reste 3 jours dans la période.');
  // French is typeset in the admin too.
  assert.equal(fr.dashboard.chartMonth('déc. 2026', 1, 0, 4), 'déc. 2026\u00a0: 1 nouveau, 0 départ, 4 en tout');
});

test('periods and dates in the admin follow the editor’s language, not the newsletter’s', () => {
  const english = adminFormats('en', 'Europe/Paris');
  const french = adminFormats('fr', 'Europe/Paris');
  assert.equal(english.periodLabel('2026-12'), 'December 2026');
  assert.equal(french.periodLabel('2026-12'), 'Décembre 2026');
  assert.equal(english.date(new Date('2026-12-01T12:00:00Z')), 'Dec 1, 2026');
  assert.equal(french.date(new Date('2026-12-01T12:00:00Z')), '1er déc. 2026');
  // Chart labels carry their year.
  assert.equal(english.monthYear('2025-12'), 'Dec 2025');
  assert.equal(english.number(12345), '12,345');
});
