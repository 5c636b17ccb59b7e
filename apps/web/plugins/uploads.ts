import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { RequestRefusedError } from '../http-errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The client's file names of a multipart upload, by field name. */
    uploadNames: Record<string, string> | undefined;
  }
}

/** What one upload route accepts: the largest file, and how many files and fields of what size. */
export type UploadLimits = { fileSize: number; files: number; fields: number; fieldSize: number };

/**
 * Multipart bodies for the routes registered in the same scope, and only there: every other route
 * answers 415 to multipart without reading it. Register it inside the scope of the upload routes,
 * below their authentication and role hooks (onRequest), so that nothing is read for a visitor
 * who may not upload. The fields arrive in `request.body` (repeated ones as arrays), each file as
 * a Buffer under its field name, with the client's file name in `request.uploadNames`.
 */
export async function registerUploads(scope: FastifyInstance, limits: UploadLimits): Promise<void> {
  await scope.register(fastifyMultipart, {
    limits: { ...limits, parts: limits.files + limits.fields, fieldNameSize: 100, headerPairs: 20 },
  });
  scope.decorateRequest('uploadNames', undefined);

  scope.addHook('preValidation', async (request) => {
    if (!request.isMultipart()) return;
    // No prototype: a field named "__proto__" or "constructor" is a field like any other.
    const body: Record<string, unknown> = Object.create(null);
    const names: Record<string, string> = {};
    const add = (name: string, value: unknown) => {
      const existing = body[name];
      body[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    };
    try {
      for await (const part of request.parts()) {
        if (part.type === 'file') {
          add(part.fieldname, await part.toBuffer());
          names[part.fieldname] = part.filename;
        } else {
          if (part.valueTruncated || part.fieldnameTruncated)
            throw new RequestRefusedError(413, 'upload_too_large', `The field “${part.fieldname}” is longer than ${limits.fieldSize} bytes.`);
          add(part.fieldname, part.value);
        }
      }
    } catch (error) {
      throw uploadError(error, limits);
    }
    request.body = body;
    request.uploadNames = names;
  });
}

/** True for the refusal of an upload (malformed, too large): the route answers it with its form and the reason. */
export function isUploadError(error: unknown): error is RequestRefusedError {
  return error instanceof RequestRefusedError && error.code.startsWith('upload_');
}

/** A 4xx that says what was wrong with an upload; the parser's own messages name no limit, and a cut-off body names nothing. */
function uploadError(error: unknown, limits: UploadLimits): Error {
  if (error instanceof RequestRefusedError) return error;
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') {
    return new RequestRefusedError(413, 'upload_too_large', `The file is larger than ${Math.round(limits.fileSize / 1024 / 1024)} MB.`);
  }
  if (code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') {
    return new RequestRefusedError(
      413,
      'upload_too_large',
      `An upload holds at most ${limits.files} file${limits.files === 1 ? '' : 's'} and ${limits.fields} fields.`,
    );
  }
  return new RequestRefusedError(400, 'upload_malformed', 'The upload is malformed or incomplete: choose the file again and send the form.');
}
