/** What the health check found: the database answered in time, or why it did not. */
export type Health = { status: 'ok' } | { status: 'unavailable'; reason: 'database'; error: unknown };

/** The health check for Docker, Caddy and monitors: whether the database answers within `timeoutMs`. */
export function createHealthService({ ping, timeoutMs = 2000 }: { ping: () => Promise<void>; timeoutMs?: number }) {
  return {
    async check(): Promise<Health> {
      let timer: NodeJS.Timeout | undefined;
      // A database that hangs (a network partition) must not hang the check: a monitor then sees a 503, not a timeout.
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error('database check timed out')), timeoutMs);
      });
      try {
        await Promise.race([ping(), timeout]);
        return { status: 'ok' };
      } catch (error) {
        return { status: 'unavailable', reason: 'database', error };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;
