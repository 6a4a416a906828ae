import type { Request, Response } from 'express';
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors/app-error';

export interface ServableImage {
  path: string;
  /** The type sniffed from its bytes when it was stored, never a file name's guess. */
  contentType: string;
  /** Quoted, and new with every new image (its address carries it too). */
  etag: string;
  cacheControl: string;
  /** Anything the route adds (a cross-origin policy for mail clients, say). */
  headers?: Record<string, string>;
}

/**
 * A stored image (a product cover, the school's logo) as an image, not a download: its sniffed type with
 * `nosniff`, cacheable, and 304 to a browser that has it.
 * A row whose file is gone is a 404 naming `what`.
 */
export async function sendImage(req: Request, res: Response, img: ServableImage | null, what: string): Promise<void> {
  const stat = img && (await fs.promises.stat(img.path).catch(() => null));
  if (!img || !stat?.isFile()) throw AppError.notFound(what);
  res.setHeader('Content-Type', img.contentType);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', img.cacheControl);
  res.setHeader('ETag', img.etag);
  for (const [k, v] of Object.entries(img.headers ?? {})) res.setHeader(k, v);
  if (req.headers['if-none-match'] === img.etag) {
    res.status(304).end();
    return;
  }
  res.status(200).setHeader('Content-Length', String(stat.size));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // A client that goes away, or a read that fails half-way, can only cut the image short: the status is out.
  await pipeline(fs.createReadStream(img.path), res).catch(() => undefined);
}
