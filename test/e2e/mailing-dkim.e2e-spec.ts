import { createHash, createVerify, generateKeyPairSync, KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seedList, seedSubscribers, startCampaign } from '../factories/campaigns';
import { CampaignSender } from '../../src/mailing/sender/campaign-sender';
import { SmtpSink } from '../utils/smtp-sink';
import { startTestApp, TestApp } from '../utils/test-app';

/** A DKIM check (RFC 6376, relaxed/relaxed, rsa-sha256) of a message as received: body hash and signature. */
function verifyDkim(raw: string, publicKey: KeyObject): { signedHeaders: string[]; domain: string; selector: string } {
  const [headPart, ...bodyParts] = raw.split('\r\n\r\n');
  const body = bodyParts.join('\r\n\r\n');
  const fields = headPart.split(/\r\n(?![ \t])/);
  const sigField = fields.find((f) => /^dkim-signature:/i.test(f));
  if (!sigField) throw new Error('no DKIM-Signature');
  const tags = Object.fromEntries(
    sigField
      .slice(sigField.indexOf(':') + 1)
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')]),
  );
  const relaxedBody = body
    .split('\r\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').replace(/ $/, ''))
    .join('\r\n')
    .replace(/(\r\n)*$/, '\r\n');
  const bh = createHash('sha256').update(relaxedBody).digest('base64');
  if (bh !== tags.bh) throw new Error(`body hash mismatch: ${bh} vs ${tags.bh}`);
  const relaxed = (f: string) => {
    const i = f.indexOf(':');
    return `${f.slice(0, i).trim().toLowerCase()}:${f.slice(i + 1).replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim()}`;
  };
  const signedHeaders = tags.h.split(':').map((h: string) => h.toLowerCase());
  const used = new Map<string, number>();
  const lines: string[] = [];
  for (const name of signedHeaders) {
    const all = fields.filter((f) => f.slice(0, f.indexOf(':')).trim().toLowerCase() === name);
    const n = used.get(name) ?? 0;
    used.set(name, n + 1);
    const f = all[all.length - 1 - n]; // bottom-up for repeated names
    if (f) lines.push(relaxed(f));
  }
  const sigNoB = relaxed(sigField).replace(/([;:]\s*b=)[^;]*/, '$1'); // the b= tag's value is signed empty
  const data = lines.map((l) => `${l}\r\n`).join('') + sigNoB;
  const ok = createVerify('RSA-SHA256').update(data).verify(publicKey, tags.b, 'base64');
  if (!ok) throw new Error('DKIM signature does not verify');
  return { signedHeaders, domain: tags.d, selector: tags.s };
}

describe('DKIM signing of campaign mail', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let publicKey: KeyObject;
  let keyDir: string;
  beforeAll(async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    publicKey = pair.publicKey;
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-dkim-'));
    const keyFile = path.join(keyDir, 'dkim.pem');
    fs.writeFileSync(keyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    sink = await new SmtpSink().start();
    t = await startTestApp({ env: { SMTP_URL: sink.url, DKIM_DOMAIN: 'kabinet.test', DKIM_SELECTOR: 'kb1', DKIM_PRIVATE_KEY_FILE: keyFile } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
    fs.rmSync(keyDir, { recursive: true, force: true });
  });

  it('signs List-Unsubscribe and List-Unsubscribe-Post, and the signature verifies', async () => {
    const list = await seedList(t.db, 'Signed', 'signed');
    await seedSubscribers(t.db, list.id, 3, 'dkim');
    const { id } = await startCampaign(t.db, { subject: 'Signed mail', body: 'Hello {{name}}', listIds: [list.id] });
    await t.app.get(CampaignSender).runUntilDone(id, { pollMs: 20 });
    expect(sink.received).toHaveLength(3);
    for (const m of sink.received) {
      const v = verifyDkim(m.raw, publicKey);
      expect(v).toMatchObject({ domain: 'kabinet.test', selector: 'kb1' });
      expect(v.signedHeaders).toEqual(expect.arrayContaining(['from', 'subject', 'message-id', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post']));
    }
    // Tampering with the one-click header breaks the signature.
    const tampered = sink.received[0].raw.replace(/List-Unsubscribe-Post: List-Unsubscribe=One-Click/, 'List-Unsubscribe-Post: List-Unsubscribe=Nope');
    expect(() => verifyDkim(tampered, publicKey)).toThrow('does not verify');
  });
});
