/** Units as people write them: KB is 1024 bytes, as file managers and the upload limit message count. */
const UNITS = { en: ['B', 'KB', 'MB', 'GB', 'TB'], ru: ['Б', 'КБ', 'МБ', 'ГБ', 'ТБ'] } as const;
const LOCALE_TAG = { en: 'en-GB', ru: 'ru-RU' } as const;
type SizeLocale = keyof typeof UNITS;

// One formatter per locale and precision, made once (building an Intl formatter costs far more than using it).
const FORMAT = {
  en: [new Intl.NumberFormat(LOCALE_TAG.en, { maximumFractionDigits: 0 }), new Intl.NumberFormat(LOCALE_TAG.en, { maximumFractionDigits: 1 })],
  ru: [new Intl.NumberFormat(LOCALE_TAG.ru, { maximumFractionDigits: 0 }), new Intl.NumberFormat(LOCALE_TAG.ru, { maximumFractionDigits: 1 })],
};

/**
 * A size in bytes for people, in the reader's language: "193 B", "1.2 MB", "12 MB" / "193 Б", "1,2 МБ". One
 * decimal below 10 of a unit, none above; the number and its unit are joined by a no-break space.
 */
export function humanFileSize(bytes: number, locale: string | undefined): string {
  const l: SizeLocale = locale === 'ru' ? 'ru' : 'en';
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  let i = 0;
  let v = bytes;
  while (i < UNITS[l].length - 1 && Math.round(v * 10) / 10 >= 1024) {
    v /= 1024;
    i++;
  }
  const fmt = FORMAT[l][i > 0 && v < 9.95 ? 1 : 0];
  return `${fmt.format(v)}\u00a0${UNITS[l][i]}`;
}
