import type { Locale } from '../config/config';
import { textTemplate } from '../common/text-template';

/**
 * The offboarding notice: what the client receives, in their language, edited by the admin in the preview.
 * The default follows seed 002 — facts, not blame ("the terms were not kept"); what happens to access and money
 * and when; an offer to export their data; alternatives; a positive closing; a door left open — and passes
 * checkNotice() (notice-check.ts) in both languages, which the tests hold it to.
 */
export const NOTICE_VARIABLES = ['name', 'school', 'access_ends', 'refund', 'export_link', 'alternatives', 'contact'] as const;
export type NoticeVariable = (typeof NOTICE_VARIABLES)[number];
export const noticeTemplate = textTemplate(NOTICE_VARIABLES);

export interface NoticeText {
  subject: string;
  body: string;
}

export const DEFAULT_NOTICE: Record<Locale, NoticeText> = {
  en: {
    subject: 'Our work together at {{school}}',
    body: [
      'Hello {{name}},',
      '',
      'After careful thought we have decided to end our work together. The terms agreed at the start could not be kept on both sides, and we would rather say so openly than continue in a way that serves no one.',
      '',
      'What happens next:',
      '- Access to the courses ends on {{access_ends}}.',
      '- {{refund}}',
      '- Until then you can have a copy of your data: {{export_link}}.',
      '',
      'For the topics you came to us for, we recommend: {{alternatives}}.',
      '',
      'Thank you for the time you spent with us; we appreciated the chance to work together. If circumstances change, we would be glad to hear from you again: {{contact}}',
      '',
      '{{school}}',
    ].join('\n'),
  },
  ru: {
    subject: 'О нашем сотрудничестве в {{school}}',
    body: [
      'Здравствуйте, {{name}}!',
      '',
      'Мы всё обдумали и решили завершить наше сотрудничество. Условия, о которых мы договаривались в начале, не удалось соблюдать с обеих сторон, и честнее сказать об этом прямо, чем продолжать так, как не подходит никому.',
      '',
      'Что будет дальше:',
      '- Доступ к курсам закрывается {{access_ends}}.',
      '- {{refund}}',
      '- До этого дня можно получить копию своих данных: {{export_link}}.',
      '',
      'По темам, ради которых вы пришли к нам, рекомендуем: {{alternatives}}.',
      '',
      'Спасибо за время, проведённое с нами, — нам было ценно поработать вместе. Если обстоятельства изменятся, будем рады снова получить от вас письмо: {{contact}}',
      '',
      '{{school}}',
    ].join('\n'),
  },
};
