import { describe, expect, it } from 'vitest';
import {
  changedLimits,
  countdownText,
  formatKib,
  formatMs,
  LIMIT_FIELDS,
  limitCause,
  limitExplanation,
  limitsSummary,
  parseForm,
  parseFormValue,
  toFormValue,
} from './limits';

const defaults = {
  cpu_time_ms: 5000,
  wall_time_ms: 10000,
  memory_kib: 262144,
  processes: 64,
  output_kib: 1024,
  tmpfs_kib: 65536,
  workdir_kib: 65536,
};
const max = { ...defaults, cpu_time_ms: 30000, wall_time_ms: 60000, memory_kib: 4 * 1024 * 1024, output_kib: 65536 };
const field = (key: string) => LIMIT_FIELDS.find((f) => f.key === key)!;

describe('limit formats', () => {
  it('sizes in KiB, MiB, GiB', () => {
    expect(formatKib(512)).toBe('512 KiB');
    expect(formatKib(1024)).toBe('1 MiB');
    expect(formatKib(262144)).toBe('256 MiB');
    expect(formatKib(1536)).toBe('1.5 MiB');
    expect(formatKib(4 * 1024 * 1024)).toBe('4 GiB');
  });

  it('times in seconds, minutes from two', () => {
    expect(formatMs(5000)).toBe('5 s');
    expect(formatMs(500)).toBe('0.5 s');
    expect(formatMs(90_000)).toBe('90 s');
    expect(formatMs(900_000)).toBe('15 min');
  });

  it('summarises the limits that applied', () => {
    expect(limitsSummary(defaults)).toBe('memory 256 MiB · output 1 MiB · CPU 5 s · wall 10 s');
    expect(limitsSummary({})).toBe('');
  });
});

describe('which limit ended the run', () => {
  it('tells CPU from wall time by the CPU used', () => {
    expect(limitCause({ verdict: 'time_limit', cpu_ms: 4990, limits: defaults })).toBe('cpu');
    expect(limitCause({ verdict: 'time_limit', cpu_ms: 4750, limits: defaults })).toBe('cpu');
    expect(limitCause({ verdict: 'time_limit', cpu_ms: 20, wall_ms: 10003, limits: defaults })).toBe('wall');
    expect(limitCause({ verdict: 'time_limit', cpu_ms: 20, idle_timeout: true, limits: defaults })).toBe('idle');
  });

  it('memory, output (or output cut), none', () => {
    expect(limitCause({ verdict: 'memory_limit' })).toBe('memory');
    expect(limitCause({ verdict: 'output_limit' })).toBe('output');
    expect(limitCause({ verdict: 'ok', stdout_truncated: true })).toBe('output');
    expect(limitCause({ verdict: 'ok' })).toBeUndefined();
    expect(limitCause({ verdict: 'runtime_error' })).toBeUndefined();
  });

  it('says how to raise it, up to the maximum', () => {
    expect(limitExplanation({ verdict: 'memory_limit', limits: defaults }, max)).toBe(
      'Memory limit exceeded (256 MiB) — raise it in Run settings (up to 4 GiB)',
    );
    expect(limitExplanation({ verdict: 'time_limit', cpu_ms: 5001, limits: defaults }, max)).toBe(
      'CPU time limit exceeded (5 s) — raise it in Run settings (up to 30 s)',
    );
    expect(limitExplanation({ verdict: 'time_limit', cpu_ms: 3, limits: { ...defaults, wall_time_ms: 60000 } }, max)).toBe(
      'Wall time limit exceeded (60 s) — already the server’s maximum',
    );
    expect(limitExplanation({ verdict: 'output_limit', limits: defaults })).toBe(
      'Output limit exceeded (1 MiB) — raise it in Run settings',
    );
    expect(limitExplanation({ verdict: 'time_limit', idle_timeout: true, limits: defaults }, max, 120_000)).toBe(
      'Ended: waited 120 s for input — type sooner, or give the input up front',
    );
    expect(limitExplanation({ verdict: 'ok', limits: defaults }, max)).toBeUndefined();
  });
});

describe('the run-settings form', () => {
  it('shows server units in human ones and back', () => {
    expect(toFormValue(field('memory_kib'), 262144)).toBe('256');
    expect(toFormValue(field('wall_time_ms'), 2500)).toBe('2.5');
    expect(parseFormValue(field('memory_kib'), '512')).toEqual({ value: 524288 });
    expect(parseFormValue(field('wall_time_ms'), '20')).toEqual({ value: 20000 });
    expect(parseFormValue(field('wall_time_ms'), ' ')).toEqual({});
  });

  it('refuses what is not a number, not positive, a fraction of a MiB, or above the maximum', () => {
    expect(parseFormValue(field('memory_kib'), 'lots').error).toBe('Memory: enter a number');
    expect(parseFormValue(field('cpu_time_ms'), '0').error).toBe('CPU time: must be more than 0');
    expect(parseFormValue(field('memory_kib'), '1.5').error).toBe('Memory: enter a whole number');
    expect(parseFormValue(field('memory_kib'), '8192', max.memory_kib).error).toBe(
      'Memory: at most 4096 MiB (the server’s maximum)',
    );
    const { limits, errors } = parseForm({ memory_kib: '512', wall_time_ms: '999' }, max);
    expect(limits).toEqual({ memory_kib: 524288 });
    expect(Object.keys(errors)).toEqual(['wall_time_ms']);
  });

  it('keeps only what differs from the defaults', () => {
    expect(changedLimits({ memory_kib: 262144, wall_time_ms: 20000 }, defaults)).toEqual({ wall_time_ms: 20000 });
  });
});

describe('the countdown of an interactive run', () => {
  const t0 = 1_000_000;
  it('says nothing while the limits are far', () => {
    expect(countdownText({ now: t0 + 5000, runningSince: t0, lastActivity: t0, wallMs: 900_000, idleMs: 120_000 })).toBeUndefined();
  });

  it('counts down the wall limit in its last minute', () => {
    expect(countdownText({ now: t0 + 1000, runningSince: t0, lastActivity: t0 + 1000, wallMs: 20_000 })).toBe(
      'ends in 19 s (wall limit)',
    );
    expect(countdownText({ now: t0 + 850_500, runningSince: t0, lastActivity: t0 + 850_000, wallMs: 900_000, idleMs: 120_000 })).toBe(
      'ends in 50 s (wall limit)',
    );
  });

  it('counts down the idle timeout once nothing has happened for a while, nearer one first', () => {
    const c = { runningSince: t0, lastActivity: t0 + 10_000, wallMs: 900_000, idleMs: 120_000 };
    expect(countdownText({ ...c, now: t0 + 60_000 })).toBeUndefined();
    expect(countdownText({ ...c, now: t0 + 105_000 })).toBe('ends in 25 s if nothing is typed');
    // Output or input resets it.
    expect(countdownText({ ...c, lastActivity: t0 + 104_000, now: t0 + 105_000 })).toBeUndefined();
    // The wall limit comes first.
    expect(countdownText({ ...c, wallMs: 100_000, now: t0 + 95_000 })).toBe('ends in 5 s (wall limit)');
  });
});
