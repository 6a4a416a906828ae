import { linkify } from './linkify';

const a = (href: string, text = href) => `<a href="${href}" rel="nofollow noopener noreferrer ugc">${text}</a>`;

describe('linkify', () => {
  it('escapes everything that is not a link', () => {
    expect(linkify('<b>hi</b> & "you" \'x\'')).toBe('&lt;b&gt;hi&lt;/b&gt; &amp; &quot;you&quot; &#39;x&#39;');
    expect(linkify('"><script>alert(1)</script>')).toBe('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(linkify('')).toBe('');
  });

  it('links http(s), www. and e-mail addresses, keeping line breaks', () => {
    expect(linkify('see https://example.com/a?b=1&c=2\nor www.example.org')).toBe(
      `see ${a('https://example.com/a?b=1&amp;c=2')}\nor ${a('http://www.example.org', 'www.example.org')}`,
    );
    expect(linkify('write to ann.b+tickets@mail.example.ru please')).toBe(`write to ${a('mailto:ann.b+tickets@mail.example.ru', 'ann.b+tickets@mail.example.ru')} please`);
    expect(linkify('HTTP://EXAMPLE.COM')).toBe(a('HTTP://EXAMPLE.COM'));
  });

  it('leaves the sentence’s punctuation and unopened brackets outside the link', () => {
    expect(linkify('Go to https://example.com/x.')).toBe(`Go to ${a('https://example.com/x')}.`);
    expect(linkify('(see https://example.com/x), then')).toBe(`(see ${a('https://example.com/x')}), then`);
    expect(linkify('https://en.wikipedia.org/wiki/Foo_(bar)')).toBe(a('https://en.wikipedia.org/wiki/Foo_(bar)'));
    expect(linkify('[https://example.com/a]')).toBe(`[${a('https://example.com/a')}]`);
    expect(linkify('Really? https://example.com/?q=1!?')).toBe(`Really? ${a('https://example.com/?q=1')}!?`);
    expect(linkify('«https://пример.рф/урок»')).toBe(`«${a('https://пример.рф/урок')}»`);
    expect(linkify('mail me: ann@example.com.')).toBe(`mail me: ${a('mailto:ann@example.com', 'ann@example.com')}.`);
  });

  it('never links javascript:, data: or a bare scheme', () => {
    expect(linkify('javascript:alert(1)')).toBe('javascript:alert(1)');
    expect(linkify('JaVaScRiPt:alert(document.cookie)')).toBe('JaVaScRiPt:alert(document.cookie)');
    expect(linkify('data:text/html;base64,PHNjcmlwdD4=')).toBe('data:text/html;base64,PHNjcmlwdD4=');
    expect(linkify('http:// and https://. and www.')).toBe('http:// and https://. and www.');
    expect(linkify('xhttp://example.com')).toBe('xhttp://example.com');
  });

  it('an attribute or tag smuggled into an address stays text', () => {
    expect(linkify('http://x/"onmouseover=alert(1)')).toBe(`${a('http://x/')}&quot;onmouseover=alert(1)`);
    expect(linkify("http://x/'onmouseover='alert(1)")).toBe(`${a('http://x/&#39;onmouseover=&#39;alert(1)')}`);
    expect(linkify('http://x/<script>alert(1)</script>')).toBe(`${a('http://x/')}&lt;script&gt;alert(1)&lt;/script&gt;`);
    expect(linkify('www.x.com/`onclick=1`')).toBe(`${a('http://www.x.com/', 'www.x.com/')}\`onclick=1\``);
    expect(linkify('<a href="javascript:alert(1)">x</a>')).toBe('&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;');
    expect(linkify('https://x.com/&quot;&gt;')).toBe(`${a('https://x.com/&amp;quot;&amp;gt')};`);
  });

  it('does not link an address inside another one twice', () => {
    expect(linkify('https://user@example.com/www.x.com')).toBe(a('https://user@example.com/www.x.com'));
    expect(linkify('ann@www.example.com')).toBe(a('mailto:ann@www.example.com', 'ann@www.example.com'));
  });
});
