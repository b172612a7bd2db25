// Finds where a compiler or interpreter points in the user's files: gcc/clang/go/kotlin
// (`main.c:3:5: error: …`), javac and scala 2 (`Main.java:3: error: …`), rustc (`--> main.rs:3:5`),
// tsc and mcs (`main.ts(3,5): error …`), Python (`File "main.py", line 3`), Ruby and Node
// (`main.rb:3:in …`, `/work/main.js:3`), Elixir (`└─ main.exs:3:5`). Only the files of the
// workspace count, so a path inside a library never marks a line of the user's code.

export interface Diagnostic {
  file: string;
  line: number;
  column?: number;
  severity: 'error' | 'warning';
  message: string;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function findDiagnostics(output: string, files: string[]): Diagnostic[] {
  if (files.length === 0 || output === '') return [];
  const names = files.map(escape).join('|');
  // The name must start the line or follow a separator, so `xmain.c` is not `main.c`.
  const location = new RegExp(
    `(?:^|[\\s("'/\\\\])(${names})(?:", line (\\d+)|:(\\d+)(?::(\\d+))?|\\((\\d+),(\\d+)\\))`,
  );
  const lines = output.split('\n');
  const found: Diagnostic[] = [];
  let python: Diagnostic | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i];
    const match = location.exec(text);
    if (!match) continue;
    const [, file, pyLine, line, col, parenLine, parenCol] = match;
    const lineNo = Number(pyLine ?? line ?? parenLine);
    if (!Number.isFinite(lineNo) || lineNo < 1) continue;
    const column = col ?? parenCol;
    const lower = text.toLowerCase();
    if (/\bnote\b:/.test(lower) && !/error/.test(lower)) continue;
    let message = text.slice(match.index + match[0].length).replace(/^[:\s]+/, '').trim();
    if (pyLine !== undefined) {
      // A traceback lists frames outermost first: the last frame in the user's files is where
      // it failed, and the traceback's last line says what happened.
      const last = lines.slice(i + 1).find((l) => /^\w*(Error|Exception|Interrupt)\b/.test(l));
      python = { file, line: lineNo, severity: 'error', message: last ?? 'raised here' };
      continue;
    }
    if (message === '' || /^in\b|^\d+$/.test(message)) {
      // rustc puts the message on the line before its `-->`; elixir before its `└─`.
      const before = lines
        .slice(Math.max(0, i - 4), i)
        .reverse()
        .find((l) => /error|warning/i.test(l));
      message = (before ?? text).trim();
    }
    const severity = /warning/i.test(message) && !/error/i.test(message) ? 'warning' : 'error';
    found.push({
      file,
      line: lineNo,
      column: column === undefined ? undefined : Number(column),
      severity,
      message,
    });
  }
  if (python) found.push(python);
  const seen = new Set<string>();
  return found.filter((d) => {
    const key = `${d.file}:${d.line}:${d.severity}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
