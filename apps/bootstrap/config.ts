import { createPublicKey, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

// Whom to believe about the client's address (X-Forwarded-For) and the original scheme and host.
// "true" trusts proxies on this machine or a private network (Caddy beside the app, Docker, a LAN)
// and no one else: a client that reaches the app directly from the internet cannot choose its
// address, and the address a proxy saw is used, whatever a client wrote before it in the header.
// Trusting every hop, as before, let any client escape per-address rate limits.
const PROXY_KEYWORDS = ['loopback', 'linklocal', 'uniquelocal'];
const isProxyAddress = (value: string) => {
  if (PROXY_KEYWORDS.includes(value)) return true;
  const [address, prefix, ...rest] = value.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
};
const trustProxyFromEnv = z.string().transform((value, context): false | number | string[] => {
  const text = value.trim().toLowerCase();
  if (['false', 'no', '0'].includes(text)) return false;
  if (['true', 'yes'].includes(text)) return PROXY_KEYWORDS;
  if (/^\d+$/.test(text) && Number(text) <= 20) return Number(text);
  const list = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (list.length > 0 && list.every(isProxyAddress)) return list;
  context.addIssue({
    code: 'custom',
    message: 'expected false, true (proxies on private addresses), a number of proxies, or a comma-separated list of proxy addresses or CIDR ranges',
  });
  return z.NEVER;
});

const urlWithProtocol = (protocols: string[]) =>
  z.string().refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol), {
    error: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
  });

// SendGrid shows its verification key as base64 DER (SubjectPublicKeyInfo); a PEM is taken too.
const sendgridPublicKey = z.string().refine(
  (value) => {
    try {
      const key = value.includes('BEGIN PUBLIC KEY')
        ? createPublicKey(value.replace(/\\n/g, '\n'))
        : createPublicKey({ key: Buffer.from(value, 'base64'), format: 'der', type: 'spki' });
      return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
    } catch {
      return false;
    }
  },
  { error: 'expected the verification key SendGrid shows for the signed Event Webhook (base64 of an ECDSA P-256 public key)' },
);
const SNS_TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const topicArnList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .refine((arns) => arns.length > 0 && arns.every((arn) => SNS_TOPIC_ARN.test(arn)), {
    error: 'expected a comma-separated list of SNS topic ARNs, such as arn:aws:sns:eu-west-1:123456789012:ses-feedback',
  });

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { error: 'expected development, production or test' }).default('development'),
  PORT: z.coerce
    .number({ error: 'expected a port number' })
    .int({ error: 'expected a port number' })
    .min(0, { error: 'must be between 0 and 65535' })
    .max(65535, { error: 'must be between 0 and 65535' })
    .default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: urlWithProtocol(['postgres:', 'postgresql:']).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  EMBEDDED_POSTGRES_PORT: z.coerce.number({ error: 'expected a port number' }).int().min(1).max(65535).default(5433),
  DATABASE_WAIT_SECONDS: z.coerce
    .number({ error: 'expected a number of seconds' })
    .int({ error: 'expected a number of seconds' })
    .min(0, { error: 'must be between 0 and 3600' })
    .max(3600, { error: 'must be between 0 and 3600' })
    .default(60),
  PUBLIC_URL: urlWithProtocol(['http:', 'https:']).optional(),
  SESSION_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  SMTP_URL: urlWithProtocol(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'expected one of fatal, error, warn, info, debug, trace, silent' })
    .default('info'),
  RUN_WORKER: booleanFromEnv.default(true),
  TRUST_PROXY: trustProxyFromEnv.default(false),
  FETCH_ALLOW_PRIVATE: booleanFromEnv.default(false),
  SEND_CONCURRENCY: z.coerce
    .number({ error: 'expected a number' })
    .int()
    .min(1, { error: 'must be between 1 and 100' })
    .max(100, { error: 'must be between 1 and 100' })
    .default(10),
  SEND_RATE_PER_SECOND: z.coerce.number({ error: 'expected a number' }).min(0).max(10_000).default(0),
  DKIM_DOMAIN: z.string().trim().min(3).optional(),
  DKIM_SELECTOR: z.string().trim().min(1).optional(),
  DKIM_PRIVATE_KEY: z
    .string()
    .refine((value) => value.includes('PRIVATE KEY'), { error: 'expected a PEM private key' })
    .optional(),
  PAGE_CHANGES_POLL_MS: z.coerce
    .number({ error: 'expected a number of milliseconds' })
    .int()
    .min(100, { error: 'must be between 100 and 60000' })
    .max(60_000, { error: 'must be between 100 and 60000' })
    .default(2000),
  LINK_HEALTH_PER_HOUR: z.coerce
    .number({ error: 'expected a number of links' })
    .int({ error: 'expected a number of links' })
    .min(0, { error: 'must be between 0 and 10000' })
    .max(10_000, { error: 'must be between 0 and 10000' })
    .default(300),
  BOUNCE_WEBHOOK_SECRET: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  MAILGUN_SIGNING_KEY: z.string().min(8, { error: 'must be at least 8 characters' }).optional(),
  SENDGRID_WEBHOOK_PUBLIC_KEY: sendgridPublicKey.optional(),
  SNS_TOPIC_ARNS: topicArnList.optional(),
  SNS_ORIGIN: urlWithProtocol(['http:', 'https:']).optional(),
  SOFT_BOUNCE_LIMIT: z.coerce
    .number({ error: 'expected a number' })
    .int({ error: 'expected a whole number' })
    .min(1, { error: 'must be between 1 and 20' })
    .max(20, { error: 'must be between 1 and 20' })
    .default(3),
  WEBHOOK_RETRY_SECONDS: z.coerce
    .number({ error: 'expected a number of seconds' })
    .int({ error: 'expected a whole number of seconds' })
    .min(1, { error: 'must be between 1 and 3600' })
    .max(3600, { error: 'must be between 1 and 3600' })
    .default(30),
});

/** How the providers' bounce and complaint webhooks are authenticated, and when soft bounces suppress an address. */
export type BounceConfig = {
  /** Postmark: the password of the Basic credentials in the webhook's URL. */
  webhookSecret: string | undefined;
  /** Mailgun: the HTTP webhook signing key. */
  mailgunSigningKey: string | undefined;
  /** SendGrid: the signed Event Webhook's verification key (base64 DER or PEM). */
  sendgridPublicKey: string | undefined;
  /** Amazon SES through SNS: the topics whose messages are accepted (none: the SES webhook is off). */
  snsTopicArns: string[];
  /** Where SNS certificates and subscription confirmations may be fetched from; undefined: AWS's https://sns.<region>.amazonaws.com. */
  snsOrigin: string | undefined;
  /** Soft bounces in a row (one per send) after which an address is suppressed. */
  softBounceLimit: number;
};

/** The validated configuration every process starts from. */
export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPostgresPort: number;
  /** How long start waits for a PostgreSQL that is starting, recovering or not reachable yet. */
  databaseWaitSeconds: number;
  publicUrl: string;
  secureCookies: boolean;
  sessionSecret: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  logLevel: string;
  runWorker: boolean;
  /** false: X-Forwarded-* are ignored; a number: the nearest that many peers are proxies; a list: the proxies' addresses, CIDR ranges or loopback/linklocal/uniquelocal. */
  trustProxy: false | number | string[];
  fetchAllowPrivate: boolean;
  /** DKIM signing of outgoing mail, when a key is configured. */
  dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
  /** Parallel SMTP connections used by one worker for a send. */
  sendConcurrency: number;
  /** Messages per second for one worker (0: as fast as the server takes them). */
  sendRatePerSecond: number;
  /** How often a web process asks PostgreSQL whether the public pages changed, while the connection that listens for the changes is down. */
  pageChangesPollMs: number;
  /** Links of published editions the archive's health job checks per hour at most (0: none). */
  linkHealthPerHour: number;
  bounces: BounceConfig;
  /** Seconds before an outgoing webhook call that failed is tried again; doubled for each next try. */
  webhookRetrySeconds: number;
};

/** Raised when the environment holds a value the app cannot start with. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; blank variables count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key in envSchema.shape && value !== undefined && value.trim() !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, `${issue.message} (got ${JSON.stringify(present[variable] ?? '')})`);
  }
  const values = parsed.data;
  const dataDir = path.resolve(values.DATA_DIR);
  const publicUrl = (values.PUBLIC_URL ?? `http://localhost:${values.PORT}`).replace(/\/+$/, '');
  return {
    env: values.NODE_ENV,
    port: values.PORT,
    host: values.HOST,
    databaseUrl: values.DATABASE_URL,
    dataDir,
    embeddedPostgresPort: values.EMBEDDED_POSTGRES_PORT,
    databaseWaitSeconds: values.DATABASE_WAIT_SECONDS,
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    sessionSecret: values.SESSION_SECRET ?? readOrCreateSecret(dataDir),
    smtpUrl: values.SMTP_URL,
    mailFrom: values.MAIL_FROM ?? `Veille <no-reply@${new URL(publicUrl).hostname}>`,
    logLevel: values.LOG_LEVEL,
    runWorker: values.RUN_WORKER,
    trustProxy: values.TRUST_PROXY,
    fetchAllowPrivate: values.FETCH_ALLOW_PRIVATE,
    pageChangesPollMs: values.PAGE_CHANGES_POLL_MS,
    dkim: dkimFrom(values),
    sendConcurrency: values.SEND_CONCURRENCY,
    sendRatePerSecond: values.SEND_RATE_PER_SECOND,
    linkHealthPerHour: values.LINK_HEALTH_PER_HOUR,
    bounces: {
      webhookSecret: values.BOUNCE_WEBHOOK_SECRET,
      mailgunSigningKey: values.MAILGUN_SIGNING_KEY,
      sendgridPublicKey: values.SENDGRID_WEBHOOK_PUBLIC_KEY,
      snsTopicArns: values.SNS_TOPIC_ARNS ?? [],
      snsOrigin: values.SNS_ORIGIN ? new URL(values.SNS_ORIGIN).origin : undefined,
      softBounceLimit: values.SOFT_BOUNCE_LIMIT,
    },
    webhookRetrySeconds: values.WEBHOOK_RETRY_SECONDS,
  };
}

/** DKIM settings come as a set: all three variables, or none. */
function dkimFrom(values: { DKIM_DOMAIN?: string; DKIM_SELECTOR?: string; DKIM_PRIVATE_KEY?: string }): Config['dkim'] {
  const given = [values.DKIM_DOMAIN, values.DKIM_SELECTOR, values.DKIM_PRIVATE_KEY].filter(Boolean).length;
  if (given === 0) return undefined;
  if (given < 3)
    throw new ConfigError(
      values.DKIM_DOMAIN ? (values.DKIM_SELECTOR ? 'DKIM_PRIVATE_KEY' : 'DKIM_SELECTOR') : 'DKIM_DOMAIN',
      'is required when DKIM is configured (set DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY together)',
    );
  return { domainName: values.DKIM_DOMAIN!, keySelector: values.DKIM_SELECTOR!, privateKey: values.DKIM_PRIVATE_KEY!.replace(/\\n/g, '\n') };
}

/** Keeps a generated session secret in DATA_DIR so sessions survive restarts. */
function readOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
