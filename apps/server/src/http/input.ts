import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';

/** Deeper request bodies than this are refused: no body of the API nests more than a few levels. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Text the database cannot hold, refused at the door for every route: PostgreSQL text has no NUL
 * character (0x00 fails the statement), and a lone UTF-16 surrogate is not a character at all
 * (it would be stored as U+FFFD, silently changing what was sent). Checks the path parameters,
 * the query string and a parsed JSON body, without recursion, and refuses nesting past
 * MAX_INPUT_DEPTH.
 */
/** NUL, or a UTF-16 surrogate without its pair. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkInputText(value: unknown, where: string): void {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (UNSTORABLE.test(v)) throw new AppError('text_invalid', 400, { in: where });
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_INPUT_DEPTH) throw new AppError('validation_failed', 400, { in: where, reason: 'nested too deeply' });
      for (const [k, child] of Object.entries(v)) {
        if (!Array.isArray(v) && UNSTORABLE.test(k)) throw new AppError('text_invalid', 400, { in: where });
        stack.push({ v: child, depth: depth + 1 });
      }
    }
  }
}

function checkRequest(request: FastifyRequest): void {
  checkInputText(request.params, 'params');
  checkInputText(request.query, 'querystring');
  // Multipart bodies are read by their routes as streams; only parsed bodies are here.
  if (request.body !== undefined && !request.isMultipart()) checkInputText(request.body, 'body');
}

/** Registers the check before the validation of every route of `app` (register it before the routes). */
export function registerInputChecks(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => checkRequest(request));
}
