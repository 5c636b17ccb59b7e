// The admin's page of readers: the list as filtered (or all of it, with the reason, when the filter
// is not one), the counts by status, and the empty forms to add or import readers.
import type { Services } from '../../bootstrap/services.ts';
import type { Actor } from '../../domain/accounts/roles.ts';
import { parseSubscriberFilter } from '../../domain/subscribers/subscribers-service.ts';

/** Everything the subscribers page shows for this query string; `filterError` says why a filter was dropped. */
export async function subscribersView(services: Pick<Services, 'subscribers'>, input: { actor: Actor; query: unknown }) {
  const query = (input.query ?? {}) as Record<string, unknown>;
  const filters = { status: typeof query.status === 'string' ? query.status : '', q: typeof query.q === 'string' ? query.q : '' };
  const { error } = parseSubscriberFilter({ ...filters, page: query.page });
  const [list, counts] = await Promise.all([
    services.subscribers.list(error ? { actor: input.actor } : { actor: input.actor, ...filters, page: query.page }),
    services.subscribers.counts(),
  ]);
  return { list, counts, filters, filterError: error?.message, values: {}, errors: {} };
}
