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

/**
 * SQLSTATEs of class 22 ("data exception") that only a value sent by the client can cause, once the
 * request has passed its schema: text the encoding cannot hold, a malformed uuid or number, a
 * number or date out of range. Anything else from the database stays a 500.
 */
const CLIENT_DATA_EXCEPTIONS: Record<string, ErrorCode> = {
  '22021': 'text_invalid', // character_not_in_repertoire (NUL)
  '22P05': 'text_invalid', // untranslatable_character
  '22P02': 'validation_failed', // invalid_text_representation (a malformed uuid)
  '22003': 'validation_failed', // numeric_value_out_of_range
  '22007': 'validation_failed', // invalid_datetime_format
  '22008': 'validation_failed', // datetime_field_overflow
};

/** busboy's messages for a multipart body that is cut off or malformed (it gives them no code). */
const MALFORMED_MULTIPART = /unexpected end of (multipart data|form|file)|malformed part header|boundary not found|terminated early/i;

/** Errors caused by what the client sent, found below the route: a clean 4xx instead of a 500. */
function inputError(err: FastifyError, request: FastifyRequest): { status: number; code: ErrorCode; details?: unknown } | null {
  const sqlState = typeof err.code === 'string' && /^[0-9A-Z]{5}$/.test(err.code) ? err.code : null;
  if (sqlState && CLIENT_DATA_EXCEPTIONS[sqlState]) return { status: 400, code: CLIENT_DATA_EXCEPTIONS[sqlState] };
  if (!err.statusCode && request.isMultipart() && MALFORMED_MULTIPART.test(err.message)) return { status: 400, code: 'upload_incomplete' };
  return null;
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
    const input = inputError(err, request);
    if (input) return send(reply, request, input.status, input.code, input.details);
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
