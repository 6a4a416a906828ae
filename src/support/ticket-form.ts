import type { Request } from 'express';
import { FormParts, withTempFile } from '../common/form-upload';
import { InputPipe } from '../common/http/input.pipe';
import { withMultipartForm } from '../common/http/multipart-upload';
import { TicketAttachments, TICKET_BODY_MAX, TicketUpload } from './ticket-attachments';

/** Room for a long message in a multipart form's text field. */
const FIELD_LIMITS = { fieldSize: TICKET_BODY_MAX * 4 };

/**
 * Reads a ticket's multipart form (a message and at most one file, for clients and staff alike), hands its fields
 * and file to `fn`, and removes the temporary file afterwards. The fields become the request's body, so a form
 * shown again with errors keeps what was typed. A file over the limit is refused while it is read (413), before
 * `fn` runs, so nothing is stored.
 */
export function receiveTicketForm<T>(req: Request, files: TicketAttachments, fn: (fields: Record<string, string>, upload: TicketUpload | null) => Promise<T>): Promise<T> {
  return withMultipartForm(
    req,
    async (form) => {
      const typed: Record<string, string> = {};
      let received: Awaited<ReturnType<TicketAttachments['receive']>>;
      try {
        received = await files.receive(keepingFields(form, typed));
      } catch (e) {
        // a file refused half-way (too big): the form comes back with the message typed before it
        req.body = typed;
        throw e;
      }
      const { fields, upload } = received;
      req.body = fields;
      return withTempFile(upload?.tmpPath ?? null, () => fn(fields, upload));
    },
    FIELD_LIMITS,
  );
}

/** The same parts, each text field also noted in `into` as it passes. */
function keepingFields(form: FormParts, into: Record<string, string>): FormParts {
  return {
    declaredBytes: form.declaredBytes,
    async *[Symbol.asyncIterator]() {
      for await (const part of form) {
        if (part.kind === 'field') into[part.name] = part.value;
        yield part;
      }
    },
  };
}

/**
 * A staff form that may come with a file: multipart (the page's form) as receiveTicketForm reads it, or a plain
 * url-encoded form without one (a script, an older page), its fields through the same checks as every other form's
 * (InputPipe: each field once, clean text).
 */
export async function receiveStaffForm<T>(req: Request, files: TicketAttachments, fn: (fields: Record<string, string>, upload: TicketUpload | null) => Promise<T>): Promise<T> {
  if (isMultipart(req)) return receiveTicketForm(req, files, fn);
  const fields = (await plainForm.transform(req.body, { type: 'body', metatype: Object })) as Record<string, string>;
  return fn(fields, null);
}

const plainForm = new InputPipe();

/** A multipart body (a form with a file), as opposed to JSON or a plain form. */
export function isMultipart(req: Request): boolean {
  return String(req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data');
}
