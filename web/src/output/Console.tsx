// The output console. Output can arrive as megabytes in many small chunks, so it bypasses
// React: chunks are queued and written to the DOM once per animation frame as styled spans,
// and the oldest text is dropped past a cap so that the page stays responsive.
import { forwardRef, useEffect, useImperativeHandle, useRef } from 'react';
import type { OutputChunk } from '../state/run';
import { AnsiParser, type Style } from './ansi';

/** Characters kept in the page; older output is replaced by a note. */
const MAX_CHARS = 2_000_000;
/** Characters written per frame: a burst of output is spread over frames, never one long task. */
const FRAME_CHARS = 128_000;
/** Characters per block of lines (the unit the browser may skip when it is out of view). */
const BLOCK_CHARS = 32_000;

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

class ConsoleWriter {
  private queue: OutputChunk[] = [];
  private frame = 0;
  private parsers = new Map<string, AnsiParser>();
  private chars = 0;
  private hidden = false;
  private block: HTMLDivElement | undefined;
  private blockChars = 0;
  private endsLine = true;

  constructor(
    private readonly log: HTMLElement,
    private readonly note: HTMLElement,
  ) {}

  append(chunk: OutputChunk) {
    this.queue.push(chunk);
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.flush());
  }

  clear() {
    this.queue = [];
    this.parsers.clear();
    this.log.textContent = '';
    this.block = undefined;
    this.blockChars = 0;
    this.endsLine = true;
    this.chars = 0;
    this.hidden = false;
    this.note.hidden = true;
  }

  private flush() {
    this.frame = 0;
    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    const fragment = document.createDocumentFragment();
    let taken = 0;
    let budget = FRAME_CHARS;
    while (taken < this.queue.length && budget > 0) {
      budget -= this.queue[taken].text.length;
      taken++;
    }
    const batch = this.queue.slice(0, taken);
    let written = 0;
    let lastText = '';
    this.queue = this.queue.slice(taken);
    for (const chunk of batch) {
      const key = `${chunk.stream}:${chunk.stage ?? ''}`;
      let parser = this.parsers.get(key);
      if (!parser) {
        parser = new AnsiParser();
        this.parsers.set(key, parser);
      }
      for (const segment of parser.push(chunk.text)) {
        const span = document.createElement('span');
        span.className = `out-${chunk.stream}${chunk.stage === 'compile' ? ' out-compile' : ''}`;
        styleOf(span, segment.style);
        span.textContent = segment.text;
        fragment.appendChild(span);
        this.chars += segment.text.length;
        written += segment.text.length;
        lastText = segment.text;
      }
    }
    // Output goes into blocks of whole lines: blocks scrolled out of view skip layout and paint
    // (`content-visibility: auto`), so a long console costs what is on screen, not its length.
    // A block is closed only at a line end, so that no line is split across two.
    if (!this.block || (this.blockChars >= BLOCK_CHARS && this.endsLine)) {
      this.block = document.createElement('div');
      this.block.className = 'console-block';
      this.blockChars = 0;
      this.log.appendChild(this.block);
    }
    this.block.appendChild(fragment);
    this.blockChars += written;
    if (lastText !== '') this.endsLine = lastText.endsWith('\n');
    while (this.chars > MAX_CHARS && this.log.firstChild && this.log.firstChild !== this.block) {
      this.chars -= this.log.firstChild.textContent?.length ?? 0;
      this.log.removeChild(this.log.firstChild);
      this.hidden = true;
    }
    this.note.hidden = !this.hidden;
    if (atBottom) this.log.scrollTop = this.log.scrollHeight;
    if (this.queue.length > 0) this.frame = requestAnimationFrame(() => this.flush());
  }
}

export const Console = forwardRef<ConsoleHandle>(function Console(_, ref) {
  const log = useRef<HTMLDivElement>(null);
  const note = useRef<HTMLDivElement>(null);
  const writer = useRef<ConsoleWriter | null>(null);
  useEffect(() => {
    writer.current = new ConsoleWriter(log.current!, note.current!);
  }, []);
  useImperativeHandle(ref, () => ({
    append: (chunk) => writer.current?.append(chunk),
    clear: () => writer.current?.clear(),
    text: () => log.current?.textContent ?? '',
  }));
  return (
    <div className="console-wrap">
      <div ref={note} className="console-note" hidden>
        Earlier output is hidden to keep the page fast.
      </div>
      <div ref={log} className="console" role="log" aria-label="Output" aria-live="polite" tabIndex={0} />
    </div>
  );
});
