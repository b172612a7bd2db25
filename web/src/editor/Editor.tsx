// The code editor: CodeMirror 6 with the usual editing set (history, search, bracket matching
// and closing, language-aware indentation, multiple cursors, folding), one editor state per
// file so each keeps its own undo history, the language mode loaded lazily, and the
// compiler's errors marked on their lines.
import { useEffect, useRef } from 'react';
import { Compartment, EditorState, Prec, RangeSetBuilder, StateEffect, StateField, type Extension } from '@codemirror/state';
import {
  Decoration,
  EditorView,
  crosshairCursor,
  drawSelection,
  dropCursor,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  rectangularSelection,
  type DecorationSet,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from '@codemirror/language';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from '@codemirror/autocomplete';
import { lintGutter, setDiagnostics, type Diagnostic as CmDiagnostic } from '@codemirror/lint';
import { oneDark } from '@codemirror/theme-one-dark';
import type { Diagnostic } from './diagnostics';
import { loadMode } from './modes';
import { DEFAULT_EDITOR_SETTINGS, indentUnitFor, tabSizeFor, type EditorSettings, type KeymapName } from '../state/editorSettings';

/** Vim bindings, loaded (once) the first time they are picked: not in the first download. */
const keymaps = new Map<KeymapName, Extension>([['default', []]]);
function loadKeymap(name: KeymapName): Promise<Extension> {
  const kept = keymaps.get(name);
  if (kept) return Promise.resolve(kept);
  const loading = import('@replit/codemirror-vim').then((m) => m.vim());
  return loading.then((extension) => {
    keymaps.set(name, extension);
    return extension;
  });
}

/** A place to put the cursor (a problem clicked): applied once per `seq`, in `file`. */
export interface JumpTarget {
  file: string;
  line: number;
  column?: number;
  seq: number;
}

/** What the editor's hint says (read out with it, via aria-describedby). */
export const EDITOR_HINT =
  'Tab indents. To leave the editor with the keyboard, press Escape, then Tab (or Shift+Tab). ' +
  'Ctrl+M (Shift+Alt+M on a Mac) turns Tab moving focus on and off. Ctrl+Enter (Cmd+Enter on a Mac) runs the code. ' +
  'Press ? outside a text field for every shortcut.';

export interface EditorProps {
  fileName: string;
  content: string;
  mode: string;
  dark: boolean;
  diagnostics: Diagnostic[];
  onChange: (content: string) => void;
  onRun: () => void;
  jump?: JumpTarget;
  /** Font size, indentation, line wrap and keymap (the editor settings). */
  settings?: EditorSettings;
}

const setErrorLines = StateEffect.define<Diagnostic[]>();

/** A background on every line with an error or warning, easy to spot at a glance. */
const errorLines = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(lines, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setErrorLines)) {
        const builder = new RangeSetBuilder<Decoration>();
        const sorted = [...effect.value].sort((a, b) => a.line - b.line);
        for (const d of sorted) {
          if (d.line > tr.state.doc.lines) continue;
          const line = tr.state.doc.line(d.line);
          builder.add(line.from, line.from, Decoration.line({ class: d.severity === 'error' ? 'cm-error-line' : 'cm-warning-line' }));
        }
        return builder.finish();
      }
    }
    return lines.map(tr.changes);
  },
  provide: (field) => EditorView.decorations.from(field),
});

/** The settings' extensions that need nothing loaded (the keymap is apart). */
function fontFor(settings: EditorSettings): Extension {
  return EditorView.editorAttributes.of({ style: `font-size: ${settings.fontSize}px` });
}
function indentExtensions(settings: EditorSettings, mode: string): Extension {
  return [indentUnit.of(indentUnitFor(settings, mode)), EditorState.tabSize.of(tabSizeFor(settings, mode))];
}

export function Editor(props: EditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const states = useRef(new Map<string, EditorState>());
  const latest = useRef(props);
  latest.current = props;
  const language = useRef(new Compartment());
  const theme = useRef(new Compartment());
  const indent = useRef(new Compartment());
  const keys = useRef(new Compartment());
  const font = useRef(new Compartment());
  const wrap = useRef(new Compartment());
  const settingsOf = () => latest.current.settings ?? DEFAULT_EDITOR_SETTINGS;

  const extensions = (): Extension[] => [
    // First: Vim's bindings go before every other key binding.
    keys.current.of(keymaps.get(settingsOf().keymap) ?? []),
    font.current.of(fontFor(settingsOf())),
    wrap.current.of(settingsOf().wrap ? EditorView.lineWrapping : []),
    lineNumbers(),
    highlightActiveLineGutter(),
    highlightSpecialChars(),
    history(),
    foldGutter(),
    drawSelection(),
    dropCursor(),
    EditorState.allowMultipleSelections.of(true),
    indentOnInput(),
    syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
    bracketMatching(),
    closeBrackets(),
    autocompletion(),
    rectangularSelection(),
    crosshairCursor(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    lintGutter(),
    errorLines,
    Prec.highest(
      keymap.of([
        {
          key: 'Mod-Enter',
          run: () => {
            latest.current.onRun();
            return true;
          },
        },
      ]),
    ),
    keymap.of([
      ...closeBracketsKeymap,
      ...defaultKeymap,
      ...searchKeymap,
      ...historyKeymap,
      ...foldKeymap,
      ...completionKeymap,
      indentWithTab,
    ]),
    language.current.of([]),
    theme.current.of(latest.current.dark ? oneDark : []),
    indent.current.of(indentExtensions(settingsOf(), latest.current.mode)),
    EditorView.contentAttributes.of({ 'aria-label': 'Editor', 'aria-describedby': 'editor-hint' }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) latest.current.onChange(update.state.doc.toString());
    }),
  ];

  const stateFor = (name: string, content: string): EditorState => {
    const kept = states.current.get(name);
    if (kept && kept.doc.toString() === content) return kept;
    return EditorState.create({ doc: content, extensions: extensions() });
  };

  useEffect(() => {
    const editor = new EditorView({
      parent: host.current!,
      state: stateFor(props.fileName, props.content),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The view is made once; later props are applied by the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Another file (tab switch, rename) or content replaced from outside (a snippet loaded).
  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    const shown = editor.dom.dataset.file;
    if (shown === props.fileName && current === props.content) return;
    if (shown) states.current.set(shown, editor.state);
    editor.setState(stateFor(props.fileName, props.content));
    editor.dom.dataset.file = props.fileName;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.fileName, props.content]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    editor.dom.dataset.file = props.fileName;
    let cancelled = false;
    loadMode(props.mode).then((mode) => {
      if (!cancelled && view.current) {
        view.current.dispatch({
          effects: [language.current.reconfigure(mode), indent.current.reconfigure(indentExtensions(settingsOf(), props.mode))],
        });
      }
    });
    return () => {
      cancelled = true;
    };
  }, [props.mode, props.fileName]);

  useEffect(() => {
    view.current?.dispatch({ effects: theme.current.reconfigure(props.dark ? oneDark : []) });
  }, [props.dark, props.fileName]);

  // The editor settings, live: each file's state gets them when it is shown.
  const settings = props.settings ?? DEFAULT_EDITOR_SETTINGS;
  useEffect(() => {
    view.current?.dispatch({
      effects: [
        font.current.reconfigure(fontFor(settings)),
        wrap.current.reconfigure(settings.wrap ? EditorView.lineWrapping : []),
        indent.current.reconfigure(indentExtensions(settings, props.mode)),
      ],
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [settings.fontSize, settings.wrap, settings.indent, settings.indentWidth, props.mode, props.fileName]);
  useEffect(() => {
    let cancelled = false;
    const editor = view.current;
    if (editor) editor.dom.dataset.keymap = 'loading';
    loadKeymap(settings.keymap).then(
      (extension) => {
        if (cancelled || !view.current) return;
        view.current.dispatch({ effects: keys.current.reconfigure(extension) });
        view.current.dom.dataset.keymap = settings.keymap;
      },
      () => {
        if (!cancelled && view.current) view.current.dom.dataset.keymap = 'default';
      },
    );
    return () => {
      cancelled = true;
    };
  }, [settings.keymap, props.fileName]);

  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const doc = editor.state.doc;
    const marks: CmDiagnostic[] = props.diagnostics
      .filter((d) => d.line <= doc.lines)
      .map((d) => {
        const line = doc.line(d.line);
        const from = Math.min(line.to, line.from + Math.max(0, (d.column ?? 1) - 1));
        return { from, to: line.to > from ? line.to : from, severity: d.severity, message: d.message };
      });
    editor.dispatch(setDiagnostics(editor.state, marks));
    editor.dispatch({ effects: setErrorLines.of(props.diagnostics) });
    const first = props.diagnostics.find((d) => d.severity === 'error' && d.line <= doc.lines);
    if (first) {
      editor.dispatch({ effects: EditorView.scrollIntoView(doc.line(first.line).from, { y: 'center' }) });
    }
  }, [props.diagnostics, props.fileName]);

  // A problem clicked: the cursor to its line and column, in view, and the focus with it.
  const jumped = useRef(0);
  useEffect(() => {
    const editor = view.current;
    const jump = props.jump;
    if (!editor || !jump || jump.seq === jumped.current || jump.file !== props.fileName) return;
    jumped.current = jump.seq;
    const doc = editor.state.doc;
    const line = doc.line(Math.min(Math.max(1, jump.line), doc.lines));
    const offset =
      jump.column === undefined ? /^\s*/.exec(line.text)![0].length : Math.min(Math.max(0, jump.column - 1), line.length);
    editor.dispatch({
      selection: { anchor: line.from + offset },
      effects: EditorView.scrollIntoView(line.from + offset, { y: 'center' }),
    });
    editor.focus();
  }, [props.jump, props.fileName, props.content]);

  return (
    <>
      <div className="editor" ref={host} />
      <p id="editor-hint" className="visually-hidden">
        {EDITOR_HINT}
      </p>
    </>
  );
}
