import type { Response } from 'express';

/**
 * A mail's HTML answered as a document of its own, for a sandboxed frame of an admin page (the outbox viewer,
 * the campaign preview). The mail keeps what a mail client would apply: its inline styles and `<style>` blocks,
 * its images. Nothing else: no scripts (the CSP sandbox and the frame's `sandbox` attribute both say so), no
 * requests but images, no forms, no plugins, framed only by our own pages. These headers replace helmet's for
 * this one response: the app's strict CSP would block the mail's inline styles, and its `X-Frame-Options: DENY`
 * the frame itself. The page around the frame keeps the app's strict CSP.
 */
export const MAIL_DOCUMENT_CSP =
  "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; font-src data: https:; frame-ancestors 'self'; form-action 'none'; base-uri 'none'";

export function sendMailDocument(res: Response, html: string): void {
  res
    .status(200)
    .setHeader('Content-Security-Policy', MAIL_DOCUMENT_CSP)
    .setHeader('X-Frame-Options', 'SAMEORIGIN')
    .setHeader('X-Content-Type-Options', 'nosniff')
    .setHeader('Referrer-Policy', 'no-referrer')
    .setHeader('Cache-Control', 'private, no-store')
    .type('html')
    .send(html);
}
