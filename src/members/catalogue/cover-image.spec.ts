import { sniffCoverType } from './cover-image';

describe('sniffCoverType', () => {
  it('knows the four image types by their first bytes', () => {
    expect(sniffCoverType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]))).toBe('image/png');
    expect(sniffCoverType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]))).toBe('image/jpeg');
    expect(sniffCoverType(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toBe('image/gif');
    expect(sniffCoverType(Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('image/webp');
  });

  it('refuses anything else, whatever it is called: text, HTML, SVG, a truncated signature, a RIFF that is not WebP', () => {
    for (const s of ['hello, I am a png', '<!doctype html><script>alert(1)</script>', '<svg xmlns="http://www.w3.org/2000/svg"/>', '\x89PNG', 'RIFF\x24\x00\x00\x00WAVEfmt ', '']) {
      expect([s, sniffCoverType(Buffer.from(s, 'latin1'))]).toEqual([s, null]);
    }
  });
});
