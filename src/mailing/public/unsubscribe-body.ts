import busboy from 'busboy';
import type { Request } from 'express';
import { AppError } from '../../common/errors/app-error';
import { stopReading } from '../../common/http/stop-reading';

/** RFC 8058: the one field a one-click POST carries. */
const ONE_CLICK_FIELD = 'List-Unsubscribe';
const ONE_CLICK_VALUE = 'One-Click';
/** A one-click body is a few dozen bytes; anything much bigger is not one. */
const MAX_MULTIPART_BYTES = 16 * 1024;

function required(): AppError {
  return new AppError('bad_request', 'mailing.one_click_body', 'mailing.unsub.body_required');
}

/**
 * Checks that a POST to the List-Unsubscribe URL says `List-Unsubscribe=One-Click`, sent form-urlencoded (parsed
 * by the app's body parser) or multipart/form-data (read here: the app parses multipart only where a handler
 * asks). Mailbox providers send exactly this; the confirmation page's button sends it too.
 */
export async function requireOneClickBody(req: Request): Promise<void> {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  let value: unknown;
  if (type.startsWith('multipart/form-data')) {
    if (Number(req.headers['content-length'] ?? 0) > MAX_MULTIPART_BYTES) {
      stopReading(req);
      throw required();
    }
    value = (await readMultipartFields(req))[ONE_CLICK_FIELD];
  } else if (req.body && typeof req.body === 'object') {
    value = (req.body as Record<string, unknown>)[ONE_CLICK_FIELD];
  }
  if (value !== ONE_CLICK_VALUE) throw required();
}

function readMultipartFields(req: Request): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { files: 0, fields: 10, fieldSize: 1024, parts: 10 } });
    } catch {
      reject(required());
      return;
    }
    const fields: Record<string, string> = {};
    let size = 0;
    let done = false;
    const fail = () => {
      if (done) return;
      done = true;
      req.unpipe(bb);
      stopReading(req);
      reject(required());
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_MULTIPART_BYTES) fail();
    });
    bb.on('field', (name, value) => {
      fields[name] = value;
    });
    bb.on('file', (_name, stream) => stream.resume());
    bb.on('error', fail);
    bb.on('close', () => {
      if (done) return;
      done = true;
      resolve(fields);
    });
    req.pipe(bb);
  });
}
