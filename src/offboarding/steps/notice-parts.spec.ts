import type { SiteSettings } from '../../settings/site-settings';
import { alternativesOf } from './notice-render';
import { paragraphs } from './notice.step';

describe('notice parts', () => {
  it('splits the text into paragraphs of lines for the HTML part, blank runs dropped', () => {
    expect(paragraphs('Hello Ann,\r\n\r\nWhat happens next:\n- one\n- two\n\n\n\nBye')).toEqual([['Hello Ann,'], ['What happens next:', '- one', '- two'], ['Bye']]);
  });

  it('reads the alternatives one a line, bullets and blanks dropped, and none before the setting exists', () => {
    expect(alternativesOf({ offboardingAlternatives: '- School A\n\n  • Course B  \r\nC' } as unknown as SiteSettings)).toEqual(['School A', 'Course B', 'C']);
    expect(alternativesOf({} as SiteSettings)).toEqual([]);
  });
});
