// The code being edited: files of one language, the entry file and the stdin. The last one is
// kept in localStorage so that a reload (or a closed tab) loses nothing.
import type { SourceFile } from '../api/client';
import { sampleFor } from '../samples';
import { LIMIT_FIELDS, type LimitOverrides } from './limits';

export type InputMode = 'given' | 'interactive';

export interface Workspace {
  language: string;
  files: SourceFile[];
  entry: string;
  /** The program's whole stdin, when the input is given up front. */
  stdin: string;
  /**
   * "Give input now" (`stdin` is the whole input, then end of file, as on a judge) or "Type
   * while it runs" (stdin stays open for what the user types). Absent in what was saved before
   * it was a choice: then it is what an empty field used to mean (see `inputModeOf`).
   */
  inputMode?: InputMode;
  /** Run settings: the limits raised (or lowered) from the language's defaults, in server units. */
  limits?: LimitOverrides;
}

/** Only known limits with positive whole values (what storage holds may be anything). */
export function cleanLimits(value: unknown): LimitOverrides | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const out: LimitOverrides = {};
  for (const { key } of LIMIT_FIELDS) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) out[key] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function inputModeOf(workspace: Workspace): InputMode {
  return workspace.inputMode ?? (workspace.stdin === '' ? 'interactive' : 'given');
}

/** What a run or a shared snippet sends: the stdin only where it is given up front. */
export function codeOf(workspace: Workspace): { language: string; files: SourceFile[]; entry: string; stdin: string } {
  const given = inputModeOf(workspace) === 'given';
  return { language: workspace.language, files: workspace.files, entry: workspace.entry, stdin: given ? workspace.stdin : '' };
}

const KEY = 'codecollab.workspace.v1';
const DRAFTS = 'codecollab.drafts.v1';

export function fresh(language: string, mainFile: string): Workspace {
  return { language, files: [{ name: mainFile, content: sampleFor(language) }], entry: mainFile, stdin: '' };
}

export function load(): Workspace | undefined {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return undefined;
    const value = JSON.parse(raw) as Workspace;
    if (typeof value.language !== 'string' || !Array.isArray(value.files) || value.files.length === 0) {
      return undefined;
    }
    const inputMode = value.inputMode === 'given' || value.inputMode === 'interactive' ? value.inputMode : undefined;
    return { ...value, stdin: value.stdin ?? '', entry: value.entry ?? value.files[0].name, inputMode, limits: cleanLimits(value.limits) };
  } catch {
    return undefined;
  }
}

/** The last code of `language` edited here, so switching languages and back loses nothing. */
export function draft(language: string): Workspace | undefined {
  try {
    const drafts = JSON.parse(localStorage.getItem(DRAFTS) ?? '{}') as Record<string, Workspace>;
    return drafts[language];
  } catch {
    return undefined;
  }
}

export function save(workspace: Workspace): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(workspace));
    const drafts = JSON.parse(localStorage.getItem(DRAFTS) ?? '{}') as Record<string, Workspace>;
    drafts[workspace.language] = workspace;
    localStorage.setItem(DRAFTS, JSON.stringify(drafts));
  } catch {
    // Storage full or disabled: the code stays on screen; nothing else to do.
  }
}

/** Why a file name cannot be used, or undefined when it can. */
export function invalidName(name: string, files: SourceFile[], except?: string): string | undefined {
  if (name.trim() === '') return 'A file needs a name.';
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) return 'Use letters, digits, ".", "-" and "_" only.';
  if (files.some((f) => f.name === name && f.name !== except)) return `${name} exists already.`;
  return undefined;
}
