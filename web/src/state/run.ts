// One run as the UI sees it: the WebSocket messages of /api/v1/runs/{id}/events folded into a
// state. Output is not kept here (it can be megabytes): `applyMessage` hands each chunk back
// for the console to append.
import type { Limits } from './limits';

export type Phase = 'idle' | 'submitting' | 'queued' | 'started' | 'compiling' | 'running' | 'done';

export type Stage = 'compile' | 'run';

export interface StatsPoint {
  /** The compiler's or the program's: each has its own clock, memory and CPU. */
  stage: Stage;
  /** Since the start of its stage. */
  elapsedMs: number;
  memoryKib: number;
  /** CPU use since the previous sample, in percent of one core. */
  cpuPercent: number;
  cpuMs: number;
}

export interface RunResult {
  verdict: string;
  status?: string;
  cancelled?: boolean;
  wall_ms?: number;
  cpu_ms?: number;
  memory_kib?: number;
  exit_code?: number | null;
  signal?: number | null;
  language?: { name: string; version: string; build_tool?: string | null; runtime?: string | null };
  compile?: {
    verdict: string;
    output: string;
    wall_ms?: number;
    cpu_ms?: number;
    memory_kib?: number;
    cached?: boolean;
  } | null;
  message?: string;
  notes?: string[];
  stdout?: string;
  stderr?: string;
  stdout_truncated?: boolean;
  /** The run stage's limits that applied. */
  limits?: Partial<Limits>;
  /** An interactive run that ended waiting for input. */
  idle_timeout?: boolean;
  stderr_truncated?: boolean;
}

export interface RunState {
  phase: Phase;
  runId?: string;
  stats: StatsPoint[];
  result?: RunResult;
  error?: string;
  /** Output seen by the stream; the result repeats it, so it is not printed twice. */
  streamedBytes: number;
}

export interface OutputChunk {
  stream: 'stdout' | 'stderr' | 'stdin' | 'info';
  stage?: 'compile' | 'run';
  text: string;
}

export const initialRun: RunState = { phase: 'idle', stats: [], streamedBytes: 0 };

type Message = { type: string; [key: string]: unknown };

const STATUS_PHASE: Record<string, Phase> = {
  queued: 'queued',
  started: 'started',
  compiling: 'compiling',
  running: 'running',
};

/** The state after one message, and the output it carries (if any). */
export function applyMessage(state: RunState, message: Message): [RunState, OutputChunk?] {
  if (state.phase === 'done') return [state];
  switch (message.type) {
    case 'status': {
      const phase = STATUS_PHASE[String(message.status)];
      return [phase ? { ...state, phase } : state];
    }
    case 'stdout':
    case 'stderr': {
      const text = String(message.data ?? '');
      const stage = message.stage === 'compile' ? 'compile' : 'run';
      return [
        { ...state, streamedBytes: state.streamedBytes + text.length },
        { stream: message.type, stage, text },
      ];
    }
    case 'stats': {
      const elapsedMs = Number(message.elapsed_ms ?? 0);
      const cpuMs = Number(message.cpu_ms ?? 0);
      const last = state.stats.at(-1);
      // The stage as the server names it; from one that does not, a clock starting again is
      // the run after the compiler.
      const stage: Stage =
        message.stage === 'compile' || message.stage === 'run'
          ? message.stage
          : last && elapsedMs < last.elapsedMs
            ? 'run'
            : (last?.stage ?? 'run');
      // CPU use is per stage: the first sample of a stage counts from its own start.
      const previous = last?.stage === stage && elapsedMs >= last.elapsedMs ? last : undefined;
      const dt = previous ? elapsedMs - previous.elapsedMs : elapsedMs;
      const dcpu = previous ? cpuMs - previous.cpuMs : cpuMs;
      const point: StatsPoint = {
        stage,
        elapsedMs,
        cpuMs,
        memoryKib: Number(message.memory_kib ?? 0),
        cpuPercent: dt > 0 ? Math.max(0, Math.round((dcpu / dt) * 100)) : 0,
      };
      // One series, the compiler's samples then the program's (each labelled), the latest kept.
      return [{ ...state, stats: [...state.stats, point].slice(-300) }];
    }
    case 'result': {
      const result = message as unknown as RunResult;
      // A result without a streamed counterpart (a client that joined after the output was
      // gone) still shows what the program printed.
      let chunk: OutputChunk | undefined;
      if (state.streamedBytes === 0) {
        const text = [result.compile?.output ?? '', result.stdout ?? '', result.stderr ?? ''].join('');
        if (text !== '') chunk = { stream: 'stdout', text };
      }
      return [{ ...state, phase: 'done', result }, chunk];
    }
    case 'error':
      return [{ ...state, error: String(message.message ?? 'error') }];
    default:
      return [state];
  }
}

export interface StageFigures {
  stage: Stage;
  /** Peak memory: the result's once it is in, else the highest sample so far. */
  memoryKib?: number;
  /** CPU use over the stage, in percent of one core: CPU time over wall time. */
  cpuPercent?: number;
  wallMs?: number;
  cpuMs?: number;
  /** From the result (final) or from the samples (live). */
  final: boolean;
}

/**
 * The figures of each stage that took place, compile first: what the chart's captions and the
 * status row both show, so that they agree (the program's memory is not the compiler's).
 */
export function stageFigures(stats: StatsPoint[], result?: RunResult): StageFigures[] {
  const figures: StageFigures[] = [];
  for (const stage of ['compile', 'run'] as const) {
    const samples = stats.filter((s) => s.stage === stage);
    const compile = result?.compile;
    const fromResult =
      stage === 'compile'
        ? compile && !compile.cached && compile.wall_ms !== undefined
          ? { wallMs: compile.wall_ms, cpuMs: compile.cpu_ms, memoryKib: compile.memory_kib }
          : undefined
        : result && result.verdict !== 'compile_error' && result.wall_ms !== undefined
          ? { wallMs: result.wall_ms, cpuMs: result.cpu_ms, memoryKib: result.memory_kib }
          : undefined;
    if (fromResult) {
      const { wallMs, cpuMs, memoryKib } = fromResult;
      const cpuPercent = cpuMs === undefined || !wallMs ? undefined : Math.round((cpuMs / wallMs) * 100);
      figures.push({ stage, wallMs, cpuMs, memoryKib, cpuPercent, final: true });
    } else if (samples.length > 0) {
      const last = samples.at(-1)!;
      figures.push({
        stage,
        wallMs: last.elapsedMs,
        cpuMs: last.cpuMs,
        memoryKib: Math.max(...samples.map((s) => s.memoryKib)),
        cpuPercent: last.elapsedMs > 0 ? Math.round((last.cpuMs / last.elapsedMs) * 100) : undefined,
        final: false,
      });
    }
  }
  return figures;
}

/** A one-line summary of a finished run, e.g. "OK · 26 ms wall · 12 ms CPU · 7.8 MiB". */
export function verdictLabel(result: RunResult): string {
  if (isStopped(result)) return 'Stopped';
  const labels: Record<string, string> = {
    ok: 'OK',
    compile_error: 'Compile error',
    runtime_error: 'Runtime error',
    time_limit: 'Time limit exceeded',
    memory_limit: 'Memory limit exceeded',
    output_limit: 'Output limit exceeded',
    internal_error: 'Internal error',
  };
  return labels[result.verdict] ?? result.verdict;
}

const SIGNALS: Record<number, string> = {
  4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 11: 'SIGSEGV', 13: 'SIGPIPE', 15: 'SIGTERM', 24: 'SIGXCPU', 25: 'SIGXFSZ',
};

/**
 * What the verdict and figures do not say: why an internal error happened, the sandbox's notes,
 * a signal that ended the program, output cut at the server's limit.
 */
export function resultNotes(result: RunResult): string[] {
  const notes: string[] = [];
  if (result.message) notes.push(result.message);
  // The verdict already says "Stopped".
  for (const note of result.notes ?? []) if (note !== 'stopped on request') notes.push(note);
  if (!isStopped(result) && result.signal) {
    const name = SIGNALS[result.signal];
    notes.push(`Ended by signal ${result.signal}${name ? ` (${name})` : ''}`);
  }
  const cut = [result.stdout_truncated && 'stdout', result.stderr_truncated && 'stderr'].filter(Boolean);
  if (cut.length > 0) notes.push(`Output cut at the server's limit (${cut.join(' and ')})`);
  return notes;
}

/** Stopped by the user: a run cancelled while queued has a status and no verdict at all. */
export function isStopped(result: RunResult): boolean {
  return Boolean(result.cancelled) || result.status === 'cancelled';
}

export function formatMemory(kib: number | undefined): string {
  if (kib === undefined) return '–';
  if (kib < 1024) return `${kib} KiB`;
  return `${(kib / 1024).toFixed(1)} MiB`;
}
