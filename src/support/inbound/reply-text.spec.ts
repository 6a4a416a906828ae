import * as fs from 'node:fs';
import * as path from 'node:path';
import { simpleParser } from 'mailparser';
import { extractReply } from './reply-text';

const FIXTURES = path.join(__dirname, '../../../test/fixtures/mail/replies');

/** Parsed as the inbound listener parses (src/inbound/inbound-receiver.ts). */
async function parse(file: string) {
  const mail = await simpleParser(fs.readFileSync(path.join(FIXTURES, file)), { skipTextToHtml: true, skipTextLinks: true });
  return { text: mail.text ?? null, html: mail.html || null };
}

// What every fixture quotes: the support message the client answers (and, in some, the client's first message).
const HISTORY_EN = ['Thank you for your message', 'Kabinet Support', 'Best regards,\nAnna'];
const HISTORY_RU = ['Спасибо за обращение', 'Служба поддержки', 'С уважением,\nАнна'];

describe('extractReply on replies from mail apps (test/fixtures/mail/replies)', () => {
  const cases: [file: string, kept: string, history: string[]][] = [
    ['gmail-en.eml', 'Hi Anna,\n\nThanks, clearing the cache fixed it. The lesson opens now.\n\nJohn', [...HISTORY_EN, 'Smith Consulting', 'wrote:']],
    ['gmail-ru.eml', 'Добрый день, Анна!\n\nСпасибо, после очистки кэша урок открылся.\n\nИван', [...HISTORY_RU, 'дек. 2026 г.']],
    ['outlook-en.eml', 'Hi Anna,\n\nIt works now, thank you. One more thing: can I download lesson 3 as a PDF?', [...HISTORY_EN, 'From:', 'Sent:']],
    ['outlook-ru.eml', 'Анна, добрый день!\n\nВсё заработало, спасибо.\nПодскажите ещё, можно ли скачать материалы урока в PDF?', [...HISTORY_RU, 'Исходное', 'От:', 'Тема:']],
    ['outlook-web-en.eml', 'Sure, Thursday at 15:00 works for me.', ['Get Outlook', '____', 'From:', 'Would Thursday']],
    ['outlook-web-ru.eml', 'Анна, спасибо, всё получилось.\n\nИван Петров', [...HISTORY_RU, '____', 'Отправлено:', 'Кому:']],
    ['apple-en.eml', 'Thank you, it works on my iPad too.', [...HISTORY_EN, 'Sent from my iPhone', 'wrote:']],
    ['apple-ru.eml', 'Анна, спасибо! Урок открылся.', [...HISTORY_RU, 'Хорошего дня', 'написал(а)']],
    ['thunderbird-en.eml', 'It is lesson 3, and I use Firefox 133. After clearing the cache it works, so the problem is solved for me.', [...HISTORY_EN, 'wrote:', '>', 'John Smith', 'does not open']],
    ['thunderbird-ru.eml', 'Анна, добрый день.\n\nУрок открылся после обновления браузера, спасибо.', [...HISTORY_RU, 'пишет:']],
    ['yandex-ru.eml', 'Здравствуйте, Анна!\n\nСпасибо, теперь всё работает.', [...HISTORY_RU, 'Иван Петров', '01.12.2026']],
    ['mailru-ru.eml', 'Хорошо, жду ссылку на консультацию.', [...HISTORY_RU, 'Mail.ru', 'Вторник']],
    [
      'inline-en.eml',
      'Hi Anna, answers below.\n\n' +
        '> 1. Which lesson does not open?\nLesson 3, "Pricing your consultations".\n\n' +
        '> 2. Which browser do you use?\nFirefox 133 on Windows 11.\nIt also fails in Edge.',
      [...HISTORY_EN, 'wrote:', 'Hello John', 'does not open, the page'],
    ],
    [
      'inline-ru.eml',
      '> 1. Какой урок не открывается?\nУрок 3 «Цены на консультации».\n\n' +
        '> 2. Каким браузером вы пользуетесь?\nЯндекс Браузер, последняя версия.',
      [...HISTORY_RU, 'пишет:', 'Здравствуйте, Иван', 'страница остаётся пустой', '--'],
    ],
    ['html-only-en.eml', 'Hi Anna,\n\n> 1. Which lesson does not open?\nLesson 3 – the one about pricing & offers.', [...HISTORY_EN, 'wrote:', 'Which browser', 'john.smith@', '<', '&']],
    ['html-only-ru.eml', 'Добрый день!\n\nОплату за консультацию отправил, чек во вложении.\nИван', ['От:', 'Счёт на консультацию', '---', '<']],
  ];

  it.each(cases)('%s: the new text, without the history', async (file, kept, history) => {
    const mail = await parse(file);
    // The fixture does carry its history: this test can fail.
    const original = mail.text || mail.html || '';
    for (const h of history.filter((h) => h.length > 2)) expect(original).toContain(h.split('\n')[0]);

    const reply = extractReply(mail);
    expect(reply).toBe(kept);
    for (const h of history) if (!kept.includes(h)) expect(reply).not.toContain(h);
  });

  it.each(cases)('%s: its HTML part alone gives the same text', async (file, kept) => {
    const { html } = await parse(file);
    expect(html).toBeTruthy();
    expect(extractReply({ html })).toBe(kept);
  });

  it('the fixtures come as those apps send them: multipart/alternative in quoted-printable, base64, 8bit and windows-1251', () => {
    const heads = fs.readdirSync(FIXTURES).map((f) => fs.readFileSync(path.join(FIXTURES, f), 'latin1'));
    expect(heads.filter((h) => /multipart\/alternative/i.test(h)).length).toBeGreaterThanOrEqual(14);
    for (const cte of ['quoted-printable', 'base64', '8bit']) expect(heads.some((h) => h.includes(`Content-Transfer-Encoding: ${cte}`))).toBe(true);
    expect(heads.some((h) => h.includes('charset="windows-1251"'))).toBe(true);
  });
});

describe('extractReply: attributions, separators, signatures', () => {
  const quote = '> Hello,\n>\n> Could you send the invoice number?\n';
  it.each([
    ['Gmail', 'On Tue, 1 Dec 2026 at 10:00, Anna <anna@example.com> wrote:'],
    ['Gmail, wrapped', 'On Tue, 1 Dec 2026 at 10:00, Anna from Kabinet Support <\nanna.from.kabinet.support@example.com> wrote:'],
    ['Gmail ru', 'вт, 1 дек. 2026 г. в 10:00, Анна <anna@example.com>:'],
    ['Gmail ru, wrapped', 'пн, 30 нояб. 2026 г. в 18:05, Анна из службы поддержки Кабинета <\nanna.from.kabinet.support@example.com>:'],
    ['Apple Mail', 'On 1 Dec 2026, at 10:00, Anna <anna@example.com> wrote:'],
    ['Apple Mail ru', '1 дек. 2026 г., в 10:00, Анна <anna@example.com> написал(а):'],
    ['Thunderbird', 'On 01.12.2026 10:00, Anna wrote:'],
    ['Thunderbird ru', '01.12.2026 10:00, Анна пишет:'],
    ['Yandex', '01.12.2026, 10:00, "Анна" <anna@example.com>:'],
    ['Mail.ru', 'Вторник, 1 декабря 2026, 10:00 +03:00 от Анна <anna@example.com>:'],
    ['quoted itself (Apple Mail on a Mac)', '> On 1 Dec 2026, at 10:00, Anna <anna@example.com> wrote:\n>'],
  ])('%s attribution over quoted lines', (_name, attribution) => {
    expect(extractReply({ text: `It is 2026-117.\n\n${attribution}\n${quote}` })).toBe('It is 2026-117.');
    expect(extractReply({ text: `It is 2026-117.\n\n${attribution}\n\n${quote}` })).toBe('It is 2026-117.');
  });

  it('an attribution over unquoted text (a converted HTML mail) starts the history too', () => {
    expect(extractReply({ text: 'It is 2026-117.\n\nOn Tue, 1 Dec 2026 at 10:00, Anna <anna@example.com> wrote:\nHello,\nCould you send the invoice number?' })).toBe('It is 2026-117.');
  });

  it('"wrote:" without a time, or a "From:" line without the rest of a header, is the client\'s own text', () => {
    const own = 'On Monday I wrote:\nthe lesson is blank.\n\nFrom: my colleague Mark\nhe sees it too.';
    expect(extractReply({ text: own })).toBe(own);
  });

  it.each([
    ['Outlook', '-----Original Message-----\nFrom: Anna <anna@example.com>\nSent: Tuesday, December 1, 2026 10:00 AM\nTo: John\nSubject: Re: [#42] Invoice'],
    ['Outlook ru', '-----Исходное сообщение-----\nОт: Анна <anna@example.com>\nОтправлено: 1 декабря 2026 г. 10:00\nКому: Иван\nТема: Re: [#42] Счёт'],
    ['Outlook header block', 'From: Anna <anna@example.com>\nSent: Tuesday, December 1, 2026 10:00 AM\nTo: John\nSubject: Re: [#42] Invoice'],
    ['Outlook header block ru', 'От: Анна <anna@example.com>\nОтправлено: 1 декабря 2026 г. 10:00\nКому: Иван\nТема: Re: [#42] Счёт'],
    ['Outlook on the web', '________________________________\nFrom: Anna <anna@example.com>\nSent: Tuesday, December 1, 2026 10:00 AM\nTo: John\nSubject: Re: [#42] Invoice'],
    ['Gmail forward', '---------- Forwarded message ---------\nFrom: Anna <anna@example.com>\nDate: Tue, 1 Dec 2026 at 10:00\nSubject: Invoice\nTo: John'],
    ['Thunderbird forward ru', '-------- Пересылаемое сообщение --------\nТема: Счёт\nДата: 01.12.2026 10:00\nОт: Анна'],
    ['Apple Mail forward', 'Begin forwarded message:\n\nFrom: Anna <anna@example.com>\nSubject: Invoice'],
  ])('%s: everything from it on is history', (_name, header) => {
    expect(extractReply({ text: `It is 2026-117.\n\n${header}\n\nHello,\nCould you send the invoice number?\n` })).toBe('It is 2026-117.');
  });

  it.each([
    '-- \nJohn Smith\n+1 555 0100',
    '--\nJohn Smith',
    'Sent from my iPhone',
    'Sent from my iPad',
    'Sent from Mail for Windows',
    'Get Outlook for Android<https://aka.ms/AAb9ysg>',
    'Get Outlook for iOS',
    'Отправлено с iPhone',
    'Отправлено с моего iPhone',
    'Отправлено из мобильной Почты Mail.ru',
    'Отправлено из приложения Яндекс Почта',
    'Получить Outlook для Android',
    'Best regards,\nJohn',
    'С уважением,\nИван Петров',
  ])('signature %j', (signature) => {
    expect(extractReply({ text: `It is 2026-117.\n\n${signature}\n\n${quote}` })).toBe('It is 2026-117.');
    expect(extractReply({ text: `It is 2026-117.\n\n${signature}\n` })).toBe('It is 2026-117.');
  });

  it('"Sent from" and "Отправлено из" without a device or an app are the client\'s own text', () => {
    const own = 'Hi,\nSent from the wrong address, sorry.\nОтправлено из офиса вчера, ответа нет.\n\nJohn';
    expect(extractReply({ text: own })).toBe(own);
  });

  it('the library trims attributions and sign-offs of other languages', () => {
    expect(extractReply({ text: 'Merci beaucoup.\n\nCordialement,\nJean\n\nLe mar. 1 déc. 2026 à 10:00, Anna <anna@example.com> a écrit :\n> Bonjour\n' })).toBe('Merci beaucoup.');
    expect(extractReply({ text: 'Danke!\n\nAm 01.12.2026 um 10:00 schrieb Anna <anna@example.com>:\n> Hallo\n' })).toBe('Danke!');
  });
});

describe('extractReply: answers between quoted lines', () => {
  it('keeps each answer with the quoted question right above it and drops the rest of the quote', () => {
    const text = '> Hello,\n>\n> 1. Which lesson?\nLesson 3\n> 2. Which browser?\nFirefox\n>\n> Regards,\n> Anna\n';
    expect(extractReply({ text })).toBe('> 1. Which lesson?\nLesson 3\n\n> 2. Which browser?\nFirefox');
  });

  it('a question of several lines stays whole; an answer of several paragraphs too', () => {
    const text = 'On Tue, 1 Dec 2026 at 10:00, Anna <anna@example.com> wrote:\n> Could you tell us\n> which lesson it is?\n\nLesson 3.\n\nIt was fine yesterday.\n\n> Regards,\n> Anna\n';
    expect(extractReply({ text })).toBe('> Could you tell us\n> which lesson it is?\nLesson 3.\n\nIt was fine yesterday.');
  });

  it('an answer under a question deeper in the history is kept, and the context is the quoted message, not older history', () => {
    const text = '> Which lesson?\n>\n> On Mon, 30 Nov 2026 at 18:00, John <john@example.com> wrote:\n>> It does not open.\nLesson 3\n> Regards\n';
    expect(extractReply({ text })).toBe('> Which lesson?\nLesson 3');
  });

  it('one answer under a whole quoted message (bottom posting) keeps no context', () => {
    const text = 'On Tue, 1 Dec 2026 at 10:00, Anna <anna@example.com> wrote:\n> Hello,\n>\n> Which lesson?\n>\n> Regards,\n> Anna\n\nLesson 3.\n\n-- \nJohn';
    expect(extractReply({ text })).toBe('Lesson 3.');
  });

  it('one answer to a one-paragraph quote keeps it', () => {
    expect(extractReply({ text: '> Which lesson?\nLesson 3.' })).toBe('> Which lesson?\nLesson 3.');
  });

  it('one answer in the middle of the quote keeps the paragraph it answers', () => {
    const text = '> Hello,\n>\n> Which lesson?\nLesson 3.\n>\n> Regards,\n> Anna';
    expect(extractReply({ text })).toBe('> Which lesson?\nLesson 3.');
  });
});

describe('extractReply: input and output', () => {
  it('is empty only when the mail had no text', () => {
    expect(extractReply({})).toBe('');
    expect(extractReply({ text: null, html: null })).toBe('');
    expect(extractReply({ text: ' \r\n\t\n' })).toBe('');
    expect(extractReply({ html: '<p>&nbsp;</p><br>' })).toBe('');
  });

  it('a mail that is nothing but a forward or a quote comes back whole, trimmed', () => {
    const forward = '---------- Forwarded message ---------\nFrom: Anna <anna@example.com>\nDate: Tue, 1 Dec 2026 at 10:00\nSubject: Invoice\n\nHello,\nthe invoice is attached.';
    expect(extractReply({ text: `\n\n${forward}\n\n` })).toBe(forward);
    expect(extractReply({ text: '> only\n> a quote\n' })).toBe('> only\n> a quote');
    expect(extractReply({ text: 'Sent from my iPhone' })).toBe('Sent from my iPhone');
    // Outlook on the web forwarding without a note: all of it is after #appendonsend.
    const owa = '<div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Anna<br><b>Sent:</b> Tuesday<br><b>To:</b> John<br><b>Subject:</b> Invoice</div><div>Hello,<br>the invoice is attached.</div>';
    expect(extractReply({ html: owa })).toBe('From: Anna\nSent: Tuesday\nTo: John\nSubject: Invoice\nHello,\nthe invoice is attached.');
  });

  it('normalises CRLF, trailing whitespace, no-break spaces and runs of blank lines', () => {
    expect(extractReply({ text: 'One  \r\n\r\n\r\n\r\n\r\nTwo\u00a0and\t\r\nthree\r\rfour \u00a0\r\n' })).toBe('One\n\n\nTwo and\nthree\n\nfour');
  });

  it('takes the text part when there is one', () => {
    expect(extractReply({ text: 'From the text part', html: '<p>From the HTML part</p>' })).toBe('From the text part');
    expect(extractReply({ text: '  ', html: '<p>From the HTML part</p>' })).toBe('From the HTML part');
  });
});

describe('extractReply on HTML', () => {
  it('turns markup into lines and decodes entities; no markup comes out', () => {
    const html =
      '<!DOCTYPE html><html><head><title>x</title><style>p{color:red}</style><script>alert(1)</script></head><body>' +
      '<!-- a comment --><div>Hello&nbsp;Anna,<br>line&#32;two &amp; &lt;b&gt;not bold&lt;/b&gt; &#x1F600; &copy; &unknown;</div>' +
      '<p>First <b>para</b>graph</p><p>Second</p><ul><li>one</li><li>two</li></ul><ol><li>first</li><li>second</li></ol>' +
      '<table><tr><td>cell</td></tr></table><pre>  keep   this\n  spacing</pre><img src="cid:x" alt="logo">a < b</body></html>';
    expect(extractReply({ html })).toBe(
      'Hello Anna,\nline two & <b>not bold</b> \u{1F600} © &unknown;\nFirst paragraph\n\nSecond\n\n- one\n- two\n1. first\n2. second\ncell\n  keep   this\n  spacing\na < b',
    );
  });

  it('drops Gmail and Thunderbird attributions and signatures, and everything from Outlook\'s reply header on', () => {
    expect(extractReply({ html: '<div>Yes</div><div class="gmail_signature">John</div><div class="gmail_quote"><div class="gmail_attr">Anna said</div><blockquote>Q?</blockquote></div>' })).toBe('Yes');
    expect(extractReply({ html: '<p>Yes</p><div class="moz-cite-prefix">Anna said:<br></div><blockquote type="cite">Q?</blockquote><div class="moz-signature">John</div>' })).toBe('Yes');
    expect(extractReply({ html: '<div>Yes</div><div id="appendonsend"></div><div>Anna: Q?</div>' })).toBe('Yes');
    expect(extractReply({ html: '<div>Yes</div><hr><div id="divRplyFwdMsg"><b>From:</b> Anna</div><div>Q?</div>' })).toBe('Yes');
  });

  it('finds tags after characters whose lower case is longer than they are', () => {
    expect(extractReply({ html: '<p>İİİ İstanbul</p><STYLE>p{}</style><p>after</p><script>x</SCRIPT>end' })).toBe('İİİ İstanbul\n\nafter\n\nend');
  });

  it('keeps answers written between blockquotes', () => {
    const html = '<div>On Tue, 1 Dec 2026 at 10:00, Anna &lt;anna@example.com&gt; wrote:</div><blockquote>Hello,<br><br>Which lesson?</blockquote><div>Lesson 3</div><blockquote>Which browser?<blockquote>older</blockquote></blockquote><div>Firefox</div><blockquote>Regards</blockquote>';
    expect(extractReply({ html })).toBe('> Which lesson?\nLesson 3\n\n> Which browser?\nFirefox');
  });
});

describe('extractReply: cost', () => {
  const history = Array.from({ length: 200 }, (_, i) => `> line ${i + 1} of the quoted history, a sentence of ordinary length`).join('\n');
  const reply = `Hi Anna,\n\nThanks, that worked. See you on Thursday.\n\nJohn\n\nOn Tue, 1 Dec 2026 at 10:00, Kabinet Support <reply+t42.k7m2x9qd4w@in.kabinet.example> wrote:\n\n${history}\n`;

  // CPU time of this process, not the clock: the machine running the tests may be busy with other work.
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };

  it('a reply with a 200-line quoted history takes well under 1 ms (10,000 of them)', () => {
    expect(extractReply({ text: reply })).toBe('Hi Anna,\n\nThanks, that worked. See you on Thursday.\n\nJohn');
    for (let i = 0; i < 500; i++) extractReply({ text: reply });
    const started = process.cpuUsage();
    for (let i = 0; i < 10_000; i++) extractReply({ text: reply });
    expect(cpuMs(started) / 10_000).toBeLessThan(0.5);
  });

  const MB = 1 << 20;
  const fill = (unit: string, lineEvery = 0) => {
    const line = lineEvery ? `${unit.repeat(Math.ceil(lineEvery / unit.length)).slice(0, lineEvery)}\n` : unit;
    return line.repeat(Math.ceil(MB / line.length));
  };
  // Inputs shaped against the regexes (ours and the library's, which backtrack catastrophically without RE2).
  it.each<[string, { text?: string; html?: string }]>([
    ['one 1 MB line', { text: 'a'.repeat(MB) }],
    ['spaces, then a letter', { text: `${' '.repeat(MB)}x` }],
    ['blank lines', { text: `a${'\n \t'.repeat(MB / 3)}b` }],
    ['"1234 from <" as one line', { text: fill('1234 from <') }],
    ['"1234 from <" in short lines', { text: fill('1234 from <', 150) }],
    ['"abc. x skrev y"', { text: fill('abc. x skrev y\n') }],
    ['"Op schreef x:"', { text: fill('Op schreef x:\n') }],
    ['"x on at wrote "', { text: fill('x on at wrote ', 140) }],
    ['"On 10:00 " attributions that never end', { text: fill(`On 10:00 ${'x'.repeat(150)} `, 290) }],
    ['header-ish lines', { text: fill('From: a\nSent: b\n') }],
    ['quoted lines', { text: fill('> q\n') }],
    ['an answer after every quoted line', { text: fill('> q\na\n') }],
    ['HTML: "<"', { html: '<'.repeat(MB) }],
    ['HTML: unclosed attributes', { html: fill('<div a="') }],
    ['HTML: nested divs', { html: fill('<div>x') }],
    ['HTML: blockquotes and answers', { html: fill('<blockquote>q</blockquote>a<br>') }],
    ['HTML: entities', { html: fill('&#1234') }],
    ['HTML: a dropped element never closed', { html: `<div class="gmail_attr">${fill('<div>')}` }],
  ])('a pathological 1 MB mail finishes quickly: %s', (_name, input) => {
    const started = process.cpuUsage();
    const out = extractReply(input);
    // Linear work is some hundred milliseconds at most; backtracking takes seconds, a catastrophic one hours.
    expect(cpuMs(started)).toBeLessThan(2000);
    expect(typeof out).toBe('string');
  });
});
