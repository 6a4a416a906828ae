import { textTemplate } from '../common/text-template';

/** The variables a canned reply may use; anything else between `{{ }}` is refused when the reply is saved. */
export const CANNED_VARIABLES = ['name', 'product', 'ticket'] as const;
export type CannedVariable = (typeof CANNED_VARIABLES)[number];

const canned = textTemplate(CANNED_VARIABLES);

/** The unknown variables and stray braces of a canned reply's body (empty = it is fine). */
export function cannedTemplateProblems(body: string): string[] {
  return canned.problems(body);
}

/** Fills the variables in; plain text, escaped wherever it is shown (see common/text-template.ts). */
export function renderCanned(body: string, vars: Record<CannedVariable, string>): string {
  return canned.render(body, vars);
}
