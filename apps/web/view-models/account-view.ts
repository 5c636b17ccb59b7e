import type { Services } from '../../bootstrap/services.ts';
import type { TokensAfterPasswordChange } from '../../domain/accounts/accounts-service.ts';
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

/** What the confirmation of a password change says about the API tokens. */
export function tokensSentence({ revoked, kept }: TokensAfterPasswordChange): string {
  if (revoked > 0) return ` and your ${revoked === 1 ? 'API token was' : `${revoked} API tokens were`} revoked.`;
  if (kept > 0)
    return `. Your ${kept === 1 ? 'API token still works' : `${kept} API tokens still work`}: revoke ${kept === 1 ? 'it' : 'them'} below if ${kept === 1 ? 'it' : 'they'} may have leaked.`;
  return '.';
}
