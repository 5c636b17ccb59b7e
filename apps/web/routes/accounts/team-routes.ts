import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../../domain/platform/errors.ts';
import { can } from '../../../domain/accounts/roles.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requireOwner, requireUser } from '../../plugins/auth.ts';

const inviteBody = z.object({ email: z.unknown().optional(), role: z.unknown().optional() });
const roleBody = z.object({ role: z.unknown().optional() });
const idParams = z.object({ id: z.uuid({ error: 'Unknown id.' }) });

/** The owner's team page: editors, their roles, invitations. */
export async function teamRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { accounts } = services;
  app.addHook('preHandler', requireUser);

  async function page(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const owner = can(request.user, 'team.manage');
    const [users, invitations] = await Promise.all([accounts.listUsers(), owner ? accounts.listPendingInvitations(request.user!) : []]);
    return reply.render('admin/team', { users, invitations, values: { role: 'editor' }, errors: {}, currentUserId: request.user!.id, ...extra }, { status, fragment: 'partials/team' });
  }

  app.get('/', async (request, reply) => page(request, reply));

  app.post('/invitations', { preHandler: requireOwner }, async (request, reply) => {
    const body = inviteBody.parse(request.body ?? {});
    try {
      const invitation = await accounts.invite({ actor: request.user!, ...body });
      return page(request, reply, { created: invitation });
    } catch (error) {
      if (error instanceof ValidationError) {
        const values = { email: typeof body.email === 'string' ? body.email : '', role: typeof body.role === 'string' ? body.role : 'editor' };
        return page(request, reply, { values, errors: error.fields, error: error.message }, 422);
      }
      throw error;
    }
  });

  app.post('/invitations/:id/revoke', { preHandler: requireOwner }, async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await accounts.revokeInvitation({ actor: request.user!, id });
    reply.flash('success', 'Invitation revoked.');
    return reply.redirect('/admin/team', 303);
  });

  app.post('/users/:id/role', { preHandler: requireOwner }, async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const body = roleBody.parse(request.body ?? {});
    const user = await accounts.changeRole({ actor: request.user!, userId: id, role: body.role });
    if (user.id === request.user!.id && user.role !== 'owner') {
      // Changing one's own role ends one's sessions too.
      return reply.flash('info', 'Your role changed: sign in again.').redirect('/login', 303);
    }
    return reply.flash('success', `${user.name} is now ${user.role === 'owner' ? 'an owner' : 'an editor'}.`).redirect('/admin/team', 303);
  });

  app.post('/users/:id/remove', { preHandler: requireOwner }, async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const user = await accounts.getUser(id);
    await accounts.removeUser({ actor: request.user!, userId: id });
    if (id === request.user!.id) return reply.redirect('/login', 303);
    return reply.flash('success', `${user.name} was removed.`).redirect('/admin/team', 303);
  });
}
