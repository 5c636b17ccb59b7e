import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OPERATOR } from '../../../apps/domain/accounts/roles.ts';
import type { PublicChange } from '../../../apps/domain/platform/changes.ts';
import { createSettingsService } from '../../../apps/domain/editions/settings-service.ts';
import type { SettingsRepository } from '../../../db/repositories/settings-repository.ts';

/** A settings table in memory that counts its reads, and a change feed whose mode and notices the test decides. */
function fixture(mode: 'idle' | 'listening' | 'polling') {
  const table: Record<string, unknown> = { newsletterName: 'Web, Ops & Data' };
  let reads = 0;
  let duringRead: (() => void) | undefined;
  const repository: SettingsRepository = {
    all: async () => {
      reads++;
      const snapshot = { ...table };
      duringRead?.();
      return snapshot;
    },
    upsert: async (values) => void Object.assign(table, values),
  };
  const listeners = new Set<(change: PublicChange) => void>();
  const feed = {
    mode: () => mode,
    watch: (listener: (change: PublicChange) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const settings = createSettingsService({ settings: repository, changes: feed });
  return {
    settings,
    table,
    reads: () => reads,
    notify: (change: PublicChange) => listeners.forEach((listener) => listener(change)),
    setMode: (next: typeof mode) => (mode = next),
    onRead: (action: (() => void) | undefined) => (duringRead = action),
  };
}

test('while the change feed listens, the settings are read once and kept until a notice says they changed', async () => {
  const { settings, table, reads, notify } = fixture('listening');
  assert.equal((await settings.get()).newsletterName, 'Web, Ops & Data');
  assert.equal((await settings.get()).newsletterName, 'Web, Ops & Data');
  assert.equal(reads(), 1, 'the second read comes from memory');

  table.newsletterName = 'Changed elsewhere';
  notify({ scope: 'edition', editionId: '00000000-0000-4000-8000-000000000000' });
  assert.equal((await settings.get()).newsletterName, 'Web, Ops & Data', 'a change to one edition says nothing about the settings');
  notify({ scope: 'all', reason: 'settings' });
  assert.equal((await settings.get()).newsletterName, 'Changed elsewhere');
  assert.equal(reads(), 2);

  table.newsletterName = 'Changed while not listening';
  notify({ scope: 'all', reason: 'reconnected' });
  assert.equal((await settings.get()).newsletterName, 'Changed while not listening', 'a reconnection may have hidden a change');
});

test('a change made through the service is answered at once, without waiting for its notice', async () => {
  const { settings, reads } = fixture('listening');
  await settings.get();
  const updated = await settings.update({ actor: OPERATOR, input: { newsletterName: 'Renamed' } });
  assert.equal(updated.newsletterName, 'Renamed');
  assert.equal((await settings.get()).newsletterName, 'Renamed');
  assert.equal(reads(), 2);
});

test('a process that does not listen (worker, command line, connection down) reads the settings every time', async () => {
  for (const mode of ['idle', 'polling'] as const) {
    const { settings, table, reads } = fixture(mode);
    await settings.get();
    table.newsletterName = 'Changed elsewhere';
    assert.equal((await settings.get()).newsletterName, 'Changed elsewhere', mode);
    assert.equal(reads(), 2, mode);
  }
  const { settings, table, setMode } = fixture('listening');
  await settings.get();
  setMode('polling');
  table.newsletterName = 'Changed while the connection was down';
  assert.equal((await settings.get()).newsletterName, 'Changed while the connection was down', 'what was kept is not trusted once the feed stops listening');
});

test('a read that a notice overtakes, or that began before the feed listened, is not kept', async () => {
  const overtaken = fixture('listening');
  overtaken.onRead(() => {
    overtaken.table.newsletterName = 'Committed during the read';
    overtaken.notify({ scope: 'all', reason: 'settings' });
  });
  assert.equal((await overtaken.settings.get()).newsletterName, 'Web, Ops & Data');
  overtaken.onRead(undefined);
  assert.equal((await overtaken.settings.get()).newsletterName, 'Committed during the read');

  const early = fixture('polling');
  early.onRead(() => early.setMode('listening'));
  await early.settings.get();
  early.onRead(undefined);
  early.table.newsletterName = 'Committed before the feed listened';
  assert.equal((await early.settings.get()).newsletterName, 'Committed before the feed listened');
});

test('each caller gets its own copy of the kept settings', async () => {
  const { settings } = fixture('listening');
  const first = await settings.get();
  first.newsletterName = 'Scribbled on';
  first.defaultCategories.push('Scribbled');
  const second = await settings.get();
  assert.equal(second.newsletterName, 'Web, Ops & Data');
  assert.ok(!second.defaultCategories.includes('Scribbled'));
});
