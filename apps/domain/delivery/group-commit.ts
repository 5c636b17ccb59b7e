/**
 * Group commit: concurrent callers each add a record and wait until it is written. One statement
 * runs at a time; the records added while it runs go together into the next one. Each caller
 * waits for one round trip at most, whatever the number of callers, and the database sees one
 * statement per round trip instead of one per record.
 */
export function createGroupCommit<T>(write: (records: T[]) => Promise<void>): { add: (record: T) => Promise<void> } {
  type Waiting = { record: T; resolve: () => void; reject: (error: unknown) => void };
  let waiting: Waiting[] = [];
  let writing = false;

  async function writeAll(): Promise<void> {
    writing = true;
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      try {
        await write(group.map((entry) => entry.record));
        for (const entry of group) entry.resolve();
      } catch (error) {
        for (const entry of group) entry.reject(error);
      }
    }
    writing = false;
  }

  return {
    add(record) {
      return new Promise<void>((resolve, reject) => {
        waiting.push({ record, resolve, reject });
        if (!writing) void writeAll();
      });
    },
  };
}
