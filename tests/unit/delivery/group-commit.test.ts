import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createGroupCommit } from '../../../apps/domain/delivery/group-commit.ts';

/** A write whose statements finish when the test says so. */
function controlledWrite() {
  const statements: Array<{ records: number[]; finish: (error?: Error) => void }> = [];
  const write = (records: number[]) =>
    new Promise<void>((resolve, reject) => {
      statements.push({ records, finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { statements, write };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('createGroupCommit', () => {
  test('a record is written at once when nothing is being written', async () => {
    const { statements, write } = controlledWrite();
    const commits = createGroupCommit(write);
    let done = false;
    const added = commits.add(1).then(() => (done = true));
    await tick();
    assert.deepEqual(
      statements.map((statement) => statement.records),
      [[1]],
    );
    assert.equal(done, false, 'the caller waits for its statement');
    statements[0]!.finish();
    await added;
    assert.equal(done, true);
  });

  test('records added while a statement runs go together into the next one, and each caller waits for its own', async () => {
    const { statements, write } = controlledWrite();
    const commits = createGroupCommit(write);
    const first = commits.add(1);
    const settled: number[] = [];
    const later = [2, 3, 4].map((record) => commits.add(record).then(() => settled.push(record)));
    await tick();
    assert.deepEqual(
      statements.map((statement) => statement.records),
      [[1]],
      'one statement at a time',
    );
    statements[0]!.finish();
    await first;
    await tick();
    assert.deepEqual(
      statements.map((statement) => statement.records),
      [[1], [2, 3, 4]],
    );
    assert.deepEqual(settled, [], 'not settled before their own statement has committed');
    statements[1]!.finish();
    await Promise.all(later);
    assert.deepEqual(settled, [2, 3, 4]);
  });

  test('a failed statement fails its own callers only, and the next records are still written', async () => {
    const { statements, write } = controlledWrite();
    const commits = createGroupCommit(write);
    const first = commits.add(1);
    const second = commits.add(2);
    await tick();
    statements[0]!.finish(new Error('connection lost'));
    await assert.rejects(first, /connection lost/);
    await tick();
    assert.deepEqual(
      statements.map((statement) => statement.records),
      [[1], [2]],
    );
    statements[1]!.finish();
    await second;
    const third = commits.add(3);
    await tick();
    assert.deepEqual(statements.at(-1)!.records, [3]);
    statements.at(-1)!.finish();
    await third;
  });
});
