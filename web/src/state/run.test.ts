import { describe, expect, it } from 'vitest';
import { applyMessage, initialRun, resultNotes, stageFigures, verdictLabel, type OutputChunk, type RunState } from './run';

function fold(messages: Array<Record<string, unknown>>): [RunState, OutputChunk[]] {
  let state: RunState = { ...initialRun, phase: 'submitting' };
  const out: OutputChunk[] = [];
  for (const message of messages) {
    const [next, chunk] = applyMessage(state, message as { type: string });
    state = next;
    if (chunk) out.push(chunk);
  }
  return [state, out];
}

describe('applyMessage', () => {
  it('follows the statuses, hands out output in order and ends at the result', () => {
    const [state, out] = fold([
      { type: 'status', status: 'queued' },
      { type: 'status', status: 'compiling' },
      { type: 'stderr', stage: 'compile', data: 'warning\n' },
      { type: 'status', status: 'running' },
      { type: 'stdout', stage: 'run', data: 'hello\n' },
      { type: 'result', verdict: 'ok', stdout: 'hello\n', wall_ms: 3 },
      { type: 'stdout', data: 'after the end\n' },
    ]);
    expect(state.phase).toBe('done');
    expect(state.result?.verdict).toBe('ok');
    expect(out).toEqual([
      { stream: 'stderr', stage: 'compile', text: 'warning\n' },
      { stream: 'stdout', stage: 'run', text: 'hello\n' },
    ]);
  });

  it('turns cumulative CPU into a percentage per sample', () => {
    const [state] = fold([
      { type: 'stats', elapsed_ms: 100, cpu_ms: 50, memory_kib: 1000 },
      { type: 'stats', elapsed_ms: 200, cpu_ms: 150, memory_kib: 2000 },
    ]);
    expect(state.stats.map((s) => s.cpuPercent)).toEqual([50, 100]);
    expect(state.stats.map((s) => s.memoryKib)).toEqual([1000, 2000]);
  });

  it('prints the result output when none was streamed (a late client)', () => {
    const [, out] = fold([{ type: 'result', verdict: 'ok', stdout: 'late\n', stderr: '' }]);
    expect(out).toEqual([{ stream: 'stdout', text: 'late\n' }]);
  });

  it('keeps server errors and labels verdicts', () => {
    const [state] = fold([{ type: 'error', message: 'client too slow' }]);
    expect(state.error).toBe('client too slow');
    expect(verdictLabel({ verdict: 'time_limit' })).toBe('Time limit exceeded');
    expect(verdictLabel({ verdict: 'ok', cancelled: true })).toBe('Stopped');
  });

  it('keeps one memory/CPU series across stages and only the latest samples', () => {
    const compile = [{ type: 'stats', stage: 'compile', elapsed_ms: 100, cpu_ms: 90, memory_kib: 50_000 }];
    // The run stage's clock starts again at zero: the chart restarts with it.
    const run = Array.from({ length: 400 }, (_, i) => ({
      type: 'stats',
      stage: 'run',
      elapsed_ms: (i + 1) * 100,
      cpu_ms: (i + 1) * 10,
      memory_kib: 1000 + i,
    }));
    const [state] = fold([...compile, ...run]);
    expect(state.stats).toHaveLength(300);
    expect(state.stats.at(-1)).toMatchObject({ elapsedMs: 40_000, memoryKib: 1399, cpuPercent: 10 });
    expect(state.stats.every((s) => s.memoryKib < 50_000)).toBe(true);
  });

  it('labels a run stopped before it started (a result with a status and no verdict)', () => {
    const [state] = fold([
      { type: 'status', status: 'queued' },
      { type: 'result', status: 'cancelled' },
    ]);
    expect(state.phase).toBe('done');
    expect(verdictLabel(state.result!)).toBe('Stopped');
  });

  it('ignores messages it does not know and statuses after the end', () => {
    const [state, out] = fold([
      { type: 'status', status: 'running' },
      { type: 'something_new', data: 'x' },
      { type: 'status', status: 'nonsense' },
    ]);
    expect(state.phase).toBe('running');
    expect(out).toEqual([]);
    const [after] = applyMessage({ ...state, phase: 'done' }, { type: 'status', status: 'running' });
    expect(after.phase).toBe('done');
  });

  it('notes what the verdict does not say', () => {
    expect(resultNotes({ verdict: 'runtime_error', exit_code: null, signal: 11 })).toEqual(['Ended by signal 11 (SIGSEGV)']);
    expect(resultNotes({ verdict: 'runtime_error', cancelled: true, signal: 9, notes: ['stopped on request'] })).toEqual([]);
    expect(resultNotes({ verdict: 'internal_error', message: 'the run crashed' })).toEqual(['the run crashed']);
    expect(resultNotes({ verdict: 'output_limit', stdout_truncated: true })).toEqual([
      "Output cut at the server's limit (stdout)",
    ]);
  });

  it('labels each sample with its stage and counts CPU per stage', () => {
    const [state] = fold([
      { type: 'stats', stage: 'compile', elapsed_ms: 100, cpu_ms: 90, memory_kib: 300_000 },
      { type: 'stats', stage: 'compile', elapsed_ms: 200, cpu_ms: 190, memory_kib: 350_000 },
      { type: 'stats', stage: 'run', elapsed_ms: 100, cpu_ms: 10, memory_kib: 8_000 },
    ]);
    expect(state.stats.map((s) => [s.stage, s.memoryKib, s.cpuPercent])).toEqual([
      ['compile', 300_000, 90],
      ['compile', 350_000, 100],
      // The run's first sample counts from the run's start, not from the compiler's last one.
      ['run', 8_000, 10],
    ]);
    // A server that does not name stages: a clock going back is the run after the compiler.
    const [old] = fold([
      { type: 'stats', elapsed_ms: 300, cpu_ms: 300, memory_kib: 9 },
      { type: 'stats', elapsed_ms: 100, cpu_ms: 5, memory_kib: 1 },
    ]);
    expect(old.stats.map((s) => s.stage)).toEqual(['run', 'run']);
  });
});

describe('stageFigures', () => {
  const stats = [
    { stage: 'compile' as const, elapsedMs: 1900, cpuMs: 2300, memoryKib: 351_000, cpuPercent: 120 },
    { stage: 'run' as const, elapsedMs: 100, cpuMs: 20, memoryKib: 7_000, cpuPercent: 20 },
  ];

  it('gives the compiler and the program their own figures, the result’s once it is in', () => {
    const result = {
      verdict: 'ok',
      wall_ms: 140,
      cpu_ms: 35,
      memory_kib: 8_000,
      compile: { verdict: 'ok', output: '', wall_ms: 2039, cpu_ms: 2374, memory_kib: 359_564, cached: false },
    };
    expect(stageFigures(stats, result)).toEqual([
      { stage: 'compile', wallMs: 2039, cpuMs: 2374, memoryKib: 359_564, cpuPercent: 116, final: true },
      { stage: 'run', wallMs: 140, cpuMs: 35, memoryKib: 8_000, cpuPercent: 25, final: true },
    ]);
  });

  it('shows the peak so far while running, and no compile figures for a cached compile', () => {
    expect(stageFigures(stats)).toEqual([
      { stage: 'compile', wallMs: 1900, cpuMs: 2300, memoryKib: 351_000, cpuPercent: 121, final: false },
      { stage: 'run', wallMs: 100, cpuMs: 20, memoryKib: 7_000, cpuPercent: 20, final: false },
    ]);
    const cached = { verdict: 'ok', wall_ms: 30, cpu_ms: 3, memory_kib: 2_000, compile: { verdict: 'ok', output: '', cached: true, wall_ms: 0 } };
    expect(stageFigures([], cached).map((s) => s.stage)).toEqual(['run']);
    // A compile error has no run: only the compiler's figures.
    const failed = { verdict: 'compile_error', compile: { verdict: 'compile_error', output: 'x', wall_ms: 300, cpu_ms: 250, memory_kib: 90_000 } };
    expect(stageFigures([], failed)).toEqual([
      { stage: 'compile', wallMs: 300, cpuMs: 250, memoryKib: 90_000, cpuPercent: 83, final: true },
    ]);
  });
});
