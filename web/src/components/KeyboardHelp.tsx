// The keyboard shortcuts, in a dialog opened with `?` (outside text fields) or the top bar's
// "?" button. Escape or Close shuts it and the focus goes back where it was.
import { useEffect, useRef } from 'react';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const mod = isMac ? 'Cmd' : 'Ctrl';

export const SHORTCUTS: { group: string; keys: [string, string][] }[] = [
  {
    group: 'Anywhere',
    keys: [
      [`${mod}+Enter`, 'Run the code'],
      ['?', 'This list (outside text fields)'],
    ],
  },
  {
    group: 'Editor',
    keys: [
      ['Tab / Shift+Tab', 'Indent / unindent'],
      ['Escape, then Tab', 'Leave the editor (Shift+Tab: backwards)'],
      [isMac ? 'Shift+Alt+M' : 'Ctrl+M', 'Tab moves the focus (on/off)'],
      [`${mod}+F`, 'Find (and replace)'],
      [`${mod}+Z / ${mod}+Shift+Z`, 'Undo / redo'],
      [`${mod}+/`, 'Comment the line(s)'],
      [`${mod}+D`, 'Select the next match too'],
      ['Alt+↑ / Alt+↓', 'Move the line(s) up / down'],
      ['Ctrl+Space', 'Complete'],
    ],
  },
  {
    group: 'Input, while a program runs (Type while it runs)',
    keys: [
      ['Enter', 'Send the line'],
      ['Shift+Enter', 'A new line without sending'],
      ['Ctrl+D', 'Send what is typed and end the input'],
    ],
  },
];

export function KeyboardHelp({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const back = document.activeElement as HTMLElement | null;
    dialog.current?.showModal();
    return () => back?.focus();
  }, []);
  return (
    <dialog ref={dialog} className="modal keyboard-help" aria-labelledby="keyboard-help-title" onClose={onClose}>
      <h2 id="keyboard-help-title">Keyboard shortcuts</h2>
      {SHORTCUTS.map((section) => (
        <section key={section.group}>
          <h3>{section.group}</h3>
          <dl className="shortcuts">
            {section.keys.map(([keys, what]) => (
              <div key={keys}>
                <dt>
                  <kbd>{keys}</kbd>
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
      <div className="dialog-actions">
        <button className="primary" onClick={() => dialog.current?.close()} autoFocus>
          Close
        </button>
      </div>
    </dialog>
  );
}
