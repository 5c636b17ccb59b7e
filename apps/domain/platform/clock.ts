/** The source of the current time; tests pass a fixed or advancing one. */
export type Clock = { now: () => Date };

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told, for tests of expiry and schedules. */
export function manualClock(start: Date | string): Clock & { advance: (ms: number) => void; set: (at: Date | string) => void } {
  let current = new Date(start);
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current = new Date(current.getTime() + ms);
    },
    set: (at) => {
      current = new Date(at);
    },
  };
}
