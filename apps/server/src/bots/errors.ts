/**
 * An error of the Bot API, answered as Telegram does: `{ ok: false, error_code, description }`
 * with the same HTTP status (docs/subsystems/bots.md lists the descriptions used).
 */
export class BotApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(description);
  }
}

export const badRequest = (what: string) => new BotApiError(400, `Bad Request: ${what}`);
export const unauthorized = () => new BotApiError(401, 'Unauthorized');
export const forbidden = (what: string) => new BotApiError(403, `Forbidden: ${what}`);
export const conflict = (what: string) => new BotApiError(409, `Conflict: ${what}`);
export const chatNotFound = () => badRequest('chat not found');
