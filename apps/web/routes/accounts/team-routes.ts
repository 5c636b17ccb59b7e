import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { requirePermission, requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { readersFormWords } from '../../form-words.ts';
import { adminWords } from '../../plugins/render.ts';
import { teamView } from '../../view-models/team-view.ts';

const inviteBody = z.object({ email: z.unknown().optional(), role: z.unknown().optional() });
const roleBody = z.object({ role: z.unknown().optional() });
const idParams = z.object({ id: z.uuid({ error: 'Unknown id.' }) });

/** The team page: editors, their roles and, for owners, invitations and the changes they make. */
export async function teamRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { accounts } = services;
  app.addHook('onRequest', requireUser);
  const manage = { preHandler: requirePermission('team.manage') };
  const fragment = { fragment: 'partials/team' };
  const inviteForm: FormRoute = { template: 'admin/team', ...fragment, page: (request) => teamView(accounts, request.user!), words: readersFormWords };

  app.get('/', async (request, reply) => reply.render('admin/team', await teamView(accounts, request.user!), fragment));

  app.post('/invitations', { ...manage, config: { form: inviteForm } }, async (request, reply) => {
    const invitation = await accounts.invite({ actor: request.user!, ...inviteBody.parse(request.body ?? {}) });
    return reply.render('admin/team', { ...(await teamView(accounts, request.user!)), created: invitation }, fragment);
  });

  app.post('/invitations/:id/revoke', manage, async (request, reply) => {
    const { id } = idParams.parse(request.params);
    await accounts.revokeInvitation({ actor: request.user!, id });
    return reply.flash('success', adminWords(request).readers.team.revoked).redirect('/admin/team', 303);
  });

  app.post('/users/:id/role', manage, async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const user = await accounts.changeRole({ actor: request.user!, userId: id, ...roleBody.parse(request.body ?? {}) });
    // Changing one's own role ends one's sessions too.
    if (user.id === request.user!.id && user.role !== 'owner')
      return reply.flash('info', adminWords(request).readers.team.ownRoleChanged).redirect('/login', 303);
    return reply.flash('success', adminWords(request).readers.team.roleChanged(user.name, user.role)).redirect('/admin/team', 303);
  });

  app.post('/users/:id/remove', manage, async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const user = await accounts.removeUser({ actor: request.user!, userId: id });
    if (id === request.user!.id) return reply.redirect('/login', 303);
    return reply.flash('success', adminWords(request).readers.team.removed(user.name)).redirect('/admin/team', 303);
  });
}
