import { checkNotice, NoticeRule } from './notice-check';
import { DEFAULT_NOTICE, NOTICE_VARIABLES, noticeTemplate } from './notice-template';

const rules = (text: string, extra: Parameters<typeof checkNotice>[0] = { text }) => checkNotice({ ...extra, text }).map((h) => h.rule);

const GOOD_EN = [
  'Hello Anna,',
  'We have decided to end our work together. The terms of the course agreement were not kept, so your access to the course ends on 31 March.',
  'The full price of your order, 4 900 RUB, will be refunded to your card within ten days.',
  'You can download a copy of your data until then. For the topics you asked about, we recommend the courses of Design School.',
  'If circumstances change, we would be glad to work together again. Thank you for the time you spent with us, and all the best.',
].join('\n');

const GOOD_RU = [
  'Здравствуйте, Анна!',
  'Мы решили завершить наше сотрудничество. Условия договора не соблюдались, поэтому доступ к курсу закрывается 31 марта.',
  'Полная стоимость заказа, 4 900 ₽, вернётся на карту в течение десяти дней.',
  'До этого можно скачать копию своих данных. По темам, которые вас интересуют, рекомендуем курсы «Школы дизайна».',
  'Если обстоятельства изменятся, будем рады снова работать вместе. Спасибо за время, проведённое с нами, и всего доброго.',
].join('\n');

describe('checkNotice (seed 002: parting well)', () => {
  it('passes a notice that keeps to facts, recommends, ends well and leaves the door open, in both languages', () => {
    expect(rules(GOOD_EN)).toEqual([]);
    expect(rules(GOOD_RU)).toEqual([]);
  });

  it.each([
    ['You broke the contract several times.', 'en'],
    ['You failed to pay the second instalment.', 'en'],
    ["You didn't respect our schedule.", 'en'],
    ['You have repeatedly ignored the rules of the group.', 'en'],
    ['You were rude to our curators.', 'en'],
    ['This happened because of you.', 'en'],
    ['Вы нарушили условия договора.', 'ru'],
    ['Вы не оплатили вторую часть.', 'ru'],
    ['Вы постоянно требовали больше, чем было оговорено.', 'ru'],
    ['Вы неоднократно оскорбляли кураторов.', 'ru'],
    ['Всё это произошло по вашей вине.', 'ru'],
  ])('flags the blaming sentence "%s" (%s)', (sentence) => {
    const hints = checkNotice({ text: GOOD_EN + '\n' + sentence });
    expect(hints).toEqual([{ rule: 'blame', excerpt: sentence }]);
  });

  it('does not flag "you" that blames nobody', () => {
    for (const s of [
      'You can download your files until 31 March.',
      'If you have questions, you may reply to this letter.',
      'Вы можете скачать свои файлы до 31 марта.',
      'Если вы не против, мы пришлём копию данных.',
      'Вы не сможете войти после 31 марта.',
    ])
      expect(rules(GOOD_EN + '\n' + s)).toEqual([]);
  });

  it('names what is missing: an alternative, a positive close, an open door', () => {
    const bare = 'Hello. Your access ends on 31 March. The money will be refunded.';
    expect(rules(bare).sort()).toEqual<NoticeRule[]>(['no_alternative', 'no_open_door', 'no_positive_close']);
    const bareRu = 'Здравствуйте. Доступ закрывается 31 марта. Деньги вернутся на карту.';
    expect(rules(bareRu).sort()).toEqual<NoticeRule[]>(['no_alternative', 'no_open_door', 'no_positive_close']);
  });

  it('counts a configured alternative named in the text as a recommendation', () => {
    const text = 'Your access ends on 31 March. Design School teaches this too. Thank you, and if circumstances change, write to us.';
    expect(rules(text, { text, alternatives: [] })).toContain('no_alternative');
    expect(rules(text, { text, alternatives: ['Design School'] })).not.toContain('no_alternative');
  });

  it('points at a sentence that quotes the private notes', () => {
    const privateNotes = ['Called the curator an idiot in ticket #12 and threatened a bad review on every forum'];
    const leak = 'We know you threatened a bad review on every forum, which we cannot accept.';
    const hints = checkNotice({ text: GOOD_EN + '\n' + leak, privateNotes });
    expect(hints.filter((h) => h.rule === 'quotes_private')).toEqual([{ rule: 'quotes_private', excerpt: leak }]);
    expect(checkNotice({ text: GOOD_EN, privateNotes }).map((h) => h.rule)).toEqual([]);
  });

  it('reads a Russian leak of private notes with ё and punctuation differences', () => {
    const privateNotes = ['Грубил кураторам в чате, угрожал отзывами: «напишу везде, что школа — обман»'];
    const text = GOOD_RU + '\nВ чате прозвучало «напишу везде что школа обман», и это недопустимо.';
    expect(checkNotice({ text, privateNotes }).map((h) => h.rule)).toEqual(['quotes_private']);
  });
});

describe('the default notice (notice-template.ts)', () => {
  const vars = {
    en: { name: 'Anna', school: 'Design School', access_ends: '31 March 2027', refund: 'The full price, 4,900 RUB, is refunded to your card within 10 days.', export_link: 'https://school.example/account/export', alternatives: 'Skillbox, the «Typography» course by Ivan Petrov', contact: 'hello@school.example' },
    ru: { name: 'Анна', school: 'Школа дизайна', access_ends: '31 марта 2027', refund: 'Полная стоимость, 4 900 ₽, вернётся на карту в течение 10 дней.', export_link: 'https://school.example/account/export', alternatives: 'Skillbox, курс «Типографика» Ивана Петрова', contact: 'hello@school.example' },
  };

  it.each(['en', 'ru'] as const)('uses only its variables and passes the checker (%s)', (locale) => {
    const t = DEFAULT_NOTICE[locale];
    expect(noticeTemplate.problems(t.body)).toEqual([]);
    expect(noticeTemplate.problems(t.subject)).toEqual([]);
    const text = noticeTemplate.render(t.body, vars[locale]);
    expect(text).not.toContain('{{');
    expect(checkNotice({ text, privateNotes: ['Insulted the curators in three tickets'], alternatives: [] })).toEqual([]);
    for (const v of NOTICE_VARIABLES) expect(t.body).toContain(`{{${v}}}`);
  });
});
