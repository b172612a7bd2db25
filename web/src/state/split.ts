// The splitter between the editor and the output: the editor's share of the width, in percent,
// kept in localStorage, never leaving either pane narrower than its minimum.

export const SPLIT_KEY = 'codecollab.split';
export const DEFAULT_SPLIT = 60;
/** The narrowest each pane may get, in CSS pixels (the splitter's own width aside). */
export const MIN_EDITOR_PX = 280;
export const MIN_OUTPUT_PX = 260;
export const SPLITTER_PX = 6;
/** Percent per arrow key press; with Shift (or Page Up/Down), a bigger step. */
export const STEP = 2;
export const BIG_STEP = 10;

/** The range of shares that keeps both panes at their minimum in a workspace this wide. */
export function splitRange(widthPx: number): { min: number; max: number } {
  if (!(widthPx > 0)) return { min: 10, max: 90 };
  const min = Math.min(50, (MIN_EDITOR_PX / widthPx) * 100);
  const max = Math.max(50, ((widthPx - MIN_OUTPUT_PX - SPLITTER_PX) / widthPx) * 100);
  return { min: Math.max(10, min), max: Math.min(90, max) };
}

export function clampSplit(percent: number, widthPx: number): number {
  const { min, max } = splitRange(widthPx);
  if (!Number.isFinite(percent)) return Math.min(max, Math.max(min, DEFAULT_SPLIT));
  return Math.min(max, Math.max(min, percent));
}

/** The share a key sets, or undefined for a key the splitter does not take. */
export function splitForKey(percent: number, key: string, shift: boolean, widthPx: number): number | undefined {
  const step = shift ? BIG_STEP : STEP;
  const { min, max } = splitRange(widthPx);
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      return clampSplit(percent - step, widthPx);
    case 'ArrowRight':
    case 'ArrowUp':
      return clampSplit(percent + step, widthPx);
    case 'PageDown':
      return clampSplit(percent - BIG_STEP, widthPx);
    case 'PageUp':
      return clampSplit(percent + BIG_STEP, widthPx);
    case 'Home':
      return min;
    case 'End':
      return max;
    default:
      return undefined;
  }
}

/** The share for a pointer at `clientX` over a workspace starting at `left`, `widthPx` wide. */
export function splitForPointer(clientX: number, left: number, widthPx: number): number {
  if (!(widthPx > 0)) return DEFAULT_SPLIT;
  return clampSplit(((clientX - left - SPLITTER_PX / 2) / widthPx) * 100, widthPx);
}

export function parseSplit(raw: string | null): number {
  const n = raw === null ? NaN : Number(raw);
  return Number.isFinite(n) && n > 0 && n < 100 ? n : DEFAULT_SPLIT;
}

export function loadSplit(storage: Pick<Storage, 'getItem'> = localStorage): number {
  try {
    return parseSplit(storage.getItem(SPLIT_KEY));
  } catch {
    return DEFAULT_SPLIT;
  }
}

export function saveSplit(percent: number, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try {
    storage.setItem(SPLIT_KEY, String(Math.round(percent * 10) / 10));
  } catch {
    // refused: the position still holds for this page
  }
}
