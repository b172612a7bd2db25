// The editor's own settings (font size, indentation, line wrap, keymap): the user's, kept in
// localStorage for every workspace, and read back only as far as they are valid.

export type IndentStyle = 'language' | 'spaces' | 'tabs';
export type KeymapName = 'default' | 'vim';

export interface EditorSettings {
  /** In CSS pixels, FONT_SIZES.min to FONT_SIZES.max. */
  fontSize: number;
  /** The language's usual indentation, or spaces or tabs of `indentWidth`. */
  indent: IndentStyle;
  /** Spaces per indentation step, and the width of a tab. */
  indentWidth: 2 | 4 | 8;
  wrap: boolean;
  keymap: KeymapName;
}

export const FONT_SIZES = { min: 12, max: 24 } as const;
export const INDENT_WIDTHS = [2, 4, 8] as const;
export const KEYMAPS: { id: KeymapName; label: string }[] = [
  { id: 'default', label: 'Default' },
  { id: 'vim', label: 'Vim' },
];

export const DEFAULT_EDITOR_SETTINGS: EditorSettings = {
  fontSize: 14,
  indent: 'language',
  indentWidth: 4,
  wrap: false,
  keymap: 'default',
};

export const EDITOR_SETTINGS_KEY = 'codecollab.editor';

/** What a stored value says, each field checked on its own (a bad one falls back alone). */
export function parseEditorSettings(raw: unknown): EditorSettings {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
  }
  const v = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const d = DEFAULT_EDITOR_SETTINGS;
  const fontSize =
    typeof v.fontSize === 'number' && Number.isFinite(v.fontSize)
      ? Math.min(FONT_SIZES.max, Math.max(FONT_SIZES.min, Math.round(v.fontSize)))
      : d.fontSize;
  return {
    fontSize,
    indent: v.indent === 'spaces' || v.indent === 'tabs' || v.indent === 'language' ? v.indent : d.indent,
    indentWidth: INDENT_WIDTHS.includes(v.indentWidth as 2) ? (v.indentWidth as 2 | 4 | 8) : d.indentWidth,
    wrap: typeof v.wrap === 'boolean' ? v.wrap : d.wrap,
    keymap: v.keymap === 'vim' || v.keymap === 'default' ? v.keymap : d.keymap,
  };
}

/** The language's usual indentation: Go's tabs, four spaces where that is the custom, else two. */
export function languageIndent(mode: string): string {
  if (mode === 'go') return '\t';
  if (['python', 'java', 'csharp', 'kotlin', 'scala', 'rust', 'c', 'cpp', 'swift'].includes(mode)) return '    ';
  return '  ';
}

/** One indentation step as inserted by Tab, for these settings in this language mode. */
export function indentUnitFor(settings: EditorSettings, mode: string): string {
  if (settings.indent === 'tabs') return '\t';
  if (settings.indent === 'spaces') return ' '.repeat(settings.indentWidth);
  return languageIndent(mode);
}

/** How wide a tab character is drawn. */
export function tabSizeFor(settings: EditorSettings, mode: string): number {
  if (settings.indent === 'language') {
    const unit = languageIndent(mode);
    return unit === '\t' ? 4 : unit.length;
  }
  return settings.indentWidth;
}

export function loadEditorSettings(storage: Pick<Storage, 'getItem'> = localStorage): EditorSettings {
  try {
    return parseEditorSettings(storage.getItem(EDITOR_SETTINGS_KEY));
  } catch {
    return DEFAULT_EDITOR_SETTINGS;
  }
}

export function saveEditorSettings(settings: EditorSettings, storage: Pick<Storage, 'setItem'> = localStorage): void {
  try {
    storage.setItem(EDITOR_SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // storage full or refused: the settings still apply to this page
  }
}
