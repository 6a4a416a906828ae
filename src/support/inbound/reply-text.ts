/**
 * PLACEHOLDER until the reply-text branch lands (email-reply-parser plus our own markers, with fixtures); the
 * lead keeps that version at merge. The new text of a reply as plain text: the text part trimmed, else the HTML
 * part reduced to its text.
 */
export function extractReply(input: { text?: string | null; html?: string | null }): string {
  if (input.text && input.text.trim()) return input.text.replace(/\r\n/g, '\n').trim();
  if (!input.html) return '';
  return input.html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|blockquote)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
