/**
 * Reads an offboarding notice against the rules of parting well (seed 002, "Настало время распрощаться?"):
 * keep to facts and avoid the blaming "you" ("the terms were not kept", not "you broke the contract"),
 * recommend alternatives, end on a positive note, leave a window open, and keep the private reason private.
 *
 * It gives hints beside the text in the preview, never a block: the person writing knows the case. Russian and
 * English are read sentence by sentence, each in its own language (a sentence with Cyrillic letters is Russian).
 */
export type NoticeRule = 'blame' | 'no_alternative' | 'no_positive_close' | 'no_open_door' | 'quotes_private';

export interface NoticeHint {
  rule: NoticeRule;
  /** The sentence the hint is about (blame, quotes_private), else absent. */
  excerpt?: string;
}

export interface NoticeCheckInput {
  text: string;
  /** The case's private reason and evidence notes: none of it may reach the client. */
  privateNotes?: (string | null | undefined)[];
  /** The configured alternatives (schools, courses, people): naming one of them counts as recommending. */
  alternatives?: string[];
}

// "You" followed by a verb of fault, in the past or as a standing trait.
const BLAME_EN = new RegExp(
  String.raw`\byou(?:'ve| have| had)?\s+(?:(?:repeatedly|constantly|always|clearly|again)\s+)?` +
    String.raw`(?:broke|broken|breached|violated|failed(?:\s+to)?|did\s*n[o']t|didn't|never|refused|ignored|insulted|abused|misused|lied|harassed|threatened|disrespected|disregarded|neglected|caused|` +
    String.raw`(?:were|are|have\s+been)\s+(?:rude|abusive|toxic|aggressive|difficult|unreasonable|disrespectful|impossible))\b` +
    String.raw`|\byour\s+(?:fault|behaviou?r|attitude|rudeness|aggression|conduct|complaints)\b` +
    String.raw`|\bbecause\s+of\s+you\b`,
  'i',
);
// «вы нарушили», «вы не оплатили», «вы постоянно требовали», «по вашей вине», «ваше поведение».
const BLAME_RU_STEMS =
  'наруш|отказ|проигнорир|игнорир|оскорб|злоупотреб|обман|солга|лга|груби|хами|угрожа|сорва|задержива|задержа|требова|позволя|позволи|довел|испортил';
const BLAME_RU = new RegExp(
  String.raw`(?<!\p{L})вы\s+(?:(?:сами|опять|снова|постоянно|систематически|неоднократно|регулярно|всё\s+время|все\s+время)\s+)?` +
    // a verb of fault, or «не» with a verb in the past tense («вы не оплатили», not «вы не сможете»)
    String.raw`(?:(?:${BLAME_RU_STEMS})\p{L}*|не\s+\p{L}+л[иао]?(?!\p{L}))` +
    String.raw`|по\s+вашей\s+вине|ваше\s+поведение|ваша\s+вина|из-за\s+вас(?!\p{L})`,
  'iu',
);

const ALTERNATIVE_EN = /\b(?:alternatives?|recommend\w*|suggest\w*|you (?:might|may|could) (?:try|find|like|prefer)|other (?:schools?|courses?|providers?|specialists?|options|teachers?|coaches)|consider\w*|instead)\b/i;
const ALTERNATIVE_RU = /(?:рекоменд|совету|альтернатив|предлага|можно обратиться|обратиться к|другие (?:курсы|школы|специалист|автор|преподавател)|другой (?:курс|школ|специалист)|подойд[её]т|попробовать)/iu;
const POSITIVE_EN = /\b(?:thank\w*|grateful|appreciat\w*|enjoyed|pleasure|glad|wish you|all the best|good luck|best wishes|success)\b/i;
const POSITIVE_RU = /(?:спасибо|благодар|рады|рад |было приятно|ценим|ценю|желаем|желаю|удачи|всего доброго|всего хорошего|успехов|с уважением и)/iu;
const OPEN_DOOR_EN = /\b(?:in the future|later on|if (?:things|circumstances|anything) change|door (?:is|remains|stays) open|welcome (?:you )?back|work together again|feel free to (?:write|contact|reach)|reach out|get in touch|happy to hear from you)\b/i;
const OPEN_DOOR_RU = /(?:в будущем|если обстоятельства изменятся|снова|будем рады|буду рад|дверь открыта|возможно, позднее|позже|свяжитесь|напишите нам|напишите мне|обращайтесь|вернуться)/iu;

const CYRILLIC = /[\u0400-\u04FF]/;

/** Sentences: split after . ! ? … and at line breaks; bullet marks trimmed. */
export function sentences(text: string): string[] {
  return (text ?? '')
    .replace(/\r\n?/g, '\n')
    .split(/(?<=[.!?…])\s+|\n+/u)
    .map((s) => s.replace(/^[\s\-–—*•]+/u, '').trim())
    .filter((s) => s.length > 0);
}

export function checkNotice(input: NoticeCheckInput): NoticeHint[] {
  const text = input.text ?? '';
  const all = sentences(text);
  const hints: NoticeHint[] = [];

  for (const s of all) {
    if ((CYRILLIC.test(s) ? BLAME_RU : BLAME_EN).test(s)) hints.push({ rule: 'blame', excerpt: s });
  }

  const names = (input.alternatives ?? []).map((a) => a.trim().toLowerCase()).filter((a) => a.length >= 3);
  const lower = text.toLowerCase();
  if (!ALTERNATIVE_EN.test(text) && !ALTERNATIVE_RU.test(text) && !names.some((n) => lower.includes(n))) hints.push({ rule: 'no_alternative' });

  // The closing: the last three sentences, a signature line or two aside.
  const closing = all.slice(-3).join(' ');
  if (!POSITIVE_EN.test(closing) && !POSITIVE_RU.test(closing)) hints.push({ rule: 'no_positive_close' });
  if (!OPEN_DOOR_EN.test(text) && !OPEN_DOOR_RU.test(text)) hints.push({ rule: 'no_open_door' });

  for (const s of quotedPrivate(all, input.privateNotes ?? [])) hints.push({ rule: 'quotes_private', excerpt: s });
  return hints;
}

/** Runs of five words or more shared with the private notes (case, punctuation and ё/е aside). */
const RUN = 5;

function words(s: string): string[] {
  return s
    .toLowerCase()
    .replace(/ё/g, 'е')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

function quotedPrivate(notice: string[], notes: (string | null | undefined)[]): string[] {
  const shingles = new Set<string>();
  for (const note of notes) {
    const w = words(note ?? '');
    for (let i = 0; i + RUN <= w.length; i++) shingles.add(w.slice(i, i + RUN).join(' '));
  }
  if (!shingles.size) return [];
  return notice.filter((s) => {
    const w = words(s);
    for (let i = 0; i + RUN <= w.length; i++) if (shingles.has(w.slice(i, i + RUN).join(' '))) return true;
    return false;
  });
}
