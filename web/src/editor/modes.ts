// Syntax modes, loaded only when a language is first opened: the initial page carries none.
import type { Extension } from '@codemirror/state';
// Already in the initial bundle (the editor core uses it); only the modes are loaded lazily.
import { StreamLanguage } from '@codemirror/language';

type Loader = () => Promise<Extension>;

const legacy = async (pick: (m: typeof import('@codemirror/legacy-modes/mode/clike')) => unknown) => {
  const clike = await import('@codemirror/legacy-modes/mode/clike');
  return StreamLanguage.define(pick(clike) as Parameters<typeof StreamLanguage.define>[0]);
};

const LOADERS: Record<string, Loader> = {
  python: async () => (await import('@codemirror/lang-python')).python(),
  javascript: async () => (await import('@codemirror/lang-javascript')).javascript(),
  typescript: async () => (await import('@codemirror/lang-javascript')).javascript({ typescript: true }),
  java: async () => (await import('@codemirror/lang-java')).java(),
  c: async () => (await import('@codemirror/lang-cpp')).cpp(),
  cpp: async () => (await import('@codemirror/lang-cpp')).cpp(),
  rust: async () => (await import('@codemirror/lang-rust')).rust(),
  go: async () => (await import('@codemirror/lang-go')).go(),
  csharp: () => legacy((m) => m.csharp),
  kotlin: () => legacy((m) => m.kotlin),
  scala: () => legacy((m) => m.scala),
  ruby: async () => {
    const { ruby } = await import('@codemirror/legacy-modes/mode/ruby');
    return StreamLanguage.define(ruby);
  },
  swift: async () => {
    const { swift } = await import('@codemirror/legacy-modes/mode/swift');
    return StreamLanguage.define(swift);
  },
  bash: async () => {
    const { shell } = await import('@codemirror/legacy-modes/mode/shell');
    return StreamLanguage.define(shell);
  },
  // Elixir has no CodeMirror mode; Ruby's is the nearest (do/end blocks, comments, strings).
  elixir: () => LOADERS.ruby(),
};

const cache = new Map<string, Promise<Extension>>();

export function loadMode(language: string): Promise<Extension> {
  const loader = LOADERS[language];
  if (!loader) return Promise.resolve([]);
  let mode = cache.get(language);
  if (!mode) {
    mode = loader().catch(() => []);
    cache.set(language, mode);
  }
  return mode;
}

/** The language a file name belongs to, by its extension (for mixed workspaces). */
export function modeForFile(file: string, language: string, extensions: Record<string, string[]>): string {
  const ext = file.split('.').pop()?.toLowerCase() ?? '';
  if (/^(h|hpp|hh)$/.test(ext)) return language === 'c' ? 'c' : 'cpp';
  for (const [id, exts] of Object.entries(extensions)) if (exts.includes(ext)) return id;
  return language;
}
