import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProductCover } from '../../src/members/catalogue/entities/product-cover.entity';
import { makePng } from '../utils/png';
import type { TestHost } from '../utils/test-host';

/** A real, valid PNG, painted by `rgb(x, y)`: a diagonal two-colour gradient unless told. */
export function pngImage(width = 64, height = 36, rgb?: (x: number, y: number) => [number, number, number]): Buffer {
  const paint = rgb ?? ((x: number, y: number) => [67 + Math.round((x / width) * 100), 56 + Math.round((y / height) * 80), 202 - Math.round((x / width) * 60)] as [number, number, number]);
  return makePng(width, height, (x, y) => [...paint(x, y), 255]);
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
