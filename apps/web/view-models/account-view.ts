import type { Services } from '../../bootstrap/services.ts';
import type { Actor } from '../../domain/accounts/roles.ts';

/** The account page: the actor's API tokens, the language form on their choice, the other forms empty. */
export async function accountView(auth: Pick<Services['auth'], 'listApiTokens'>, actor: Actor & { locale?: string }) {
  return {
    tokens: await auth.listApiTokens({ actor }),
    values: {},
    errors: {},
    tokenValues: {},
    tokenErrors: {},
    languageValues: { locale: actor.locale ?? 'en' },
    languageErrors: {},
  };
}
