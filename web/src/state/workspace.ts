// The code being edited: files of one language, the entry file and the stdin. The last one is
// kept in localStorage so that a reload (or a closed tab) loses nothing.
import type { SourceFile } from '../api/client';
import { sampleFor } from '../samples';

export interface Workspace {
  language: string;
  files: SourceFile[];
  entry: string;
  stdin: string;
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
    return { ...value, stdin: value.stdin ?? '', entry: value.entry ?? value.files[0].name };
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
