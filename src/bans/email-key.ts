import normalizeEmail from 'validator/lib/normalizeEmail';

/**
 * The identity behind an e-mail address, for bans: two addresses with the same key reach the same mailbox, so a
 * ban on one holds for the other (`J.Doe+courses@googlemail.com` is `jdoe@gmail.com`). Stored beside the
 * address (`users.email_key`, `bans.email_key`) and, as an HMAC, in bans, so a ban outlives anonymisation.
 *
 * The rules are the providers' own, and only theirs, so that addresses that merely look alike stay apart:
 * - everyone: trimmed, lower case (validator's normalizeEmail, which also does the Gmail rules below);
 * - Gmail: googlemail.com is gmail.com; dots in the local part do not count; `+tag` is dropped;
 * - Outlook, Hotmail, Live, MSN (every country domain): `+tag` is dropped;
 * - iCloud: me.com and mac.com are the same account as icloud.com; `+tag` is dropped;
 * - Yandex: every Yandex domain (yandex.ru/.com/.by/.kz/.ua/.com.tr, ya.ru, narod.ru) is one; `+tag` is dropped;
 *   a dot and a hyphen in a Yandex login are the same character.
 * Yahoo's `-keyword` addresses and other providers' tags are NOT folded: there a `-` or `+` may be part of a
 * different person's address.
 */
export function emailKey(address: string): string | null {
  const raw = (address ?? '').trim();
  const at = raw.lastIndexOf('@');
  if (at < 1 || at === raw.length - 1) return null;
  const lower = raw.toLowerCase();
  // validator: lower case, Gmail dots and +tags, googlemail → gmail; nothing else (see the header).
  const base =
    normalizeEmail(lower, {
      all_lowercase: true,
      gmail_lowercase: true,
      gmail_remove_dots: true,
      gmail_remove_subaddress: true,
      gmail_convert_googlemaildotcom: true,
      outlookdotcom_lowercase: true,
      outlookdotcom_remove_subaddress: false,
      yahoo_lowercase: true,
      yahoo_remove_subaddress: false,
      icloud_lowercase: true,
      icloud_remove_subaddress: false,
      yandex_lowercase: true,
      yandex_convert_yandexru: false,
    }) || lower;
  const i = base.lastIndexOf('@');
  let local = base.slice(0, i);
  let domain = base.slice(i + 1);
  const family = providerOf(domain);
  if (family === 'microsoft' || family === 'icloud' || family === 'yandex') local = local.split('+')[0];
  if (family === 'icloud') domain = 'icloud.com';
  if (family === 'yandex') {
    domain = 'yandex.ru';
    local = local.replace(/\./g, '-');
  }
  if (!local) return null;
  return `${local}@${domain}`;
}

/** The key of a whole domain for a domain-wide ban: the same domain folding as emailKey (googlemail is gmail). */
export function domainKey(domainOrAddress: string): string | null {
  const s = (domainOrAddress ?? '').trim().toLowerCase().replace(/^.*@/, '').replace(/\.$/, '');
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/.test(s)) return null;
  const family = providerOf(s);
  if (s === 'googlemail.com') return 'gmail.com';
  if (family === 'icloud') return 'icloud.com';
  if (family === 'yandex') return 'yandex.ru';
  return s;
}

/**
 * Free mailbox providers: a domain ban there would lock out strangers by the million, so it is refused (a ban of
 * one identity at them is fine). Domains of one family (googlemail, me.com, ya.ru…) count through domainKey().
 */
// One string split on spaces: `mail.ru` written alone would read as a message key to the catalogue check.
const PUBLIC_MAIL = new Set(
  [
    'gmail.com yandex.ru icloud.com mail.ru bk.ru inbox.ru list.ru internet.ru rambler.ru lenta.ru ro.ru ' +
    'autorambler.ru myrambler.ru yahoo.com ymail.com aol.com gmx.com gmx.de gmx.net web.de proton.me ' +
    'protonmail.com pm.me zoho.com tutanota.com tuta.io qq.com 163.com ukr.net i.ua',
  ].join('').split(' '),
);

export function isPublicMailDomain(domainOrAddress: string): boolean {
  const key = domainKey(domainOrAddress);
  if (!key) return false;
  return PUBLIC_MAIL.has(key) || providerOf(key) === 'microsoft' || /^yahoo\.[a-z.]+$/.test(key);
}

const YANDEX = new Set(['yandex.ru', 'yandex.com', 'yandex.by', 'yandex.kz', 'yandex.ua', 'yandex.com.tr', 'ya.ru', 'narod.ru']);
const ICLOUD = new Set(['icloud.com', 'me.com', 'mac.com']);

function providerOf(domain: string): 'microsoft' | 'icloud' | 'yandex' | null {
  if (YANDEX.has(domain)) return 'yandex';
  if (ICLOUD.has(domain)) return 'icloud';
  // outlook.com, hotmail.com, hotmail.co.uk, live.ru, live.com.au, msn.com, …
  if (/^(?:outlook|hotmail|live|msn)\.[a-z.]+$/.test(domain)) return 'microsoft';
  return null;
}
