import { classifyMail, headerLookup } from './auto-reply';

const lookup = (headers: Record<string, string>) => {
  const lines = Object.entries(headers).map(([k, v]) => ({ key: k.toLowerCase(), line: `${k}: ${v}` }));
  return headerLookup(lines);
};

describe('classifyMail', () => {
  it('a person writing is not automatic', () => {
    expect(classifyMail(lookup({ From: 'a@example.com', Subject: 'Hi' }), 'a@example.com')).toEqual({ isAutomatic: false, reasons: [] });
  });

  it('Auto-Submitted other than no is automatic; "no" is not', () => {
    expect(classifyMail(lookup({ 'Auto-Submitted': 'auto-replied' }), 'a@x.com').isAutomatic).toBe(true);
    expect(classifyMail(lookup({ 'Auto-Submitted': 'auto-generated; owner-email="x@y"' }), 'a@x.com').isAutomatic).toBe(true);
    expect(classifyMail(lookup({ 'Auto-Submitted': 'No' }), 'a@x.com').isAutomatic).toBe(false);
  });

  it.each(['bulk', 'list', 'junk', 'Bulk'])('Precedence: %s is automatic', (p) => {
    expect(classifyMail(lookup({ Precedence: p }), 'a@x.com').reasons).toEqual([`precedence: ${p.toLowerCase()}`]);
  });

  it('Precedence: first-class is not', () => {
    expect(classifyMail(lookup({ Precedence: 'first-class' }), 'a@x.com').isAutomatic).toBe(false);
  });

  it('X-Autoreply, X-Autorespond, X-Auto-Response-Suppress and List-Id are automatic', () => {
    expect(classifyMail(lookup({ 'X-Autoreply': 'yes' }), 'a@x.com').isAutomatic).toBe(true);
    expect(classifyMail(lookup({ 'X-Autorespond': 'On vacation' }), 'a@x.com').isAutomatic).toBe(true);
    expect(classifyMail(lookup({ 'X-Auto-Response-Suppress': 'All' }), 'a@x.com').isAutomatic).toBe(true);
    expect(classifyMail(lookup({ 'List-Id': '<news.example.com>' }), 'a@x.com').reasons).toEqual(['list-id']);
  });

  it('an empty Return-Path or the null sender is automatic', () => {
    expect(classifyMail(lookup({ 'Return-Path': '<>' }), 'a@x.com').reasons).toEqual(['return-path: <>']);
    expect(classifyMail(lookup({}), '').reasons).toEqual(['null sender']);
    expect(classifyMail(lookup({ 'Return-Path': '<a@x.com>' }), 'a@x.com').isAutomatic).toBe(false);
  });

  it('reads folded header lines and the first of repeated headers', () => {
    const h = headerLookup([
      { key: 'auto-submitted', line: 'Auto-Submitted:\r\n auto-replied' },
      { key: 'auto-submitted', line: 'Auto-Submitted: no' },
    ]);
    expect(h('Auto-Submitted')).toBe('auto-replied');
  });
});
