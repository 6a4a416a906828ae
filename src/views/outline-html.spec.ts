import { escapeHtml } from './html';
import { outlineHtml } from './outline-html';
import type { OutlineView } from '../members/client-area/client-area.service';

const words = {
  t: (key: string, vars?: Record<string, unknown>) => (vars?.date ? `${key}<${vars.date}>` : key),
  opens: (d: Date | null) => (d ? d.toISOString().slice(0, 10) : ''),
};

function lesson(id: number, title: string, state: 'done' | 'open' | 'locked', current = false) {
  return { id, title, state, open: state !== 'locked', completed: state === 'done', opensAt: state === 'locked' ? new Date('2027-01-05T00:00:00Z') : null, current };
}

describe('outlineHtml (the lesson player sidebar)', () => {
  it('writes sections and lessons with their state, the current one as aria-current, and the date of a locked one', () => {
    const outline: OutlineView = {
      sections: [
        { title: null, lessons: [lesson(1, 'Intro', 'done')] },
        { title: 'Part 2', lessons: [lesson(2, 'Now', 'open', true), lesson(3, 'Later', 'locked')] },
      ],
      done: 1,
      total: 3,
      percent: 33,
    };
    const html = outlineHtml(outline, words);
    expect(html).toContain('<li class="outline-item is-done" data-test="outline-1" data-state="done"><a href="/account/lessons/1">');
    expect(html).toContain('<h3>Part 2</h3>');
    expect(html).toMatch(/data-test="outline-2" data-state="open"><a href="\/account\/lessons\/2" aria-current="page">.*\(player\.state_open, player\.current\)/);
    expect(html).toContain('<small class="outline-date">player.opens_on&lt;2027-01-05&gt;</small>');
    expect(html.match(/aria-current/g)).toHaveLength(1);
    expect(html.match(/<ol class="outline">/g)).toHaveLength(2);
  });

  it('escapes section and lesson titles and translated words', () => {
    const outline: OutlineView = { sections: [{ title: '<img src=x onerror=alert(1)>', lessons: [lesson(7, '"><script>alert(1)</script>', 'open')] }], done: 0, total: 1, percent: 0 };
    const html = outlineHtml(outline, { ...words, t: (k) => (k === 'player.state_open' ? '<b>open</b>' : k) });
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('(&lt;b&gt;open&lt;/b&gt;)');
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters, every time (no state kept between calls)', () => {
    for (let i = 0; i < 3; i++) expect(escapeHtml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&#39;f');
    expect(escapeHtml('plain')).toBe('plain');
  });
});
