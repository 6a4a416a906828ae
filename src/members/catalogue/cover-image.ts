import { RasterImageType, sniffRasterImage } from './file-sniff';

/** The image types a product cover may be, as sniffed from its bytes. */
export type CoverType = RasterImageType;

/** How many leading bytes `sniffCoverType` needs. */
export const COVER_SNIFF_BYTES = 16;

/** A cover is a picture on a card, not a download: a few megabytes is plenty (and the upload limit may be far larger). */
export const COVER_MAX_BYTES = 5 * 1024 * 1024;

/**
 * The image type from the file's first bytes, or null when it is none of the four: never from the file's name or
 * the browser's Content-Type. The cover is served with this type and `nosniff`, so a "png" that is really HTML or
 * SVG (which can carry script) is refused at upload and can never be shown as a page.
 */
export const sniffCoverType: (head: Buffer) => CoverType | null = sniffRasterImage;
