import { domainKey, emailKey, isPublicMailDomain } from './email-key';

describe('emailKey: the mailbox behind an address', () => {
  it.each([
    ['J.Doe+courses@GoogleMail.com', 'jdoe@gmail.com'],
    ['j.d.o.e@gmail.com', 'jdoe@gmail.com'],
    ['  JDoe@Gmail.com ', 'jdoe@gmail.com'],
    ['anna+shop@outlook.com', 'anna@outlook.com'],
    ['anna+x@hotmail.co.uk', 'anna@hotmail.co.uk'],
    ['anna+x@live.ru', 'anna@live.ru'],
    ['anna+x@me.com', 'anna@icloud.com'],
    ['Anna@Mac.com', 'anna@icloud.com'],
    ['ivan.petrov+kurs@yandex.com', 'ivan-petrov@yandex.ru'],
    ['Ivan-Petrov@ya.ru', 'ivan-petrov@yandex.ru'],
    ['ivan.petrov@narod.ru', 'ivan-petrov@yandex.ru'],
    ['Client@Example.COM', 'client@example.com'],
  ])('%s → %s', (address, key) => {
    expect(emailKey(address)).toBe(key);
  });

  it('keeps apart addresses that only look alike', () => {
    const different: [string, string][] = [
      ['jdoe@gmail.com', 'jdoe1@gmail.com'],
      ['jdoe@gmail.com', 'jdoe@gmail.co'],
      ['j.doe@example.com', 'jdoe@example.com'], // dots count outside Gmail
      ['anna+x@example.com', 'anna@example.com'], // a + may be part of another person's address elsewhere
      ['anna-x@yahoo.com', 'anna@yahoo.com'],
      ['anna@outlook.com', 'anna@hotmail.com'], // two Microsoft domains are two mailboxes
      ['ivan@yandex.ru', 'ivan@mail.ru'],
      ['anna@icloud.com', 'anna@gmail.com'],
    ];
    for (const [a, b] of different) expect([a, emailKey(a)]).not.toEqual([a, emailKey(b)]);
  });

  it('has no key for what is not an address', () => {
    for (const bad of ['', '   ', 'no-at-sign', '@example.com', 'someone@', '+tag@outlook.com']) expect(emailKey(bad)).toBeNull();
  });
});

describe('domainKey', () => {
  it('folds provider domains like emailKey and refuses what is not a domain', () => {
    expect(domainKey('GoogleMail.com')).toBe('gmail.com');
    expect(domainKey('someone@ya.ru')).toBe('yandex.ru');
    expect(domainKey('me.com')).toBe('icloud.com');
    expect(domainKey('Spam-Shop.example.')).toBe('spam-shop.example');
    for (const bad of ['', 'localhost', 'a..b', '-x.com', 'x_y.com']) expect(domainKey(bad)).toBeNull();
  });
});

describe('isPublicMailDomain', () => {
  it('knows the free mailbox providers, through their families and from an address', () => {
    for (const d of ['gmail.com', 'googlemail.com', 'ya.ru', 'yandex.kz', 'me.com', 'mail.ru', 'hotmail.co.uk', 'live.ru', 'yahoo.co.jp', 'client@GMAIL.com']) {
      expect([d, isPublicMailDomain(d)]).toEqual([d, true]);
    }
  });

  it('lets a company or school domain through', () => {
    for (const d of ['example.com', 'school.ru', 'mail.example.org', 'gmail.company.com', 'not a domain']) {
      expect([d, isPublicMailDomain(d)]).toEqual([d, false]);
    }
  });
});
