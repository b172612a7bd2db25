// Finds where a compiler or a runtime points in the user's files, with what it says there.
//
// Compilers print one location per line: gcc/clang/go/kotlinc (`main.c:3:5: error: …`), javac
// and scalac (`Main.java:3: error: …`, the column under a caret two lines down), rustc
// (`--> main.rs:3:5` under its message), tsc and mcs (`main.ts(3,5): error …`), bash
// (`main.sh: line 3: …`), Elixir warnings (the location under the `warning:` line).
//
// A runtime error is a stack trace: the message is in one place (the exception's line) and the
// location in another (the innermost frame that is in the user's files), in each runtime's own
// shape — Python's traceback (innermost last), Node (a `file:line` header over the source line
// and a caret, then `at …(file:line:col)` frames), the JVM's `at Class.method(File.java:N)`
// (Java, Kotlin, Scala), Go's goroutine dump, Ruby's `file:N:in 'm': message (Class)`, Elixir's
// `** (Kind) message` over `file:N: Mod.fun/arity` frames, Rust's `panicked at`, glibc's
// failed assertion, and Mono's trace, which has no line numbers at all (the method is then
// found in the source). TypeScript runs as the JavaScript tsc wrote: a trace naming main.js is
// mapped back to main.ts by the source line Node prints.
//
// Only the workspace's files count (a bare name, `./name` or `/work/name`: the sandbox's work
// dir), so that a path inside a library never marks a line of the user's code.

export interface Diagnostic {
  file: string;
  line: number;
  /** 1-based; absent when the tool gave none. */
  column?: number;
  severity: 'error' | 'warning';
  message: string;
}

export interface SourceLike {
  name: string;
  /** With the content, columns can be worked out where a tool shows them only under a caret. */
  content?: string;
}

interface Found extends Diagnostic {
  /** Where in the output it was said, to keep the output's order. */
  at: number;
}

interface Context {
  lines: string[];
  sources: Map<string, SourceLike>;
  /** Lines a trace parser has read; the line-by-line parser skips them. */
  consumed: Set<number>;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The workspace file a path names, if it names one. */
function userFile(ctx: Context, path: string): string | undefined {
  const bare = path.replace(/^file:\/\//, '').replace(/^(?:\.\/|\/work\/)/, '');
  return ctx.sources.has(bare) ? bare : undefined;
}

const indentOf = (text: string) => /^\s*/.exec(text)![0].length;

/** The column of the first marker (`^` or `~`) on a caret line, or undefined if it is not one. */
function caretIndex(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*[~^][~^\s]*$/.test(text)) return undefined;
  return indentOf(text);
}

function sourceLine(ctx: Context, file: string, line: number): string | undefined {
  return ctx.sources.get(file)?.content?.split('\n')[line - 1];
}

// ---------------------------------------------------------------------------------------------
// Python: `File "…", line N` frames, outermost first; the last line not indented says what.

function python(ctx: Context): Found[] {
  const { lines } = ctx;
  let last: Found | undefined;
  for (let i = 0; i < lines.length; i++) {
    const frame = /^\s*File "(.+)", line (\d+)/.exec(lines[i]);
    if (!frame) continue;
    ctx.consumed.add(i);
    const file = userFile(ctx, frame[1]);
    if (!file) continue;
    const line = Number(frame[2]);
    // The source line is shown stripped of its indent (4 spaces instead); a caret line under it
    // marks the column, counted back into the file's own indentation.
    let column: number | undefined;
    const shown = lines[i + 1];
    const caret = caretIndex(lines[i + 2]);
    const original = sourceLine(ctx, file, line);
    if (shown !== undefined && caret !== undefined && original !== undefined && shown.trim() === original.trim()) {
      column = caret - indentOf(shown) + indentOf(original) + 1;
    }
    let message = 'raised here';
    for (let j = i + 1; j < lines.length; j++) {
      if (/^\S/.test(lines[j]) && !/^Traceback \(most recent call last\)/.test(lines[j])) {
        message = lines[j].trim();
        break;
      }
    }
    last = { file, line, column, severity: 'error', message, at: i };
  }
  return last ? [last] : [];
}

// ---------------------------------------------------------------------------------------------
// Node: a header `path:line`, the source line and a caret under it (where it was thrown), the
// message, then `    at fn (path:line:col)` frames, innermost first.

const NODE_FRAME = /^\s+at (?:.*? \()?(.+?):(\d+):(\d+)\)?\s*$/;

/** A trace of main.js where the workspace has main.ts: TypeScript compiled by tsc. */
function nodeFile(ctx: Context, path: string): { file: string; compiled: boolean } | undefined {
  const file = userFile(ctx, path);
  if (file) return { file, compiled: false };
  const ts = userFile(ctx, path.replace(/\.js$/, '.ts'));
  return ts && path.endsWith('.js') ? { file: ts, compiled: true } : undefined;
}

/**
 * A line of tsc's JavaScript in the TypeScript source: the line with the same code (Node prints
 * it), nearest to where it was; failing that, the JavaScript line less what tsc put above the
 * code (`"use strict";`, and the `exports` marker of a module).
 */
function fromCompiled(ctx: Context, file: string, jsLine: number, code?: string, caret?: number) {
  const content = ctx.sources.get(file)?.content;
  if (content === undefined) return { line: jsLine };
  const tsLines = content.split('\n');
  const text = code?.trim();
  if (text) {
    let best: number | undefined;
    tsLines.forEach((l, i) => {
      if (l.includes(text) && (best === undefined || Math.abs(i + 1 - jsLine) < Math.abs(best + 1 - jsLine))) best = i;
    });
    if (best !== undefined) {
      const start = tsLines[best].indexOf(text);
      const offset = caret === undefined ? 0 : Math.min(Math.max(0, caret - indentOf(code!)), text.length);
      return { line: best + 1, column: start + offset + 1 };
    }
  }
  const prelude = 1 + (/^\s*(?:import|export)\b/m.test(content) ? 1 : 0);
  return { line: Math.min(Math.max(1, jsLine - prelude), tsLines.length) };
}

function node(ctx: Context): Found[] {
  const { lines } = ctx;
  if (!lines.some((l) => NODE_FRAME.test(l)) && !lines.some((l, i) => /^\S.*:\d+$/.test(l) && caretIndex(lines[i + 2]) !== undefined)) {
    return [];
  }
  const firstFrame = lines.findIndex((l) => /^\s+at /.test(l));
  let header = -1;
  for (let i = 0; i < lines.length && (firstFrame < 0 || i < firstFrame); i++) {
    if (/^\S.*:\d+$/.test(lines[i]) && caretIndex(lines[i + 2]) !== undefined) {
      header = i;
      break;
    }
  }
  // The error's first line: after the header's caret, or else the top of the block of lines
  // just above the frames.
  let message: string | undefined;
  if (header >= 0) {
    message = lines.slice(header + 3).find((l) => l.trim() !== '')?.trim();
  } else if (firstFrame > 0) {
    let top = firstFrame - 1;
    while (top > 0 && lines[top - 1].trim() !== '') top--;
    message = lines[top].trim() || undefined;
  }
  let location: Omit<Found, 'severity' | 'message' | 'at'> | undefined;
  if (header >= 0) {
    ctx.consumed.add(header);
    const [, path, line] = /^(.*):(\d+)$/.exec(lines[header])!;
    const where = nodeFile(ctx, path);
    const caret = caretIndex(lines[header + 2])!;
    if (where && !where.compiled) location = { file: where.file, line: Number(line), column: caret + 1 };
    else if (where) location = { file: where.file, ...fromCompiled(ctx, where.file, Number(line), lines[header + 1], caret) };
  }
  for (let i = Math.max(firstFrame, 0); i < lines.length; i++) {
    const frame = NODE_FRAME.exec(lines[i]);
    if (!frame) continue;
    ctx.consumed.add(i);
    const where = location ? undefined : nodeFile(ctx, frame[1]);
    if (!where) continue;
    location = where.compiled
      ? { file: where.file, ...fromCompiled(ctx, where.file, Number(frame[2])) }
      : { file: where.file, line: Number(frame[2]), column: Number(frame[3]) };
  }
  if (!location) return [];
  return [{ ...location, severity: 'error', message: message ?? 'thrown here', at: header >= 0 ? header : firstFrame }];
}

// ---------------------------------------------------------------------------------------------
// The JVM (Java, Kotlin, Scala): `Exception in thread "main" X: msg`, then `\tat C.m(File:N)`.

function jvm(ctx: Context): Found[] {
  const { lines } = ctx;
  const head = lines.findIndex((l) => /^Exception in thread "[^"]*" \S/.test(l));
  if (head < 0) return [];
  const message = lines[head].replace(/^Exception in thread "[^"]*" /, '').trim();
  let found: Found | undefined;
  // Every frame of the trace (its causes' too) is the trace's, not a compiler's message.
  for (let i = head + 1; i < lines.length; i++) {
    if (/^\s+at |^\s+\.\.\. \d+ more|^Caused by: /.test(lines[i])) ctx.consumed.add(i);
    else break;
    const frame = /^\s+at \S+?\((.+?):(\d+)\)\s*$/.exec(lines[i]);
    const file = frame && !found ? userFile(ctx, frame[1]) : undefined;
    if (file) found = { file, line: Number(frame![2]), severity: 'error', message, at: head };
  }
  return found ? [found] : [];
}

// ---------------------------------------------------------------------------------------------
// Go: `panic: …` (or `fatal error: …`), then each goroutine's frames as `\t/path/file.go:N +0x..`.

function go(ctx: Context): Found[] {
  const { lines } = ctx;
  const head = lines.findIndex((l) => /^(?:panic|fatal error): /.test(l));
  if (head < 0) return [];
  const message = lines[head].replace(/ \[recovered\]$/, '').trim();
  let found: Found | undefined;
  for (let i = head + 1; i < lines.length; i++) {
    const frame = /^\t(\S+?):(\d+)(?: \+0x[0-9a-f]+)?\s*$/.exec(lines[i]);
    if (!frame) continue;
    ctx.consumed.add(i);
    const file = found ? undefined : userFile(ctx, frame[1]);
    if (file) found = { file, line: Number(frame[2]), severity: 'error', message, at: head };
  }
  return found ? [found] : [];
}

// ---------------------------------------------------------------------------------------------
// Ruby: `path:N:in 'method': message (Class)`, then `\tfrom path:N:in …`, innermost first; Ruby
// 3.1's error_highlight may put the source line and a caret under the first line.

function ruby(ctx: Context): Found[] {
  const { lines } = ctx;
  const head = lines.findIndex((l) => /^\S.*?:\d+:in [`'].*?': /.test(l));
  if (head < 0) return [];
  const [, path, line, rest] = /^(\S.*?):(\d+):in [`'].*?': (.*)$/.exec(lines[head])!;
  const classed = /^(.*) \(([\w:]+)\)$/.exec(rest);
  const message = classed ? `${classed[2]}: ${classed[1]}` : rest.trim();
  ctx.consumed.add(head);
  const file = userFile(ctx, path);
  let found: Found | undefined;
  if (file) {
    const caret = lines[head + 1] === '' ? caretIndex(lines[head + 3]) : undefined;
    found = { file, line: Number(line), column: caret === undefined ? undefined : caret + 1, severity: 'error', message, at: head };
  }
  for (let i = head + 1; i < lines.length; i++) {
    const frame = /^\s+from (\S.*?):(\d+):in /.exec(lines[i]);
    if (!frame) continue;
    ctx.consumed.add(i);
    const from = found ? undefined : userFile(ctx, frame[1]);
    if (from) found = { file: from, line: Number(frame[2]), severity: 'error', message, at: head };
  }
  return found ? [found] : [];
}

// ---------------------------------------------------------------------------------------------
// Elixir: `** (Kind) message` — with the location in it (CompileError, TokenMissingError) or in
// the frames under it (`    file:N: Mod.fun/arity`; `(app x.y) lib/…` frames are not the user's).

function elixir(ctx: Context): Found[] {
  const { lines } = ctx;
  const found: Found[] = [];
  const names = [...ctx.sources.keys()].map(escape).join('|');
  for (let head = 0; head < lines.length; head++) {
    const kind = /^\*\* \(([\w.]+)\) (.*)$/.exec(lines[head]);
    if (!kind) continue;
    ctx.consumed.add(head);
    const inline = new RegExp(`^(?:\\.\\/|\\/work\\/)?(${names}):(\\d+)(?::(\\d+))?: (.*)$`).exec(kind[2]);
    if (inline) {
      const [, file, line, column, text] = inline;
      found.push({ file, line: Number(line), column: column ? Number(column) : undefined, severity: 'error', message: `${kind[1]}: ${text.trim()}`, at: head });
      continue;
    }
    const message = `${kind[1]}: ${kind[2].trim()}`;
    let located = false;
    for (let i = head + 1; i < lines.length && !/^\*\* \(/.test(lines[i]); i++) {
      const frame = /^\s+(?:\([^)]*\) )?(\S+?):(\d+)(?::(\d+))?: \S/.exec(lines[i]);
      if (!frame) continue;
      ctx.consumed.add(i);
      const file = located || /^\s+\(/.test(lines[i]) ? undefined : userFile(ctx, frame[1]);
      if (file) {
        found.push({ file, line: Number(frame[2]), column: frame[3] ? Number(frame[3]) : undefined, severity: 'error', message, at: head });
        located = true;
      }
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Rust: `thread 'main' panicked at 'msg', main.rs:5:20` (≤ 1.72) or `panicked at main.rs:5:20:`
// with the message on the next line (1.73 on).

function rust(ctx: Context): Found[] {
  const { lines } = ctx;
  for (let i = 0; i < lines.length; i++) {
    const old = /^thread '.*?' panicked at '(.*)', (\S+?):(\d+):(\d+)\s*$/.exec(lines[i]);
    const now = old ? null : /^thread '.*?' panicked at (\S+?):(\d+):(\d+):\s*$/.exec(lines[i]);
    if (!old && !now) continue;
    ctx.consumed.add(i);
    const [path, line, column] = old ? old.slice(2) : now!.slice(1);
    const file = userFile(ctx, path);
    if (!file) continue;
    const message = old ? old[1] : (lines[i + 1] ?? '').trim();
    return [{ file, line: Number(line), column: Number(column), severity: 'error', message: `panicked: ${message}`, at: i }];
  }
  return [];
}

// ---------------------------------------------------------------------------------------------
// glibc's assert (C, C++): `prog: main.c:7: main: Assertion `n > 0' failed.`

function assertion(ctx: Context): Found[] {
  const found: Found[] = [];
  ctx.lines.forEach((text, i) => {
    const match = /^\S+: (\S+?):(\d+): .*?: (Assertion .* failed\.)\s*$/.exec(text);
    const file = match && userFile(ctx, match[1]);
    if (!match || !file) return;
    ctx.consumed.add(i);
    found.push({ file, line: Number(match[2]), severity: 'error', message: match[3], at: i });
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// Mono (C#): `Unhandled Exception:`, the exception, then `  at Class.Method (args) [0x..] in
// <module id>:0` — no line numbers without debug symbols, so the method's declaration is found
// in the source (with them, `in /work/Main.cs:7`).

const CS_MODIFIERS = /^(?:public|private|protected|internal|static|async|override|virtual|sealed|unsafe|extern|new|partial|readonly|abstract)$/;

function findMethod(ctx: Context, cls: string, method: string): { file: string; line: number; column: number } | undefined {
  const name = method === '.ctor' ? cls : method;
  const declaration = new RegExp(`^(\\s*)((?:[\\w<>\\[\\],.?]+\\s+)*)(${escape(name)})\\s*(?:<[^>]*>)?\\s*\\(`);
  for (const source of ctx.sources.values()) {
    if (!source.name.endsWith('.cs') || source.content === undefined) continue;
    if (!new RegExp(`\\b(?:class|struct|record|interface)\\s+${escape(cls)}\\b`).test(source.content)) continue;
    const lines = source.content.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const match = declaration.exec(lines[i]);
      if (!match) continue;
      const words = match[2].trim().split(/\s+/).filter(Boolean);
      // A declaration has a type before the name (a constructor only modifiers); a call has
      // `return`, `=` or `.` before it, which the pattern or this check turns away.
      if (words.some((w) => /^(?:return|throw|await|else|yield|case|new|var)$/.test(w) && !CS_MODIFIERS.test(w))) continue;
      if (method !== '.ctor' && words.filter((w) => !CS_MODIFIERS.test(w)).length === 0) continue;
      return { file: source.name, line: i + 1, column: match[1].length + match[2].length + 1 };
    }
  }
  return undefined;
}

function mono(ctx: Context): Found[] {
  const { lines } = ctx;
  const head = lines.findIndex((l) => /^Unhandled Exception:\s*$/.test(l));
  if (head < 0) return [];
  const messageAt = lines.findIndex((l, i) => i > head && l.trim() !== '');
  if (messageAt < 0) return [];
  const message = lines[messageAt].trim();
  let found: Found | undefined;
  for (let i = messageAt + 1; i < lines.length && /^\s+at /.test(lines[i]); i++) {
    ctx.consumed.add(i);
    const frame = /^\s+at (\S+?) ?\(.*?\)(?: \[0x[0-9a-f]+\])? in (.+?):(\d+)\s*$/.exec(lines[i]);
    if (!frame || found) continue;
    const file = userFile(ctx, frame[2]);
    if (file && Number(frame[3]) > 0) {
      found = { file, line: Number(frame[3]), severity: 'error', message, at: messageAt };
      continue;
    }
    // `Namespace.Class.Method`, `Class+Nested.Method`, `Class.<Method>b__0_0` (a lambda in it).
    const parts = frame[1].replace(/\[.*?\]/g, '').split('.');
    const method = /<(\w+)>/.exec(parts.at(-1)!)?.[1] ?? parts.at(-1)!;
    const cls = parts.at(-2)?.split('+').at(-1);
    const declared = cls ? findMethod(ctx, cls, method === '' ? '.ctor' : method) : undefined;
    if (declared) found = { ...declared, severity: 'error', message: `${message} (in ${cls}.${method || cls})`, at: messageAt };
  }
  return found ? [found] : [];
}

// ---------------------------------------------------------------------------------------------
// One location per line: compilers, bash, Elixir warnings.

/** What the location line says when the message is elsewhere (on a line above it). */
const NO_MESSAGE = /^$|^in\b|^\d+$|^(?:[\w.]+\.)?[\w?!]+\/\d+$|^\((?:file|module)\)$/;

function lineByLine(ctx: Context): Found[] {
  const { lines } = ctx;
  const names = [...ctx.sources.keys()].map(escape).join('|');
  // The name must start the line or follow a separator, so `xmain.c` is not `main.c`.
  const location = new RegExp(
    `(?:^|[\\s("'\`\\[])(?:\\.\\/|\\/work\\/)?(${names})(?:\\((\\d+),(\\d+)\\)|:(\\d+)(?::(\\d+))?|: line (\\d+))`,
  );
  const found: Found[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (ctx.consumed.has(i)) continue;
    const text = lines[i];
    if (/^\s*(?:In file included from|from) /.test(text)) continue;
    const match = location.exec(text);
    if (!match) continue;
    const [, file, parenLine, parenCol, line, col, bashLine] = match;
    const lineNo = Number(parenLine ?? line ?? bashLine);
    if (!Number.isFinite(lineNo) || lineNo < 1) continue;
    const lower = text.toLowerCase();
    if (/\bnote\b:/.test(lower) && !/error/.test(lower)) continue;
    let message = text.slice(match.index + match[0].length).replace(/^[:\s]+/, '').trim();
    if (NO_MESSAGE.test(message)) {
      // rustc puts the message on the line before its `-->`; Elixir before the location.
      const before = lines
        .slice(Math.max(0, i - 6), i)
        .reverse()
        .find((l) => /^\s*(?:error|warning)\b/i.test(l));
      if (!before) continue;
      message = before.trim();
    }
    let column = col ?? parenCol;
    // javac, scalac and ruby show the line and a caret under it.
    const caret = column === undefined && lines[i + 1]?.trim() ? caretIndex(lines[i + 2]) : undefined;
    if (caret !== undefined) column = String(caret + 1);
    const severity = /^warning\b|\bwarning:/i.test(message) && !/\berror\b/i.test(message) ? 'warning' : 'error';
    found.push({ file, line: lineNo, column: column === undefined ? undefined : Number(column), severity, message, at: i });
  }
  return found;
}

export function findDiagnostics(output: string, files: Array<string | SourceLike>): Diagnostic[] {
  if (files.length === 0 || output === '') return [];
  const sources = new Map(files.map((f) => (typeof f === 'string' ? [f, { name: f }] : [f.name, f])));
  const ctx: Context = { lines: output.replace(/\r/g, '').split('\n'), sources, consumed: new Set() };
  const found = [python, node, jvm, go, ruby, elixir, rust, assertion, mono, lineByLine].flatMap((parse) => parse(ctx));
  found.sort((a, b) => a.at - b.at);
  const seen = new Set<string>();
  return found
    .filter((d) => {
      const key = `${d.file}:${d.line}:${d.severity}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(({ at: _, column, ...d }) => (column === undefined ? d : { ...d, column }));
}
