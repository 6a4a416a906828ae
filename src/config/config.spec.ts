import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig, parseDatabaseUrl } from './config';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-cfg-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('loadConfig', () => {
  it('gives the embedded defaults from an empty environment', () => {
    const dir = tmp();
    const c = loadConfig({}, dir);
    expect(c.port).toBe(3000);
    expect(c.appUrl).toBe('http://localhost:3000');
    expect(c.database).toEqual({ type: 'sqlite', file: path.join(dir, 'data', 'kabinet.sqlite'), url: `sqlite:${path.join(dir, 'data', 'kabinet.sqlite')}` });
    expect(c.smtpUrl).toBeNull();
    expect(c.defaultLocale).toBe('ru');
    expect(c.secureCookies).toBe(false);
    expect(c.secretKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('runs in production unless NODE_ENV says otherwise: the fast path is what `npm start` gets', () => {
    expect(loadConfig({}, tmp()).env).toBe('production');
    expect(loadConfig({ NODE_ENV: '' }, tmp()).env).toBe('production');
    expect(loadConfig({ NODE_ENV: 'development' }, tmp()).env).toBe('development');
    expect(loadConfig({ NODE_ENV: 'test' }, tmp()).env).toBe('test');
    expect(() => loadConfig({ NODE_ENV: 'staging' }, tmp())).toThrow(/NODE_ENV: expected one of development, production, test/);
  });

  it('generates SECRET_KEY once, stores it with 0600 permissions, and reuses it', () => {
    const dir = tmp();
    const a = loadConfig({}, dir);
    const file = path.join(dir, 'data', 'secret.key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({}, dir).secretKey).toBe(a.secretKey);
  });

  it('refuses a stored key that is too short', () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'secret.key'), '\n');
    expect(() => loadConfig({}, dir)).toThrow(ConfigError);
  });

  it('lists every bad variable in one error', () => {
    const dir = tmp();
    let err: unknown;
    try {
      loadConfig(
        {
          PORT: 'eighty',
          APP_URL: 'ftp://x',
          DATABASE_URL: 'postgres://nope',
          SMTP_URL: 'mail.example.com',
          SECRET_KEY: 'short',
          ADMIN_EMAIL: 'owner@example.com',
          DEFAULT_LOCALE: 'de',
          TRUST_PROXY: 'maybe',
        },
        dir,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const v of ['PORT', 'APP_URL', 'DATABASE_URL', 'SMTP_URL', 'SECRET_KEY', 'ADMIN_EMAIL and ADMIN_PASSWORD', 'DEFAULT_LOCALE', 'TRUST_PROXY']) {
      expect(problems).toContain(v);
    }
    expect(fs.existsSync(path.join(dir, 'data', 'secret.key'))).toBe(false);
  });

  it('uses Secure cookies when APP_URL is https', () => {
    expect(loadConfig({ APP_URL: 'https://portal.example.com/', SECRET_KEY: 'x'.repeat(40) }, tmp())).toMatchObject({
      appUrl: 'https://portal.example.com',
      secureCookies: true,
    });
  });
});

describe('parseDatabaseUrl', () => {
  it('reads MySQL URLs with encoded credentials', () => {
    expect(parseDatabaseUrl('mysql://kab%40inet:p%2Fw@db.example.com:3307/kabinet', '/x')).toMatchObject({
      type: 'mysql',
      host: 'db.example.com',
      port: 3307,
      username: 'kab@inet',
      password: 'p/w',
      database: 'kabinet',
    });
  });

  it('resolves SQLite paths against the working directory', () => {
    expect(parseDatabaseUrl('sqlite:./data/x.sqlite', '/srv/app')).toMatchObject({ type: 'sqlite', file: '/srv/app/data/x.sqlite' });
    expect(parseDatabaseUrl('mysql://host', '/x')).toEqual(expect.any(String));
  });
});

describe('DKIM configuration', () => {
  const base = { SECRET_KEY: 'k'.repeat(40) };
  it('is off when none of the three variables is set, and an error when only some are', () => {
    expect(loadConfig(base, '/tmp').dkim).toBeNull();
    expect(() => loadConfig({ ...base, DKIM_DOMAIN: 'example.com' }, '/tmp')).toThrow(/DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE: set all three or none/);
    expect(() => loadConfig({ ...base, DKIM_DOMAIN: 'example.com', DKIM_SELECTOR: 's', DKIM_PRIVATE_KEY_FILE: '/nonexistent/key.pem' }, '/tmp')).toThrow(
      /DKIM_PRIVATE_KEY_FILE: cannot read a PEM private key/,
    );
  });
});

describe('inbound listener configuration', () => {
  it('is off by default, with the domain of APP_URL and a 25 MiB limit; the unsubscribe mailto stays MAIL_FROM', () => {
    const c = loadConfig({ APP_URL: 'https://portal.example.com' }, tmp());
    expect(c.inbound).toEqual({ port: null, host: '127.0.0.1', lmtp: false, domain: 'portal.example.com', maxBytes: 25 * 1024 ** 2 });
    expect(c.unsubscribeMailto).toBe('noreply@portal.example.com');
  });

  it('reads every variable; with the listener on, the unsubscribe mailto defaults to an address it receives', () => {
    const c = loadConfig(
      { APP_URL: 'https://portal.example.com', INBOUND_PORT: '2424', INBOUND_HOST: '0.0.0.0', INBOUND_LMTP: 'yes', INBOUND_DOMAIN: 'In.Example.com', INBOUND_MAX_BYTES: '1048576' },
      tmp(),
    );
    expect(c.inbound).toEqual({ port: 2424, host: '0.0.0.0', lmtp: true, domain: 'in.example.com', maxBytes: 1048576 });
    expect(c.unsubscribeMailto).toBe('unsubscribe@in.example.com');
    expect(loadConfig({ INBOUND_PORT: '0', UNSUBSCRIBE_MAILTO: 'stop@example.com' }, tmp()).unsubscribeMailto).toBe('stop@example.com');
  });

  it('defaults the inbound domain to a placeholder when APP_URL names an IP address or a bare host', () => {
    expect(loadConfig({ APP_URL: 'http://127.0.0.1:3000' }, tmp()).inbound.domain).toBe('localhost.localdomain');
    expect(loadConfig({ APP_URL: 'http://portal:3000' }, tmp()).inbound.domain).toBe('portal.localdomain');
  });

  it('lists every bad inbound variable', () => {
    let err: ConfigError | null = null;
    try {
      loadConfig({ INBOUND_PORT: '70000', INBOUND_LMTP: 'maybe', INBOUND_DOMAIN: 'not a domain', INBOUND_MAX_BYTES: '12' }, tmp());
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems.map((p) => p.split(':')[0]).sort()).toEqual(['INBOUND_DOMAIN', 'INBOUND_LMTP', 'INBOUND_MAX_BYTES', 'INBOUND_PORT']);
  });
});
