import type { Logger } from 'pino';

/** Sends a text message to a phone. Implementations: console (logs it) and http (a gateway). */
export interface SmsSender {
  readonly name: string;
  send(phone: string, text: string): Promise<void>;
}

export class ConsoleSms implements SmsSender {
  readonly name = 'console';
  constructor(private readonly log: Logger) {}
  async send(phone: string, text: string): Promise<void> {
    this.log.info({ sms: { to: phone, text } }, `SMS to ${phone}: ${text}`);
  }
}

export class SmsSendError extends Error {}

/**
 * Posts `{ "to", "text", "sender" }` as JSON to a configured URL, with an optional bearer token.
 * Any 2xx answer counts as sent; anything else, or no answer within the timeout, is an error.
 */
export class HttpSms implements SmsSender {
  readonly name = 'http';
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly sender: string,
    private readonly timeoutMs = 10_000,
  ) {}
  async send(phone: string, text: string): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: JSON.stringify({ to: phone, text, sender: this.sender }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new SmsSendError(`SMS gateway unreachable: ${(err as Error).message}`);
    }
    if (!res.ok) throw new SmsSendError(`SMS gateway answered ${res.status}`);
  }
}
