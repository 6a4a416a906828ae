import { loadConfig } from '../../config/config';
import { defaultSettings } from '../site-settings';
import { accentShades, brandCss, brandCssVersion, brandView, contrast, mailBrand, PAGE_BACKGROUND } from './brand';
import { sniffLogoType } from './logo.service';

describe('brand', () => {
  const config = loadConfig({ SECRET_KEY: 'x'.repeat(40), APP_URL: 'https://portal.test', MAIL_FROM: 'kabinet <noreply@portal.test>' }, '/tmp');

  it('derives shades that keep accent text at AA on the page, on white and on its own tint', () => {
    // From the darkest to the lightest colour the setting accepts (#767676 is 4.54:1 on white, 4.2:1 on the page).
    for (const hex of ['#000000', '#4338ca', '#0f5132', '#b42318', '#767676', '#1f6feb', '#6d28d9']) {
      const s = accentShades(hex);
      expect(contrast(s.accent, PAGE_BACKGROUND)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(s.accent, '#ffffff')).toBeGreaterThanOrEqual(4.5);
      expect(contrast(s.accent, s.soft)).toBeGreaterThanOrEqual(4.5);
      expect(s.hover).not.toBe(s.accent);
      expect(contrast(s.hover, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    }
    // A colour that already reads on the page is used as chosen.
    expect(accentShades('#4338ca').accent).toBe('#4338ca');
    expect(accentShades('#767676').accent).not.toBe('#767676');
  });

  it('writes the stylesheet and a version that changes with it', () => {
    expect(brandCss('#0F5132')).toMatch(/^:root\{--accent:#0f5132;--accent-hover:#[0-9a-f]{6};--accent-soft:#[0-9a-f]{6}\}\n$/);
    expect(brandCssVersion('#0f5132')).toBe(brandCssVersion('#0F5132'));
    expect(brandCssVersion('#0f5132')).not.toBe(brandCssVersion('#4338ca'));
  });

  it('falls back to "kabinet", builds absolute logo URLs for mail and names senders', () => {
    const site = Object.freeze(defaultSettings(config));
    expect(brandView(site)).toMatchObject({ name: 'kabinet', initial: 'K', logoUrl: null });
    const named = Object.freeze({ ...site, schoolName: 'школа танго', logoFileId: '7', mailFromName: '', marketingFromName: 'News "best" <x>', marketingFromAddress: 'news@portal.test' });
    expect(brandView(named)).toMatchObject({ name: 'школа танго', initial: 'Ш', logoUrl: '/brand/logo/7' });
    expect(mailBrand(named, config.appUrl)).toEqual({
      name: 'школа танго',
      logoUrl: 'https://portal.test/brand/logo/7',
      accent: '#4338ca',
      transactionalFrom: '"школа танго" <noreply@portal.test>', // no sender name: the school's
      marketingFrom: '"News best x" <news@portal.test>',
    });
  });

  it('takes raster images by their bytes only', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
    expect(sniffLogoType(png)).toBe('image/png');
    expect(sniffLogoType(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('image/jpeg');
    expect(sniffLogoType(Buffer.from('GIF89a......'))).toBe('image/gif');
    expect(sniffLogoType(Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('image/webp');
    expect(sniffLogoType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).toBeNull();
    expect(sniffLogoType(Buffer.from('%PDF-1.7'))).toBeNull();
    expect(sniffLogoType(Buffer.from('hello, I am text'))).toBeNull();
  });
});
