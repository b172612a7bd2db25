// The splitter between the editor and the output: a separator that arrow keys (Shift for a
// bigger step, Home and End to the ends) and a pointer drag move; the position is kept.
import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { clampSplit, splitForKey, splitForPointer, splitRange } from '../state/split';

export function Splitter({
  container,
  value,
  onChange,
}: {
  /** The element whose width the share is of (the workspace grid). */
  container: RefObject<HTMLElement | null>;
  /** The editor's share of that width, in percent. */
  value: number;
  onChange: (percent: number) => void;
}) {
  const [width, setWidth] = useState(0);
  const dragging = useRef(false);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const measure = () => setWidth(element.getBoundingClientRect().width);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [container]);
  const shown = clampSplit(value, width);
  const range = splitRange(width);
  const fromPointer = useCallback(
    (clientX: number) => {
      const rect = container.current?.getBoundingClientRect();
      if (rect) onChange(splitForPointer(clientX, rect.left, rect.width));
    },
    [container, onChange],
  );
  return (
    <div
      className="splitter"
      role="separator"
      tabIndex={0}
      aria-orientation="vertical"
      aria-label="Resize the editor and the output"
      aria-controls="code-pane"
      aria-valuemin={Math.round(range.min)}
      aria-valuemax={Math.round(range.max)}
      aria-valuenow={Math.round(shown)}
      aria-valuetext={`Editor ${Math.round(shown)}% of the width`}
      title="Drag, or use the arrow keys, to resize"
      onKeyDown={(event) => {
        const next = splitForKey(shown, event.key, event.shiftKey, width);
        if (next === undefined) return;
        event.preventDefault();
        onChange(next);
      }}
      onPointerDown={(event) => {
        if (event.button !== 0) return;
        event.preventDefault();
        dragging.current = true;
        event.currentTarget.setPointerCapture(event.pointerId);
        event.currentTarget.focus();
      }}
      onPointerMove={(event) => {
        if (dragging.current) fromPointer(event.clientX);
      }}
      onPointerUp={(event) => {
        dragging.current = false;
        if (event.currentTarget.hasPointerCapture(event.pointerId)) event.currentTarget.releasePointerCapture(event.pointerId);
      }}
      onPointerCancel={() => {
        dragging.current = false;
      }}
      onDoubleClick={() => onChange(clampSplit(60, width))}
    />
  );
}
