/**
 * Plain-text templates with `{{variable}}` slots, for what staff write once and the system fills in per person:
 * canned ticket replies, the offboarding notice, the warning and welcome-back mails. The variables a kind of
 * template may use are fixed; anything else between `{{ }}` (a typo, `{{ name }` without its pair) is reported
 * when the template is saved, not discovered by a client reading `{{nmae}}`.
 *
 * The result is plain text: it is escaped wherever it is shown (page, HTML mail), so a value like `<script>`
 * stays text.
 */
const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;

export interface TextTemplate<V extends string> {
  readonly variables: readonly V[];
  /** The unknown variables and stray braces of a body (empty = it is fine), e.g. `{{nmae}}`, `{{`. */
  problems(body: string): string[];
  /** Fills the known variables in; an unknown one is left as written (problems() refuses it at save time). */
  render(body: string, vars: Record<V, string>): string;
}

export function textTemplate<V extends string>(variables: readonly V[]): TextTemplate<V> {
  const known = new Set<string>(variables);
  return {
    variables,
    problems(body) {
      const problems: string[] = [];
      for (const m of body.matchAll(TOKEN)) if (!known.has(m[1])) problems.push(`{{${m[1]}}}`);
      const rest = body.replace(TOKEN, '');
      if (rest.includes('{{') || rest.includes('}}')) problems.push('{{');
      return [...new Set(problems)];
    },
    render(body, vars) {
      return body.replace(TOKEN, (whole, name: string) => (known.has(name) ? vars[name as V] : whole));
    },
  };
}
