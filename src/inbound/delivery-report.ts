/**
 * Reads the machine part of a multipart/report (RFC 6522): a delivery status notification
 * (`report-type=delivery-status`, RFC 3464) or an abuse feedback report (`report-type=feedback-report`, ARF,
 * RFC 5965). mailparser folds a message/delivery-status part into the text of the mail, so the part is found
 * here, in the raw message: it is a direct child of the multipart/report (RFC 6522 §3).
 */
export interface DsnRecipient {
  finalRecipient: string;
  action: string;
  /** `5.1.1`, `4.2.2`, … ('' when the report has none). */
  status: string;
  diagnostic: string;
}

export type DeliveryReport =
  | { kind: 'dsn'; recipients: DsnRecipient[] }
  | { kind: 'feedback'; feedbackType: string; originalRcptTo: string };

/** What a bounce means for the address: a hard bounce suppresses it, a soft one is only recorded. */
export type BounceVerdict = { kind: 'hard' | 'soft' | 'delivered' | 'complaint'; status: string; recipient: string; detail: string };

export function readReport(raw: Buffer, contentType: string, boundary: string | undefined, reportType: string | undefined): DeliveryReport | null {
  if (contentType.toLowerCase() !== 'multipart/report' || !boundary) return null;
  const wanted = reportType?.toLowerCase() === 'feedback-report' ? 'message/feedback-report' : 'message/delivery-status';
  const body = findPart(raw.toString('latin1'), boundary, wanted);
  if (body === null) return null;
  const groups = fieldGroups(body);
  if (wanted === 'message/feedback-report') {
    const f = groups[0] ?? new Map<string, string>();
    return { kind: 'feedback', feedbackType: (f.get('feedback-type') ?? '').toLowerCase(), originalRcptTo: stripAddress(f.get('original-rcpt-to') ?? '') };
  }
  // The first group is about the message; every later one is about one recipient.
  const recipients = groups
    .slice(1)
    .filter((g) => g.has('final-recipient') || g.has('action'))
    .map((g) => ({
      finalRecipient: stripAddress(g.get('final-recipient') ?? g.get('original-recipient') ?? ''),
      action: (g.get('action') ?? '').toLowerCase(),
      status: /\d\.\d{1,3}\.\d{1,3}/.exec(g.get('status') ?? '')?.[0] ?? '',
      diagnostic: (g.get('diagnostic-code') ?? '').slice(0, 400),
    }));
  return { kind: 'dsn', recipients };
}

/** The verdict on one report: the worst of its recipients (a report names every address the mail had, usually one). */
export function bounceVerdict(report: DeliveryReport): BounceVerdict | null {
  if (report.kind === 'feedback') {
    return { kind: 'complaint', status: '', recipient: report.originalRcptTo, detail: `complaint: ${report.feedbackType || 'abuse'}` };
  }
  let best: BounceVerdict | null = null;
  const rank = { hard: 3, soft: 2, delivered: 1, complaint: 4 } as const;
  for (const r of report.recipients) {
    // Action: failed with a 5.x.x status is permanent; a 4.x.x failure (the queue gave up on an unreachable
    // host) and `delayed` are temporary, the address may well work tomorrow.
    const kind: BounceVerdict['kind'] =
      r.action === 'failed' && r.status.startsWith('5') ? 'hard'
      : r.action === 'failed' || r.action === 'delayed' || r.status.startsWith('4') ? 'soft'
      : r.status.startsWith('5') ? 'hard'
      : 'delivered';
    const v: BounceVerdict = { kind, status: r.status, recipient: r.finalRecipient, detail: `${r.action || '?'} ${r.status} ${r.diagnostic}`.trim() };
    if (!best || rank[kind] > rank[best.kind]) best = v;
  }
  return best;
}

function stripAddress(v: string): string {
  // `rfc822; user@example.com` or `<user@example.com>`
  return v.replace(/^\s*rfc822\s*;/i, '').replace(/[<>]/g, '').trim().toLowerCase();
}

/** The body of the first direct child part of the given type, transfer-decoded; null when there is none. */
function findPart(raw: string, boundary: string, type: string): string | null {
  const delimiter = `--${boundary}`;
  const lines = raw.split(/\r?\n/);
  let part: string[] | null = null;
  const parts: string[][] = [];
  for (const line of lines) {
    if (line.startsWith(delimiter)) {
      if (part) parts.push(part);
      if (line.startsWith(`${delimiter}--`)) {
        part = null;
        break;
      }
      part = [];
      continue;
    }
    part?.push(line);
  }
  for (const p of parts) {
    const blank = p.indexOf('');
    const head = unfold(blank < 0 ? p : p.slice(0, blank));
    const ct = /^content-type:\s*([^;\s]+)/im.exec(head)?.[1]?.toLowerCase();
    if (ct !== type) continue;
    const body = blank < 0 ? '' : p.slice(blank + 1).join('\n');
    const cte = /^content-transfer-encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
    if (cte === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    if (cte === 'quoted-printable') return body.replace(/=\r?\n/g, '').replace(/=([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return body;
  }
  return null;
}

function unfold(lines: string[]): string {
  return lines.join('\n').replace(/\n[ \t]+/g, ' ');
}

/** RFC 3464 §2.1: groups of `Name: value` fields separated by blank lines, continuation lines folded. */
function fieldGroups(body: string): Map<string, string>[] {
  const groups: Map<string, string>[] = [];
  for (const chunk of body.split(/\n[ \t]*\n/)) {
    const g = new Map<string, string>();
    for (const line of unfold(chunk.split('\n')).split('\n')) {
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line.trim());
      if (m && !g.has(m[1].toLowerCase())) g.set(m[1].toLowerCase(), m[2].trim());
    }
    if (g.size) groups.push(g);
  }
  return groups;
}
