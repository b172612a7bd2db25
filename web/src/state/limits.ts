// Run limits as the UI shows and edits them: the limits that applied to a run, which one
// ended it (and how to raise it), the run-settings form in human units, and the countdown of
// an interactive run.

/** A run stage's limits, as the server sends them (`/api/v1/languages`, results, `/api/v1/limits`). */
export interface Limits {
  cpu_time_ms: number;
  wall_time_ms: number;
  memory_kib: number;
  processes: number;
  output_kib: number;
  tmpfs_kib?: number;
  workdir_kib?: number;
  file_size_kib?: number;
  open_files?: number;
  stack_kib?: number;
}

/** `GET /api/v1/limits`: the operator's maxima. */
export interface LimitsInfo {
  max: Limits;
  max_interactive: Limits;
  interactive_idle_ms: number;
}

/** What a run may ask for (a subset of these is sent as `limits`). */
export type LimitKey = 'memory_kib' | 'cpu_time_ms' | 'wall_time_ms' | 'output_kib' | 'processes';
export type LimitOverrides = Partial<Record<LimitKey, number>>;

/** "256 MiB", "1 MiB", "512 KiB", "4 GiB", "1.5 GiB". */
export function formatKib(kib: number): string {
  const trim = (n: number) => String(Number(n.toFixed(1)));
  if (kib >= 1024 * 1024) return `${trim(kib / (1024 * 1024))} GiB`;
  if (kib >= 1024) return `${trim(kib / 1024)} MiB`;
  return `${kib} KiB`;
}

/** "5 s", "0.5 s", "2 min", "15 min", "90 s". */
export function formatMs(ms: number): string {
  if (ms >= 120_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** The limits that applied, compactly: "memory 256 MiB · output 1 MiB · CPU 5 s · wall 10 s". */
export function limitsSummary(limits: Partial<Limits>): string {
  const parts: string[] = [];
  if (limits.memory_kib !== undefined) parts.push(`memory ${formatKib(limits.memory_kib)}`);
  if (limits.output_kib !== undefined) parts.push(`output ${formatKib(limits.output_kib)}`);
  if (limits.cpu_time_ms !== undefined) parts.push(`CPU ${formatMs(limits.cpu_time_ms)}`);
  if (limits.wall_time_ms !== undefined) parts.push(`wall ${formatMs(limits.wall_time_ms)}`);
  return parts.join(' · ');
}

export type LimitCause = 'cpu' | 'wall' | 'idle' | 'memory' | 'output';

export interface CauseInput {
  verdict: string;
  cpu_ms?: number;
  wall_ms?: number;
  stdout_truncated?: boolean;
  idle_timeout?: boolean;
  limits?: Partial<Limits>;
}

/** Which limit ended a run, if one did. */
export function limitCause(result: CauseInput): LimitCause | undefined {
  if (result.verdict === 'time_limit') {
    if (result.idle_timeout) return 'idle';
    const cpu = result.limits?.cpu_time_ms;
    if (cpu && (result.cpu_ms ?? 0) >= cpu * 0.95) return 'cpu';
    return 'wall';
  }
  if (result.verdict === 'memory_limit') return 'memory';
  if (result.verdict === 'output_limit' || result.stdout_truncated) return 'output';
  return undefined;
}

const CAUSE_KEY: Record<Exclude<LimitCause, 'idle'>, LimitKey> = {
  cpu: 'cpu_time_ms',
  wall: 'wall_time_ms',
  memory: 'memory_kib',
  output: 'output_kib',
};

const CAUSE_LABEL: Record<Exclude<LimitCause, 'idle'>, string> = {
  cpu: 'CPU time limit exceeded',
  wall: 'Wall time limit exceeded',
  memory: 'Memory limit exceeded',
  output: 'Output limit exceeded',
};

const formatLimit = (key: LimitKey, value: number) =>
  key === 'processes' ? String(value) : key.endsWith('_ms') ? formatMs(value) : formatKib(value);

/**
 * Which limit ended the run and how to raise it, e.g. "Memory limit exceeded (256 MiB) — raise
 * it in Run settings (up to 4 GiB)"; undefined when no limit did. `max`: the operator's maxima
 * for this kind of run, when known.
 */
export function limitExplanation(result: CauseInput & { message?: string }, max?: Partial<Limits>, idleMs?: number): string | undefined {
  const cause = limitCause(result);
  if (!cause) return undefined;
  if (cause === 'idle') {
    const waited = idleMs ?? result.wall_ms;
    return `Ended: waited ${waited !== undefined ? `${Math.round(waited / 1000)} s` : 'too long'} for input — type sooner, or give the input up front`;
  }
  const key = CAUSE_KEY[cause];
  const applied = result.limits?.[key];
  const ceiling = max?.[key];
  let text = CAUSE_LABEL[cause] + (applied !== undefined ? ` (${formatLimit(key, applied)})` : '');
  if (ceiling !== undefined && applied !== undefined && applied >= ceiling) text += ' — already the server’s maximum';
  else text += ` — raise it in Run settings${ceiling !== undefined ? ` (up to ${formatLimit(key, ceiling)})` : ''}`;
  return text;
}

// The run-settings form: each limit in a human unit.

export interface LimitField {
  key: LimitKey;
  label: string;
  unit: string;
  /** Server units per form unit. */
  factor: number;
  /** Whether a fraction makes sense (seconds: yes; processes: no). */
  step: number;
}

export const LIMIT_FIELDS: LimitField[] = [
  { key: 'memory_kib', label: 'Memory', unit: 'MiB', factor: 1024, step: 1 },
  { key: 'cpu_time_ms', label: 'CPU time', unit: 's', factor: 1000, step: 0.1 },
  { key: 'wall_time_ms', label: 'Wall time', unit: 's', factor: 1000, step: 0.1 },
  { key: 'output_kib', label: 'Output', unit: 'KiB', factor: 1, step: 1 },
  { key: 'processes', label: 'Processes', unit: 'processes', factor: 1, step: 1 },
];

/** A value in server units shown in the form's unit ("0.5" s, "256" MiB). */
export function toFormValue(field: LimitField, value: number | undefined): string {
  if (value === undefined) return '';
  return String(Number((value / field.factor).toFixed(3)));
}

/**
 * The form's text back in server units, or why it cannot be: empty means the default; at least
 * a minimum; at most the maximum (when known).
 */
export function parseFormValue(field: LimitField, text: string, max?: number): { value?: number; error?: string } {
  const trimmed = text.trim();
  if (trimmed === '') return {};
  const number = Number(trimmed);
  if (!Number.isFinite(number)) return { error: `${field.label}: enter a number` };
  if (field.step === 1 && !Number.isInteger(number)) return { error: `${field.label}: enter a whole number` };
  const value = Math.round(number * field.factor);
  if (value <= 0) return { error: `${field.label}: must be more than 0` };
  if (max !== undefined && value > max) {
    return { error: `${field.label}: at most ${toFormValue(field, max)} ${field.unit} (the server’s maximum)` };
  }
  return { value };
}

/** The overrides a form holds, or the errors that refuse it. */
export function parseForm(
  texts: Partial<Record<LimitKey, string>>,
  max?: Partial<Limits>,
): { limits: LimitOverrides; errors: Partial<Record<LimitKey, string>> } {
  const limits: LimitOverrides = {};
  const errors: Partial<Record<LimitKey, string>> = {};
  for (const field of LIMIT_FIELDS) {
    const { value, error } = parseFormValue(field, texts[field.key] ?? '', max?.[field.key]);
    if (error) errors[field.key] = error;
    else if (value !== undefined) limits[field.key] = value;
  }
  return { limits, errors };
}

/** The overrides that differ from the language's defaults (what is worth sending and keeping). */
export function changedLimits(limits: LimitOverrides, defaults?: Partial<Limits>): LimitOverrides {
  const out: LimitOverrides = {};
  for (const field of LIMIT_FIELDS) {
    const value = limits[field.key];
    if (value !== undefined && value !== defaults?.[field.key]) out[field.key] = value;
  }
  return out;
}

// The countdown of an interactive run.

export interface CountdownInput {
  now: number;
  /** When the program started running. */
  runningSince: number;
  /** The wall limit that applies to it. */
  wallMs?: number;
  /** When input or output last happened (at least `runningSince`). */
  lastActivity: number;
  idleMs?: number;
}

/** Shown once this little time is left before the wall limit. */
export const WALL_WARNING_MS = 60_000;
/** Shown once nothing has happened for this long (and the idle timeout is under a minute away). */
export const IDLE_WARNING_MS = 10_000;

/**
 * What the countdown says, or undefined while no limit is near: "ends in 25 s if nothing is
 * typed" (the idle timeout), "ends in 40 s (wall limit)". The nearer one wins.
 */
export function countdownText(c: CountdownInput): string | undefined {
  const wallLeft = c.wallMs !== undefined ? c.wallMs - (c.now - c.runningSince) : Infinity;
  const idle = c.now - Math.max(c.lastActivity, c.runningSince);
  const idleLeft = c.idleMs !== undefined && idle >= IDLE_WARNING_MS ? c.idleMs - idle : Infinity;
  const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));
  if (idleLeft < WALL_WARNING_MS && idleLeft <= wallLeft) return `ends in ${seconds(idleLeft)} s if nothing is typed`;
  if (wallLeft < WALL_WARNING_MS) return `ends in ${seconds(wallLeft)} s (wall limit)`;
  return undefined;
}
