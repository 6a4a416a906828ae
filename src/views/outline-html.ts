import type { LessonState, OutlineView } from '../members/client-area/client-area.service';
import { escapeHtml } from './html';

export interface OutlineWords {
  /** The translator of the page (`player.*` keys). */
  t: (key: string, vars?: Record<string, unknown>) => string;
  /** When a locked lesson opens, as the `opens` filter writes it. */
  opens: (d: Date | null) => string;
}

/**
 * The lesson player's curriculum sidebar: sections, and each lesson done, open or locked (with its date), the
 * current one marked `aria-current`.
 *
 * Written here rather than as a Nunjucks loop because it is the one loop of the busiest page that runs for every
 * lesson of a course: a Nunjucks `for` sets eight loop variables per item through `Frame.set` and looks every
 * name up through the frame chain, which made this list cost more than the rest of the page together (about
 * 3 µs a lesson, 150 µs for a 50-lesson course; as a string built here, under 10 µs). Every value is escaped;
 * the markup is the same the template wrote (views/members/lesson.njk includes it where the loop was).
 */
export function outlineHtml(outline: OutlineView, w: OutlineWords): string {
  const state: Record<LessonState, string> = {
    done: escapeHtml(w.t('player.state_done')),
    open: escapeHtml(w.t('player.state_open')),
    locked: escapeHtml(w.t('player.state_locked')),
  };
  const current = escapeHtml(w.t('player.current'));
  let html = '';
  for (const s of outline.sections) {
    html += '<div class="outline-section">';
    if (s.title) html += `<h3>${escapeHtml(s.title)}</h3>`;
    html += '<ol class="outline">';
    for (const l of s.lessons) {
      html +=
        `<li class="outline-item is-${l.state}${l.current ? ' is-current' : ''}" data-test="outline-${l.id}" data-state="${l.state}">` +
        `<a href="/account/lessons/${l.id}"${l.current ? ' aria-current="page"' : ''}>` +
        '<span class="outline-mark" aria-hidden="true"></span>' +
        `<span class="outline-title">${escapeHtml(l.title)} <span class="visually-hidden">(${state[l.state]}${l.current ? `, ${current}` : ''})</span></span>` +
        (l.open ? '' : `<small class="outline-date">${escapeHtml(w.t('player.opens_on', { date: w.opens(l.opensAt) }))}</small>`) +
        '</a></li>';
    }
    html += '</ol></div>';
  }
  return html;
}
