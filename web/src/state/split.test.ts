import { describe, expect, it } from 'vitest';
import { clampSplit, DEFAULT_SPLIT, loadSplit, parseSplit, saveSplit, splitForKey, splitForPointer, splitRange } from './split';

describe('the splitter', () => {
  it('keeps both panes at their minimum width', () => {
    const { min, max } = splitRange(1000);
    expect(min).toBeCloseTo(28);
    expect(max).toBeCloseTo(73.4);
    expect(clampSplit(5, 1000)).toBeCloseTo(28);
    expect(clampSplit(95, 1000)).toBeCloseTo(73.4);
    expect(clampSplit(50, 1000)).toBe(50);
    expect(clampSplit(Number.NaN, 1000)).toBe(DEFAULT_SPLIT);
  });

  it('stays around the middle when the workspace is too narrow for both minima', () => {
    const { min, max } = splitRange(400);
    expect(min).toBeLessThanOrEqual(50);
    expect(max).toBeGreaterThanOrEqual(50);
  });

  it('moves by a step per arrow key, a big one with Shift, to the ends with Home and End', () => {
    expect(splitForKey(60, 'ArrowLeft', false, 1280)).toBe(58);
    expect(splitForKey(60, 'ArrowRight', false, 1280)).toBe(62);
    expect(splitForKey(60, 'ArrowRight', true, 1280)).toBe(70);
    expect(splitForKey(60, 'Home', false, 1280)).toBeCloseTo(splitRange(1280).min);
    expect(splitForKey(60, 'End', false, 1280)).toBeCloseTo(splitRange(1280).max);
    expect(splitForKey(60, 'a', false, 1280)).toBeUndefined();
  });

  it('follows the pointer', () => {
    expect(splitForPointer(503, 0, 1000)).toBeCloseTo(50);
    expect(splitForPointer(110, 100, 1000)).toBeCloseTo(28);
  });

  it('is kept in storage, and garbage there means the default', () => {
    expect(parseSplit(null)).toBe(DEFAULT_SPLIT);
    expect(parseSplit('abc')).toBe(DEFAULT_SPLIT);
    expect(parseSplit('140')).toBe(DEFAULT_SPLIT);
    const store = new Map<string, string>();
    saveSplit(42.345, { setItem: (k, v) => void store.set(k, v) });
    expect(loadSplit({ getItem: (k) => store.get(k) ?? null })).toBe(42.3);
  });
});
