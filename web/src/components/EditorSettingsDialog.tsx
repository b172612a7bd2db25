// The editor settings, opened from the top bar's "Editor" button: font size, indentation, line
// wrap and keymap. Each change applies at once (and is kept); Escape or Close shuts the dialog
// and the focus goes back where it was.
import { useEffect, useRef } from 'react';
import { FONT_SIZES, INDENT_WIDTHS, KEYMAPS, type EditorSettings, type IndentStyle, type KeymapName } from '../state/editorSettings';

export function EditorSettingsDialog({
  value,
  onChange,
  onClose,
}: {
  value: EditorSettings;
  onChange: (settings: EditorSettings) => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    dialog.current?.showModal();
    return () => back?.focus();
  }, []);
  const set = (patch: Partial<EditorSettings>) => onChange({ ...value, ...patch });
  const sizes: number[] = [];
  for (let n = FONT_SIZES.min; n <= FONT_SIZES.max; n++) sizes.push(n);
  return (
    <dialog ref={dialog} className="modal editor-settings" aria-labelledby="editor-settings-title" onClose={onClose}>
      <h2 id="editor-settings-title">Editor settings</h2>
      <p className="dialog-text">Applied as you change them, kept in this browser.</p>
      <div className="auth-form">
        <div className="field">
          <label htmlFor="editor-font-size">Font size</label>
          <select id="editor-font-size" value={value.fontSize} onChange={(e) => set({ fontSize: Number(e.target.value) })}>
            {sizes.map((n) => (
              <option key={n} value={n}>
                {n} px
              </option>
            ))}
          </select>
        </div>
        <div className="settings-row">
          <div className="field">
            <label htmlFor="editor-indent">Indent with</label>
            <select id="editor-indent" value={value.indent} onChange={(e) => set({ indent: e.target.value as IndentStyle })}>
              <option value="language">The language’s usual</option>
              <option value="spaces">Spaces</option>
              <option value="tabs">Tabs</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="editor-indent-width">Indent width</label>
            <select
              id="editor-indent-width"
              value={value.indentWidth}
              disabled={value.indent === 'language'}
              onChange={(e) => set({ indentWidth: Number(e.target.value) as EditorSettings['indentWidth'] })}
            >
              {INDENT_WIDTHS.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </div>
        </div>
        <label className="check">
          <input type="checkbox" checked={value.wrap} onChange={(e) => set({ wrap: e.target.checked })} /> Wrap long lines
        </label>
        <fieldset className="scopes">
          <legend>Keymap</legend>
          <div className="input-mode" role="radiogroup" aria-label="Keymap">
            {KEYMAPS.map((k) => (
              <label key={k.id}>
                <input
                  type="radio"
                  name="editor-keymap"
                  value={k.id}
                  checked={value.keymap === k.id}
                  onChange={() => set({ keymap: k.id as KeymapName })}
                />{' '}
                {k.label}
              </label>
            ))}
          </div>
        </fieldset>
      </div>
      <div className="dialog-actions">
        <button className="primary" onClick={() => dialog.current?.close()} autoFocus>
          Close
        </button>
      </div>
    </dialog>
  );
}
