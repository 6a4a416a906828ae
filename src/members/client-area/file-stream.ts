import type { Request, Response } from 'express';
import * as fs from 'node:fs';
import { AppError } from '../../common/errors/app-error';

export interface Servable {
  path: string;
  name: string;
  size: number;
  contentType: string;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → inclusive [start, end]; 'unsatisfiable'; null = serve it whole. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  // Several ranges (or a unit we do not know) are answered with the whole file, which RFC 9110 allows.
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return null;
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return { start, end };
}

/** RFC 6266 / 5987: an ASCII fallback name and the exact UTF-8 one. */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Streams a stored file as a download, honouring a single HTTP Range (resumable and parallel downloads).
 * Called only after the access check has passed.
 */
export async function streamDownload(req: Request, res: Response, f: Servable): Promise<void> {
  const stat = await fs.promises.stat(f.path).catch(() => null);
  // A row whose bytes are gone is answered like a missing file, before any header is sent.
  if (!stat?.isFile()) throw AppError.notFound('file');
  const size = stat.size;
  res.setHeader('Content-Type', f.contentType);
  res.setHeader('Content-Disposition', contentDisposition(f.name));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Last-Modified', stat.mtime.toUTCString());

  const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
  if (range === 'unsatisfiable') {
    res.status(416).setHeader('Content-Range', `bytes */${size}`);
    res.end();
    return;
  }
  const start = range ? range.start : 0;
  const end = range ? range.end : size - 1;
  if (range) {
    res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
  } else res.status(200);
  res.setHeader('Content-Length', String(size === 0 ? 0 : end - start + 1));
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  const stream = fs.createReadStream(f.path, { start, end });
  await new Promise<void>((resolve) => {
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}
