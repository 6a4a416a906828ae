import { renderLessonMarkdown } from './lesson-markdown';

describe('renderLessonMarkdown', () => {
  it('renders Markdown and keeps only allow-listed embeds', () => {
    const html = renderLessonMarkdown(
      '# T\n\n[x](javascript:alert(1)) <iframe src="https://www.youtube.com/embed/a"></iframe><iframe src="https://youtube.com.evil.net/embed/a"></iframe><iframe src="https://vk.com/wall1"></iframe><svg onload=alert(1)></svg>',
    );
    expect(html).toContain('<h1>T</h1>');
    expect(html).toContain('<iframe src="https://www.youtube.com/embed/a"></iframe>');
    expect(html).not.toMatch(/evil|wall1|javascript|svg|onload/);
  });
});
