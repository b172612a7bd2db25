import { describe, expect, it } from 'vitest';
import {
  DEFAULT_EDITOR_SETTINGS,
  indentUnitFor,
  loadEditorSettings,
  parseEditorSettings,
  saveEditorSettings,
  tabSizeFor,
} from './editorSettings';

describe('editor settings', () => {
  it('fall back to the defaults for nothing stored or garbage', () => {
    expect(parseEditorSettings(null)).toEqual(DEFAULT_EDITOR_SETTINGS);
    expect(parseEditorSettings('not json')).toEqual(DEFAULT_EDITOR_SETTINGS);
    expect(parseEditorSettings('[1,2]')).toEqual(DEFAULT_EDITOR_SETTINGS);
  });

  it('keep each valid field and drop each bad one on its own', () => {
    const parsed = parseEditorSettings(JSON.stringify({ fontSize: 18, indent: 'tabs', indentWidth: 3, wrap: 'yes', keymap: 'vim' }));
    expect(parsed).toEqual({ fontSize: 18, indent: 'tabs', indentWidth: 4, wrap: false, keymap: 'vim' });
    expect(parseEditorSettings({ keymap: 'nano', indent: 'both' })).toMatchObject({ keymap: 'default', indent: 'language' });
  });

  it('clamp the font size to 12–24 px, whole pixels', () => {
    expect(parseEditorSettings({ fontSize: 4 }).fontSize).toBe(12);
    expect(parseEditorSettings({ fontSize: 99 }).fontSize).toBe(24);
    expect(parseEditorSettings({ fontSize: 15.6 }).fontSize).toBe(16);
    expect(parseEditorSettings({ fontSize: Number.NaN }).fontSize).toBe(14);
  });

  it('indent with tabs, spaces of the chosen width, or as the language does', () => {
    const s = DEFAULT_EDITOR_SETTINGS;
    expect(indentUnitFor({ ...s, indent: 'tabs' }, 'python')).toBe('\t');
    expect(indentUnitFor({ ...s, indent: 'spaces', indentWidth: 2 }, 'go')).toBe('  ');
    expect(indentUnitFor({ ...s, indent: 'spaces', indentWidth: 8 }, 'python')).toBe('        ');
    expect(indentUnitFor(s, 'go')).toBe('\t');
    expect(indentUnitFor(s, 'python')).toBe('    ');
    expect(indentUnitFor(s, 'javascript')).toBe('  ');
    expect(tabSizeFor({ ...s, indent: 'tabs', indentWidth: 8 }, 'python')).toBe(8);
    expect(tabSizeFor(s, 'javascript')).toBe(2);
  });

  it('round-trip through storage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const chosen = { fontSize: 20, indent: 'spaces', indentWidth: 8, wrap: true, keymap: 'vim' } as const;
    saveEditorSettings(chosen, storage);
    expect(loadEditorSettings(storage)).toEqual(chosen);
  });
});
