import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isEmail } from '../common/email';

export type Locale = 'ru' | 'en';
export const LOCALES: readonly Locale[] = ['ru', 'en'];

export type DatabaseConfig =
  | { type: 'sqlite'; file: string; url: string }
  | { type: 'mysql'; url: string; host: string; port: number; username: string; password: string; database: string };

export interface AppConfig {
  /** `development` re-reads every template on every render; `production` (the default) and `test` compile each once. */
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  appUrl: string;
  secureCookies: boolean;
  trustProxy: boolean;
  dataDir: string;
  database: DatabaseConfig;
  smtpUrl: string | null;
  mailFrom: string;
  mailPoolSize: number;
  mailRatePerSec: number;
  mailRetryBaseMs: number;
  mailMaxAttempts: number;
  relayIntervalMs: number;
  secretKey: string;
  adminEmail: string | null;
  adminPassword: string | null;
  defaultLocale: Locale;
  /** The site time zone until the owner picks one in Settings: `TZ` when it names an IANA zone, else UTC. */
  defaultTimeZone: string;
  sessionTtlDays: number;
  login: { maxPerAccount: number; maxPerIp: number; windowMinutes: number };
  passwordResetTtlMinutes: number;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  /** Uploaded files, outside the web root, under random names. */
  filesDir: string;
  maxUploadBytes: number;
  /** HMAC secret of POST /webhooks/orders; unset = the webhook answers 503. */
  webhookSecret: string | null;
  signedLinkTtlHours: number;
  /** A sender that has held a row in `sending` this long is presumed dead; the row's outcome becomes unknown. */
  senderStaleSeconds: number;
  /** Rows a campaign sender claims at a time. */
  senderBatchSize: number;
  /** The mailto: half of List-Unsubscribe. */
  unsubscribeMailto: string;
  dkim: { domainName: string; keySelector: string; privateKey: string } | null;
  /** The inbound mail listener (src/inbound); `port` null = off. */
  inbound: InboundConfig;
  /** Refund adapters (members/orders/refunds); a provider whose credentials are unset is off. */
  refunds: RefundsConfig;
}

export interface RefundsConfig {
  /** How long one call to a provider may take before its outcome counts as unknown. */
  timeoutMs: number;
  yookassa: { shopId: string; secretKey: string; apiUrl: string; webhookIps: string[] } | null;
  stripe: { secretKey: string; apiUrl: string; webhookSecret: string | null } | null;
  http: { url: string; secret: string } | null;
}

/**
 * The addresses YooKassa sends notifications from (https://yookassa.ru/developers/using-api/webhooks, "IP address
 * authentication"). Notifications carry no signature; these and a GET of the refund are what we check.
 */
export const YOOKASSA_NOTIFICATION_IPS = ['185.71.76.0/27', '185.71.77.0/27', '77.75.153.0/25', '77.75.156.11', '77.75.156.35', '77.75.154.128/25', '2a02:5180::/32'];

export interface InboundConfig {
  /** null = no listener (the default); 0 = any free port (tests). */
  port: number | null;
  host: string;
  /** LMTP (behind Postfix or another MTA) instead of plain SMTP. */
  lmtp: boolean;
  /** The domain of the reply+ and bounce+ addresses the listener receives mail for. */
  domain: string;
  /** Larger messages are refused with 552 while they stream in; announced with SIZE. */
  maxBytes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** One entry per documented variable: the README's configuration table is written from this list. */
export const CONFIG_VARIABLES = [
  'NODE_ENV', 'HOST', 'PORT', 'APP_URL', 'TRUST_PROXY', 'DATA_DIR', 'DATABASE_URL', 'SMTP_URL', 'MAIL_FROM',
  'MAIL_POOL_SIZE', 'MAIL_RATE_PER_SEC', 'MAIL_RETRY_BASE_MS', 'MAIL_MAX_ATTEMPTS', 'RELAY_INTERVAL_MS',
  'SECRET_KEY', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'DEFAULT_LOCALE', 'SESSION_TTL_DAYS',
  'LOGIN_MAX_PER_ACCOUNT', 'LOGIN_MAX_PER_IP', 'LOGIN_WINDOW_MINUTES', 'PASSWORD_RESET_TTL_MINUTES', 'LOG_LEVEL',
  'FILES_DIR', 'MAX_UPLOAD_BYTES', 'WEBHOOK_SECRET', 'SIGNED_LINK_TTL_HOURS',
  'SENDER_STALE_SECONDS', 'SENDER_BATCH_SIZE', 'UNSUBSCRIBE_MAILTO', 'DKIM_DOMAIN', 'DKIM_SELECTOR', 'DKIM_PRIVATE_KEY_FILE', 'TZ',
  'INBOUND_PORT', 'INBOUND_HOST', 'INBOUND_LMTP', 'INBOUND_DOMAIN', 'INBOUND_MAX_BYTES',
  'REFUND_TIMEOUT_MS', 'YOOKASSA_SHOP_ID', 'YOOKASSA_SECRET_KEY', 'YOOKASSA_API_URL', 'YOOKASSA_WEBHOOK_IPS',
  'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_URL', 'REFUND_HTTP_URL', 'REFUND_HTTP_SECRET',
] as const;

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  str(name: string, def: string): string {
    return this.raw(name) ?? def;
  }

  int(name: string, def: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(`${name}: expected a whole number from ${min} to ${max}, got "${v}"`);
      return def;
    }
    return Number(v);
  }

  bool(name: string, def: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    this.problems.push(`${name}: expected true or false, got "${v}"`);
    return def;
  }

  oneOf<T extends string>(name: string, def: T, allowed: readonly T[]): T {
    const v = this.raw(name);
    if (v === undefined) return def;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${name}: expected one of ${allowed.join(', ')}, got "${v}"`);
      return def;
    }
    return v as T;
  }
}

export function parseDatabaseUrl(url: string, baseDir: string): DatabaseConfig | string {
  if (/^mysql:\/\//i.test(url) || /^mariadb:\/\//i.test(url)) {
    let u: URL;
    try {
      u = new URL(url.replace(/^mariadb:/i, 'mysql:'));
    } catch {
      return 'not a valid URL';
    }
    const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
    if (!u.hostname || !database) return 'expected mysql://user:password@host:3306/database';
    return {
      type: 'mysql',
      url,
      host: u.hostname,
      port: u.port ? Number(u.port) : 3306,
      username: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database,
    };
  }
  const m = /^sqlite:(?:\/\/)?(.+)$/i.exec(url);
  const file = m ? m[1] : /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? null : url;
  if (!file) return 'expected sqlite:./path/file.sqlite or mysql://user:password@host:3306/database';
  // kabinet opens the database twice (a writer and a reader), and an in-memory database exists for one connection only.
  if (file === ':memory:') return 'an in-memory SQLite database is not supported; give a file (on a tmpfs, if speed is the point)';
  return { type: 'sqlite', file: path.resolve(baseDir, file), url };
}

/**
 * Reads the environment once, at boot. Every bad variable is collected so the operator sees them all in one
 * message instead of fixing them one restart at a time.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const r = new Reader(env);
  // Production unless asked otherwise: `npm start`, a systemd unit or `node dist/src/main.js` run what a
  // self-hoster deploys (templates compiled once, assets cached); `npm run dev` opts into reloading templates.
  const nodeEnv = r.oneOf('NODE_ENV', 'production', ['development', 'production', 'test'] as const);
  const port = r.int('PORT', 3000, 0, 65535);

  let appUrl = r.str('APP_URL', `http://localhost:${port || 3000}`).replace(/\/+$/, '');
  try {
    const u = new URL(appUrl);
    if (!/^https?:$/.test(u.protocol)) throw new Error();
  } catch {
    r.problems.push(`APP_URL: expected an http(s) URL such as https://portal.example.com, got "${appUrl}"`);
    appUrl = 'http://localhost:3000';
  }

  const dataDir = path.resolve(cwd, r.str('DATA_DIR', './data'));
  const dbRaw = r.str('DATABASE_URL', `sqlite:${path.join(dataDir, 'kabinet.sqlite')}`);
  const parsedDb = parseDatabaseUrl(dbRaw, cwd);
  let database: DatabaseConfig = { type: 'sqlite', file: path.join(dataDir, 'kabinet.sqlite'), url: '' };
  if (typeof parsedDb === 'string') r.problems.push(`DATABASE_URL: ${parsedDb}`);
  else database = parsedDb;

  const smtpUrl = r.raw('SMTP_URL') ?? null;
  if (smtpUrl && !/^smtps?:\/\/[^/]+/i.test(smtpUrl)) {
    r.problems.push(`SMTP_URL: expected smtp://user:password@host:587 or smtps://host:465, got "${smtpUrl}"`);
  }

  const host = new URL(appUrl).hostname;
  const mailFrom = r.str('MAIL_FROM', `kabinet <noreply@${host.includes('.') ? host : `${host}.localdomain`}>`);
  const fromAddress = /<([^>]+)>\s*$/.exec(mailFrom)?.[1] ?? mailFrom;
  if (!isEmail(fromAddress)) r.problems.push(`MAIL_FROM: expected "Name <address@example.com>", got "${mailFrom}"`);

  const inbound = readInbound(r, host);

  const adminEmail = r.raw('ADMIN_EMAIL')?.toLowerCase() ?? null;
  const adminPassword = r.raw('ADMIN_PASSWORD') ?? null;
  if (adminEmail && !isEmail(adminEmail)) r.problems.push(`ADMIN_EMAIL: not an email address: "${adminEmail}"`);
  if ((adminEmail === null) !== (adminPassword === null)) {
    r.problems.push('ADMIN_EMAIL and ADMIN_PASSWORD: set both or neither');
  }
  if (adminPassword && adminPassword.length < 10) r.problems.push('ADMIN_PASSWORD: must be at least 10 characters');

  let secretKey = r.raw('SECRET_KEY');
  if (secretKey !== undefined && secretKey.length < 32) {
    r.problems.push('SECRET_KEY: must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  }

  const config: AppConfig = {
    env: nodeEnv,
    host: r.str('HOST', '127.0.0.1'),
    port,
    appUrl,
    secureCookies: appUrl.startsWith('https:'),
    trustProxy: r.bool('TRUST_PROXY', false),
    dataDir,
    database,
    smtpUrl,
    mailFrom,
    mailPoolSize: r.int('MAIL_POOL_SIZE', 5, 1, 100),
    mailRatePerSec: r.int('MAIL_RATE_PER_SEC', 0, 0, 100000),
    mailRetryBaseMs: r.int('MAIL_RETRY_BASE_MS', 30000, 1, 86400000),
    mailMaxAttempts: r.int('MAIL_MAX_ATTEMPTS', 8, 1, 100),
    relayIntervalMs: r.int('RELAY_INTERVAL_MS', 2000, 50, 3600000),
    secretKey: '',
    adminEmail,
    adminPassword,
    defaultLocale: r.oneOf('DEFAULT_LOCALE', 'ru', LOCALES),
    defaultTimeZone: readTimeZone(r),
    sessionTtlDays: r.int('SESSION_TTL_DAYS', 30, 1, 3650),
    login: {
      maxPerAccount: r.int('LOGIN_MAX_PER_ACCOUNT', 5, 1, 10000),
      maxPerIp: r.int('LOGIN_MAX_PER_IP', 30, 1, 100000),
      windowMinutes: r.int('LOGIN_WINDOW_MINUTES', 15, 1, 1440),
    },
    passwordResetTtlMinutes: r.int('PASSWORD_RESET_TTL_MINUTES', 60, 5, 10080),
    logLevel: r.oneOf('LOG_LEVEL', 'info', ['error', 'warn', 'info', 'debug'] as const),
    filesDir: path.resolve(cwd, r.str('FILES_DIR', path.join(dataDir, 'files'))),
    maxUploadBytes: r.int('MAX_UPLOAD_BYTES', 2 * 1024 ** 3, 1024, 1024 ** 4),
    webhookSecret: r.raw('WEBHOOK_SECRET') ?? null,
    signedLinkTtlHours: r.int('SIGNED_LINK_TTL_HOURS', 24, 1, 24 * 365),
    senderStaleSeconds: r.int('SENDER_STALE_SECONDS', 300, 1, 86400),
    senderBatchSize: r.int('SENDER_BATCH_SIZE', 200, 1, 5000),
    // With the inbound listener on, the mailto: half of List-Unsubscribe goes where kabinet itself reads it.
    unsubscribeMailto: r.str('UNSUBSCRIBE_MAILTO', inbound.port === null ? fromAddress : `unsubscribe@${inbound.domain}`),
    dkim: readDkim(r, cwd),
    inbound,
    refunds: readRefunds(r),
  };
  if (!isEmail(config.unsubscribeMailto)) r.problems.push(`UNSUBSCRIBE_MAILTO: not an email address: "${config.unsubscribeMailto}"`);
  if (config.webhookSecret !== null && config.webhookSecret.length < 16) r.problems.push('WEBHOOK_SECRET: must be at least 16 characters');

  if (r.problems.length) throw new ConfigError(r.problems);
  config.secretKey = secretKey ?? loadOrCreateSecretKey(dataDir);
  return config;
}

function readInbound(r: Reader, appHost: string): InboundConfig {
  const portRaw = r.raw('INBOUND_PORT');
  const isDomain = (d: string) => /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(d);
  // APP_URL may name a bare host or an IP address (http://127.0.0.1:3000): neither can take mail, so the default
  // is then a placeholder, and only an INBOUND_DOMAIN someone typed is refused.
  const host = appHost.toLowerCase();
  const isIp = /^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[');
  const fallback = isIp ? 'localhost.localdomain' : isDomain(host) ? host : isDomain(`${host}.localdomain`) ? `${host}.localdomain` : 'localhost.localdomain';
  let domain = (r.raw('INBOUND_DOMAIN') ?? fallback).toLowerCase();
  if (!isDomain(domain)) {
    r.problems.push(`INBOUND_DOMAIN: expected a domain name such as mail.example.com, got "${domain}"`);
    domain = fallback;
  }
  return {
    port: portRaw === undefined ? null : r.int('INBOUND_PORT', 0, 0, 65535),
    host: r.str('INBOUND_HOST', '127.0.0.1'),
    lmtp: r.bool('INBOUND_LMTP', false),
    domain,
    maxBytes: r.int('INBOUND_MAX_BYTES', 25 * 1024 ** 2, 1024, 1024 ** 3),
  };
}

function readRefunds(r: Reader): RefundsConfig {
  const url = (name: string, def: string): string => {
    const v = r.str(name, def).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/\s]+/i.test(v)) r.problems.push(`${name}: expected an http(s) URL, got "${v}"`);
    return v;
  };
  const pair = (a: string, b: string): [string, string] | null => {
    const x = r.raw(a);
    const y = r.raw(b);
    if ((x === undefined) !== (y === undefined)) r.problems.push(`${a} and ${b}: set both or neither`);
    return x !== undefined && y !== undefined ? [x, y] : null;
  };
  const yk = pair('YOOKASSA_SHOP_ID', 'YOOKASSA_SECRET_KEY');
  const ykIps = r.raw('YOOKASSA_WEBHOOK_IPS')?.split(/[\s,]+/).filter(Boolean) ?? YOOKASSA_NOTIFICATION_IPS;
  for (const ip of ykIps) if (!/^[0-9a-f:.]+(\/\d{1,3})?$/i.test(ip)) r.problems.push(`YOOKASSA_WEBHOOK_IPS: "${ip}" is not an address or a CIDR range`);
  const yookassaApi = url('YOOKASSA_API_URL', 'https://api.yookassa.ru/v3');
  const stripeKey = r.raw('STRIPE_SECRET_KEY');
  const stripeApi = url('STRIPE_API_URL', 'https://api.stripe.com/v1');
  const http = pair('REFUND_HTTP_URL', 'REFUND_HTTP_SECRET');
  if (http) {
    url('REFUND_HTTP_URL', http[0]);
    if (http[1].length < 16) r.problems.push('REFUND_HTTP_SECRET: must be at least 16 characters');
  }
  return {
    timeoutMs: r.int('REFUND_TIMEOUT_MS', 15000, 100, 120000),
    yookassa: yk ? { shopId: yk[0], secretKey: yk[1], apiUrl: yookassaApi, webhookIps: ykIps } : null,
    stripe: stripeKey ? { secretKey: stripeKey, apiUrl: stripeApi, webhookSecret: r.raw('STRIPE_WEBHOOK_SECRET') ?? null } : null,
    http: http ? { url: http[0].replace(/\/+$/, ''), secret: http[1] } : null,
  };
}

/** DKIM signing is on when all three variables are set; a half-configured DKIM is an error, not a silent no. */
/** `TZ` is also read by the C library, where `:/etc/localtime` or a POSIX rule are valid; only IANA names count here. */
function readTimeZone(r: Reader): string {
  const tz = r.str('TZ', 'UTC');
  if (isTimeZone(tz)) return tz;
  r.problems.push(`TZ: expected an IANA time zone such as Europe/Moscow or UTC, got "${tz}"`);
  return 'UTC';
}

/** An IANA zone name the runtime knows (Intl throws RangeError on anything else). */
export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function readDkim(r: Reader, cwd: string): AppConfig['dkim'] {
  const domainName = r.raw('DKIM_DOMAIN');
  const keySelector = r.raw('DKIM_SELECTOR');
  const file = r.raw('DKIM_PRIVATE_KEY_FILE');
  if (!domainName && !keySelector && !file) return null;
  if (!domainName || !keySelector || !file) {
    r.problems.push('DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE: set all three or none');
    return null;
  }
  try {
    const privateKey = fs.readFileSync(path.resolve(cwd, file), 'utf8');
    if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(privateKey)) throw new Error('not a PEM private key');
    return { domainName, keySelector, privateKey };
  } catch (e) {
    r.problems.push(`DKIM_PRIVATE_KEY_FILE: cannot read a PEM private key from ${file}: ${(e as Error).message}`);
    return null;
  }
}

/** Generated once and kept under the data directory, readable by the owner only. */
export function loadOrCreateSecretKey(dataDir: string): string {
  const file = path.join(dataDir, 'secret.key');
  fs.mkdirSync(dataDir, { recursive: true });
  let existing: string | null = null;
  try {
    existing = fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (existing !== null) {
    if (existing.length < 32) throw new ConfigError([`SECRET_KEY: ${file} holds a key shorter than 32 characters; delete it to generate a new one`]);
    return existing;
  }
  const key = randomBytes(32).toString('hex');
  try {
    fs.writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
    return key;
  } catch (e) {
    // Another instance created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw e;
  }
}

export const APP_CONFIG = Symbol('APP_CONFIG');
