import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config.ts';

/** One e-mail, plain text only: user content is never rendered as HTML. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  /** Stable per digest: a copy sent twice after a crash is recognisably the same message. */
  messageId?: string;
  /** RFC 2369 / RFC 8058: one-click unsubscribe from the mail client. */
  unsubscribeUrl?: string;
}

export interface Mailer {
  send(mail: Mail): Promise<void>;
  close(): void;
}

/** SMTP through nodemailer (`PARTA_SMTP_URL`, e.g. smtps://user:pass@smtp.example.ru:465); null when not configured. */
export function createMailer(config: Config): Mailer | null {
  const url = config.notifications.smtpUrl;
  if (!url) return null;
  const transport: Transporter = nodemailer.createTransport(url, { from: config.notifications.mailFrom });
  return {
    async send(mail) {
      await transport.sendMail({
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.messageId ? { messageId: mail.messageId } : {}),
        ...(mail.unsubscribeUrl
          ? { list: { unsubscribe: { url: mail.unsubscribeUrl, comment: 'unsubscribe' } }, headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } }
          : {}),
      });
    },
    close: () => transport.close(),
  };
}
