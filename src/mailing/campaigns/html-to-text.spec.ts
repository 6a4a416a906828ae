import { htmlToText } from './html-to-text';

describe('htmlToText', () => {
  it('keeps blocks, list items and link addresses, and decodes entities', () => {
    const text = htmlToText('<h2>News</h2><p>Hello, <strong>Ann</strong> &amp; co.<br>Line two</p><ul><li>One</li><li><a href="https://x.test/?a=1&amp;b=2">Two</a></li></ul>');
    expect(text).toBe('News\n\nHello, Ann & co.\nLine two\n\n- One\n- Two (https://x.test/?a=1&b=2)');
  });

  it('prints a bare link once', () => {
    expect(htmlToText('<p><a href="https://x.test/">https://x.test/</a></p>')).toBe('https://x.test/');
  });
});
