// ANSI SGR (colour and style) escape sequences → styled segments. Other escape sequences
// (cursor movement, titles) are dropped: the console is an append-only log.

export interface Style {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
}

export interface Segment {
  text: string;
  style: Style;
}

const BASIC = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];

/** The colour of an xterm 256-colour index as CSS. */
export function color256(n: number): string {
  if (n < 8) return `var(--ansi-${BASIC[n]})`;
  if (n < 16) return `var(--ansi-bright-${BASIC[n - 8]})`;
  if (n < 232) {
    const v = n - 16;
    const level = (x: number) => (x === 0 ? 0 : 55 + x * 40);
    return `rgb(${level(Math.floor(v / 36))}, ${level(Math.floor(v / 6) % 6)}, ${level(v % 6)})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey}, ${grey}, ${grey})`;
}

function applySgr(style: Style, params: number[]): Style {
  const next: Style = { ...style };
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (p === 0) {
      for (const key of Object.keys(next)) delete next[key as keyof Style];
    } else if (p === 1) next.bold = true;
    else if (p === 2) next.dim = true;
    else if (p === 3) next.italic = true;
    else if (p === 4) next.underline = true;
    else if (p === 22) {
      delete next.bold;
      delete next.dim;
    } else if (p === 23) delete next.italic;
    else if (p === 24) delete next.underline;
    else if (p >= 30 && p <= 37) next.fg = color256(p - 30);
    else if (p >= 90 && p <= 97) next.fg = color256(p - 90 + 8);
    else if (p === 39) delete next.fg;
    else if (p >= 40 && p <= 47) next.bg = color256(p - 40);
    else if (p >= 100 && p <= 107) next.bg = color256(p - 100 + 8);
    else if (p === 49) delete next.bg;
    else if (p === 38 || p === 48) {
      const key = p === 38 ? 'fg' : 'bg';
      if (params[i + 1] === 5 && i + 2 < params.length) {
        next[key] = color256(params[i + 2]);
        i += 2;
      } else if (params[i + 1] === 2 && i + 4 < params.length) {
        next[key] = `rgb(${params[i + 2]}, ${params[i + 3]}, ${params[i + 4]})`;
        i += 4;
      }
    }
  }
  return next;
}

/**
 * A stateful parser: output arrives in chunks, and an escape sequence may be split between two
 * of them, so an unfinished one is held back until the next chunk.
 */
export class AnsiParser {
  private style: Style = {};
  private carry = '';

  push(chunk: string): Segment[] {
    const text = this.carry + chunk;
    this.carry = '';
    const out: Segment[] = [];
    let start = 0;
    let i = 0;
    const emit = (end: number) => {
      if (end > start) out.push({ text: text.slice(start, end), style: this.style });
    };
    while (i < text.length) {
      if (text.charCodeAt(i) !== 0x1b) {
        i++;
        continue;
      }
      emit(i);
      if (i + 1 >= text.length) {
        this.carry = text.slice(i);
        return out;
      }
      if (text[i + 1] !== '[') {
        // OSC (ESC ]) runs to BEL or ESC \; other two-character escapes are skipped.
        if (text[i + 1] === ']') {
          const bel = text.indexOf('\x07', i);
          const st = text.indexOf('\x1b\\', i);
          const ends = [bel, st].filter((x) => x >= 0);
          if (ends.length === 0) {
            this.carry = text.slice(i);
            return out;
          }
          const end = Math.min(...ends);
          i = end + (end === st ? 2 : 1);
        } else {
          i += 2;
        }
        start = i;
        continue;
      }
      let j = i + 2;
      while (j < text.length && /[0-9;?]/.test(text[j])) j++;
      if (j >= text.length) {
        this.carry = text.slice(i);
        return out;
      }
      if (text[j] === 'm') {
        const params = text
          .slice(i + 2, j)
          .split(';')
          .map((x) => (x === '' ? 0 : Number.parseInt(x, 10)));
        this.style = applySgr(this.style, params);
      }
      i = j + 1;
      start = i;
    }
    emit(text.length);
    return out;
  }
}
