import { ArgumentMetadata, Injectable, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError } from '../errors/app-error';
import { isCleanText } from '../text';

/** No request of this app nests deeper than a few levels; 32 leaves room, and stops a 1,500-deep document here. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Codes of errors about the request as a whole (no body, a body in another shape): there is no field to mark, so a
 * page shows the error page rather than its form again.
 */
export const WHOLE_REQUEST_ERRORS: ReadonlySet<string> = new Set(['input.unsupported_media_type', 'input.not_an_object', 'input.too_deep']);

const SCALARS: unknown[] = [String, Number, Boolean];
/** A type alias (`Record<string, string>`), a union (`string | string[]`) or no annotation all reach Nest as Object. */
const UNTYPED: unknown[] = [undefined, Object];

/**
 * The one layer that turns a request's body and query string into a handler's typed input, for every form and
 * API route (registered globally in app.ts); nothing deeper sees raw input.
 *
 * 1. A handler that takes a body gets one: none, or one in a type no parser read (text/plain, XML, a multipart
 *    form on a route that takes no file), is 415.
 * 2. The whole input is walked once, without recursion: nested past MAX_INPUT_DEPTH, or text that is not clean
 *    (a lone surrogate, NUL; see common/text.ts), is 400 naming the field.
 * 3. Its shape: with a DTO class, class-validator's rules (a form DTO declares its checkbox groups with FormList);
 *    without one (`@Body() body: Record<string, string | undefined>`, `@Query('q') q: string`), every field is
 *    one string, so a field sent twice (`email=a&email=b`) is 400 here instead of a TypeError in a service.
 *    (`string | undefined` and `string | string[]` both reach Nest as Object: a list needs a DTO to say so.)
 */
@Injectable()
export class InputPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidUnknownValues: false, transform: true, exceptionFactory: validationError });
  }

  override async transform(value: unknown, meta: ArgumentMetadata): Promise<unknown> {
    if (meta.type !== 'body' && meta.type !== 'query') return super.transform(value, meta);
    const whole = !meta.data;
    if (whole && meta.type === 'body' && value === undefined) throw unreadableBody();
    if (whole && (value === null || typeof value !== 'object' || Array.isArray(value))) {
      throw new AppError('bad_request', 'input.not_an_object', 'errors.input_not_object');
    }
    checkText(value, meta.data ?? '');
    if (UNTYPED.includes(meta.metatype) || SCALARS.includes(meta.metatype)) {
      if (whole) for (const [k, v] of Object.entries(value as object)) checkOne(k, v);
      else if (meta.data) checkOne(meta.data, value);
    }
    return super.transform(value, meta);
  }
}

function unreadableBody(): AppError {
  return new AppError('unsupported_media_type', 'input.unsupported_media_type', 'errors.input_unsupported_media_type');
}

/** One string, or absent. */
function checkOne(field: string, v: unknown): void {
  if (v === undefined || typeof v === 'string') return;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
    throw inputError('input.repeated_field', 'errors.input_repeated', 'errors.one_value', field);
  }
  throw inputError('input.not_text', 'errors.input_not_text', 'errors.one_value', field);
}

function checkText(root: unknown, rootName: string): void {
  const stack: Array<[unknown, string, number]> = [[root, rootName, 0]];
  while (stack.length) {
    const [v, name, depth] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isCleanText(v)) throw inputError('input.bad_text', 'errors.input_bad_text', 'errors.bad_text', name);
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) throw new AppError('bad_request', 'input.too_deep', 'errors.input_too_deep', {}, { maxDepth: MAX_INPUT_DEPTH });
    for (const [k, child] of Object.entries(v)) {
      const childName = name ? `${name}.${k}` : k;
      if (!isCleanText(k)) throw inputError('input.bad_text', 'errors.input_bad_text', 'errors.bad_text', childName.replace(/[\0\p{Cs}]/gu, '\ufffd'));
      stack.push([child, childName, depth + 1]);
    }
  }
}

/** `message` names the field (error pages, API); `fieldMessage` goes beside the field on a form shown again. */
function inputError(code: string, message: string, fieldMessage: string, field: string): AppError {
  const name = field.length > 100 ? `${field.slice(0, 100)}…` : field;
  return new AppError('bad_request', code, message, { [name]: fieldMessage }, { field: name });
}

function validationError(errors: ValidationError[]): AppError {
  const fields: Record<string, string> = {};
  const walk = (errs: ValidationError[], prefix: string) => {
    for (const e of errs) {
      const name = prefix + e.property;
      if (e.constraints) fields[name] = Object.values(e.constraints).join('; ');
      if (e.children?.length) walk(e.children, `${name}.`);
    }
  };
  walk(errors, '');
  return AppError.validation(fields, 'Some fields are missing or invalid');
}
