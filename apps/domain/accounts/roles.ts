// Who may do what. Owners run the newsletter (the team, the settings, the readers' personal data,
// moving the whole newsletter in or out); editors make it (links, categories, editions, publishing
// and sending). The services check these rules themselves, so the admin, the JSON API and the
// command line refuse the same things; the README's "Accounts" table says the same in words.
import { ForbiddenError } from '../platform/errors.ts';
import type { Role } from '../platform/types.ts';

/** Whoever asks a service for something: a signed-in user, a token's user, or the server's operator. */
export type Actor = { id: string | null; name: string; role: Role };

/**
 * The person at the server's console (the command line): they can read the database and the data
 * folder anyway, so they act with an owner's rights.
 */
export const OPERATOR: Actor = { id: null, name: 'the server operator', role: 'owner' };

/** The actions only some roles may take; anything not listed here is open to every account. */
const RULES = {
  'team.manage': { roles: ['owner'], refusal: 'Only an owner can invite, change or remove members of the team.' },
  'settings.change': { roles: ['owner'], refusal: 'Only an owner can change the settings.' },
  'subscribers.manage': { roles: ['owner'], refusal: 'Only an owner can see or change the subscribers’ personal data.' },
  'newsletter.import': { roles: ['owner'], refusal: 'Only an owner can import into this newsletter.' },
  'newsletter.export': { roles: ['owner'], refusal: 'Only an owner can export this newsletter.' },
  'outbox.read': { roles: ['owner'], refusal: 'Only an owner can read the outbox.' },
  // Their calls carry readers' addresses (subscriber events), to places the owner chooses.
  'webhooks.manage': { roles: ['owner'], refusal: 'Only an owner can see or change the webhooks.' },
} satisfies Record<string, { roles: Role[]; refusal: string }>;

export type Permission = keyof typeof RULES;

/** True when the actor's role allows the action. */
export function can(actor: Pick<Actor, 'role'> | null | undefined, permission: Permission): boolean {
  return !!actor && (RULES[permission].roles as Role[]).includes(actor.role);
}

/** Throws a ForbiddenError naming who may do it, unless the actor's role allows the action. */
export function authorize(actor: Pick<Actor, 'role'> | null | undefined, permission: Permission): void {
  if (!can(actor, permission)) throw new ForbiddenError(RULES[permission].refusal);
}
