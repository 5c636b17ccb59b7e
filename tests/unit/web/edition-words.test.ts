// The words of the edition screens: every check before publishing and the automatic pause of a
// send said in French from their codes and figures, the English dictionary saying exactly what
// the services say; the refused edition forms worded by their codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyRequest } from 'fastify';
import { preflightChecks } from '../../../apps/domain/delivery/preflight.ts';
import { autoPauseCause, autoPauseReason } from '../../../apps/domain/delivery/send-health.ts';
import type { EditionDocument, EditionLink } from '../../../apps/domain/editions/edition-types.ts';
import { updateSchema } from '../../../apps/domain/editions/edition-fields.ts';
import { parseInput } from '../../../apps/domain/platform/validation.ts';
import { ValidationError } from '../../../apps/domain/platform/errors.ts';
import { adminWordsFor } from '../../../apps/web/admin-locales/index.ts';
import { formErrorOf } from '../../../apps/web/plugins/forms.ts';
import { editionFormWords } from '../../../apps/web/view-models/edition-form-words.ts';

const en = adminWordsFor('en').edition;
const fr = adminWordsFor('fr').edition;

const link = (id: string, url: string, title: string, commentary = ''): EditionLink => ({
  id,
  url,
  normalizedUrl: url,
  title,
  commentary,
  commentaryHtml: commentary,
  via: null,
  children: [],
});

/** An edition whose checks cover every code: a link without commentary, a duplicate, a dead link, empty sections (one of no category). */
function doc(blocks: EditionDocument['blocks']): EditionDocument {
  const now = new Date('2024-06-30T12:00:00Z');
  return {
    id: 'e',
    period: '2024-06',
    title: 'Juin',
    slug: 'juin',
    tags: [],
    intro: '',
    outro: '',
    blocks,
    status: 'draft',
    scheduledAt: null,
    publishedAt: null,
    correctedAt: null,
    updatedAt: now,
    version: 1,
    path: '/2024/06/juin',
  };
}

const linkCheck = (status: 'none' | 'running' | 'done', broken = 0) => ({
  status,
  total: 3,
  checked: status === 'running' ? 1 : 3,
  loading: 0,
  broken: Array.from({ length: broken }, () => ({ linkId: 'a', title: 'Caddy', url: 'https://a.example', reason: 'HTTP 404 Not Found' })),
  startedAt: null,
  finishedAt: null,
});

function everyCheck() {
  const full = doc([
    {
      kind: 'category',
      categoryId: 'ops',
      name: 'Ops',
      intro: '',
      outro: '',
      keepEmpty: false,
      links: [link('a', 'https://a.example', 'Caddy', 'Bien.'), link('b', 'https://a.example', 'Caddy again')],
    },
    { kind: 'category', categoryId: null, name: 'Miscellaneous', intro: '', outro: '', keepEmpty: true, links: [] },
    { kind: 'category', categoryId: 'data', name: 'Data', intro: '', outro: '', keepEmpty: false, links: [] },
  ]);
  return [
    ...preflightChecks({ doc: full, emailBytes: 200 * 1024, audience: 2, linkCheck: linkCheck('done', 1), sent: true }),
    ...preflightChecks({ doc: full, emailBytes: 10 * 1024, audience: 1, linkCheck: linkCheck('running'), sent: false }),
    ...preflightChecks({ doc: full, emailBytes: 10 * 1024, audience: 0, linkCheck: linkCheck('none'), sent: false }),
    ...preflightChecks({ doc: full, emailBytes: 10 * 1024, audience: 0, linkCheck: linkCheck('done'), sent: false }),
    ...preflightChecks({ doc: doc([]), emailBytes: 1024, audience: 0, linkCheck: linkCheck('none'), sent: false }),
  ];
}

test('every check before publishing is said in French from its code, and in English as the service says it', () => {
  const checks = everyCheck();
  const codes = new Set(checks.map((check) => check.code));
  for (const code of [
    'empty-edition',
    'links-unchecked',
    'link-check-running',
    'dead-link',
    'links-load',
    'no-commentary',
    'duplicate-link',
    'empty-section',
    'email-size',
    'audience',
    'sent',
  ])
    assert.ok(codes.has(code), `the fixture produces ${code}`);
  for (const check of checks) {
    // The section of no category is named by the admin: "Miscellaneous" in English here too.
    assert.equal(en.check(check), check.message, `${check.code} in English`);
    const french = fr.check(check);
    assert.notEqual(french, check.message, `${check.code} in French`);
    assert.doesNotMatch(french, /\b(the|links?|has|is|will|readers?)\b/, `${check.code}: no English left in “${french}”`);
  }
  const sayFrench = (code: string, level?: string) => fr.check(checks.find((check) => check.code === code && (!level || check.level === level))!);
  assert.equal(sayFrench('no-commentary'), '1 lien n’a pas de commentaire\u00a0: «\u00a0Caddy again\u00a0»');
  assert.equal(sayFrench('empty-section', 'warning'), '«\u00a0Divers\u00a0» n’a aucun lien\u00a0: les lecteurs ne voient que son titre.');
  assert.equal(sayFrench('email-size', 'warning'), 'L’email pèse 200 Ko\u00a0: Gmail tronque les messages de plus de 102 Ko.');
  assert.equal(sayFrench('audience'), '2 abonnés actifs la recevront.');
  assert.equal(sayFrench('link-check-running'), 'Vérification des liens… (1 sur 3)');
  assert.equal(sayFrench('dead-link'), '«\u00a0Caddy\u00a0» ne répond pas\u00a0: HTTP 404 Not Found');
  // A code the dictionary does not know keeps the service's sentence.
  assert.equal(fr.check({ level: 'info', code: 'new-check', message: 'Something new.' }), 'Something new.');
});

test('a send that paused itself says why in French from its figures, in English as it stored it', () => {
  const bounced = { accepted: 940, refused: 60, bounces: 0, softBounces: 0, complaints: 0, pauseBaseline: null };
  const cause = autoPauseCause(bounced)!;
  assert.equal(en.delivery.autoPause(cause), autoPauseReason(bounced));
  assert.match(
    fr.delivery.autoPause(cause),
    /^Mis en pause automatiquement\u00a0: 6\u202f% des 1\u202f000 messages envoyés jusqu’ici ont rebondi \(la limite est de 5\u202f%\)/,
  );
  const complained = {
    accepted: 1880,
    refused: 0,
    bounces: 0,
    softBounces: 0,
    complaints: 4,
    pauseBaseline: { accepted: 800, refused: 0, bounces: 0, complaints: 0 },
  };
  const spam = autoPauseCause(complained)!;
  assert.equal(en.delivery.autoPause(spam), autoPauseReason(complained));
  assert.match(
    fr.delivery.autoPause(spam),
    /0,37\u202f% des 1\u202f080 messages envoyés depuis la reprise ont été signalés comme spam \(la limite est de 0,1\u202f%\)/,
  );
});

test('a refused edition form is worded by its codes in the editor’s language; what has no code keeps the service’s English', () => {
  const request = (locale: string) => ({ user: { locale } }) as unknown as FastifyRequest;
  let error: unknown;
  try {
    parseInput(updateSchema, { version: 3, title: ' ', slug: 'Pas Bon', tags: Array.from({ length: 41 }, (_, index) => `t${index}`) });
  } catch (thrown) {
    error = thrown;
  }
  const failure = formErrorOf(error)!;
  assert.deepEqual(editionFormWords(request('fr'), failure), {
    message: 'Corrigez les champs signalés.',
    fields: {
      title: 'Le titre est obligatoire.',
      slug: 'Utilisez uniquement des minuscules, des chiffres et des tirets, par exemple juin-2024.',
      tags: 'Au plus 40 étiquettes.',
    },
  });
  assert.deepEqual(editionFormWords(request('en'), failure), { message: failure.message, fields: failure.fields });

  const uncoded = formErrorOf(new ValidationError('Block 2 (“Ops”): something only the API sends.', { 'blocks.1.links': 'Something only the API sends.' }))!;
  assert.deepEqual(editionFormWords(request('fr'), uncoded), { message: uncoded.message, fields: uncoded.fields });
  const heading = formErrorOf(
    new ValidationError(
      'Block 3 (text section): A text section needs a heading.',
      { 'blocks.2.heading': 'A text section needs a heading.' },
      { fieldCodes: { 'blocks.2.heading': 'required' } },
    ),
  )!;
  assert.deepEqual(editionFormWords(request('fr'), heading), {
    message: 'Chaque section de texte a besoin d’un titre.',
    fields: { 'blocks.2.heading': 'Chaque section de texte a besoin d’un titre.' },
  });
  assert.equal(editionFormWords(request('en'), heading).message, heading.message, 'English keeps the sentence naming the block');
});
