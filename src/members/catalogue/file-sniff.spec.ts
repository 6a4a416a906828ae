import { sniffContentType, TEXT_PLAIN } from './file-sniff';

const b = (...x: (number | string)[]) => Buffer.concat(x.map((v) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from([v]))));

describe('sniffContentType', () => {
  it.each([
    [b('%PDF-1.7'), 'application/pdf'],
    [b('PK', 3, 4, 'rest'), 'application/zip'],
    [b(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a), 'image/png'],
    [b(0xff, 0xd8, 0xff, 0xe0), 'image/jpeg'],
    [b('GIF89a'), 'image/gif'],
    [b(0, 0, 0, 0x20, 'ftypisom'), 'video/mp4'],
    [b(0x1a, 0x45, 0xdf, 0xa3), 'video/webm'],
    [b('OggS', 0), 'audio/ogg'],
    [b('ID3', 4), 'audio/mpeg'],
    [b(0xff, 0xfb, 0x90), 'audio/mpeg'],
    [b('<html><script>'), 'application/octet-stream'],
    [Buffer.alloc(0), 'application/octet-stream'],
  ])('%#: %s', (head, type) => expect(sniffContentType(head)).toBe(type));

  it('a .txt of UTF-8 text is text/plain; its name alone changes nothing', () => {
    expect(sniffContentType(Buffer.from('Конспект урока\r\n\tпункт 1\n'), 'Конспект.txt')).toBe(TEXT_PLAIN);
    expect(sniffContentType(Buffer.from('<html><script>alert(1)</script>'), 'page.TXT')).toBe(TEXT_PLAIN);
    // a Cyrillic letter (2 bytes) cut at the end of the sniffed bytes is still text
    expect(sniffContentType(Buffer.from('ё').subarray(0, 1), 'a.txt')).toBe(TEXT_PLAIN);
    expect(sniffContentType(Buffer.from('plain'), 'notes.md')).toBe('application/octet-stream');
    expect(sniffContentType(b('%PDF-1.7'), 'really-a-pdf.txt')).toBe('application/pdf');
    expect(sniffContentType(b('text', 0, 'more'), 'binary.txt')).toBe('application/octet-stream');
    expect(sniffContentType(b('caf', 0xe9, ' latin-1'), 'latin1.txt')).toBe('application/octet-stream');
  });
});
