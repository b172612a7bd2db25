import { describe, expect, it } from 'vitest';
import { cleanLimits, codeOf, inputModeOf, type Workspace } from './workspace';

const ws = (over: Partial<Workspace>): Workspace => ({
  language: 'python',
  files: [{ name: 'main.py', content: 'print(input())\n' }],
  entry: 'main.py',
  stdin: '',
  ...over,
});

describe('the input mode', () => {
  it('is what the user chose, whatever the field holds', () => {
    expect(inputModeOf(ws({ inputMode: 'given', stdin: '' }))).toBe('given');
    expect(inputModeOf(ws({ inputMode: 'interactive', stdin: '1 2 3' }))).toBe('interactive');
  });

  it('is what an empty field meant, for code saved before it was a choice', () => {
    expect(inputModeOf(ws({ stdin: '' }))).toBe('interactive');
    expect(inputModeOf(ws({ stdin: '5\n' }))).toBe('given');
  });

  it('sends the stdin only when it is given up front, and never the choice itself', () => {
    expect(codeOf(ws({ inputMode: 'given', stdin: '' }))).toEqual({
      language: 'python',
      files: [{ name: 'main.py', content: 'print(input())\n' }],
      entry: 'main.py',
      stdin: '',
    });
    expect(codeOf(ws({ inputMode: 'interactive', stdin: 'kept aside' })).stdin).toBe('');
    expect(codeOf(ws({ inputMode: 'given', stdin: 'kept aside' })).stdin).toBe('kept aside');
  });
});

describe('run settings kept with the workspace', () => {
  it('keeps known positive whole limits only', () => {
    expect(cleanLimits({ memory_kib: 524288, wall_time_ms: 20000 })).toEqual({ memory_kib: 524288, wall_time_ms: 20000 });
    expect(cleanLimits({ memory_kib: -1, cpu_time_ms: 1.5, bogus: 3, output_kib: '9' })).toBeUndefined();
    expect(cleanLimits(null)).toBeUndefined();
  });

  it('are not part of the code a run or a share sends', () => {
    expect(codeOf(ws({ limits: { memory_kib: 524288 } }))).not.toHaveProperty('limits');
  });
});
