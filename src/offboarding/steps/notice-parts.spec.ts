import type { SiteSettings } from '../../settings/site-settings';
import { noticeTemplate } from '../notice-template';
import { alternativesOf, oneFullStop } from './notice-render';
import { paragraphs } from './notice.step';

describe('notice parts', () => {
  it('splits the text into paragraphs of lines for the HTML part, blank runs dropped', () => {
    expect(paragraphs('Hello Ann,\r\n\r\nWhat happens next:\n- one\n- two\n\n\n\nBye')).toEqual([['Hello Ann,'], ['What happens next:', '- one', '- two'], ['Bye']]);
  });

  it('reads the alternatives one a line, bullets and blanks dropped, and none before the setting exists', () => {
    expect(alternativesOf({ offboardingAlternatives: '- School A\n\n  • Course B  \r\nC' } as unknown as SiteSettings)).toEqual(['School A', 'Course B', 'C']);
    expect(alternativesOf({ offboardingAlternatives: '' })).toEqual([]);
  });
});

describe('oneFullStop', () => {
  it('drops the template’s full stop after a value that already ends with one', () => {
    const t = 'Доступ закрывается {{access_ends}}. Итого {{ refund }}. {{name}}.';
    expect(noticeTemplate.render(oneFullStop(t, { access_ends: '2 дек. 2026 г.', refund: 'ничего', name: 'Анна' }), { access_ends: '2 дек. 2026 г.', refund: 'ничего', name: 'Анна' } as never)).toBe(
      'Доступ закрывается 2 дек. 2026 г. Итого ничего. Анна.',
    );
  });

  it('and after one that ends with an exclamation or a question mark', () => {
    const vars = { alternatives: 'Школа А; курс Б — очень советуем!', name: 'Ann?' };
    expect(noticeTemplate.render(oneFullStop('Рекомендуем: {{alternatives}}. {{name}}.', vars), vars as never)).toBe('Рекомендуем: Школа А; курс Б — очень советуем! Ann?');
  });
});
