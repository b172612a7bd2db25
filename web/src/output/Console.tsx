// The output console. Output can arrive as megabytes in many small chunks, so it bypasses
// React: chunks are queued and written to the DOM once per animation frame as styled spans,
// and the oldest text is dropped past a cap so that the page stays responsive.
//
// It follows new output like a terminal: while the user is at the bottom, each frame's output
// is scrolled into view; scrolling up (wheel, keys, the scroll bar, a touch) stops that, and
// scrolling back down to the bottom (or "Jump to end") resumes it. Whether the user is reading
// is decided from their own input, never from where layout happens to leave the scroll
// position: blocks far from the view are not laid out (`content-visibility`), so their real
// height only arrives when they are, which must not count as the user scrolling away.
import { forwardRef, useEffect, useImperativeHandle, useRef, useState } from 'react';
import type { OutputChunk } from '../state/run';
import { AnsiParser, type Style } from './ansi';

/** Characters kept in the page; older output is replaced by a note. */
const MAX_CHARS = 2_000_000;
/** Characters written per frame: a burst of output is spread over frames, never one long task. */
const FRAME_CHARS = 128_000;
/** At most this many characters or lines (whichever comes first) per block of lines: the unit
 *  the browser skips when it is out of view, and lays out whole when it is in view. */
const BLOCK_CHARS = 8_000;
const BLOCK_LINES = 200;
/** The console's line height in px (styles.css), for the height of blocks not laid out yet. */
const LINE_PX = 18;
/** Within this many px of the end counts as at the end (when scrolling down to it). */
const NEAR_END_PX = 40;
/** How long after a wheel turn, key or touch a scroll counts as the user's. */
const USER_SCROLL_MS = 400;

export interface ConsoleHandle {
  append(chunk: OutputChunk): void;
  clear(): void;
  text(): string;
}

function styleOf(span: HTMLElement, style: Style) {
  if (style.fg) span.style.color = style.fg;
  if (style.bg) span.style.backgroundColor = style.bg;
  if (style.bold) span.style.fontWeight = 'bold';
  if (style.dim) span.style.opacity = '0.7';
  if (style.italic) span.style.fontStyle = 'italic';
  if (style.underline) span.style.textDecoration = 'underline';
}

/** How much of `text` goes into a block with room for `lines` more lines and `chars` more
 *  characters: up to the newline that fills it (at least the first one, which ends a line
 *  begun before), or all of it. */
function fill(text: string, lines: number, chars: number): number {
  let end = -1;
  for (let k = 0; k < Math.max(1, lines); k++) {
    const next = text.indexOf('\n', end + 1);
    if (next < 0) return text.length;
    end = next;
    if (end + 1 >= chars) break;
  }
  return end + 1;
}

function newlines(text: string): number {
  let count = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

interface WriterEvents {
  /** Following the output (true) or left where the user scrolled to (false). */
  onFollow(follow: boolean): void;
  /** Whether anything is shown. */
  onEmpty(empty: boolean): void;
}

class ConsoleWriter {
  private queue: OutputChunk[] = [];
  private frame = 0;
  private parsers = new Map<string, AnsiParser>();
  private chars = 0;
  private hidden = false;
  private block: HTMLDivElement | undefined;
  private blockChars = 0;
  private blockLines = 0;
  private endsLine = true;
  private follow = true;
  private empty = true;
  /** The scroll position at the previous scroll event, to tell scrolling up from down. */
  private lastTop = 0;
  private userInputAt = 0;
  private pointerDown = false;
  private settle = 0;
  private readonly resize: ResizeObserver;
  private readonly cleanup: (() => void)[] = [];

  constructor(
    private readonly log: HTMLElement,
    private readonly note: HTMLElement,
    private readonly events: WriterEvents,
  ) {
    const on = <K extends keyof HTMLElementEventMap>(
      target: HTMLElement | Window,
      type: K,
      handler: (event: HTMLElementEventMap[K]) => void,
      passive = true,
    ) => {
      target.addEventListener(type, handler as EventListener, { passive });
      this.cleanup.push(() => target.removeEventListener(type, handler as EventListener));
    };
    on(log, 'scroll', () => this.onScroll());
    on(log, 'wheel', (event) => {
      this.userInputAt = performance.now();
      // Up, where there is somewhere to go: the user wants to read what went by.
      if (event.deltaY < 0 && log.scrollTop > 0) this.setFollow(false);
    });
    on(log, 'keydown', (event) => {
      if (['ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End', ' '].includes(event.key)) {
        this.userInputAt = performance.now();
      }
      if (['ArrowUp', 'PageUp', 'Home'].includes(event.key) && log.scrollTop > 0) this.setFollow(false);
    });
    on(log, 'touchstart', () => (this.userInputAt = performance.now()));
    on(log, 'touchmove', () => (this.userInputAt = performance.now()));
    // The scroll bar is dragged with the button down.
    on(log, 'pointerdown', () => (this.pointerDown = true));
    on(window, 'pointerup', () => (this.pointerDown = false));
    on(window, 'pointercancel', () => (this.pointerDown = false));
    // Blocks laid out late (or a resized pane) change the height under a following console.
    this.resize = new ResizeObserver(() => this.stickLater());
    this.resize.observe(log);
  }

  dispose() {
    cancelAnimationFrame(this.frame);
    cancelAnimationFrame(this.settle);
    this.resize.disconnect();
    for (const undo of this.cleanup) undo();
  }

  append(chunk: OutputChunk) {
    this.queue.push(chunk);
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.flush());
  }

  clear() {
    this.queue = [];
    this.parsers.clear();
    this.resize.disconnect();
    this.resize.observe(this.log);
    this.log.textContent = '';
    this.block = undefined;
    this.blockChars = 0;
    this.blockLines = 0;
    this.endsLine = true;
    this.chars = 0;
    this.hidden = false;
    this.note.hidden = true;
    this.lastTop = 0;
    this.setFollow(true);
    this.setEmpty(true);
  }

  /** Back to following: to the end now, and on with the output. */
  jumpToEnd() {
    this.setFollow(true);
    this.toEnd();
  }

  private setFollow(follow: boolean) {
    if (follow === this.follow) return;
    this.follow = follow;
    this.log.dataset.follow = String(follow);
    this.events.onFollow(follow);
  }

  private setEmpty(empty: boolean) {
    if (empty === this.empty) return;
    this.empty = empty;
    this.events.onEmpty(empty);
  }

  private toEnd() {
    this.log.scrollTop = this.log.scrollHeight;
    this.lastTop = this.log.scrollTop;
  }

  private stickLater() {
    if (!this.follow || this.frame !== 0 || this.settle !== 0) return;
    this.settle = requestAnimationFrame(() => {
      this.settle = 0;
      if (this.follow) this.toEnd();
    });
  }

  private onScroll() {
    const { scrollTop, scrollHeight, clientHeight } = this.log;
    const down = scrollTop > this.lastTop;
    const up = scrollTop < this.lastTop;
    this.lastTop = scrollTop;
    const distance = scrollHeight - scrollTop - clientHeight;
    const byUser = this.pointerDown || performance.now() - this.userInputAt < USER_SCROLL_MS;
    if (distance <= 1 || (down && byUser && distance <= NEAR_END_PX)) {
      this.setFollow(true);
    } else if (byUser && up) {
      this.setFollow(false);
    } else if (this.follow && !byUser) {
      // Not the user: layout moved the end (a block laid out at its real height). Stay on it.
      this.stickLater();
    }
  }

  /** A new block of lines at the end. Every block, this one included, is skipped by the
   *  browser while out of view (`content-visibility: auto`); until it has been laid out once
   *  (and its size is remembered) its height is estimated from its lines. */
  private openBlock() {
    this.sizeBlock();
    // Only the last block still changes (the ones above it are kept in place by the browser's
    // scroll anchoring when they are first laid out).
    if (this.block) this.resize.unobserve(this.block);
    this.block = document.createElement('div');
    this.block.className = 'console-block';
    this.blockChars = 0;
    this.blockLines = 0;
    this.log.appendChild(this.block);
    this.resize.observe(this.block);
  }

  private sizeBlock() {
    if (this.block) this.block.style.containIntrinsicSize = `auto ${Math.max(1, this.blockLines) * LINE_PX}px`;
  }

  private flush() {
    this.frame = 0;
    let taken = 0;
    let budget = FRAME_CHARS;
    while (taken < this.queue.length && budget > 0) {
      budget -= this.queue[taken].text.length;
      taken++;
    }
    const batch = this.queue.slice(0, taken);
    let written = 0;
    this.queue = this.queue.slice(taken);
    for (const chunk of batch) {
      const key = `${chunk.stream}:${chunk.stage ?? ''}`;
      let parser = this.parsers.get(key);
      if (!parser) {
        parser = new AnsiParser();
        this.parsers.set(key, parser);
      }
      const className = `out-${chunk.stream}${chunk.stage === 'compile' ? ' out-compile' : ''}`;
      for (const segment of parser.push(chunk.text)) {
        // Output goes into blocks of whole lines, about BLOCK_CHARS each: blocks out of view
        // skip layout and paint, so a long console (or a burst of many lines in one frame)
        // costs what is on screen, not its length. A block ends only at a line end, so that
        // no line is split across two.
        let text = segment.text;
        while (text.length > 0) {
          const full = this.blockChars >= BLOCK_CHARS || this.blockLines >= BLOCK_LINES;
          if (!this.block || (full && this.endsLine)) this.openBlock();
          const piece = text.slice(0, fill(text, BLOCK_LINES - this.blockLines, BLOCK_CHARS - this.blockChars));
          const span = document.createElement('span');
          span.className = className;
          styleOf(span, segment.style);
          span.textContent = piece;
          this.block!.appendChild(span);
          this.blockChars += piece.length;
          this.blockLines += newlines(piece);
          this.chars += piece.length;
          written += piece.length;
          this.endsLine = piece.endsWith('\n');
          text = piece.length === text.length ? '' : text.slice(piece.length);
        }
      }
    }
    this.sizeBlock();
    while (this.chars > MAX_CHARS && this.log.firstChild && this.log.firstChild !== this.block) {
      const first = this.log.firstChild as HTMLElement;
      this.chars -= first.textContent?.length ?? 0;
      this.resize.unobserve(first);
      this.log.removeChild(first);
      this.hidden = true;
    }
    this.note.hidden = !this.hidden;
    if (written > 0) this.setEmpty(false);
    if (this.follow) this.toEnd();
    if (this.queue.length > 0) this.frame = requestAnimationFrame(() => this.flush());
  }
}

function download(text: string, name: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The Clipboard API where there is one (a secure context); else a selected textarea and the
 *  old copy command. */
async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // Refused (no permission, not focused): try the old way.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  const focused = document.activeElement as HTMLElement | null;
  document.body.appendChild(area);
  area.select();
  let done = false;
  try {
    done = document.execCommand('copy');
  } catch {
    done = false;
  }
  area.remove();
  focused?.focus();
  return done;
}

export const Console = forwardRef<ConsoleHandle>(function Console(_, ref) {
  const log = useRef<HTMLDivElement>(null);
  const note = useRef<HTMLDivElement>(null);
  const writer = useRef<ConsoleWriter | null>(null);
  const [follow, setFollow] = useState(true);
  const [empty, setEmpty] = useState(true);
  const [copied, setCopied] = useState<string | undefined>();
  useEffect(() => {
    const made = new ConsoleWriter(log.current!, note.current!, { onFollow: setFollow, onEmpty: setEmpty });
    writer.current = made;
    return () => {
      made.dispose();
      if (writer.current === made) writer.current = null;
    };
  }, []);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(undefined), 2500);
    return () => clearTimeout(timer);
  }, [copied]);
  const text = () => log.current?.textContent ?? '';
  useImperativeHandle(ref, () => ({
    append: (chunk) => writer.current?.append(chunk),
    clear: () => writer.current?.clear(),
    text,
  }));
  return (
    <div className="console-wrap">
      <div className="console-tools" role="toolbar" aria-label="Output tools">
        <span className="console-status" role="status">
          {copied}
        </span>
        <button className="small" onClick={() => writer.current?.clear()} disabled={empty}>
          Clear
        </button>
        <button
          className="small"
          disabled={empty}
          onClick={async () => setCopied((await copyText(text())) ? 'Copied' : 'Copying was refused')}
        >
          Copy all
        </button>
        <button className="small" disabled={empty} onClick={() => download(text(), 'output.txt')} title="Save as output.txt">
          Download
        </button>
      </div>
      <div ref={note} className="console-note" hidden>
        Earlier output is hidden to keep the page fast.
      </div>
      <div className="console-box">
        <div
          ref={log}
          className="console"
          role="log"
          aria-label="Output"
          aria-live="polite"
          tabIndex={0}
          data-follow="true"
        />
        {!follow && (
          <button className="small jump-to-end" onClick={() => writer.current?.jumpToEnd()}>
            ↓ Jump to end
          </button>
        )}
      </div>
    </div>
  );
});
