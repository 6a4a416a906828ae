import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { ProductCover } from '../../src/members/catalogue/entities/product-cover.entity';
import type { TestHost } from '../utils/test-host';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real, valid PNG (RGB, 8 bits), painted by `rgb(x, y)`: a diagonal two-colour gradient unless told. */
export function pngImage(width = 64, height = 36, rgb?: (x: number, y: number) => [number, number, number]): Buffer {
  const paint = rgb ?? ((x: number, y: number) => [67 + Math.round((x / width) * 100), 56 + Math.round((y / height) * 80), 202 - Math.round((x / width) * 60)] as [number, number, number]);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width; x++) raw.set(paint(x, y), row + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A cover written directly (the bytes under config.filesDir, the row pointing at them), as an upload leaves it. */
export async function createCover(t: TestHost, productId: number, bytes: Buffer = pngImage()): Promise<ProductCover> {
  const storageKey = randomBytes(24).toString('hex');
  fs.mkdirSync(t.config.filesDir, { recursive: true });
  fs.writeFileSync(path.join(t.config.filesDir, storageKey), bytes);
  return t.db.transaction(async (m) => {
    await m.insert(ProductCover, { productId, storageKey, contentType: 'image/png', sizeBytes: bytes.length, createdBy: null, createdAt: new Date() });
    return (await m.findOneByOrFail(ProductCover, { productId }));
  });
}
