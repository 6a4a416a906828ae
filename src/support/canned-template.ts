/** The variables a canned reply may use; anything else between `{{ }}` is refused when the reply is saved. */
export const CANNED_VARIABLES = ['name', 'product', 'ticket'] as const;
export type CannedVariable = (typeof CANNED_VARIABLES)[number];

const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The unknown variables and stray braces of a canned reply's body (empty = it is fine). */
export function cannedTemplateProblems(body: string): string[] {
  const problems: string[] = [];
  for (const m of body.matchAll(TOKEN)) {
    if (!(CANNED_VARIABLES as readonly string[]).includes(m[1])) problems.push(`{{${m[1]}}}`);
  }
  const rest = body.replace(TOKEN, '');
  if (rest.includes('{{') || rest.includes('}}')) problems.push('{{');
  return [...new Set(problems)];
}

/**
 * Fills the variables in. The result is plain text, like every message body: it is escaped wherever it is
 * shown (page, HTML mail), so a client named `<script>` stays text.
 */
export function renderCanned(body: string, vars: Record<CannedVariable, string>): string {
  return body.replace(TOKEN, (whole, name: string) => ((CANNED_VARIABLES as readonly string[]).includes(name) ? vars[name as CannedVariable] : whole));
}
