import { describe, expect, it } from 'vitest';
import { AnsiParser, color256 } from './ansi';

describe('AnsiParser', () => {
  it('turns SGR colours into styled segments and resets them', () => {
    const segments = new AnsiParser().push('plain \x1b[31mred\x1b[0m back');
    expect(segments.map((s) => s.text)).toEqual(['plain ', 'red', ' back']);
    expect(segments[0].style).toEqual({});
    expect(segments[1].style.fg).toBe('var(--ansi-red)');
    expect(segments[2].style).toEqual({});
  });

  it('combines bold, bright, 256 and true colours', () => {
    const [bold] = new AnsiParser().push('\x1b[1;92mok');
    expect(bold.style).toEqual({ bold: true, fg: 'var(--ansi-bright-green)' });
    const [indexed] = new AnsiParser().push('\x1b[38;5;196mx');
    expect(indexed.style.fg).toBe('rgb(255, 0, 0)');
    const [rgb] = new AnsiParser().push('\x1b[48;2;1;2;3mx');
    expect(rgb.style.bg).toBe('rgb(1, 2, 3)');
  });

  it('holds an escape split across chunks until it is whole', () => {
    const parser = new AnsiParser();
    expect(parser.push('a\x1b[3').map((s) => s.text)).toEqual(['a']);
    const rest = parser.push('4mblue');
    expect(rest).toEqual([{ text: 'blue', style: { fg: 'var(--ansi-blue)' } }]);
  });

  it('drops cursor movement and window titles', () => {
    const text = new AnsiParser()
      .push('\x1b[2K\x1b[1Aline\x1b]0;title\x07!')
      .map((s) => s.text)
      .join('');
    expect(text).toBe('line!');
  });

  it('maps the grey ramp', () => {
    expect(color256(232)).toBe('rgb(8, 8, 8)');
    expect(color256(255)).toBe('rgb(238, 238, 238)');
  });
});
