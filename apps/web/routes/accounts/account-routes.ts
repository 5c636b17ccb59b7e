import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TokensAfterPasswordChange } from '../../../domain/accounts/accounts-service.ts';
import { ValidationError } from '../../../domain/platform/errors.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requireUser } from '../../plugins/auth.ts';

const passwordBody = z.object({ currentPassword: z.unknown().optional(), newPassword: z.unknown().optional(), revokeTokens: z.unknown().optional() });
const tokenBody = z.object({ name: z.string().optional().default('') });
const idParams = z.object({ id: z.uuid({ error: 'Unknown id.' }) });

/** What the confirmation of a password change says about the API tokens. */
function tokensSentence({ revoked, kept }: TokensAfterPasswordChange): string {
  if (revoked > 0) return ` and your ${revoked === 1 ? 'API token was' : `${revoked} API tokens were`} revoked.`;
  if (kept > 0) return `. Your ${kept === 1 ? 'API token still works' : `${kept} API tokens still work`}: revoke ${kept === 1 ? 'it' : 'them'} below if ${kept === 1 ? 'it' : 'they'} may have leaked.`;
  return '.';
}

/** Each user's own account: password and personal API tokens. */
export async function accountRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { accounts, auth } = services;
  app.addHook('preHandler', requireUser);

  async function page(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const tokens = await auth.listApiTokens(request.user!.id);
    return reply.render('admin/account', { tokens, values: {}, errors: {}, tokenValues: {}, tokenErrors: {}, ...extra }, { status });
  }

  app.get('/', async (request, reply) => page(request, reply));

  app.post('/password', async (request, reply) => {
    const body = passwordBody.parse(request.body ?? {});
    try {
      const tokens = await accounts.changePassword({ userId: request.user!.id, currentSessionHash: request.session?.idHash, ...body });
      return reply.flash('success', `Password changed. Your other sessions have been signed out${tokensSentence(tokens)}`).redirect('/admin/account', 303);
    } catch (error) {
      if (error instanceof ValidationError) return page(request, reply, { errors: error.fields, error: error.message }, 422);
      throw error;
    }
  });

  app.post('/tokens', async (request, reply) => {
    const { name } = tokenBody.parse(request.body ?? {});
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 100) {
      const message = trimmed ? 'Token name must be at most 100 characters.' : 'Give the token a name, such as "bookmarklet" or "import script".';
      return page(request, reply, { tokenValues: { name }, tokenErrors: { name: message } }, 422);
    }
    const created = await auth.createApiToken({ userId: request.user!.id, name: trimmed });
    return page(request, reply, { createdToken: created.token, createdName: trimmed });
  });

  app.post('/tokens/:id/revoke', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const revoked = await auth.revokeApiToken({ userId: request.user!.id, tokenId: id });
    reply.flash(revoked ? 'success' : 'error', revoked ? 'Token revoked.' : 'That token no longer exists.');
    return reply.redirect('/admin/account', 303);
  });
}
