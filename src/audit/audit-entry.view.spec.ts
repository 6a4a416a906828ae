import { AuditEntry } from './entities/audit-entry.entity';
import { AuditNamesRepository, Names, nameKey } from './audit-names.repository';
import { namesWanted, presentAuditEntry } from './audit-entry.view';

function row(o: Partial<AuditEntry>): AuditEntry {
  return { id: 1, actorUserId: null, actorLabel: 'system', action: 'auth.login', subjectType: null, subjectId: null, summary: '{}', ip: '', createdAt: new Date('2026-03-31T10:00:00Z'), ...o };
}
const text = (v: { sentence: { text: string }[] }) => v.sentence.map((s) => s.text).join('');

describe('audit entries as people read them', () => {
  const names: Names = new Map([
    [nameKey('product', 3), { name: 'Course A' }],
    [nameKey('lesson', 9), { name: 'Intro' }],
    [nameKey('grant', 5), { name: '#5', productId: 3 }],
    [nameKey('user', 7), { name: 'Ann', email: 'ann@example.com', role: 'client' }],
  ]);

  it('asks for every object an entry names, the product behind a grant included', () => {
    const req = namesWanted([
      row({ actorUserId: 2, subjectType: 'client', subjectId: '7', summary: JSON.stringify({ before: { grantId: 5 }, after: { lists: [4, 6] } }) }),
    ]);
    expect([...req.user!]).toEqual([2, 7]);
    expect([...req.grant!]).toEqual([5]);
    expect([...req.mailing_list!]).toEqual([4, 6]);
    expect(AuditNamesRepository).toBeDefined();
  });

  it('names the product of a grant from the grant, links it, and formats the change as before → after', () => {
    const v = presentAuditEntry('en', row({ action: 'grant.extend', actorLabel: 'webhook', subjectType: 'client', subjectId: '7', summary: JSON.stringify({ before: { grantId: 5, endsAt: null }, after: { grantId: 5, endsAt: '2031-03-31T20:59:59.999Z' }, reason: 'refund' }) }), names);
    expect(text(v)).toBe('Order webhook changed how long the client ann@example.com has access to “Course A”');
    expect(v.sentence.find((s) => s.text === 'Course A')?.href).toBe('/admin/products/3');
    expect(v.sentence.find((s) => s.text === 'ann@example.com')?.href).toBe('/admin/clients/7');
    const ends = v.details.find((d) => d.label === 'Access until')!;
    expect(ends.before).toEqual({ text: 'no end date' });
    expect(ends.value).toEqual({ date: new Date('2031-03-31T20:59:59.999Z') });
    expect(v.details.find((d) => d.label === 'Reason')?.value).toEqual({ text: 'refund' });
    expect(v.details.some((d) => d.label === 'grantId')).toBe(false);
  });

  it('formats sizes, money, yes/no and code values in the reader’s language', () => {
    const upload = presentAuditEntry('ru', row({ action: 'file.upload', subjectType: 'product', subjectId: '3', summary: JSON.stringify({ after: { lessonId: 9, name: 'a.pdf', sizeBytes: 193, sha256: 'ab' } }) }), names);
    expect(text(upload)).toBe('Система: к уроку «Intro» продукта «Course A» загружен файл «a.pdf»');
    expect(upload.details).toEqual([{ label: 'Размер', value: { text: '193 Б' } }]);
    const list = presentAuditEntry('ru', row({ action: 'mailing_list.create', subjectType: 'mailing_list', subjectId: '44', summary: JSON.stringify({ after: { name: 'News', isPublic: true, optIn: 'double' } }) }), names);
    expect(text(list)).toBe('Система: создан список рассылки #44');
    expect(list.details.map((d) => `${d.label}=${d.value.text}`)).toEqual(['Название=News', 'Публичный=да', 'Подтверждение подписки=двойное']);
  });

  it('names offboarding steps by their labels, one or several', () => {
    const done = presentAuditEntry('ru', row({ action: 'offboarding.step_done', subjectType: 'client', subjectId: '7', summary: JSON.stringify({ caseId: 2, name: 'revoke', attempts: 1 }) }), names);
    expect(text(done)).toContain('шаг Закрытие доступа выполнен');
    const retry = presentAuditEntry('en', row({ action: 'offboarding.retry', subjectType: 'client', subjectId: '7', summary: JSON.stringify({ caseId: 2, name: 'notice, refund' }) }), names);
    expect(text(retry)).toContain('the step Notice, Refund of offboarding');
  });

  it('an unknown action still reads, with its code', () => {
    expect(text(presentAuditEntry('en', row({ action: 'thing.happened' }), names))).toBe('System: thing.happened');
  });
});
