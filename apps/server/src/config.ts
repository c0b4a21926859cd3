import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_DB_IDLE_SECONDS } from './db/database.ts';

const bool = z
  .enum(['0', '1', 'true', 'false', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true');

/**
 * Every setting comes from an environment variable, validated at start.
 * README.md lists them in a table; keep the two in step.
 */
const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  PARTA_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().url().optional(),
  PARTA_DEV: bool,
  PARTA_DB_PREPARED_STATEMENTS: z.enum(['on', 'off']).default('on'),
  PARTA_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  PARTA_DB_IDLE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(DEFAULT_DB_IDLE_SECONDS),
  PARTA_DEMO: z.enum(['auto', 'off']).default('auto'),
  PARTA_DEMO_CHATS: z.enum(['on', 'off']).default('on'),
  PARTA_PUBLIC_URL: z.string().url().optional(),
  PARTA_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PARTA_SMS_PROVIDER: z.enum(['console', 'http']).default('console'),
  PARTA_SMS_HTTP_URL: z.string().url().optional(),
  PARTA_SMS_HTTP_TOKEN: z.string().optional(),
  PARTA_SMS_SENDER: z.string().default('Parta'),
  PARTA_PHONE_COUNTRIES: z
    .string()
    .default('RU')
    .transform((s) =>
      s
        .split(',')
        .map((c) => c.trim().toUpperCase())
        .filter(Boolean),
    ),
  PARTA_AUTH_RATE_PER_IP: z.coerce.number().int().min(1).default(30),
  PARTA_CODES_PER_PHONE_PER_HOUR: z.coerce.number().int().min(1).default(5),
  PARTA_CODE_RESEND_SECONDS: z.coerce.number().int().min(0).default(60),
  PARTA_SMS_DAILY_BUDGET: z.coerce.number().int().min(1).default(2000),
  PARTA_SESSION_IDLE_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  PARTA_SESSION_MAX_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  PARTA_TRUST_PROXY: bool,
  PARTA_MAX_PHOTO_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  REDIS_URL: z.string().optional(),
  PARTA_STREAM_RETENTION_DAYS: z.coerce.number().int().min(1).max(365).default(14),
  PARTA_WS_HEARTBEAT_SECONDS: z.coerce.number().positive().max(3600).default(30),
  PARTA_WS_MAX_BACKLOG_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  PARTA_WS_MAX_PENDING_SENDS: z.coerce.number().int().min(1).max(10_000).default(32),
  PARTA_WS_FRAMES_PER_SECOND: z.coerce.number().positive().max(10_000).default(20),
  PARTA_WS_ACCOUNT_FRAMES_PER_SECOND: z.coerce.number().positive().max(100_000).default(40),
  PARTA_WS_MAX_PER_SESSION: z.coerce.number().int().min(1).max(1000).default(8),
  PARTA_WS_MAX_PER_ACCOUNT: z.coerce.number().int().min(1).max(10_000).default(20),
  PARTA_SEND_BATCH_MS: z.coerce.number().int().min(0).max(1000).default(15),
  PARTA_SEND_BATCHES: z.coerce.number().int().min(1).max(8).default(2),
  PARTA_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  PARTA_STORAGE: z.enum(['local', 's3']).default('local'),
  PARTA_S3_ENDPOINT: z.string().url().optional(),
  PARTA_S3_BUCKET: z.string().min(3).max(63).optional(),
  PARTA_S3_REGION: z.string().default('us-east-1'),
  PARTA_S3_ACCESS_KEY: z.string().optional(),
  PARTA_S3_SECRET_KEY: z.string().optional(),
  PARTA_S3_FORCE_PATH_STYLE: bool,
  PARTA_HELPER_BOT: z.enum(['inprocess', 'process', 'off']).default('inprocess'),
  PARTA_JANUS: z.enum(['auto', 'off']).default('auto'),
  PARTA_JANUS_URL: z.string().url().optional(),
  PARTA_JANUS_API_SECRET: z.string().optional(),
  PARTA_JANUS_ADMIN_KEY: z.string().optional(),
  PARTA_JANUS_RTP_PORTS: z
    .string()
    .regex(/^\d+-\d+$/)
    .default('20000-20200'),
  PARTA_JANUS_ICE_IP: z.string().optional(),
  PARTA_JANUS_NAT_IP: z.string().optional(),
  PARTA_STUN_URLS: z.string().optional(),
  PARTA_TURN_URLS: z.string().optional(),
  PARTA_TURN_SECRET: z.string().optional(),
  PARTA_TURN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(6 * 3600),
  PARTA_VAPID_SUBJECT: z
    .string()
    .regex(/^(https:|mailto:)/)
    .optional(),
  PARTA_PUSH_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  PARTA_OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  PARTA_OIDC_CLIENT_ID: z.string().min(1).optional(),
  PARTA_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  PARTA_OIDC_REDIRECT_URI: z.url({ protocol: /^https?$/ }).optional(),
  PARTA_OIDC_SCOPES: z
    .string()
    .regex(/(^| )openid( |$)/, 'must include openid')
    .default('openid'),
  PARTA_OIDC_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+$/)
    .default('sub'),
  PARTA_OIDC_MATCH: z.enum(['source_id', 'phone']).default('source_id'),
  PARTA_OIDC_NAME: z.string().max(100).optional(),
  PARTA_OIDC_SCHOOL_ID: z.uuid().optional(),
  PARTA_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//)
    .optional(),
  PARTA_MAIL_FROM: z.string().default('Parta <parta@localhost>'),
  PARTA_EMAIL_DIGEST_HOURS: z.coerce.number().int().min(1).max(720).default(24),
});

const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** PostgreSQL: run statements as prepared statements of each connection (off behind a pooler that cannot keep them). */
  preparedStatements: boolean;
  /** PostgreSQL: connections of this process's pool at most. */
  dbPoolSize: number;
  /** PostgreSQL: seconds a pooled connection may sit idle before it is closed (0: never); db/database.ts. */
  dbIdleSeconds: number;
  dev: boolean;
  /** Behind a reverse proxy: the client's address comes from `X-Forwarded-For`. */
  trustProxy: boolean;
  demo: 'auto' | 'off';
  /** The demo school's chats get a week of class life (PARTA_DEMO_CHATS). */
  demoChats: boolean;
  publicUrl: string;
  logLevel: string;
  sms: { provider: 'console' | 'http'; httpUrl?: string; httpToken?: string; sender: string };
  phoneCountries: string[];
  limits: {
    authPerIpPerMinute: number;
    codesPerPhonePerHour: number;
    codeResendSeconds: number;
    /** Sign-in codes the whole installation sends in 24 hours at most (identity/service.ts). */
    smsPerDay: number;
    maxPhotoBytes: number;
    maxUploadBytes: number;
  };
  /** Installation defaults of a session's lifetime; a school may set its own (identity/sessions.ts). */
  sessions: { idleDays: number; maxDays: number };
  redisUrl: string | undefined;
  /** How long the update stream keeps events for clients that resume. */
  streamRetentionDays: number;
  /** Least time between the starts of two batches of sends (messaging/send-batch.ts). */
  sendBatchMs: number;
  /** Batches of sends written at once by one process (messaging/send-batch.ts). */
  sendBatches: number;
  /** «Помощник» (bots/helper/): run inside the server, as a process of its own (docs/examples/), or not at all. */
  helperBot: 'inprocess' | 'process' | 'off';
  realtime: {
    heartbeatSeconds: number;
    maxBacklogBytes: number;
    maxPendingSends: number;
    /** Client frames per second of one connection, and of one account's connections on one process. */
    framesPerSecond: number;
    accountFramesPerSecond: number;
    /** Open connections of one session, and of one account, on one process. */
    maxSocketsPerSession: number;
    maxSocketsPerAccount: number;
  };
  storage:
    | { kind: 'local' }
    | {
        kind: 's3';
        endpoint?: string;
        bucket: string;
        region: string;
        accessKeyId?: string;
        secretAccessKey?: string;
        forcePathStyle: boolean;
      };
  /** Video meetings: the Janus SFU and the STUN/TURN servers browsers are told about. */
  media: {
    janus: 'auto' | 'off';
    janusUrl?: string;
    janusApiSecret?: string;
    janusAdminKey?: string;
    rtpPorts: string;
    iceIp?: string;
    natIp?: string;
    stunUrls: string[];
    turnUrls: string[];
    turnSecret?: string;
    turnTtlSeconds: number;
  };
  /** Web Push: the VAPID contact (https: or mailto:) and pushes in flight at once (notifications/worker.ts). */
  notifications: {
    vapidSubject?: string;
    pushConcurrency: number;
    /** E-mail digests (notifications/digest.ts): the SMTP server (none: no e-mail), the sender, and hours away before a digest. */
    smtpUrl?: string;
    mailFrom: string;
    digestAfterHours: number;
  };
  /** The installation's OpenID Connect provider (identity/oidc-config.ts), or null; schools may set their own. */
  oidc: OidcConfig | null;
};

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  redirectUri: string | null;
  scopes: string;
  claim: string;
  matchField: 'source_id' | 'phone';
  displayName: string | null;
  /** Match only this school's roster (null: every school's). */
  schoolId: string | null;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.PARTA_SMS_PROVIDER === 'http' && !e.PARTA_SMS_HTTP_URL) {
    throw new ConfigError('Invalid configuration:\n  PARTA_SMS_HTTP_URL: required when PARTA_SMS_PROVIDER=http');
  }
  if (e.PARTA_STORAGE === 's3' && !e.PARTA_S3_BUCKET) {
    throw new ConfigError('Invalid configuration:\n  PARTA_S3_BUCKET: required when PARTA_STORAGE=s3');
  }
  if (Boolean(e.PARTA_S3_ACCESS_KEY) !== Boolean(e.PARTA_S3_SECRET_KEY)) {
    throw new ConfigError('Invalid configuration:\n  PARTA_S3_ACCESS_KEY and PARTA_S3_SECRET_KEY: give both or neither');
  }
  if (Boolean(e.PARTA_OIDC_ISSUER) !== Boolean(e.PARTA_OIDC_CLIENT_ID)) {
    throw new ConfigError('Invalid configuration:\n  PARTA_OIDC_ISSUER and PARTA_OIDC_CLIENT_ID: give both or neither');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.PARTA_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    preparedStatements: e.PARTA_DB_PREPARED_STATEMENTS === 'on',
    dbPoolSize: e.PARTA_DB_POOL_SIZE,
    dbIdleSeconds: e.PARTA_DB_IDLE_SECONDS,
    dev: e.PARTA_DEV,
    trustProxy: e.PARTA_TRUST_PROXY,
    demo: e.PARTA_DEMO,
    demoChats: e.PARTA_DEMO_CHATS === 'on',
    publicUrl: e.PARTA_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    logLevel: e.PARTA_LOG_LEVEL,
    sms: { provider: e.PARTA_SMS_PROVIDER, httpUrl: e.PARTA_SMS_HTTP_URL, httpToken: e.PARTA_SMS_HTTP_TOKEN, sender: e.PARTA_SMS_SENDER },
    phoneCountries: e.PARTA_PHONE_COUNTRIES,
    limits: {
      authPerIpPerMinute: e.PARTA_AUTH_RATE_PER_IP,
      codesPerPhonePerHour: e.PARTA_CODES_PER_PHONE_PER_HOUR,
      codeResendSeconds: e.PARTA_CODE_RESEND_SECONDS,
      smsPerDay: e.PARTA_SMS_DAILY_BUDGET,
      maxPhotoBytes: e.PARTA_MAX_PHOTO_BYTES,
      maxUploadBytes: e.PARTA_MAX_UPLOAD_BYTES,
    },
    sessions: { idleDays: e.PARTA_SESSION_IDLE_DAYS, maxDays: e.PARTA_SESSION_MAX_DAYS },
    redisUrl: e.REDIS_URL,
    streamRetentionDays: e.PARTA_STREAM_RETENTION_DAYS,
    sendBatchMs: e.PARTA_SEND_BATCH_MS,
    sendBatches: e.PARTA_SEND_BATCHES,
    helperBot: e.PARTA_HELPER_BOT,
    realtime: {
      heartbeatSeconds: e.PARTA_WS_HEARTBEAT_SECONDS,
      maxBacklogBytes: e.PARTA_WS_MAX_BACKLOG_BYTES,
      maxPendingSends: e.PARTA_WS_MAX_PENDING_SENDS,
      framesPerSecond: e.PARTA_WS_FRAMES_PER_SECOND,
      accountFramesPerSecond: e.PARTA_WS_ACCOUNT_FRAMES_PER_SECOND,
      maxSocketsPerSession: e.PARTA_WS_MAX_PER_SESSION,
      maxSocketsPerAccount: e.PARTA_WS_MAX_PER_ACCOUNT,
    },
    storage:
      e.PARTA_STORAGE === 's3'
        ? {
            kind: 's3',
            endpoint: e.PARTA_S3_ENDPOINT,
            bucket: e.PARTA_S3_BUCKET!,
            region: e.PARTA_S3_REGION,
            accessKeyId: e.PARTA_S3_ACCESS_KEY,
            secretAccessKey: e.PARTA_S3_SECRET_KEY,
            forcePathStyle: e.PARTA_S3_FORCE_PATH_STYLE,
          }
        : { kind: 'local' },
    media: {
      janus: e.PARTA_JANUS,
      janusUrl: e.PARTA_JANUS_URL,
      janusApiSecret: e.PARTA_JANUS_API_SECRET,
      janusAdminKey: e.PARTA_JANUS_ADMIN_KEY,
      rtpPorts: e.PARTA_JANUS_RTP_PORTS,
      iceIp: e.PARTA_JANUS_ICE_IP,
      natIp: e.PARTA_JANUS_NAT_IP,
      stunUrls: list(e.PARTA_STUN_URLS),
      turnUrls: list(e.PARTA_TURN_URLS),
      turnSecret: e.PARTA_TURN_SECRET,
      turnTtlSeconds: e.PARTA_TURN_TTL_SECONDS,
    },
    notifications: {
      vapidSubject: e.PARTA_VAPID_SUBJECT,
      pushConcurrency: e.PARTA_PUSH_CONCURRENCY,
      smtpUrl: e.PARTA_SMTP_URL,
      mailFrom: e.PARTA_MAIL_FROM,
      digestAfterHours: e.PARTA_EMAIL_DIGEST_HOURS,
    },
    oidc: oidcConfig(e),
  };
}

/** The installation's OpenID Connect provider, when PARTA_OIDC_ISSUER and PARTA_OIDC_CLIENT_ID are set. */
function oidcConfig(e: z.infer<typeof Env>): OidcConfig | null {
  if (!e.PARTA_OIDC_ISSUER || !e.PARTA_OIDC_CLIENT_ID) return null;
  return {
    issuer: e.PARTA_OIDC_ISSUER,
    clientId: e.PARTA_OIDC_CLIENT_ID,
    clientSecret: e.PARTA_OIDC_CLIENT_SECRET ?? null,
    redirectUri: e.PARTA_OIDC_REDIRECT_URI ?? null,
    scopes: e.PARTA_OIDC_SCOPES,
    claim: e.PARTA_OIDC_CLAIM,
    matchField: e.PARTA_OIDC_MATCH,
    displayName: e.PARTA_OIDC_NAME ?? null,
    schoolId: e.PARTA_OIDC_SCHOOL_ID ?? null,
  };
}
