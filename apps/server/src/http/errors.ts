import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { ErrorCodes, type ErrorCode, type Locale } from '@parta/protocol';

/** An error meant for the client: a stable code, an HTTP status and optional details. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    readonly details?: unknown,
    message?: string,
  ) {
    super(message ?? ErrorCodes[code].en);
  }
}

export const badRequest = (code: ErrorCode, details?: unknown) => new AppError(code, 400, details);
export const forbidden = (code: ErrorCode = 'forbidden', details?: unknown) => new AppError(code, 403, details);
export const notFound = (code: ErrorCode = 'not_found') => new AppError(code, 404);
export const conflict = (code: ErrorCode, details?: unknown) => new AppError(code, 409, details);

export function requestLocale(request: FastifyRequest): Locale {
  const header = request.headers['accept-language'];
  if (typeof header === 'string' && /^\s*en\b/i.test(header)) return 'en';
  return 'ru';
}

export function errorBody(code: ErrorCode, locale: Locale, details?: unknown) {
  return { error: { code, message: ErrorCodes[code][locale], ...(details === undefined ? {} : { details }) } };
}

function send(reply: FastifyReply, request: FastifyRequest, status: number, code: ErrorCode, details?: unknown) {
  return reply.status(status).send(errorBody(code, requestLocale(request), details));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => send(reply, request, 404, 'route_not_found'));

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) return send(reply, request, err.status, err.code, err.details);
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        path: [err.validationContext, ...String(v.instancePath).split('/').filter(Boolean)].join('.'),
        message: v.message,
      }));
      return send(reply, request, 400, 'validation_failed', { issues });
    }
    if (isResponseSerializationError(err)) {
      request.log.error({ err, issues: err.cause.issues }, 'response did not match its schema');
      return send(reply, request, 500, 'internal');
    }
    if (err.statusCode === 429) return send(reply, request, 429, 'rate_limited');
    if (err.code === 'FST_REQ_FILE_TOO_LARGE' || err.statusCode === 413) return send(reply, request, 413, 'payload_too_large');
    if (err.code === 'FST_INVALID_MULTIPART_CONTENT_TYPE' || err.statusCode === 415) {
      return send(reply, request, 415, 'unsupported_media_type');
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return send(reply, request, err.statusCode, 'validation_failed', { reason: err.message });
    }
    request.log.error({ err }, 'unhandled error');
    return send(reply, request, 500, 'internal');
  });
}
