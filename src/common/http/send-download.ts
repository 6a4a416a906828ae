import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const logger = new Logger('Downloads');

/**
 * Sends `body` as a file download, at the pace the client reads it (the stream is asked for more only as the
 * socket drains), and returns once it is all sent or the client has gone (then `body` is destroyed, which stops
 * whatever produces it). A failure half-way can only cut the download short: the status is already out.
 */
export async function sendDownload(res: Response, download: { fileName: string; contentType: string; body: Readable }): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', download.contentType);
  res.setHeader('Content-Disposition', `attachment; filename="${download.fileName}"`);
  res.setHeader('Cache-Control', 'no-store');
  try {
    await pipeline(download.body, res);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') logger.error(`${res.req.method} ${res.req.originalUrl}: ${(e as Error)?.stack ?? e}`);
  }
}
