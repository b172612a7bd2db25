import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, type Language } from './api/client';
import { Editor } from './editor/Editor';
import { findDiagnostics, type Diagnostic } from './editor/diagnostics';
import { modeForFile } from './editor/modes';
import { Console, type ConsoleHandle } from './output/Console';
import { Sparkline } from './components/Sparkline';
import { FileTabs } from './components/FileTabs';
import { ShareDialog } from './components/ShareDialog';
import { TopBar } from './components/TopBar';
import { formatMemory, initialRun, isStopped, resultNotes, verdictLabel, type RunState } from './state/run';
import { Runner } from './state/runner';
import { draft, fresh, load, save, type Workspace } from './state/workspace';
import { useTheme } from './theme';

const ACTIVE: RunState['phase'][] = ['submitting', 'queued', 'started', 'compiling', 'running'];

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
  // Input given up front is the whole stdin (then end of file); an empty field means the user
  // types while the program runs.
  const [typing, setTyping] = useState(false);
  const [dark, toggleTheme] = useTheme();
  const consoleRef = useRef<ConsoleHandle>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  // The workspace exactly as a shared link holds it (while the address is that link).
  const pristine = useRef<Workspace | undefined>(undefined);
  const runner = useMemo(
    () => new Runner({ onState: setRun, onOutput: (chunk) => consoleRef.current?.append(chunk) }),
    [],
  );
  useEffect(() => () => runner.dispose(), [runner]);

  const loadAll = useCallback(async () => {
    try {
      const list = await api.languages();
      setLanguages(list);
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
  const language = languages.find((l) => l.id === workspace?.language);
  const extensions = useMemo(() => Object.fromEntries(languages.map((l) => [l.id, l.extensions])), [languages]);

  const diagnostics: Diagnostic[] = useMemo(() => {
    const result = run.result;
    if (!result || !workspace) return [];
    const text = `${result.compile?.output ?? ''}\n${result.stderr ?? ''}`;
    return findDiagnostics(text, workspace.files.map((f) => f.name));
  }, [run.result, workspace]);

  const startRun = useCallback(() => {
    if (!workspace || ACTIVE.includes(runner.current.phase)) return;
    consoleRef.current?.clear();
    setBanner(undefined);
    setTyped('');
    const interactive = workspace.stdin === '';
    setTyping(interactive);
    // Run turns disabled under the pointer, which would drop the focus to the page: an
    // interactive run takes it to Input instead, where the program's questions are answered.
    // From the editor (Ctrl+Enter) the focus stays where the user is typing.
    const from = document.activeElement;
    if (interactive && !(from instanceof HTMLElement && from.closest('.cm-editor'))) inputRef.current?.focus();
    void runner.start(
      {
        language: workspace.language,
        files: workspace.files,
        entry: workspace.entry,
        stdin: workspace.stdin,
      },
      interactive,
    );
  }, [workspace, runner]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') {
        event.preventDefault();
        startRun();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [startRun]);

  const share = async () => {
    if (!workspace) return;
    try {
      const saved = await api.saveSnippet(workspace);
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
  const sendTyped = (text: string) => {
    if (text === '' || runner.send(text)) {
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
            <button onClick={() => void share()}>Share</button>
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
      <main className="workspace">
        <section className="code-pane" aria-label="Code">
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
            diagnostics={diagnostics.filter((d) => d.file === file.name)}
            onRun={startRun}
            onChange={(content) =>
              setWorkspace((ws) =>
                ws && { ...ws, files: ws.files.map((f) => (f.name === file.name ? { ...f, content } : f)) },
              )
            }
          />
        </section>
        <section className="run-pane" aria-label="Run">
          <div className="input-head">
            <label className="input-label" htmlFor="stdin">
              {live
                ? 'Input — Enter sends a line, Ctrl+D ends input'
                : 'Input (stdin)'}
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
          <textarea
            ref={inputRef}
            id="stdin"
            aria-label="Input"
            className="stdin"
            spellCheck={false}
            value={live ? typed : workspace.stdin}
            readOnly={running && !live}
            placeholder={
              live
                ? 'Type a line for the program and press Enter'
                : 'Given to the program when it starts. Leave empty to type while it runs.'
            }
            onChange={(e) => (live ? setTyped(e.target.value) : setWorkspace({ ...workspace, stdin: e.target.value }))}
            onKeyDown={onInputKey}
          />
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
            {result?.verdict === 'compile_error' && result.compile && (
              <span className="figures">
                <span title="compile time">compiled in {result.compile.wall_ms ?? 0} ms</span>
              </span>
            )}
            {/* A run stopped while queued never ran: it has no figures. */}
            {result && result.verdict !== 'compile_error' && result.wall_ms !== undefined && (
              <span className="figures">
                <span title="wall time">{result.wall_ms ?? 0} ms</span>
                <span title="CPU time">{result.cpu_ms ?? 0} ms CPU</span>
                <span title="peak memory">{formatMemory(result.memory_kib)}</span>
                {result.exit_code !== undefined && result.exit_code !== null && <span>exit {result.exit_code}</span>}
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
          <div className="toolchain">
            {result?.language
              ? `${result.language.name} ${result.language.version}${result.language.build_tool ? ` · ${result.language.build_tool}` : ''}${result.compile?.cached ? ' · compile cached' : ''}`
              : language
                ? `${language.runtime ?? language.name} ${language.version ?? ''}`
                : ''}
          </div>
          <div className="charts">
            <Sparkline label="Memory" values={run.stats.map((s) => s.memoryKib)} format={formatMemory} minMax={1024} />
            <Sparkline label="CPU" values={run.stats.map((s) => s.cpuPercent)} format={(v) => `${v}%`} minMax={100} />
          </div>
          {diagnostics.length > 0 && (
            <ul className="diagnostics" aria-label="Problems">
              {diagnostics.map((d) => (
                <li key={`${d.file}:${d.line}:${d.severity}`}>
                  <button className={`link diag-${d.severity}`} onClick={() => setActive(d.file)}>
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
    </div>
  );
}
