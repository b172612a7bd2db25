import { describe, expect, it } from 'vitest';
import { applyMessage, initialRun, verdictLabel, type OutputChunk, type RunState } from './run';

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
});
