import { buildOutline, OutlineCache, ProductOutline } from './product-outline';
import type { LessonOutline } from '../catalogue/lessons.repository';

const lesson = (id: number, sectionId: number | null): LessonOutline => ({ id, productId: 1, sectionId, title: `L${id}`, position: id, dripDays: null, dripDate: null });

describe('buildOutline', () => {
  it('reads loose lessons first (including those of an unknown section), then section by section', () => {
    const o = buildOutline([{ id: 10, title: 'A' }, { id: 11, title: 'Empty' }], [lesson(1, 10), lesson(2, null), lesson(3, 99), lesson(4, 10)]);
    expect(o.sections.map((s) => [s.title, s.lessons.map((l) => l.id)])).toEqual([[null, [2, 3]], ['A', [1, 4]], ['Empty', []]]);
    expect(o.order.map((l) => l.id)).toEqual([2, 3, 1, 4]);
    expect(o.indexOf.get(1)).toBe(2);
  });
});

describe('OutlineCache', () => {
  const outline = (): ProductOutline => buildOutline([], [lesson(1, null)]);

  it('loads once per version and again when the version moves', async () => {
    const cache = new OutlineCache();
    const load = jest.fn(async () => outline());
    const a = await cache.get(1, 'v1', load);
    expect(await cache.get(1, 'v1', load)).toBe(a);
    expect(load).toHaveBeenCalledTimes(1);
    expect(await cache.get(1, 'v2', load)).not.toBe(a);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not keep a failed load', async () => {
    const cache = new OutlineCache();
    await expect(cache.get(1, 'v1', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    const ok = jest.fn(async () => outline());
    await cache.get(1, 'v1', ok);
    expect(ok).toHaveBeenCalledTimes(1);
  });
});
