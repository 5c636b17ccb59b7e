import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Services } from '../../../bootstrap/services.ts';
import { requireUser } from '../../plugins/auth.ts';
import type { FormRoute } from '../../plugins/forms.ts';
import { adminWordsFor } from '../../admin-locales/index.ts';
import { readersFormWords } from '../../form-words.ts';
import { adminWords } from '../../plugins/render.ts';
import { accountView } from '../../view-models/account-view.ts';

const passwordBody = z.object({ currentPassword: z.unknown().optional(), newPassword: z.unknown().optional(), revokeTokens: z.unknown().optional() });
const tokenBody = z.object({ name: z.unknown().optional() });
const languageBody = z.object({ locale: z.unknown().optional() });
const idParams = z.object({ id: z.uuid({ error: 'Unknown id.' }) });

/** Each user's own account: the admin's language, password and personal API tokens. */
export async function accountRoutes(app: FastifyInstance, { services }: { services: Services }) {
  const { accounts, auth } = services;
  app.addHook('onRequest', requireUser);
  const passwordForm: FormRoute = { template: 'admin/account', page: (request) => accountView(auth, request.user!), words: readersFormWords };
  const tokenForm: FormRoute = { ...passwordForm, keys: { values: 'tokenValues', errors: 'tokenErrors', error: 'tokenError' } };
  const languageForm: FormRoute = { ...passwordForm, keys: { values: 'languageValues', errors: 'languageErrors', error: 'languageError' } };

  app.get('/', async (request, reply) => reply.render('admin/account', await accountView(auth, request.user!)));

  app.post('/password', { config: { form: passwordForm } }, async (request, reply) => {
    const body = passwordBody.parse(request.body ?? {});
    const tokens = await accounts.changePassword({ actor: request.user!, currentSessionHash: request.session?.idHash, ...body });
    return reply.flash('success', adminWords(request).readers.account.passwordChanged(tokens)).redirect('/admin/account', 303);
  });

  app.post('/language', { config: { form: languageForm } }, async (request, reply) => {
    const user = await accounts.setLanguage({ actor: request.user!, ...languageBody.parse(request.body ?? {}) });
    // Said in the language just chosen.
    return reply.flash('success', adminWordsFor(user.locale).account.languageSaved).redirect('/admin/account', 303);
  });

  app.post('/tokens', { config: { form: tokenForm } }, async (request, reply) => {
    const created = await auth.createApiToken({ actor: request.user!, ...tokenBody.parse(request.body ?? {}) });
    return reply.render('admin/account', { ...(await accountView(auth, request.user!)), createdToken: created.token, createdName: created.name });
  });

  app.post('/tokens/:id/revoke', async (request, reply) => {
    const { id } = idParams.parse(request.params);
    const revoked = await auth.revokeApiToken({ actor: request.user!, tokenId: id });
    return reply
      .flash(revoked ? 'success' : 'error', revoked ? adminWords(request).readers.account.revoked : adminWords(request).readers.account.gone)
      .redirect('/admin/account', 303);
  });
}
