/** The image types a product cover may be, as sniffed from its bytes. */
export const COVER_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'] as const;
export type CoverType = (typeof COVER_TYPES)[number];

/** How many leading bytes `sniffCoverType` needs. */
export const COVER_SNIFF_BYTES = 16;

/** A cover is a picture on a card, not a download: a few megabytes is plenty (and the upload limit may be far larger). */
export const COVER_MAX_BYTES = 5 * 1024 * 1024;

const startsWith = (b: Buffer, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/**
 * The image type from the file's first bytes, or null when it is none of the four: never from the file's name or
 * the browser's Content-Type. The cover is served with this type and `nosniff`, so a "png" that is really HTML or
 * SVG (which can carry script) is refused at upload and can never be shown as a page.
 */
export function sniffCoverType(head: Buffer): CoverType | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'image/webp';
  return null;
}
