import * as fs from 'node:fs';
import * as path from 'node:path';
import { bounceVerdict, readReport } from './delivery-report';

const FIXTURES = path.join(__dirname, '../../test/fixtures/inbound');

function report(file: string) {
  const raw = fs
    .readFileSync(path.join(FIXTURES, file), 'utf8')
    .replace(/\{\{BOUNCE_ADDRESS\}\}/g, 'bounce+r1-abc-aaaaaaaaaaaaaaaa@in.kabinet.test')
    .replace(/\{\{RECIPIENT\}\}/g, 'Maria@Example.net');
  const head = raw.slice(0, raw.search(/\r?\n\r?\n/)).replace(/\r?\n[ \t]+/g, ' ');
  const ct = /^content-type:\s*([^;\s]+)/im.exec(head)![1];
  const boundary = /boundary="?([^";\s]+)"?/i.exec(head)?.[1];
  const type = /report-type=([\w-]+)/i.exec(head)?.[1];
  return readReport(Buffer.from(raw), ct, boundary, type);
}

describe('readReport / bounceVerdict', () => {
  it('a Postfix hard bounce: failed, 5.1.1, the final recipient', () => {
    const r = report('postfix-hard-bounce.eml')!;
    expect(r).toEqual({ kind: 'dsn', recipients: [expect.objectContaining({ finalRecipient: 'maria@example.net', action: 'failed', status: '5.1.1' })] });
    expect(bounceVerdict(r)).toMatchObject({ kind: 'hard', status: '5.1.1', recipient: 'maria@example.net' });
  });

  it('a Gmail hard bounce (the report after a multipart/related notification)', () => {
    const r = report('gmail-hard-bounce.eml')!;
    expect(bounceVerdict(r)).toMatchObject({ kind: 'hard', status: '5.1.1', recipient: 'maria@example.net' });
    expect(bounceVerdict(r)!.detail).toContain('double-checking the recipient');
  });

  it('a delay warning is soft', () => {
    expect(bounceVerdict(report('postfix-delayed.eml')!)).toMatchObject({ kind: 'soft', status: '4.2.2' });
  });

  it('an ARF report is a complaint about the original recipient', () => {
    const r = report('arf-complaint.eml')!;
    expect(r).toEqual({ kind: 'feedback', feedbackType: 'abuse', originalRcptTo: 'maria@example.net' });
    expect(bounceVerdict(r)!.kind).toBe('complaint');
  });

  it('an ordinary mail is no report', () => {
    expect(report('out-of-office.eml')).toBeNull();
  });

  it('a failure with a 4.x.x status (the queue gave up) is soft, not a reason to suppress', () => {
    expect(bounceVerdict({ kind: 'dsn', recipients: [{ finalRecipient: 'a@b.c', action: 'failed', status: '4.4.7', diagnostic: '' }] })!.kind).toBe('soft');
  });
});
