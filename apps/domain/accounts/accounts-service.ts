import { z } from 'zod';
import type { Database, DbOrTx } from '../../../db/client.ts';
import type { ApiTokensRepository } from '../../../db/repositories/api-tokens-repository.ts';
import type { InvitationsRepository } from '../../../db/repositories/invitations-repository.ts';
import type { SessionsRepository } from '../../../db/repositories/sessions-repository.ts';
import type { AdminLocale, Role, User, UsersRepository } from '../../../db/repositories/users-repository.ts';
import type { Clock } from '../platform/clock.ts';
import { ConflictError, NotFoundError, ValidationError } from '../platform/errors.ts';
import { renderMessage } from '../mail/email-templates.ts';
import type { Mailer } from '../mail/mailer.ts';
import { hashPassword, passwordRefusal, verifyPassword } from './passwords.ts';
import { authorize, type Actor } from './roles.ts';
import { randomToken, sha256 } from '../platform/tokens.ts';
import { emailField, nameField, parseInput, roleField } from '../platform/validation.ts';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const passwordField = z.string({ error: 'Password is required.' }).superRefine((value, context) => {
  const problem = passwordRefusal(value);
  if (problem) context.addIssue({ code: 'custom', message: problem.message, params: { code: problem.code } });
});

const newUserSchema = z.object({ email: emailField, name: nameField, password: passwordField, role: roleField });
const setupSchema = newUserSchema.omit({ role: true });
const inviteSchema = z.object({ email: emailField, role: roleField });
const acceptSchema = z.object({ name: nameField, password: passwordField });
// The admin's languages (apps/web/admin-locales has one dictionary for each).
const languageSchema = z.object({ locale: z.enum(['en', 'fr'], { error: 'Choose English or French.' }) });
// A checkbox: present ("1", "on", true) when ticked.
const revokeTokensField = z
  .union([z.boolean(), z.string()])
  .optional()
  .transform((value) => value === true || value === '1' || value === 'on' || value === 'true');
const changePasswordSchema = z.object({
  currentPassword: z.string({ error: 'Current password is required.' }).min(1, { error: 'Current password is required.' }),
  newPassword: passwordField,
  revokeTokens: revokeTokensField,
});

/** What a password change did to the user's API tokens: they keep working unless the user asked otherwise. */
export type TokensAfterPasswordChange = { revoked: number; kept: number };

type Deps = {
  db: Database;
  users: UsersRepository;
  invitations: InvitationsRepository;
  sessions: Pick<SessionsRepository, 'deleteForUser'>;
  apiTokens: Pick<ApiTokensRepository, 'deleteAllForUser' | 'listForUser'>;
  mailer: Mailer;
  clock: Clock;
  publicUrl: string;
  newsletterName: () => Promise<string>;
};

/** Editors' accounts: first-run set-up, invitations, roles and passwords. */
export function createAccountsService({ db, users, invitations, sessions, apiTokens, mailer, clock, publicUrl, newsletterName }: Deps) {
  async function insertUser(input: { email: string; name: string; role: Role; password: string; locale?: AdminLocale }, tx: DbOrTx = db) {
    if (await users.findWithHashByEmail(input.email, tx)) {
      throw new ValidationError(
        'An account with this email already exists.',
        { email: 'An account with this email already exists.' },
        { code: 'account_exists', fieldCodes: { email: 'account_exists' } },
      );
    }
    return users.insert({ email: input.email, name: input.name, role: input.role, locale: input.locale, passwordHash: await hashPassword(input.password) }, tx);
  }

  /** Ends the other sessions of a user after a change to their password or role. */
  const endOtherSessions = (userId: string, keepSessionHash?: string) => sessions.deleteForUser(userId, keepSessionHash);

  // As on GitHub, personal tokens are credentials of their own and outlive a password change, so
  // scripts keep running; whoever fears a leak ticks the box that ends them too.
  async function afterPasswordChange(userId: string, revoke: boolean): Promise<TokensAfterPasswordChange> {
    if (revoke) return { revoked: await apiTokens.deleteAllForUser(userId), kept: 0 };
    return { revoked: 0, kept: (await apiTokens.listForUser(userId)).length };
  }

  // Once an account exists one always will (the last owner cannot be removed): stop asking then.
  let setUp = false;
  const alreadySetUp = () => new ConflictError('Veille is already set up: sign in instead.', { code: 'already_set_up' });

  return {
    /** True until the first account exists: the app then only offers the set-up page. */
    async needsSetup(): Promise<boolean> {
      if (setUp) return false;
      setUp = (await users.count()) > 0;
      return !setUp;
    },

    /** Throws a ConflictError once an account exists, so that the set-up form is refused before anything else is checked. */
    async refuseOnceSetUp(): Promise<void> {
      if (!(await this.needsSetup())) throw alreadySetUp();
    },

    /** Creates the owner on first run, their admin in `locale` (the language they set up in); refused once any account exists. */
    async setUpOwner(input: { email?: unknown; name?: unknown; password?: unknown; locale?: AdminLocale }): Promise<User> {
      const values = parseInput(setupSchema, input);
      return db.transaction(async (tx) => {
        // Two browsers submitting the set-up form at once must not create two owners.
        await users.lockSetup(tx);
        if ((await users.count(tx)) > 0) throw alreadySetUp();
        return insertUser({ ...values, role: 'owner', locale: input.locale }, tx);
      });
    },

    /** Creates an account directly (the CLI, for headless servers). */
    async createUser(input: { actor: Actor; email?: unknown; name?: unknown; password?: unknown; role?: unknown }): Promise<User> {
      authorize(input.actor, 'team.manage');
      const values = parseInput(newUserSchema, input);
      return insertUser(values);
    },

    listUsers: () => users.list(),

    async getUser(input: { id: string }): Promise<User> {
      const user = await users.findById(input.id);
      if (!user) throw new NotFoundError('No such user.');
      return user;
    },

    /** Invites someone by email; returns the link, which is also sent to them. */
    async invite(input: { actor: Actor; email?: unknown; role?: unknown }) {
      authorize(input.actor, 'team.manage');
      const values = parseInput(inviteSchema, input);
      if (await users.findWithHashByEmail(values.email)) {
        throw new ValidationError(
          'This person already has an account.',
          { email: 'This person already has an account.' },
          { code: 'has_account', fieldCodes: { email: 'has_account' } },
        );
      }
      const token = randomToken(32);
      const expiresAt = new Date(clock.now().getTime() + INVITATION_TTL_MS);
      await db.transaction(async (tx) => {
        await invitations.revokePendingForEmail(values.email, tx);
        await invitations.insert({ email: values.email, role: values.role, tokenHash: sha256(token), invitedBy: input.actor.id, expiresAt }, tx);
      });
      const link = `${publicUrl}/invitations/${token}`;
      const name = await newsletterName();
      let emailed = true;
      try {
        const subject = `${input.actor.name} invites you to edit ${name}`;
        const body = renderMessage('invitation', { lang: 'en', subject, inviter: input.actor.name, newsletter: name, role: values.role, link });
        await mailer.send({ to: values.email, subject, ...body });
      } catch {
        // The owner sees the link on screen and can pass it on; a mail server outage must not lose the invitation.
        emailed = false;
      }
      return { link, email: values.email, role: values.role, expiresAt, emailed };
    },

    /** The invitations not yet accepted (whom, which role, until when; never their links). */
    async listPendingInvitations(input: { actor: Actor }) {
      authorize(input.actor, 'team.manage');
      return invitations.listPending(clock.now());
    },

    async revokeInvitation(input: { actor: Actor; id: string }): Promise<void> {
      authorize(input.actor, 'team.manage');
      if (!(await invitations.delete(input.id))) throw new NotFoundError('No such invitation.');
    },

    /** The pending invitation behind a link, or a NotFoundError saying it is no longer valid. */
    async findInvitation(input: { token: string }) {
      const found = input.token.length <= 100 ? await invitations.findPendingByHash(sha256(input.token), clock.now()) : undefined;
      if (!found) throw new NotFoundError('This invitation link is invalid or has expired. Ask for a new one.', { code: 'invitation_invalid' });
      return found;
    },

    /** Turns an invitation into an account, once; its admin speaks `locale` (the language the invitation was accepted in). */
    async acceptInvitation(input: { token: string; name?: unknown; password?: unknown; locale?: AdminLocale }): Promise<User> {
      const values = parseInput(acceptSchema, input);
      return db.transaction(async (tx) => {
        const found = input.token.length <= 100 ? await invitations.lockPendingByHash(sha256(input.token), clock.now(), tx) : undefined;
        if (!found) throw new NotFoundError('This invitation link is invalid or has expired. Ask for a new one.', { code: 'invitation_invalid' });
        const user = await insertUser({ email: found.email, name: values.name, role: found.role, password: values.password, locale: input.locale }, tx);
        await invitations.markAccepted(found.id, clock.now(), tx);
        return user;
      });
    },

    /** Changes a user's role; the last owner cannot stop being one. Ends the user's sessions. */
    async changeRole(input: { actor: Actor; userId: string; role?: unknown }): Promise<User> {
      authorize(input.actor, 'team.manage');
      const { role } = parseInput(z.object({ role: roleField }), input);
      const updated = await db.transaction(async (tx) => {
        await users.lockOwners(tx);
        const target = await users.findById(input.userId, tx);
        if (!target) throw new NotFoundError('No such user.');
        if (target.role === role) return target;
        if (target.role === 'owner' && (await users.countOwners(tx)) <= 1) {
          throw new ConflictError('Veille needs at least one owner: make someone else an owner first.', { code: 'last_owner' });
        }
        return (await users.update(input.userId, { role }, tx))!;
      });
      await endOtherSessions(input.userId);
      return updated;
    },

    /** Removes an account (its sessions and tokens go with it); the last owner cannot be removed. Returns who was removed. */
    async removeUser(input: { actor: Actor; userId: string }): Promise<User> {
      authorize(input.actor, 'team.manage');
      return db.transaction(async (tx) => {
        await users.lockOwners(tx);
        const target = await users.findById(input.userId, tx);
        if (!target) throw new NotFoundError('No such user.');
        if (target.role === 'owner' && (await users.countOwners(tx)) <= 1) {
          throw new ConflictError('Veille needs at least one owner: this account cannot be removed.', { code: 'last_owner_removed' });
        }
        await users.delete(input.userId, tx);
        return target;
      });
    },

    /**
     * Changes the actor's own password after checking the current one; their other sessions end,
     * `currentSessionHash` stays. API tokens keep working unless `revokeTokens` asks to end them too.
     */
    async changePassword(input: {
      actor: Actor;
      currentSessionHash?: string;
      currentPassword?: unknown;
      newPassword?: unknown;
      revokeTokens?: unknown;
    }): Promise<TokensAfterPasswordChange> {
      const values = parseInput(changePasswordSchema, input);
      const user = input.actor.id ? await users.findWithHashById(input.actor.id) : undefined;
      if (!user) throw new NotFoundError('No such user.');
      if (!(await verifyPassword(user.passwordHash, values.currentPassword))) {
        throw new ValidationError(
          'The current password is not correct.',
          { currentPassword: 'The current password is not correct.' },
          { code: 'wrong_password', fieldCodes: { currentPassword: 'wrong_password' } },
        );
      }
      await users.update(user.id, { passwordHash: await hashPassword(values.newPassword) });
      await endOtherSessions(user.id, input.currentSessionHash);
      return afterPasswordChange(user.id, values.revokeTokens);
    },

    /** Sets the language of the actor's own admin, apart from the newsletter's. */
    async setLanguage(input: { actor: Actor; locale?: unknown }): Promise<User> {
      const { locale } = parseInput(languageSchema, input);
      const user = input.actor.id ? await users.update(input.actor.id, { locale }) : undefined;
      if (!user) throw new NotFoundError('No such user.');
      return user;
    },

    /** Sets a password without knowing the old one (the CLI's reset, for a locked-out owner). */
    async resetPassword(input: { actor: Actor; email?: unknown; password?: unknown; revokeTokens?: unknown }): Promise<TokensAfterPasswordChange> {
      authorize(input.actor, 'team.manage');
      const values = parseInput(z.object({ email: emailField, password: passwordField, revokeTokens: revokeTokensField }), input);
      const user = await users.findWithHashByEmail(values.email);
      if (!user) throw new NotFoundError(`No account with the email ${values.email}.`);
      await users.update(user.id, { passwordHash: await hashPassword(values.password) });
      await endOtherSessions(user.id);
      return afterPasswordChange(user.id, values.revokeTokens);
    },

    /** Removes invitations that expired without being used; run by the maintenance job. */
    purgeExpiredInvitations: () => invitations.deleteExpired(clock.now()),
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
