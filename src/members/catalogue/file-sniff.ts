/** How many leading bytes `sniffContentType` needs (the signatures need 16; telling text from binary, more). */
export const SNIFF_BYTES = 512;

export const TEXT_PLAIN = 'text/plain; charset=utf-8';

const startsWith = (b: Buffer, sig: number[], at = 0) => b.length >= at + sig.length && sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

// WHATWG MIME Sniffing's "binary data bytes": control characters that text does not contain.
const BINARY_BYTE = /[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text without control characters, allowing a character cut in two at the end of `head`. */
function looksLikeUtf8Text(head: Buffer): boolean {
  if (BINARY_BYTE.test(head.toString('latin1'))) return false;
  for (let cut = 0; cut <= Math.min(3, head.length); cut++) {
    try {
      UTF8.decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      // try again without the last bytes, which may be a character's beginning
    }
  }
  return false;
}

/**
 * The content type from the file's first bytes, never from the browser's claim: a download is served with this
 * type (and nosniff, as an attachment), so an uploaded "pdf" that is really HTML cannot become a page. The name
 * counts only for a `.txt` whose bytes look like UTF-8 text: served as text/plain (which no browser runs), so
 * it opens as text rather than as an unknown binary.
 */
export function sniffContentType(head: Buffer, name = ''): string {
  if (startsWith(head, ascii('%PDF-'))) return 'application/pdf';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return 'application/zip';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('ftyp'), 4)) return 'video/mp4';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'video/webm';
  if (startsWith(head, ascii('OggS'))) return 'audio/ogg';
  if (startsWith(head, ascii('ID3')) || (head.length >= 2 && head[0] === 0xff && (head[1] & 0xe0) === 0xe0)) return 'audio/mpeg';
  if (/\.txt$/i.test(name) && looksLikeUtf8Text(head)) return TEXT_PLAIN;
  return 'application/octet-stream';
}

/** The raster image types a picture (a product cover, the school's logo) may be; never SVG, which can carry scripts. */
export type RasterImageType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif';

/** A raster image's type from its first 16 bytes, or null when it is none of the four. */
export function sniffRasterImage(head: Buffer): RasterImageType | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'image/webp';
  return null;
}
