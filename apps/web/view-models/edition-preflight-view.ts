// What the publish screen shows: the edition's checks by level (errors stop it, warnings ask for a
// look, infos tell), the link check as it stands and the three choices. Read-only: the screen
// asks for its link check itself, by POST, once it has loaded.
import type { Services } from '../../bootstrap/services.ts';
import type { FormRoute } from '../plugins/forms.ts';
import { editorParams } from './edition-editor-view.ts';
import { editionFormWords } from './edition-form-words.ts';

type PreflightServices = Pick<Services, 'editions' | 'delivery' | 'linkCheck' | 'settings'>;

/** The checks of the edition of `period`, the audience and the state of its link check. */
export async function preflightChecksView(services: PreflightServices, { period }: { period: string }) {
  const row = await services.editions.find({ period });
  const [checks, linkCheck] = await Promise.all([services.delivery.checks({ id: row.id }), services.linkCheck.status({ edition: row.id })]);
  const audience = checks.find((check) => check.code === 'audience')?.count ?? 0;
  return {
    row,
    errors: checks.filter((check) => check.level === 'error'),
    warnings: checks.filter((check) => check.level === 'warning'),
    infos: checks.filter((check) => check.level === 'info'),
    audience,
    // Until the dead links are known, the list is asked for again.
    polling: linkCheck.status === 'running' || (linkCheck.status === 'none' && checks.some((check) => check.code === 'links-unchecked')),
  };
}

/** Everything the publish screen of `period` shows. */
export async function preflightView(services: PreflightServices, { period }: { period: string }) {
  const view = await preflightChecksView(services, { period });
  const [linkCheck, current] = await Promise.all([services.linkCheck.status({ edition: view.row.id }), services.settings.get()]);
  return {
    ...view,
    checks: view,
    linkCheck,
    timeZone: current.timeZone,
    values: {},
    fieldErrors: {},
  };
}

/** The publish screen's form: a refusal (an error, warnings not acknowledged, a bad date) comes back as the screen with the reason. */
export function preflightForm(services: PreflightServices): FormRoute {
  return {
    template: 'admin/edition-preflight',
    page: async (request) => preflightView(services, editorParams.parse(request.params)),
    keys: { values: 'values', errors: 'fieldErrors', error: 'error' },
    words: editionFormWords,
  };
}
