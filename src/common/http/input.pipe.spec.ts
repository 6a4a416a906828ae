import { AppError } from '../errors/app-error';
import { FormList, FormText } from './input-fields';
import { InputPipe, MAX_INPUT_DEPTH } from './input.pipe';

class ChecklistForm {
  @FormText() name?: string;
  @FormList() lists?: string[];
}

const pipe = new InputPipe();
const body = (value: unknown, metatype: unknown = Object, data?: string) => pipe.transform(value, { type: 'body', metatype: metatype as never, data });
const query = (value: unknown, metatype: unknown = Object, data?: string) => pipe.transform(value, { type: 'query', metatype: metatype as never, data });
const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: AppError) => e.code);

describe('InputPipe', () => {
  it('passes a flat form of strings through', async () => {
    expect(await body({ email: 'a@example.com', name: '' })).toEqual({ email: 'a@example.com', name: '' });
  });

  it('refuses a field sent twice in an untyped form or query, naming it', async () => {
    const e = await body({ email: ['a', 'b'] }).catch((x: AppError) => x);
    expect(e).toMatchObject({ status: 400, code: 'input.repeated_field', details: { field: 'email' }, fields: { email: 'errors.one_value' } });
    expect(await codeOf(query({ q: ['a', 'b'] }))).toBe('input.repeated_field');
    expect(await codeOf(query(['a', 'b'], String, 'q'))).toBe('input.repeated_field');
    // `string | undefined` reaches Nest as Object: still one value
    expect(await codeOf(body(['a', 'b'], Object, 'code'))).toBe('input.repeated_field');
  });

  it('refuses JSON values that are not text where a form takes text', async () => {
    expect(await codeOf(body({ email: 1 }))).toBe('input.not_text');
    expect(await codeOf(body({ email: { a: 1 } }))).toBe('input.not_text');
  });

  it('keeps a checkbox group a list where the DTO says so, and refuses repeated text fields there too', async () => {
    expect(await body({ lists: ['1', '2'], name: 'x' }, ChecklistForm)).toEqual(Object.assign(new ChecklistForm(), { lists: ['1', '2'], name: 'x' }));
    expect(await body({ lists: '1' }, ChecklistForm)).toEqual(Object.assign(new ChecklistForm(), { lists: ['1'] }));
    expect(await codeOf(body({ name: ['a', 'b'] }, ChecklistForm))).toBe('validation_failed');
  });

  it('refuses a missing or unread body with 415, and a body that is not an object with 400', async () => {
    const e = await body(undefined).catch((x: AppError) => x);
    expect(e).toMatchObject({ status: 415, code: 'input.unsupported_media_type' });
    expect(await codeOf(body([1, 2]))).toBe('input.not_an_object');
    expect(await codeOf(body('x'))).toBe('input.not_an_object');
  });

  it('refuses nesting past the limit, walking without recursion', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(await codeOf(body({ a: deep }))).toBe('input.too_deep');
    let ok: unknown = 1;
    for (let i = 0; i < MAX_INPUT_DEPTH - 1; i++) ok = { a: ok };
    expect(await codeOf(body(ok as object, class {}))).toBe('ok');
  });

  it('refuses lone surrogates and NUL in values and keys, naming the field', async () => {
    const e = await body({ subscribers: [{ email: 'a\ud800@example.com' }] }, class {}).catch((x: AppError) => x);
    expect(e).toMatchObject({ code: 'input.bad_text', details: { field: 'subscribers.0.email' } });
    expect(await codeOf(body({ subject: 'a\u0000b' }))).toBe('input.bad_text');
    expect(await codeOf(body({ ['k\udc00']: 'v' }))).toBe('input.bad_text');
    expect(await codeOf(body({ subject: 'a 😀 pair is fine' }))).toBe('ok');
  });
});
