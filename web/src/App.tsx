import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, type Language, type SourceFile } from './api/client';
import { Editor, type JumpTarget } from './editor/Editor';
import { findDiagnostics, type Diagnostic } from './editor/diagnostics';
import { modeForFile } from './editor/modes';
import { Console, type ConsoleHandle } from './output/Console';
import { Sparkline } from './components/Sparkline';
import { FileTabs } from './components/FileTabs';
import { ShareDialog } from './components/ShareDialog';
import { TopBar } from './components/TopBar';
import { KeyboardHelp } from './components/KeyboardHelp';
import { RunSettings } from './components/RunSettings';
import { Countdown } from './components/Countdown';
import { EditorSettingsDialog } from './components/EditorSettingsDialog';
import { Splitter } from './components/Splitter';
import { loadEditorSettings, saveEditorSettings, type EditorSettings } from './state/editorSettings';
import { loadSplit, saveSplit } from './state/split';
import { limitExplanation, limitsSummary, type Limits, type LimitsInfo } from './state/limits';
import {
  formatMemory,
  initialRun,
  isStopped,
  resultNotes,
  stageFigures,
  verdictLabel,
  type RunState,
  type StageFigures,
} from './state/run';
import { Runner } from './state/runner';
import { codeOf, draft, fresh, inputModeOf, load, save, type InputMode, type Workspace } from './state/workspace';
import { useTheme } from './theme';

const ACTIVE: RunState['phase'][] = ['submitting', 'queued', 'started', 'compiling', 'running'];

/** The code a run was started from: its output, figures and problems belong to it, not to
 *  whatever the editor shows later (another language, other files). */
interface RunOrigin {
  language: string;
  /** The language as the picker names it, e.g. "Python". */
  name: string;
  /** Its toolchain as known before the result says exactly, e.g. "Python 3.11.2". */
  toolchain: string;
  files: SourceFile[];
  entry: string;
  /** Typed into while it runs (a person's wall limit and idle timeout apply). */
  interactive: boolean;
}

/** Whether the editor still shows the code a run came from: the same language and its files. */
function sameCode(origin: RunOrigin | undefined, workspace: Workspace): boolean {
  if (!origin) return true;
  return origin.language === workspace.language && workspace.files.some((f) => f.name === origin.entry);
}

/** As a result names its toolchain: "Java 17.0.15 · javac". */
function toolchainOf(language: Language | undefined): string {
  if (!language) return '';
  return `${language.name} ${language.version ?? ''}`.trim() + (language.build_tool ? ` · ${language.build_tool}` : '');
}

/** Text typed in a field (not the editor's own handling, not a button). */
function inTextField(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable ||
      target instanceof HTMLTextAreaElement ||
      target instanceof HTMLSelectElement ||
      (target instanceof HTMLInputElement && !['radio', 'checkbox', 'button', 'submit'].includes(target.type)))
  );
}

/** The server's own defaults, for a server whose languages do not say theirs. */
const FALLBACK_LIMITS: Limits = { cpu_time_ms: 5000, wall_time_ms: 10000, memory_kib: 262144, processes: 64, output_kib: 1024 };

function snippetIdFromPath(): string | undefined {
  return /^\/s\/([A-Za-z0-9]+)\/?$/.exec(location.pathname)?.[1];
}

export function App() {
  const [languages, setLanguages] = useState<Language[]>([]);
  const [workspace, setWorkspace] = useState<Workspace | undefined>();
  const [active, setActive] = useState<string>('');
  const [run, setRun] = useState<RunState>(initialRun);
  const [banner, setBanner] = useState<string | undefined>();
  const [typed, setTyped] = useState('');
  const [shared, setShared] = useState<string | undefined>();
  const [help, setHelp] = useState(false);
  const [origin, setOrigin] = useState<RunOrigin | undefined>();
  const [jump, setJump] = useState<JumpTarget | undefined>();
  // Whether the running program takes what is typed into Input ("Type while it runs"), until
  // the input is ended (Ctrl+D, EOF).
  const [typing, setTyping] = useState(false);
  const [limitsInfo, setLimitsInfo] = useState<LimitsInfo | undefined>();
  const [settings, setSettings] = useState(false);
  const [editorSettings, setEditorSettings] = useState<EditorSettings>(loadEditorSettings);
  const [editorDialog, setEditorDialog] = useState(false);
  const changeEditorSettings = useCallback((next: EditorSettings) => {
    setEditorSettings(next);
    saveEditorSettings(next);
  }, []);
  // The editor's share of the workspace's width (the splitter), kept across visits.
  const [split, setSplit] = useState(loadSplit);
  const workspaceRef = useRef<HTMLElement>(null);
  const changeSplit = useCallback((percent: number) => {
    setSplit(percent);
    saveSplit(percent);
  }, []);
  // The interactive countdown's clocks: when the program started running, when input or output
  // last happened (a ref: output must not re-render the page).
  const [runningSince, setRunningSince] = useState<number | undefined>();
  const lastActivity = useRef(0);
  const [dark, toggleTheme] = useTheme();
  const consoleRef = useRef<ConsoleHandle>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  // The workspace exactly as a shared link holds it (while the address is that link).
  const pristine = useRef<Workspace | undefined>(undefined);
  const runner = useMemo(
    () =>
      new Runner({
        onState: setRun,
        onOutput: (chunk) => {
          lastActivity.current = Date.now();
          consoleRef.current?.append(chunk);
        },
      }),
    [],
  );
  useEffect(() => () => runner.dispose(), [runner]);

  const loadAll = useCallback(async () => {
    try {
      const list = await api.languages();
      setLanguages(list);
      // The maxima only bound the settings form: without them the server still refuses too much.
      api.limits().then(setLimitsInfo, () => setLimitsInfo(undefined));
      setBanner(undefined);
      const snippetId = snippetIdFromPath();
      let start: Workspace | undefined;
      if (snippetId) {
        try {
          const snippet = await api.snippet(snippetId);
          start = {
            language: snippet.language,
            files: snippet.files,
            entry: snippet.entry ?? snippet.files[0].name,
            stdin: snippet.stdin ?? '',
          };
          pristine.current = start;
        } catch (e) {
          setBanner(e instanceof ApiError && e.status === 404 ? 'This shared link does not exist.' : (e as Error).message);
        }
      }
      start ??= load();
      if (!start) {
        const python = list.find((l) => l.id === 'python' && l.available) ?? list.find((l) => l.available) ?? list[0];
        start = fresh(python.id, python.main_file);
      }
      setWorkspace(start);
      setActive(start.entry);
    } catch (e) {
      setBanner((e as Error).message);
    }
  }, []);
  useEffect(() => {
    void loadAll();
  }, [loadAll]);

  useEffect(() => {
    if (!workspace) return;
    save(workspace);
    // A shared link names the code as it was shared. Once edited here it is the user's own copy
    // (a fork): the address goes back to `/`, so a reload keeps the edits (from storage) instead
    // of fetching the shared version again, and the link still opens the original.
    if (workspace !== pristine.current && snippetIdFromPath()) {
      pristine.current = undefined;
      history.replaceState(null, '', '/');
    }
  }, [workspace]);

  useEffect(() => {
    if (run.error) setBanner(run.error);
  }, [run.error]);

  const running = ACTIVE.includes(run.phase);
  useEffect(() => {
    if (run.phase === 'running') {
      setRunningSince((since) => since ?? Date.now());
      if (!lastActivity.current) lastActivity.current = Date.now();
    } else if (!ACTIVE.includes(run.phase)) setRunningSince(undefined);
  }, [run.phase]);
  const language = languages.find((l) => l.id === workspace?.language);
  const extensions = useMemo(() => Object.fromEntries(languages.map((l) => [l.id, l.extensions])), [languages]);

  // The run's problems, read against the code it ran (its files as they were at Run).
  const found: Diagnostic[] = useMemo(() => {
    const result = run.result;
    if (!result || !origin) return [];
    const text = `${result.compile?.output ?? ''}\n${result.stderr ?? ''}`;
    return findDiagnostics(text, origin.files);
  }, [run.result, origin]);
  // Shown while the editor has that code; a file deleted since has nothing to point at. (Kept
  // the same array while only the text changes, so the editor does not redo its marks per key.)
  const attached = workspace ? sameCode(origin, workspace) : true;
  const fileNames = workspace?.files.map((f) => f.name).join('\n') ?? '';
  const diagnostics = useMemo(
    () => (attached ? found.filter((d) => fileNames.split('\n').includes(d.file)) : []),
    [found, attached, fileNames],
  );
  const activeName = workspace?.files.find((f) => f.name === active)?.name ?? workspace?.files[0]?.name;
  const fileDiagnostics = useMemo(() => diagnostics.filter((d) => d.file === activeName), [diagnostics, activeName]);

  const startRun = useCallback(() => {
    if (!workspace || ACTIVE.includes(runner.current.phase)) return;
    consoleRef.current?.clear();
    setBanner(undefined);
    setTyped('');
    const interactive = inputModeOf(workspace) === 'interactive';
    setTyping(interactive);
    const lang = languages.find((l) => l.id === workspace.language);
    setOrigin({
      language: workspace.language,
      name: lang?.name ?? workspace.language,
      toolchain: toolchainOf(lang),
      files: workspace.files,
      entry: workspace.entry,
      interactive,
    });
    // Run turns disabled under the pointer, which would drop the focus to the page: an
    // interactive run takes it to Input instead, where the program's questions are answered.
    // From the editor (Ctrl+Enter) the focus stays where the user is typing.
    const from = document.activeElement;
    if (interactive && !(from instanceof HTMLElement && from.closest('.cm-editor'))) inputRef.current?.focus();
    setRunningSince(undefined);
    lastActivity.current = 0;
    void runner.start(codeOf(workspace), interactive, workspace.limits);
  }, [workspace, runner, languages]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') {
        event.preventDefault();
        startRun();
      } else if (event.key === '?' && !event.ctrlKey && !event.metaKey && !event.altKey && !inTextField(event.target)) {
        if (document.querySelector('dialog[open]')) return;
        event.preventDefault();
        setHelp(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [startRun]);

  const share = async () => {
    if (!workspace) return;
    try {
      const saved = await api.saveSnippet(codeOf(workspace));
      setShared(`${location.origin}${saved.url}`);
      // The address bar shows the link too (and a reload opens exactly what was shared).
      pristine.current = workspace;
      history.replaceState(null, '', saved.url);
    } catch (e) {
      setBanner((e as Error).message);
    }
  };

  const changeLanguage = (id: string) => {
    const next = languages.find((l) => l.id === id);
    if (!next || !workspace) return;
    const kept = draft(id);
    const ws = kept ?? fresh(id, next.main_file);
    setWorkspace(ws);
    setActive(ws.entry);
  };

  const live = running && typing;
  const inputMode = workspace ? inputModeOf(workspace) : 'interactive';
  const chooseInput = (mode: InputMode) => {
    if (workspace) setWorkspace({ ...workspace, inputMode: mode });
  };
  const sendTyped = (text: string) => {
    if (text === '' || runner.send(text)) {
      lastActivity.current = Date.now();
      if (text !== '') consoleRef.current?.append({ stream: 'stdin', text });
      setTyped('');
      return true;
    }
    return false;
  };
  // As in a terminal: Enter sends the line, end of input sends what is typed without a newline
  // and then closes the program's stdin (the field is read-only from then on).
  const endInput = () => {
    if (sendTyped(typed)) {
      runner.endInput();
      setTyping(false);
    }
  };
  const onInputKey = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (!live) return;
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      sendTyped(`${typed}\n`);
    } else if (event.key === 'd' && event.ctrlKey) {
      event.preventDefault();
      endInput();
    }
  };

  if (!workspace) {
    return (
      <div className="app loading">
        <header className="topbar">
          <h1 className="brand">CodeCollab</h1>
        </header>
        {banner ? (
          <div className="banner" role="alert">
            {banner} <button onClick={() => void loadAll()}>Retry</button>
          </div>
        ) : (
          <p className="hint">Loading…</p>
        )}
      </div>
    );
  }

  const file = workspace.files.find((f) => f.name === active) ?? workspace.files[0];
  const result = run.result;
  const verdictClass = result
    ? `verdict verdict-${isStopped(result) ? 'cancelled' : result.verdict}`
    : run.phase === 'done'
      ? 'verdict verdict-cancelled'
      : 'verdict';
  const stages = stageFigures(run.stats, result);
  const stageTitle = (s: StageFigures) => (s.stage === 'compile' ? 'the compiler' : 'the program');
  // The toolchain of the run on screen (its result's, else its language's as it started);
  // with no run yet, the editor's language.
  const toolchain = result?.language
    ? `${result.language.name} ${result.language.version}${result.language.build_tool ? ` · ${result.language.build_tool}` : ''}${result.compile?.cached ? ' · compile cached' : ''}`
    : origin && run.phase !== 'idle'
      ? origin.toolchain
      : toolchainOf(language);
  // The maxima of this kind of run (an interactive one may wait longer), and what ended it.
  const maxLimits = inputMode === 'interactive' ? limitsInfo?.max_interactive : limitsInfo?.max;
  const resultMax = origin?.interactive ? limitsInfo?.max_interactive : limitsInfo?.max;
  const explanation = result && !isStopped(result) ? limitExplanation(result, resultMax, limitsInfo?.interactive_idle_ms) : undefined;
  // An interactive run without a wall of its own gets the interactive one.
  const languageLimits: Partial<Limits> = language?.limits ?? FALLBACK_LIMITS;
  const defaultLimits: Partial<Limits> =
    inputMode === 'interactive' && limitsInfo
      ? { ...languageLimits, wall_time_ms: limitsInfo.max_interactive.wall_time_ms }
      : languageLimits;
  const countdownWall = workspace.limits?.wall_time_ms ?? limitsInfo?.max_interactive.wall_time_ms;
  const goTo = (d: Diagnostic) => {
    setActive(d.file);
    setJump((previous) => ({ file: d.file, line: d.line, column: d.column, seq: (previous?.seq ?? 0) + 1 }));
  };

  return (
    <div className="app">
      <TopBar
        dark={dark}
        onToggleTheme={toggleTheme}
        actions={
          <>
            <button className="primary" onClick={startRun} disabled={running} title="Run (Ctrl/Cmd+Enter)">
              Run
            </button>
            <button onClick={() => void runner.stop()} disabled={!running || !run.runId}>
              Stop
            </button>
            <button
              onClick={() => setSettings(true)}
              aria-haspopup="dialog"
              title="Run settings: time, memory and output limits"
              className={workspace.limits ? 'limits-changed' : undefined}
            >
              Settings{workspace.limits ? ' •' : ''}
            </button>
            <button onClick={() => void share()}>Share</button>
            <button onClick={() => setHelp(true)} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
              ?
            </button>
            <button
              onClick={() => setEditorDialog(true)}
              aria-haspopup="dialog"
              title="Editor settings: font size, indentation, line wrap, keymap"
            >
              Editor
            </button>
          </>
        }
      >
        <label className="picker">
          <span className="visually-hidden">Language</span>
          <select aria-label="Language" value={workspace.language} onChange={(e) => changeLanguage(e.target.value)}>
            {languages.map((l) => (
              <option key={l.id} value={l.id} disabled={!l.available} title={l.reason ?? undefined}>
                {l.name} {l.available ? (l.version ?? '') : `— unavailable${l.reason ? `: ${l.reason}` : ''}`}
              </option>
            ))}
          </select>
        </label>
      </TopBar>
      {banner && (
        <div className="banner" role="alert">
          {banner}
          <button className="link" onClick={() => setBanner(undefined)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      <main
        className="workspace"
        ref={workspaceRef}
        style={{ '--split': `${split}%` } as React.CSSProperties}
      >
        <section className="code-pane" id="code-pane" aria-label="Code">
          <FileTabs
            files={workspace.files}
            active={file.name}
            entry={workspace.entry}
            onSelect={setActive}
            onChange={(files, entry, nextActive) => {
              setWorkspace({ ...workspace, files, entry });
              if (nextActive) setActive(nextActive);
            }}
          />
          <Editor
            fileName={file.name}
            content={file.content}
            mode={modeForFile(file.name, workspace.language, extensions)}
            dark={dark}
            diagnostics={fileDiagnostics}
            onRun={startRun}
            jump={jump}
            settings={editorSettings}
            onChange={(content) =>
              setWorkspace((ws) =>
                ws && { ...ws, files: ws.files.map((f) => (f.name === file.name ? { ...f, content } : f)) },
              )
            }
          />
        </section>
        <Splitter container={workspaceRef} value={split} onChange={changeSplit} />
        <section className="run-pane" aria-label="Run">
          <div className="input-head">
            <label className="input-label" htmlFor="stdin">
              {live ? 'Input — Enter sends a line, Ctrl+D ends input' : 'Input (stdin)'}
            </label>
            {/* Buttons for what Enter and Ctrl+D do: a phone keyboard has no Ctrl. Always shown
                (disabled between runs) so that the layout does not jump when a run starts. */}
            <span className="input-actions">
              <button
                className="small"
                disabled={!live}
                onClick={() => {
                  sendTyped(`${typed}\n`);
                  inputRef.current?.focus();
                }}
              >
                Send
              </button>
              <button className="small" disabled={!live} onClick={endInput} title="End of input (Ctrl+D)">
                EOF
              </button>
            </span>
          </div>
          {/* What the field is: the program's whole input given now, or where the user types
              while it runs. Chosen here; typing into the field before a run gives it now. */}
          <div className="input-mode" role="radiogroup" aria-label="How the program gets its input">
            {(
              [
                ['given', 'Give input now', 'The text is the whole input: the program reads it, then end of input'],
                ['interactive', 'Type while it runs', 'Type into the field while the program runs: Enter sends a line, Ctrl+D ends the input'],
              ] as const
            ).map(([mode, label, title]) => (
              <label key={mode} title={title}>
                <input
                  type="radio"
                  name="input-mode"
                  value={mode}
                  checked={inputMode === mode}
                  disabled={running}
                  onChange={() => chooseInput(mode)}
                />{' '}
                {label}
              </label>
            ))}
          </div>
          <textarea
            ref={inputRef}
            id="stdin"
            aria-label="Input"
            aria-describedby="stdin-hint"
            className="stdin"
            spellCheck={false}
            value={live ? typed : inputMode === 'given' ? workspace.stdin : ''}
            readOnly={running && !live}
            placeholder={
              live
                ? 'Type a line for the program and press Enter'
                : inputMode === 'given'
                  ? 'The whole input, given to the program when it starts (then end of input).'
                  : 'Type here while the program runs. (Typing now gives the input up front instead.)'
            }
            onChange={(e) =>
              live
                ? setTyped(e.target.value)
                : setWorkspace({ ...workspace, stdin: e.target.value, inputMode: 'given' })
            }
            onKeyDown={onInputKey}
          />
          <p id="stdin-hint" className="visually-hidden">
            {inputMode === 'given'
              ? 'Given up front: this text is the whole input of the program.'
              : 'Type while it runs: Enter sends a line to the running program, Ctrl+D ends its input.'}
          </p>
          {!attached && origin && (
            <p className="run-origin" role="status">
              This output is from the {origin.name} run of {origin.entry}
              {origin.language !== workspace.language ? `, not the ${language?.name ?? workspace.language} code in the editor` : ''}.
              {origin.language !== workspace.language && (
                <>
                  {' '}
                  <button className="link" onClick={() => changeLanguage(origin.language)}>
                    Back to {origin.name}
                  </button>
                </>
              )}
            </p>
          )}
          <div className="status-row" aria-live="polite">
            <span className={verdictClass} data-testid="verdict">
              {result
                ? verdictLabel(result)
                : running
                  ? `${run.phase[0].toUpperCase()}${run.phase.slice(1)}…`
                  : run.phase === 'done'
                    ? 'No result (connection lost)'
                    : 'Ready'}
            </span>
            {running && origin?.interactive && runningSince !== undefined && (
              <Countdown
                runningSince={runningSince}
                wallMs={countdownWall}
                idleMs={limitsInfo?.interactive_idle_ms}
                lastActivity={lastActivity}
              />
            )}
            {/* Each stage's own figures, named: the compiler's memory is not the program's. A run
                stopped while queued never ran: it has none. */}
            {result && stages.some((s) => s.final) && (
              <span className="figures">
                {stages
                  .filter((s) => s.final)
                  .map((s) => (
                    <span key={s.stage} className="stage-figures" data-stage={s.stage}>
                      <span className="stage-name">{s.stage === 'compile' ? 'compile' : 'run'}</span>
                      <span title={`wall time of ${stageTitle(s)}`}>{s.wallMs ?? 0} ms</span>
                      <span title={`CPU time of ${stageTitle(s)}`}>{s.cpuMs ?? 0} ms CPU</span>
                      <span title={`peak memory of ${stageTitle(s)}`}>{formatMemory(s.memoryKib)}</span>
                      {s.stage === 'run' && result.exit_code !== undefined && result.exit_code !== null && (
                        <span>exit {result.exit_code}</span>
                      )}
                    </span>
                  ))}
              </span>
            )}
            {result?.limits && !isStopped(result) && (
              <span className="limits-applied" data-testid="limits-applied" title="The limits that applied to the program">
                {limitsSummary(result.limits)}
              </span>
            )}
            {explanation && (
              <span className="limit-cause" data-testid="limit-cause">
                {explanation}
              </span>
            )}
          </div>
          {result && resultNotes(result).length > 0 && (
            <ul className="result-notes" aria-label="Notes">
              {resultNotes(result).map((note) => (
                <li key={note}>{note}</li>
              ))}
            </ul>
          )}
          <div className="toolchain">{toolchain}</div>
          <div className="charts">
            <Sparkline
              label="Memory"
              points={run.stats.map((s) => ({ value: s.memoryKib, stage: s.stage }))}
              captions={stages.map((s) => ({
                stage: s.stage,
                value: formatMemory(s.memoryKib),
                title: `peak memory of ${stageTitle(s)}${s.final ? '' : ' so far'}`,
              }))}
              minMax={1024}
            />
            <Sparkline
              label="CPU"
              points={run.stats.map((s) => ({ value: s.cpuPercent, stage: s.stage }))}
              captions={stages.map((s) => ({
                stage: s.stage,
                value: s.cpuPercent === undefined ? '–' : `${s.cpuPercent}%`,
                title: `CPU time of ${stageTitle(s)} over its wall time${s.final ? '' : ' so far'} (100% is one core)`,
              }))}
              minMax={100}
            />
          </div>
          {diagnostics.length > 0 && (
            <ul className="diagnostics" aria-label="Problems">
              {diagnostics.map((d) => (
                <li key={`${d.file}:${d.line}:${d.severity}`}>
                  <button
                    className={`link diag-${d.severity}`}
                    onClick={() => goTo(d)}
                    title={`Go to ${d.file}, line ${d.line}${d.column ? `, column ${d.column}` : ''}`}
                  >
                    {d.file}:{d.line}
                    {d.column ? `:${d.column}` : ''}
                  </button>{' '}
                  {d.message}
                </li>
              ))}
            </ul>
          )}
          <Console ref={consoleRef} />
        </section>
      </main>
      {shared && <ShareDialog url={shared} onClose={() => setShared(undefined)} />}
      {help && <KeyboardHelp onClose={() => setHelp(false)} />}
      {editorDialog && (
        <EditorSettingsDialog value={editorSettings} onChange={changeEditorSettings} onClose={() => setEditorDialog(false)} />
      )}
      {settings && (
        <RunSettings
          defaults={defaultLimits}
          max={maxLimits}
          value={workspace.limits}
          onSave={(limits) => setWorkspace((ws) => ws && { ...ws, limits })}
          onClose={() => setSettings(false)}
        />
      )}
    </div>
  );
}
