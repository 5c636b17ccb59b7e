import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../bootstrap/services.ts';
import { categoryBlocks, textBlocks } from '../../../domain/editions/edition-blocks.ts';
import type { EditionLink } from '../../../domain/editions/edition-types.ts';
import { editionPath } from '../../../domain/editions/periods.ts';
import { objectBody, periodParams } from '../../plugins/api.ts';

/** /api/v1/editions: editions as documents, created, replaced, published and unpublished. */
export async function editionsApi(app: FastifyInstance, { services }: { services: Services }) {
  /** An edition in the shape PUT accepts, plus its status, public URL and links as objects. */
  async function editionJson(period: string) {
    const edition = await services.editions.find({ period });
    const doc = await services.editions.document({ edition });
    const info = await services.editions.newsletter();
    const linkObject = (link: EditionLink): Record<string, unknown> => ({
      id: link.id,
      url: link.url,
      title: link.title,
      commentary: link.commentary,
      via: link.via,
      children: link.children.map(linkObject),
    });
    return {
      period: doc.period,
      title: doc.title,
      slug: doc.slug,
      tags: doc.tags,
      intro: doc.intro,
      outro: doc.outro,
      blocks: doc.blocks.map((block) =>
        block.kind === 'text'
          ? block
          : {
              kind: block.kind,
              categoryId: block.categoryId,
              category: block.categoryId ? block.name : null,
              intro: block.intro,
              outro: block.outro,
              keepEmpty: block.keepEmpty,
              links: block.links.map(linkObject),
            },
      ),
      // The same document in the older shape, for clients written before blocks.
      sections: categoryBlocks(doc).map((block) => ({ category: block.categoryId ? block.name : null, links: block.links.map(linkObject) })),
      freeSections: textBlocks(doc).map((block) => ({ heading: block.heading, body: block.body })),
      status: doc.status,
      url: info.publicUrl + doc.path,
      scheduledAt: doc.scheduledAt,
      publishedAt: doc.publishedAt,
      correctedAt: doc.correctedAt,
      version: doc.version,
    };
  }

  app.get('/editions', async () => {
    const list = await services.editions.list();
    const info = await services.editions.newsletter();
    return {
      editions: list.map((row) => ({
        period: row.period,
        title: row.title,
        slug: row.slug,
        status: row.status,
        links: row.linkCount,
        url: info.publicUrl + editionPath(row),
        publishedAt: row.publishedAt,
      })),
    };
  });

  app.get('/editions/:period', async (request) => {
    const { period } = periodParams.parse(request.params);
    return editionJson(period);
  });

  app.put('/editions/:period', async (request, reply) => {
    const { period } = periodParams.parse(request.params);
    const existed = await services.editions.find({ period }).then(
      () => true,
      () => false,
    );
    await services.editions.put({ period, input: objectBody(request.body) });
    return reply.code(existed ? 200 : 201).send(await editionJson(period));
  });

  // The checks before publishing, as the publish screen shows them.
  app.get('/editions/:period/checks', async (request) => {
    const { period } = periodParams.parse(request.params);
    return services.delivery.checks({ period });
  });

  app.post('/editions/:period/publish', async (request) => {
    const { period } = periodParams.parse(request.params);
    await services.editions.publish({ period });
    return editionJson(period);
  });

  app.post('/editions/:period/unpublish', async (request) => {
    const { period } = periodParams.parse(request.params);
    await services.editions.unpublish({ period });
    return editionJson(period);
  });
}
