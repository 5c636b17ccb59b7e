import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ValidationError } from '../../../apps/domain/platform/errors.ts';
import { emailField, parseInput } from '../../../apps/domain/platform/validation.ts';
import { preferredAdminLocale } from '../../../apps/web/accept-language.ts';
import { fr } from '../../../apps/web/admin-locales/fr.ts';
import { translateFailure } from '../../../apps/web/form-words.ts';
import { formErrorOf } from '../../../apps/web/plugins/forms.ts';

test('the sign-in screens speak the language the browser prefers among the admin’s, by q-value, English otherwise', () => {
  assert.equal(preferredAdminLocale('fr-FR,fr;q=0.9,en;q=0.8'), 'fr');
  assert.equal(preferredAdminLocale('en-US,en;q=0.9,fr;q=0.8'), 'en');
  assert.equal(preferredAdminLocale('de-DE, fr;q=0.7, en;q=0.3'), 'fr', 'the first language the admin speaks');
  assert.equal(preferredAdminLocale('en;q=0.4, fr;q=0.6'), 'fr', 'by weight, not by order');
  assert.equal(preferredAdminLocale('fr;q=0.5, en;q=0.5'), 'fr', 'the header’s order when weights are equal');
  assert.equal(preferredAdminLocale('fr;q=0, de'), 'en', 'q=0 refuses a language');
  assert.equal(preferredAdminLocale('FR-be'), 'fr');
  assert.equal(preferredAdminLocale('*'), 'en');
  assert.equal(preferredAdminLocale('fr;q=abc'), 'en', 'a weight that is not one counts for nothing');
  assert.equal(preferredAdminLocale(undefined), 'en');
  assert.equal(preferredAdminLocale(''), 'en');
  assert.equal(preferredAdminLocale(['de', 'fr']), 'fr');
  assert.equal(preferredAdminLocale(`${'x,'.repeat(5000)}fr`), 'en', 'a huge header is read no further than its start');
});

test('a refused form is worded by its codes, keeping the service’s sentence for a code the words do not know', () => {
  let refusal: unknown;
  try {
    parseInput(z.object({ email: emailField, role: z.enum(['owner', 'editor']) }), { email: 'nope', role: 'editor' });
  } catch (error) {
    refusal = error;
  }
  assert.ok(refusal instanceof ValidationError);
  assert.deepEqual(refusal.fieldCodes, { email: { code: 'invalid_format' } });
  const failure = formErrorOf(refusal)!;
  const french = translateFailure(failure, fr.readers.errors);
  assert.equal(french.message, 'Corrigez les champs signalés.');
  assert.equal(french.fields.email, 'Saisissez une adresse email valable, comme nom@exemple.fr.');
  const unknown = translateFailure({ ...failure, code: 'never_heard_of', fieldCodes: { email: { code: 'nor_this' } } }, fr.readers.errors);
  assert.equal(unknown.message, failure.message);
  assert.equal(unknown.fields.email, failure.fields.email);
  // Sentences built around a value, typeset.
  const wait = translateFailure(
    { status: 429, message: 'Too many', fields: {}, refused: false, code: 'sign_in_wait', params: { seconds: 120 } },
    fr.readers.errors,
  );
  assert.equal(wait.message, 'Trop de tentatives de connexion échouées. Attendez 2 minutes avant de réessayer.');
  const bounced = translateFailure(
    {
      status: 422,
      message: 'x',
      fields: { email: 'x' },
      refused: false,
      code: 'suppressed_bounce',
      fieldCodes: { email: { code: 'suppressed_bounce' } },
      params: { date: '2026-12-01T10:00:00Z' },
    },
    fr.readers.errors,
  );
  assert.equal(
    bounced.fields.email,
    'Cette adresse est bloquée\u00a0: elle a rebondi le 1er décembre 2026. Le lecteur peut se réabonner depuis le site, avec un email de confirmation.',
  );
});
