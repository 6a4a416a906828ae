import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { FormPart, FormParts, FormReadError, saveFormFile, UploadOptions } from './form-upload';

/** A form as a service gets it: plain parts, no HTTP. `asked` counts the parts taken. */
function formOf(parts: FormPart[], declaredBytes: number | null = null, failAfter?: FormReadError) {
  const state = { asked: 0 };
  const form: FormParts = {
    declaredBytes,
    async *[Symbol.asyncIterator]() {
      for (const p of parts) {
        state.asked++;
        yield p;
      }
      if (failAfter) throw failAfter;
    },
  };
  return { form, state };
}

const file = (name: string, bytes: Buffer | Readable, filename = 'f.bin'): FormPart => ({
  kind: 'file',
  name,
  filename,
  stream: bytes instanceof Readable ? bytes : Readable.from([bytes]),
});

describe('saveFormFile', () => {
  let dir: string;
  let opts: UploadOptions;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'form-upload-'));
    opts = {
      dir,
      maxBytes: 100,
      fileField: 'file',
      errors: {
        fileRequired: () => new Error('file required'),
        tooLarge: () => new Error('too large'),
        badBody: (d) => new Error(`bad body: ${d}`),
      },
    };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files = () => fs.readdirSync(dir);

  it('keeps the fields in any order and the file in a temporary file, skipping other file parts', async () => {
    const chunks: number[] = [];
    const { form } = formOf([
      { kind: 'field', name: 'dryRun', value: '1' },
      file('other', Buffer.alloc(500, 9)),
      file('file', Buffer.from('hello'), 'a.txt'),
      { kind: 'field', name: 'mode', value: 'subscribe' },
    ]);
    const got = await saveFormFile(form, { ...opts, onChunk: (c) => chunks.push(c.length) });
    expect(got).toMatchObject({ fields: { dryRun: '1', mode: 'subscribe' }, fileName: 'a.txt', size: 5 });
    expect(fs.readFileSync(got.tmpPath!, 'utf8')).toBe('hello');
    expect(chunks).toEqual([5]);
  });

  it('a form without the file gives no temporary file', async () => {
    const got = await saveFormFile(formOf([{ kind: 'field', name: 'x', value: 'y' }]).form, opts);
    expect(got).toEqual({ fields: { x: 'y' }, tmpPath: null, fileName: '', size: 0 });
    expect(files()).toEqual([]);
  });

  it('a declared size that cannot fit is refused before a single part is taken', async () => {
    const { form, state } = formOf([file('file', Buffer.from('x'))], 100 + 64 * 1024 + 1);
    await expect(saveFormFile(form, opts)).rejects.toThrow('too large');
    expect(state.asked).toBe(0);
  });

  it('the moment the file passes the limit, reading stops and the partial file is gone', async () => {
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(40, 1));
      },
    });
    let taken = 0;
    const { form, state } = formOf([file('file', endless), { kind: 'field', name: 'late', value: 'never read' }]);
    await expect(saveFormFile(form, { ...opts, onChunk: (c) => (taken += c.length) })).rejects.toThrow('too large');
    expect(state.asked).toBe(1);
    expect(taken).toBeLessThanOrEqual(100);
    expect(endless.isPaused()).toBe(true); // the rest is left where it is, for the form's owner to drop
    expect(files()).toEqual([]);
  });

  it('a form that breaks is the caller\'s own error, and what was saved is removed', async () => {
    const broken = formOf([file('file', Buffer.from('saved'))], null, new FormReadError('malformed', 'Unexpected end of form'));
    await expect(saveFormFile(broken.form, opts)).rejects.toThrow('bad body: Unexpected end of form');
    const gone = formOf([], null, new FormReadError('gone'));
    await expect(saveFormFile(gone.form, opts)).rejects.toThrow('file required');
    let sent = false;
    const cut = new Readable({
      read() {
        if (sent) return this.destroy(new Error('Unexpected end of file'));
        sent = true;
        this.push(Buffer.from('half'));
      },
    });
    await expect(saveFormFile(formOf([file('file', cut)]).form, opts)).rejects.toThrow('bad body: Unexpected end of file');
    expect(files()).toEqual([]);
  });
});
