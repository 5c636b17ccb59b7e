import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { TokensAfterPasswordChange } from '../../../domain/accounts/accounts-service.ts';
import type { Services } from '../../../bootstrap/services.ts';
import { requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';

const passwordBody = z.object({ currentPassword: z.unknown().optional(), newPassword: z.unknown().optional(), revokeTokens: z.unknown().optional() });
const tokenBody = z.object({ name: z.unknown().optional() });
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

  /** The account page: the tokens, and empty forms unless an answer fills them. */
  async function accountPage(request: FastifyRequest): Promise<Record<string, unknown>> {
    return { tokens: await auth.listApiTokens({ actor: request.user! }), values: {}, errors: {}, tokenValues: {}, tokenErrors: {} };
  }
  const passwordForm: FormRoute = { template: 'admin/account', page: accountPage };
  const tokenForm: FormRoute = { template: 'admin/account', page: accountPage, keys: { values: 'tokenValues', errors: 'tokenErrors', error: 'tokenError' } };

  app.get('/', async (request, reply) => reply.render('admin/account', await accountPage(request)));

  app.post('/password', { config: { form: passwordForm } }, async (request, reply) => {
    const body = passwordBody.parse(request.body ?? {});
    const tokens = await accounts.changePassword({ actor: request.user!, currentSessionHash: request.session?.idHash, ...body });
    return reply.flash('success', `Password changed. Your other sessions have been signed out${tokensSentence(tokens)}`).redirect('/admin/account', 303);
  });

  app.post('/tokens', { config: { form: tokenForm } }, async (request, reply) => {
    const { name } = tokenBody.parse(request.body ?? {});
    const created = await auth.createApiToken({ actor: request.user!, name });
    return reply.render('admin/account', { ...(await accountPage(request)), createdToken: created.token, createdName: created.name });
  });

  app.post('/tokens/:id/revoke', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const revoked = await auth.revokeApiToken({ actor: request.user!, tokenId: id });
    reply.flash(revoked ? 'success' : 'error', revoked ? 'Token revoked.' : 'That token no longer exists.');
    return reply.redirect('/admin/account', 303);
  });
}
