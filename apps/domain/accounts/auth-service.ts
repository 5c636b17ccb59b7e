import { z } from 'zod';
import type { Database } from '../../../db/client.ts';
import type { ApiTokensRepository } from '../../../db/repositories/api-tokens-repository.ts';
import type { RateLimitsRepository } from '../../../db/repositories/rate-limits-repository.ts';
import type { Session, SessionsRepository } from '../../../db/repositories/sessions-repository.ts';
import type { User, UsersRepository } from '../../../db/repositories/users-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { NotFoundError, RateLimitedError, UnauthenticatedError, ValidationError } from '../platform/errors.ts';
import { verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { authorize, type Actor } from './roles.ts';
import { hmac, randomToken, safeEqual, sha256 } from '../platform/tokens.ts';
import { parseInput } from '../platform/validation.ts';

export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
// A session's expiry is pushed back at most once an hour, so a busy editor does not cost a write per request.
const RENEW_AFTER_MS = 60 * 60 * 1000;
const IP_WINDOW_MS = 15 * 60 * 1000;
// An account's failed sign-ins are forgotten a day after the last attempt.
const FAILURES_KEPT_MS = 24 * 60 * 60 * 1000;

// A token's name says what uses it; it is shown in lists only.
const tokenNameField = z
  .string({ error: 'Give the token a name, such as "bookmarklet" or "import script".' })
  .trim()
  .min(1, { error: 'Give the token a name, such as "bookmarklet" or "import script".' })
  .max(100, { error: 'Token name must be at most 100 characters.' });

// What a sign-in form sends: both fields are needed before anything is counted or checked.
const credentialsSchema = z.object({
  email: z
    .string({ error: 'Email is required.' })
    .trim()
    .min(1, { error: 'Email is required.' })
    .max(1000, { error: 'Email must be at most 1000 characters.' }),
  password: z
    .string({ error: 'Password is required.' })
    .min(1, { error: 'Password is required.' })
    .max(1000, { error: 'Password must be at most 1000 characters.' }),
});

/** Failed sign-ins only count: successes are given back, and one resets the account's count. */
export const SIGN_IN_LIMITS = {
  /** Failed sign-ins from one address per 15 minutes, whatever the accounts: slows password spraying. */
  perIp: 30,
  /** Failed sign-ins in a row an account gets without waiting. */
  freeFailures: 5,
  /** The wait before the next attempt after the first failure beyond those; it doubles with each failure... */
  firstDelayMs: 1000,
  /** ...up to this. */
  maxDelayMs: 15 * 60 * 1000,
};

/** How long an account waits before its next sign-in attempt after `failures` failed ones in a row. */
export function signInDelayMs(failures: number): number {
  if (failures < SIGN_IN_LIMITS.freeFailures) return 0;
  return Math.min(SIGN_IN_LIMITS.maxDelayMs, SIGN_IN_LIMITS.firstDelayMs * 2 ** (failures - SIGN_IN_LIMITS.freeFailures));
}

function waitMessage(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  const wait = seconds < 90 ? `${seconds} second${seconds === 1 ? '' : 's'}` : `${Math.ceil(seconds / 60)} minutes`;
  return `Too many failed sign-in attempts. Wait ${wait} before trying again.`;
}

export type AuthenticatedSession = { user: User; session: Pick<Session, 'idHash' | 'csrfToken' | 'expiresAt'>; renewed: boolean };

/** Whether a CSRF token is the one of the session, compared in constant time. */
export function csrfMatches(session: Pick<Session, 'csrfToken'>, token: string | undefined): boolean {
  return typeof token === 'string' && safeEqual(session.csrfToken, token);
}

type Deps = {
  db: Database;
  users: UsersRepository;
  sessions: SessionsRepository;
  apiTokens: ApiTokensRepository;
  rateLimits: RateLimitsRepository;
  clock: Clock;
  secret: string;
};

/** Sign-in, sessions and API tokens. */
export function createAuthService({ db, users, sessions, apiTokens, rateLimits, clock, secret }: Deps) {
  const hashSessionId = (id: string) => hmac(secret, `session:${id}`);

  /**
   * Records an attempt on the account unless it must still wait after its last failures; returns
   * the wait left. The counter is locked while it is read, so parallel guesses queue behind it.
   */
  async function claimAttempt(key: string, now: Date): Promise<number> {
    return db.transaction(async (tx) => {
      const current = await rateLimits.lock(key, now, tx);
      const lastAttempt = current.resetAt.getTime() - FAILURES_KEPT_MS;
      const readyAt = current.count === 0 ? 0 : lastAttempt + signInDelayMs(current.count);
      if (now.getTime() < readyAt) return readyAt - now.getTime();
      await rateLimits.set(key, { count: current.count + 1, resetAt: new Date(now.getTime() + FAILURES_KEPT_MS) }, tx);
      return 0;
    });
  }

  return {
    /**
     * Checks the credentials and opens a new session (a fresh id: any previous one is dropped, so
     * a session id planted before sign-in is useless after it). Unknown email and wrong password
     * fail alike, in the same time, and are counted alike: the account's counter is keyed by the
     * address typed, known or not. Only failures count, against the address they come from (a
     * fixed window) and against the account (a wait that doubles with each failure beyond the
     * first few, capped, rather than a lock-out); a success gives its attempt back and clears the
     * account's failures.
     */
    async signIn(input: { email?: unknown; password?: unknown; ip: string; userAgent?: string; previousSessionId?: string }) {
      const credentials = parseInput(credentialsSchema, input, 'Enter your email and password.', 'credentials_missing');
      const email = credentials.email.toLowerCase();
      const now = clock.now();
      const ipKey = `sign-in:ip:${input.ip}`;
      const accountKey = `sign-in:account:${sha256(email)}`;
      // Counted before the password is checked, so parallel guesses cannot slip past the limit.
      const fromIp = await rateLimits.hit(ipKey, now, IP_WINDOW_MS);
      if (fromIp.count > SIGN_IN_LIMITS.perIp) {
        const waitMs = fromIp.resetAt.getTime() - now.getTime();
        throw new RateLimitedError(waitMessage(waitMs), Math.max(1, Math.ceil(waitMs / 1000)), { code: 'sign_in_wait' });
      }
      const waitMs = await claimAttempt(accountKey, now);
      if (waitMs > 0) {
        // Refused unchecked: not a failure of this address.
        await rateLimits.release(ipKey, now);
        throw new RateLimitedError(waitMessage(waitMs), Math.max(1, Math.ceil(waitMs / 1000)), { code: 'sign_in_wait' });
      }
      const found = await users.findWithHashByEmail(email);
      const valid = found ? await verifyPassword(found.passwordHash, credentials.password) : await verifyAgainstDummy(credentials.password);
      if (!found || !valid) throw new UnauthenticatedError('Incorrect email or password.', { code: 'incorrect_credentials' });
      await rateLimits.release(ipKey, now);
      await rateLimits.clear(accountKey);
      return this.openSession({ userId: found.id, ip: input.ip, userAgent: input.userAgent, previousSessionId: input.previousSessionId });
    },

    /**
     * Opens a session for a user who has just proved who they are (sign-in, set-up, invitation):
     * a fresh id, and the browser's previous session, if any, ends.
     */
    async openSession(input: { userId: string; ip?: string; userAgent?: string; previousSessionId?: string }) {
      if (input.previousSessionId) await sessions.delete(hashSessionId(input.previousSessionId));
      const id = randomToken(32);
      const now = clock.now();
      const session = await sessions.insert({
        idHash: hashSessionId(id),
        userId: input.userId,
        csrfToken: randomToken(24),
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
        ip: input.ip ?? null,
        userAgent: input.userAgent?.slice(0, 300) ?? null,
      });
      return { sessionId: id, expiresAt: session.expiresAt, csrfToken: session.csrfToken };
    },

    /** The user behind a session cookie, renewing the expiry (sliding) when due; undefined when none. */
    async authenticateSession(input: { sessionId: string }): Promise<AuthenticatedSession | undefined> {
      const { sessionId } = input;
      if (!sessionId || sessionId.length > 100) return undefined;
      const now = clock.now();
      const idHash = hashSessionId(sessionId);
      const found = await sessions.findLiveWithUser(idHash, now);
      if (!found) return undefined;
      const { session, user } = found;
      if (now.getTime() - session.lastSeenAt.getTime() < RENEW_AFTER_MS) {
        return { user, session, renewed: false };
      }
      const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
      await sessions.touch(idHash, { lastSeenAt: now, expiresAt });
      return { user, session: { ...session, expiresAt }, renewed: true };
    },

    /** Ends a session (signing out). */
    async signOut(input: { sessionId: string }): Promise<void> {
      await sessions.delete(hashSessionId(input.sessionId));
    },

    /**
     * Creates a personal API token: the actor's own, or, for someone who manages the team (the
     * command line), another account's. The token itself is returned once; only its hash is kept.
     */
    async createApiToken(input: { actor: Actor; name?: unknown; userId?: string }) {
      const { name } = parseInput(z.object({ name: tokenNameField }), { name: input.name });
      const userId = input.userId ?? input.actor.id;
      if (!userId) throw new ValidationError('Name the account the token is for.');
      if (userId !== input.actor.id) {
        authorize(input.actor, 'team.manage');
        if (!(await users.findById(userId))) throw new NotFoundError('No such user.');
      }
      const token = `vt_${randomToken(32)}`;
      const record = await apiTokens.insert({ userId, name, tokenHash: sha256(token), prefix: token.slice(0, 10) });
      return { token, name, record };
    },

    /** The actor's API tokens (names, prefixes, last use; never the tokens). */
    async listApiTokens(input: { actor: Actor }) {
      return input.actor.id ? apiTokens.listForUser(input.actor.id) : [];
    },

    /** Revokes one of the actor's own tokens; false when they have no such token. */
    async revokeApiToken(input: { actor: Actor; tokenId: string }): Promise<boolean> {
      return input.actor.id ? apiTokens.deleteForUser(input.tokenId, input.actor.id) : false;
    },

    /** The user a Bearer token belongs to; records when it was last used (at most once a minute). */
    async authenticateToken(input: { token: string }): Promise<User> {
      const { token } = input;
      if (!token.startsWith('vt_') || token.length > 100) throw new UnauthenticatedError('Invalid API token.');
      const found = await apiTokens.findUserByHash(sha256(token));
      if (!found) throw new UnauthenticatedError('Invalid API token.');
      const now = clock.now();
      if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() > 60_000) await apiTokens.markUsed(found.tokenId, now);
      return found.user;
    },

    /** Removes expired sessions and rate-limit windows; run by the maintenance job. */
    async purgeExpired(): Promise<{ sessions: number; rateLimits: number }> {
      const now = clock.now();
      return { sessions: await sessions.deleteExpired(now), rateLimits: await rateLimits.deleteExpired(now) };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
