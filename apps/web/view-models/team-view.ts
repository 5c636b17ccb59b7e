import type { Services } from '../../bootstrap/services.ts';
import { can, type Actor } from '../../domain/accounts/roles.ts';

/** What the team page shows the actor: the members, and the pending invitations to those who manage the team. */
export async function teamView(accounts: Pick<Services['accounts'], 'listUsers' | 'listPendingInvitations'>, actor: Actor) {
  const [users, invitations] = await Promise.all([accounts.listUsers(), can(actor, 'team.manage') ? accounts.listPendingInvitations({ actor }) : []]);
  return { users, invitations, values: { role: 'editor' }, errors: {}, currentUserId: actor.id };
}
