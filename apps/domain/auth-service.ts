import type { ApiTokensRepository } from '../../db/repositories/api-tokens-repository.ts';
import type { RateLimitsRepository } from '../../db/repositories/rate-limits-repository.ts';
import type { Session, SessionsRepository } from '../../db/repositories/sessions-repository.ts';
import type { User, UsersRepository } from '../../db/repositories/users-repository.ts';
import type { Clock } from './clock.ts';
import { RateLimitedError, UnauthenticatedError } from './errors.ts';
import { verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { hmac, randomToken, safeEqual, sha256 } from './tokens.ts';

export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
// A session's expiry is pushed back at most once an hour, so a busy editor does not cost a write per request.
const RENEW_AFTER_MS = 60 * 60 * 1000;
const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
export const SIGN_IN_LIMITS = { perIp: 30, perAccount: 8 };

export type AuthenticatedSession = { user: User; session: Pick<Session, 'idHash' | 'csrfToken' | 'expiresAt'>; renewed: boolean };

type Deps = {
  users: UsersRepository;
  sessions: SessionsRepository;
  apiTokens: ApiTokensRepository;
  rateLimits: RateLimitsRepository;
  clock: Clock;
  secret: string;
};

/** Sign-in, sessions and API tokens. */
export function createAuthService({ users, sessions, apiTokens, rateLimits, clock, secret }: Deps) {
  const hashSessionId = (id: string) => hmac(secret, `session:${id}`);

  async function throttle(key: string, limit: number): Promise<void> {
    const { count, resetAt } = await rateLimits.hit(key, clock.now(), SIGN_IN_WINDOW_MS);
    if (count > limit) {
      const seconds = Math.max(1, Math.ceil((resetAt.getTime() - clock.now().getTime()) / 1000));
      throw new RateLimitedError(
        `Too many sign-in attempts. Try again in ${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''}.`,
        seconds,
      );
    }
  }

  return {
    /**
     * Checks the credentials and opens a new session (a fresh id: any previous one is dropped, so
     * a session id planted before sign-in is useless after it). Unknown email and wrong password
     * fail alike, in the same time.
     */
    async signIn(input: { email: string; password: string; ip: string; userAgent?: string; previousSessionId?: string }) {
      const email = input.email.trim().toLowerCase();
      await throttle(`sign-in:ip:${input.ip}`, SIGN_IN_LIMITS.perIp);
      await throttle(`sign-in:account:${sha256(email)}`, SIGN_IN_LIMITS.perAccount);
      const found = await users.findWithHashByEmail(email);
      const valid = found ? await verifyPassword(found.passwordHash, input.password) : await verifyAgainstDummy(input.password);
      if (!found || !valid) throw new UnauthenticatedError('Incorrect email or password.');
      await rateLimits.clear(`sign-in:account:${sha256(email)}`);
      if (input.previousSessionId) await sessions.delete(hashSessionId(input.previousSessionId));
      return this.openSession({ userId: found.id, ip: input.ip, userAgent: input.userAgent });
    },

    /** Opens a session for a user who has just proved who they are (sign-in, set-up, invitation). */
    async openSession(input: { userId: string; ip?: string; userAgent?: string }) {
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
    async authenticateSession(sessionId: string): Promise<AuthenticatedSession | undefined> {
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

    /** Checks a CSRF token against the one of the session, in constant time. */
    csrfMatches(session: Pick<Session, 'csrfToken'>, token: string | undefined): boolean {
      return typeof token === 'string' && safeEqual(session.csrfToken, token);
    },

    async signOut(sessionId: string): Promise<void> {
      await sessions.delete(hashSessionId(sessionId));
    },

    /** Hash of a session id, to name the current session when ending the others. */
    sessionIdHash: hashSessionId,

    /** Creates an API token; the secret is returned once and only its hash is kept. */
    async createApiToken(input: { userId: string; name: string }) {
      const token = `vt_${randomToken(32)}`;
      const record = await apiTokens.insert({ userId: input.userId, name: input.name, tokenHash: sha256(token), prefix: token.slice(0, 10) });
      return { token, record };
    },

    listApiTokens: (userId: string) => apiTokens.listForUser(userId),

    async revokeApiToken(input: { userId: string; tokenId: string }): Promise<boolean> {
      return apiTokens.deleteForUser(input.tokenId, input.userId);
    },

    /** The user a Bearer token belongs to; records when it was last used (at most once a minute). */
    async authenticateToken(token: string): Promise<User> {
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
