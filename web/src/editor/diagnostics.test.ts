import { describe, expect, it } from 'vitest';
import { findDiagnostics } from './diagnostics';

describe('findDiagnostics', () => {
  it('reads gcc errors and skips their notes', () => {
    const out =
      "main.c: In function 'main':\nmain.c:1:19: error: 'x' undeclared (first use in this function)\n" +
      '    1 | int main(){return x;}\n      |                   ^\n' +
      'main.c:1:19: note: each undeclared identifier is reported only once\n';
    expect(findDiagnostics(out, ['main.c'])).toEqual([
      {
        file: 'main.c',
        line: 1,
        column: 19,
        severity: 'error',
        message: "error: 'x' undeclared (first use in this function)",
      },
    ]);
  });

  it('reads go, javac, tsc and rustc', () => {
    expect(findDiagnostics('./main.go:4:2: undefined: y\n', ['main.go'])[0]).toMatchObject({
      line: 4,
      column: 2,
      message: 'undefined: y',
    });
    expect(findDiagnostics('Main.java:3: error: cannot find symbol\n', ['Main.java'])[0]).toMatchObject({
      line: 3,
      severity: 'error',
    });
    expect(findDiagnostics("main.ts(2,7): error TS2322: Type 'string'\n", ['main.ts'])[0]).toMatchObject({
      line: 2,
      column: 7,
    });
    const rust = 'error[E0425]: cannot find value `x` in this scope\n --> main.rs:2:20\n  |\n';
    expect(findDiagnostics(rust, ['main.rs'])[0]).toMatchObject({
      line: 2,
      column: 20,
      message: 'error[E0425]: cannot find value `x` in this scope',
    });
  });

  it('points a Python traceback at the innermost frame in the user files', () => {
    const out =
      'Traceback (most recent call last):\n  File "/work/main.py", line 5, in <module>\n    go()\n' +
      '  File "/work/util.py", line 2, in go\n    return 1 / 0\n' +
      '  File "/usr/lib/python3.11/x.py", line 9, in y\nZeroDivisionError: division by zero\n';
    expect(findDiagnostics(out, ['main.py', 'util.py'])).toEqual([
      { file: 'util.py', line: 2, severity: 'error', message: 'ZeroDivisionError: division by zero' },
    ]);
  });

  it('tells warnings from errors and ignores other files', () => {
    const out = 'main.c:3:5: warning: unused variable\nlib.c:9:1: error: elsewhere\nxmain.c:1:1: error: no\n';
    expect(findDiagnostics(out, ['main.c'])).toEqual([
      { file: 'main.c', line: 3, column: 5, severity: 'warning', message: 'warning: unused variable' },
    ]);
  });

  it('points a Node stack trace at the line of the user file', () => {
    const err =
      '/work/main.js:2\nfoo();\n^\n\nReferenceError: foo is not defined\n' +
      '    at Object.<anonymous> (/work/main.js:2:1)\n' +
      '    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n\nNode.js v20.20.2\n';
    const found = findDiagnostics(err, ['main.js']);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatchObject({ file: 'main.js', line: 2, severity: 'error' });
    expect(found.every((d) => d.file === 'main.js' && d.line === 2)).toBe(true);
  });
});
