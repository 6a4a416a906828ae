import type { Request } from 'express';

/**
 * After refusing an oversized upload, how much more of the body we swallow (and for how long) before dropping
 * the connection. Closing at once would make many clients lose the 413 answer to a reset; reading everything
 * would mean reading a 50 GiB body to say no. This is the middle road ("lingering close", as nginx does).
 */
const LINGER_BYTES = 1024 * 1024;
const LINGER_MS = 2000;

/**
 * Stops taking in a refused body. Until the answer is out nothing more is read (TCP holds the client back);
 * then what is already on its way is discarded, at most LINGER_BYTES or LINGER_MS, and the connection is
 * dropped, so a client is never left sending gigabytes into a void, nor loses the answer to an early reset.
 */
export function stopReading(req: Request): void {
  if (req.complete) return;
  req.pause();
  const discard = () => {
    let discarded = 0;
    const drop = () => req.socket?.destroy();
    const timer = setTimeout(drop, LINGER_MS);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_BYTES) drop();
    });
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
    req.resume();
  };
  if (req.res && !req.res.writableFinished) req.res.once('finish', discard);
  else discard();
}
