import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import { isEditionEmpty } from '../../../apps/domain/editions/edition-document.ts';
import { manualClock } from '../../../apps/domain/platform/clock.ts';
import { buildTestApp, type TestApp } from '../../helpers/app.ts';
import { category, edition, link, text } from '../../helpers/editions.ts';

/** A draft of June 2024 holding one link, and that link's id. */
async function draftWithLink(testApp: TestApp) {
  const { services } = testApp;
  const owner = await services.accounts.setUpOwner({ name: 'Owner', email: 'owner@veille.test', password: 'correct horse battery staple' });
  const draft = await services.editions.ensureDraft({ period: '2024-06' });
  const added = await services.links.add({ actor: owner, input: { url: 'https://example.org/a', title: 'A', commentary: 'À lire.' } });
  return { draft, linkId: added.link.id };
}

test('an edition is empty without links and free sections, whatever its intro says', () => {
  assert.equal(isEditionEmpty(edition()), true);
  assert.equal(isEditionEmpty(edition({ intro: 'Bonjour.', outro: 'À bientôt.' })), true, 'an intro alone is not an edition');
  assert.equal(isEditionEmpty(edition({ blocks: [category('Ops')] })), true, 'empty sections show nothing');
  assert.equal(isEditionEmpty(edition({ blocks: [category('Ops', [], { keepEmpty: true })] })), true, 'a heading kept alone is not an edition either');
  assert.equal(isEditionEmpty(edition({ blocks: [category('Ops', [link('A', 'https://a.example/')])] })), false);
  assert.equal(isEditionEmpty(edition({ blocks: [text('Astuce du mois', '')] })), false);
});

test('an empty edition is refused by publish, schedule and send, with the same reason; the pre-send checks say it first', async (t) => {
  const clock = manualClock('2024-06-20T08:00:00Z');
  const testApp = await buildTestApp(t, { clock });
  const { services } = testApp;
  const { draft, linkId } = await draftWithLink(testApp);

  await assert.rejects(services.editions.publish({ id: draft.id }), {
    name: 'ValidationError',
    message: 'This edition is empty: add links or a section before publishing it.',
  });
  await assert.rejects(services.editions.schedule({ id: draft.id, at: '2024-06-30T18:00' }), {
    name: 'ValidationError',
    message: 'This edition is empty: add links or a section before scheduling it.',
  });
  assert.equal((await services.editions.find({ id: draft.id })).status, 'draft');

  // Published with its link, then emptied: it stays published, but is not sent to anyone.
  await services.editions.addLinks({ id: draft.id, linkIds: [linkId] });
  await services.editions.publish({ id: draft.id });
  await services.editions.removeLink({ id: draft.id, linkId: linkId });
  await services.subscribers.add({ email: 'reader@example.org', actor: OPERATOR });
  const checks = await services.delivery.checks({ id: draft.id });
  assert.deepEqual(checks[0], { level: 'error', code: 'empty-edition', message: 'This edition is empty: add links or a section before publishing it.' });
  await assert.rejects(services.delivery.start({ id: draft.id, actor: OPERATOR }), {
    name: 'ValidationError',
    message: 'This edition is empty: add links or a section before sending it.',
  });
  assert.equal((await services.delivery.status({ id: draft.id, actor: OPERATOR })).send, undefined, 'no send was created');
});

test('a scheduled edition emptied before its time is published on time but not sent', async (t) => {
  const clock = manualClock('2024-06-20T08:00:00Z');
  const testApp = await buildTestApp(t, { clock });
  const { services } = testApp;
  const { draft, linkId } = await draftWithLink(testApp);
  await services.subscribers.add({ email: 'reader@example.org', actor: OPERATOR });
  await services.editions.addLinks({ id: draft.id, linkIds: [linkId] });
  await services.editions.schedule({ id: draft.id, at: '2024-06-30T18:00' });
  await services.editions.removeLink({ id: draft.id, linkId: linkId });

  clock.set('2024-06-30T18:01:00Z');
  const [outcome, ...others] = await services.delivery.publishScheduled();
  assert.deepEqual(others, []);
  assert.equal(outcome?.edition.id, draft.id);
  assert.equal(outcome?.send, undefined);
  assert.equal(outcome?.refused, 'the edition is empty');
  assert.equal((await services.editions.find({ id: draft.id })).status, 'published');
  assert.equal((await services.delivery.status({ id: draft.id, actor: OPERATOR })).send, undefined);
});
