import { parse } from 'csv-parse';
import type { Readable } from 'node:stream';

/** One parsed row: cells by lower-cased column name, and the file line the row ends on. */
export interface CsvRow {
  record: Record<string, string | undefined>;
  info: { lines: number };
}

/**
 * The rows of an uploaded CSV file, read as they stream in (the file is never held in memory). The delimiter is
 * sniffed from the header; `checkHeader` sees the lower-cased column names and throws to refuse the file.
 * Errors of the stream or the parser surface while iterating.
 */
export async function csvRows(file: Readable, checkHeader: (columns: string[]) => void): Promise<AsyncIterable<CsvRow>> {
  const first = await firstChunk(file);
  const parser = parse({
    bom: true,
    delimiter: delimiterOf(first),
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
    columns: (header: string[]) => {
      const cols = header.map((h) => String(h).trim().toLowerCase());
      checkHeader(cols);
      return cols;
    },
  });
  // An empty upload has already ended: piping it would leave the parser waiting for ever.
  if (first.length) {
    parser.write(first);
    file.pipe(parser);
  } else parser.end();
  return parser as AsyncIterable<CsvRow>;
}

/** The header decides: a file is either comma- or semicolon-separated, so a `;` inside a comma file's name stays. */
export function delimiterOf(head: Buffer): string {
  const line = head.toString('utf8').split(/\r?\n/, 1)[0];
  return (line.match(/;/g)?.length ?? 0) > (line.match(/,/g)?.length ?? 0) ? ';' : ',';
}

/** The first chunk of the stream (empty if there is none), leaving the stream paused for a later pipe. */
export function firstChunk(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (chunk: Buffer) => {
      stream.off('data', done).off('end', onEnd).off('error', reject);
      stream.pause();
      resolve(chunk);
    };
    const onEnd = () => done(Buffer.alloc(0));
    stream.on('data', done).on('end', onEnd).on('error', reject);
  });
}
