// The Problems list against real output: each entry is what `codecollab run --json` printed
// on this host (compile output, then stderr, as the UI joins them) for a small failing program
// per language, pasted as it came. Toolchains: Python 3.11.2, Node.js 20.20.2, TypeScript 5.9.3,
// Go 1.19.8, Java 17.0.15, Mono 6.8 (mcs), Ruby 3.1.2, Rust 1.63.0, Kotlin 1.3, Scala 2.11.12,
// GCC 12.2.0 (C and C++), Elixir 1.14.0, Bash 5.2.15. Swift is not installed here.
import { describe, expect, it } from 'vitest';
import { findDiagnostics, type Diagnostic } from './diagnostics';

interface Trace {
  language: string;
  case: string;
  verdict: string;
  files: { name: string; content: string }[];
  compile: string;
  stderr: string;
  expected: (Omit<Diagnostic, 'severity'> & { severity?: Diagnostic['severity'] })[];
}

const TRACES: Trace[] = [
  {
    language: "Python",
    case: "runtime error",
    verdict: "runtime_error",
    files: [
      { name: "main.py", content: "def divide(a, b):\n    return a / b\n\nprint(\"start\")\nprint(divide(1, 0))\n" },
    ],
    compile: "",
    stderr: "Traceback (most recent call last):\n  File \"/work/main.py\", line 5, in <module>\n    print(divide(1, 0))\n          ^^^^^^^^^^^^\n  File \"/work/main.py\", line 2, in divide\n    return a / b\n           ~~^~~\nZeroDivisionError: division by zero\n",
    expected: [{ file: "main.py", line: 2, column: 12, message: "ZeroDivisionError: division by zero" }],
  },
  {
    language: "Python",
    case: "runtime error, nested",
    verdict: "runtime_error",
    files: [
      { name: "main.py", content: "def f(items):\n    total = 0\n    for item in items:\n        total += item[\"price\"]\n    return total\n\nprint(f([{\"price\": 1}, {}]))\n" },
    ],
    compile: "",
    stderr: "Traceback (most recent call last):\n  File \"/work/main.py\", line 7, in <module>\n    print(f([{\"price\": 1}, {}]))\n          ^^^^^^^^^^^^^^^^^^^^^\n  File \"/work/main.py\", line 4, in f\n    total += item[\"price\"]\n             ~~~~^^^^^^^^^\nKeyError: 'price'\n",
    expected: [{ file: "main.py", line: 4, column: 18, message: "KeyError: 'price'" }],
  },
  {
    language: "Python",
    case: "syntax error",
    verdict: "runtime_error",
    files: [
      { name: "main.py", content: "print(\"a\")\ndef f(:\n    pass\n" },
    ],
    compile: "",
    stderr: "  File \"/work/main.py\", line 2\n    def f(:\n          ^\nSyntaxError: invalid syntax\n",
    expected: [{ file: "main.py", line: 2, column: 7, message: "SyntaxError: invalid syntax" }],
  },
  {
    language: "JavaScript",
    case: "runtime error",
    verdict: "runtime_error",
    files: [
      { name: "main.js", content: "console.log(\"start\");\nfoo();\n" },
    ],
    compile: "",
    stderr: "/work/main.js:2\nfoo();\n^\n\nReferenceError: foo is not defined\n    at Object.<anonymous> (/work/main.js:2:1)\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n    at Module._extensions..js (node:internal/modules/cjs/loader:1623:10)\n    at Module.load (node:internal/modules/cjs/loader:1266:32)\n    at Module._load (node:internal/modules/cjs/loader:1091:12)\n    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)\n    at node:internal/main/run_main_module:28:49\n\nNode.js v20.20.2\n",
    expected: [{ file: "main.js", line: 2, column: 1, message: "ReferenceError: foo is not defined" }],
  },
  {
    language: "JavaScript",
    case: "error thrown in a library, called from another file",
    verdict: "runtime_error",
    files: [
      { name: "main.js", content: "const { parse } = require('./util');\n\nconsole.log(parse('{'));\n" },
      { name: "util.js", content: "function parse(text) {\n  return JSON.parse(text);\n}\nmodule.exports = { parse };\n" },
    ],
    compile: "",
    stderr: "<anonymous_script>:1\n{\n\nSyntaxError: Expected property name or '}' in JSON at position 1\n    at JSON.parse (<anonymous>)\n    at parse (/work/util.js:2:15)\n    at Object.<anonymous> (/work/main.js:3:13)\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n    at Module._extensions..js (node:internal/modules/cjs/loader:1623:10)\n    at Module.load (node:internal/modules/cjs/loader:1266:32)\n    at Module._load (node:internal/modules/cjs/loader:1091:12)\n    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)\n    at node:internal/main/run_main_module:28:49\n\nNode.js v20.20.2\n",
    expected: [{ file: "util.js", line: 2, column: 15, message: "SyntaxError: Expected property name or '}' in JSON at position 1" }],
  },
  {
    language: "JavaScript",
    case: "syntax error",
    verdict: "runtime_error",
    files: [
      { name: "main.js", content: "console.log(\"a\");\nlet x = ;\n" },
    ],
    compile: "",
    stderr: "/work/main.js:2\nlet x = ;\n        ^\n\nSyntaxError: Unexpected token ';'\n    at wrapSafe (node:internal/modules/cjs/loader:1464:18)\n    at Module._compile (node:internal/modules/cjs/loader:1495:20)\n    at Module._extensions..js (node:internal/modules/cjs/loader:1623:10)\n    at Module.load (node:internal/modules/cjs/loader:1266:32)\n    at Module._load (node:internal/modules/cjs/loader:1091:12)\n    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)\n    at node:internal/main/run_main_module:28:49\n\nNode.js v20.20.2\n",
    expected: [{ file: "main.js", line: 2, column: 9, message: "SyntaxError: Unexpected token ';'" }],
  },
  {
    language: "TypeScript",
    case: "runtime error",
    verdict: "runtime_error",
    files: [
      { name: "main.ts", content: "function boom(): never {\n  throw new Error(\"boom\");\n}\nconsole.log(\"start\");\nboom();\n" },
    ],
    compile: "",
    stderr: "/work/main.js:3\n    throw new Error(\"boom\");\n    ^\n\nError: boom\n    at boom (/work/main.js:3:11)\n    at Object.<anonymous> (/work/main.js:6:1)\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n    at Module._extensions..js (node:internal/modules/cjs/loader:1623:10)\n    at Module.load (node:internal/modules/cjs/loader:1266:32)\n    at Module._load (node:internal/modules/cjs/loader:1091:12)\n    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)\n    at node:internal/main/run_main_module:28:49\n\nNode.js v20.20.2\n",
    expected: [{ file: "main.ts", line: 2, column: 3, message: "Error: boom" }],
  },
  {
    language: "TypeScript",
    case: "runtime error, types removed above it",
    verdict: "runtime_error",
    files: [
      { name: "main.ts", content: "interface Point {\n  x: number;\n}\n\nfunction boom(p: Point): number {\n  if (p.x === 0) throw new RangeError(`x is ${p.x}`);\n  return p.x;\n}\n\nconsole.log(boom({ x: 0 }));\n" },
    ],
    compile: "",
    stderr: "/work/main.js:4\n        throw new RangeError(`x is ${p.x}`);\n        ^\n\nRangeError: x is 0\n    at boom (/work/main.js:4:15)\n    at Object.<anonymous> (/work/main.js:7:13)\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n    at Module._extensions..js (node:internal/modules/cjs/loader:1623:10)\n    at Module.load (node:internal/modules/cjs/loader:1266:32)\n    at Module._load (node:internal/modules/cjs/loader:1091:12)\n    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)\n    at node:internal/main/run_main_module:28:49\n\nNode.js v20.20.2\n",
    expected: [{ file: "main.ts", line: 6, column: 18, message: "RangeError: x is 0" }],
  },
  {
    language: "TypeScript",
    case: "runtime error in a module",
    verdict: "runtime_error",
    files: [
      { name: "main.ts", content: "import { readFileSync } from 'fs';\n\ntype N = number;\nconst n: N = readFileSync('/work/main.js', 'utf8').length;\nconsole.log(n > 0);\nconst o: any = undefined;\nconsole.log(o.field);\n" },
    ],
    compile: "",
    stderr: "/work/main.js:7\nconsole.log(o.field);\n              ^\n\nTypeError: Cannot read properties of undefined (reading 'field')\n    at Object.<anonymous> (/work/main.js:7:15)\n    at Module._compile (node:internal/modules/cjs/loader:1521:14)\n    at Module._extensions..js (node:internal/modules/cjs/loader:1623:10)\n    at Module.load (node:internal/modules/cjs/loader:1266:32)\n    at Module._load (node:internal/modules/cjs/loader:1091:12)\n    at Function.executeUserEntryPoint [as runMain] (node:internal/modules/run_main:164:12)\n    at node:internal/main/run_main_module:28:49\n\nNode.js v20.20.2\n",
    expected: [{ file: "main.ts", line: 7, column: 15, message: "TypeError: Cannot read properties of undefined (reading 'field')" }],
  },
  {
    language: "TypeScript",
    case: "compile error",
    verdict: "compile_error",
    files: [
      { name: "main.ts", content: "const n: number = 1;\nconst s: string = n;\nconsole.log(s);\n" },
    ],
    compile: "main.ts(2,7): error TS2322: Type 'number' is not assignable to type 'string'.\n",
    stderr: "",
    expected: [{ file: "main.ts", line: 2, column: 7, message: "error TS2322: Type 'number' is not assignable to type 'string'." }],
  },
  {
    language: "Go",
    case: "panic",
    verdict: "runtime_error",
    files: [
      { name: "main.go", content: "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"start\")\n\tvar xs []int\n\t_ = xs[5]\n}\n" },
    ],
    compile: "",
    stderr: "panic: runtime error: index out of range [5] with length 0\n\ngoroutine 1 [running]:\nmain.main()\n\t/work/main.go:8 +0x5e\n",
    expected: [{ file: "main.go", line: 8, message: "panic: runtime error: index out of range [5] with length 0" }],
  },
  {
    language: "Go",
    case: "panic in another file",
    verdict: "runtime_error",
    files: [
      { name: "main.go", content: "package main\n\nfunc main() {\n\tprintln(value(nil))\n}\n" },
      { name: "util.go", content: "package main\n\nfunc value(m map[string]*int) int {\n\treturn *m[\"a\"]\n}\n" },
    ],
    compile: "",
    stderr: "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x458111]\n\ngoroutine 1 [running]:\nmain.value(...)\n\t/work/util.go:4\nmain.main()\n\t/work/main.go:4 +0x31\n",
    expected: [{ file: "util.go", line: 4, message: "panic: runtime error: invalid memory address or nil pointer dereference" }],
  },
  {
    language: "Go",
    case: "compile error",
    verdict: "compile_error",
    files: [
      { name: "main.go", content: "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(y)\n}\n" },
    ],
    compile: "# command-line-arguments\n./main.go:6:14: undefined: y\n",
    stderr: "",
    expected: [{ file: "main.go", line: 6, column: 14, message: "undefined: y" }],
  },
  {
    language: "Java",
    case: "exception",
    verdict: "runtime_error",
    files: [
      { name: "Main.java", content: "public class Main {\n    public static void main(String[] args) {\n        int[] xs = new int[2];\n        System.out.println(xs[5]);\n    }\n}\n" },
    ],
    compile: "",
    stderr: "Exception in thread \"main\" java.lang.ArrayIndexOutOfBoundsException: Index 5 out of bounds for length 2\n\tat Main.main(Main.java:4)\n",
    expected: [{ file: "Main.java", line: 4, message: "java.lang.ArrayIndexOutOfBoundsException: Index 5 out of bounds for length 2" }],
  },
  {
    language: "Java",
    case: "exception in another class, under JDK frames",
    verdict: "runtime_error",
    files: [
      { name: "Main.java", content: "public class Main {\n    public static void main(String[] args) {\n        System.out.println(Helper.parse(\"x1\"));\n    }\n}\n" },
      { name: "Helper.java", content: "public class Helper {\n    static int parse(String s) {\n        return Integer.parseInt(s);\n    }\n}\n" },
    ],
    compile: "",
    stderr: "Exception in thread \"main\" java.lang.NumberFormatException: For input string: \"x1\"\n\tat java.base/java.lang.NumberFormatException.forInputString(NumberFormatException.java:67)\n\tat java.base/java.lang.Integer.parseInt(Integer.java:668)\n\tat java.base/java.lang.Integer.parseInt(Integer.java:786)\n\tat Helper.parse(Helper.java:3)\n\tat Main.main(Main.java:3)\n",
    expected: [{ file: "Helper.java", line: 3, message: 'java.lang.NumberFormatException: For input string: "x1"' }],
  },
  {
    language: "Java",
    case: "compile error",
    verdict: "compile_error",
    files: [
      { name: "Main.java", content: "public class Main {\n    public static void main(String[] args) {\n        int x = 1;\n        System.out.println(y);\n    }\n}\n" },
    ],
    compile: "Main.java:4: error: cannot find symbol\n        System.out.println(y);\n                           ^\n  symbol:   variable y\n  location: class Main\n1 error\n",
    stderr: "",
    expected: [{ file: "Main.java", line: 4, column: 28, message: "error: cannot find symbol" }],
  },
  {
    language: "C#",
    case: "exception (Mono prints no line numbers)",
    verdict: "runtime_error",
    files: [
      { name: "Program.cs", content: "using System;\n\nclass Program\n{\n    static void Main()\n    {\n        Console.WriteLine(\"start\");\n        object o = null;\n        Console.WriteLine(o.ToString());\n    }\n}\n" },
    ],
    compile: "",
    stderr: "\nUnhandled Exception:\nSystem.NullReferenceException: Object reference not set to an instance of an object\n  at Program.Main () [0x0000c] in <320f13f00abf48cd88887e46a15c91f7>:0 \n[ERROR] FATAL UNHANDLED EXCEPTION: System.NullReferenceException: Object reference not set to an instance of an object\n  at Program.Main () [0x0000c] in <320f13f00abf48cd88887e46a15c91f7>:0 \n",
    expected: [{ file: "Program.cs", line: 5, column: 17, message: "System.NullReferenceException: Object reference not set to an instance of an object (in Program.Main)" }],
  },
  {
    language: "C#",
    case: "exception under framework frames",
    verdict: "runtime_error",
    files: [
      { name: "Main.cs", content: "using System;\n\nclass Program\n{\n    static int Parse(string s)\n    {\n        return int.Parse(s);\n    }\n\n    static void Main()\n    {\n        Console.WriteLine(Parse(\"x\"));\n    }\n}\n" },
    ],
    compile: "",
    stderr: "\nUnhandled Exception:\nSystem.FormatException: Input string was not in a correct format.\n  at System.Number.ThrowOverflowOrFormatException (System.Boolean overflow, System.String overflowResourceKey) [0x00020] in <12b418a7818c4ca0893feeaaf67f1e7f>:0 \n  at System.Number.ParseInt32 (System.ReadOnlySpan`1[T] value, System.Globalization.NumberStyles styles, System.Globalization.NumberFormatInfo info) [0x0001c] in <12b418a7818c4ca0893feeaaf67f1e7f>:0 \n  at System.Int32.Parse (System.String s) [0x00019] in <12b418a7818c4ca0893feeaaf67f1e7f>:0 \n  at Program.Parse (System.String s) [0x00000] in <1aa342908795499e98c62cad40bbc28d>:0 \n  at Program.Main () [0x00000] in <1aa342908795499e98c62cad40bbc28d>:0 \n[ERROR] FATAL UNHANDLED EXCEPTION: System.FormatException: Input string was not in a correct format.\n  at System.Number.ThrowOverflowOrFormatException (System.Boolean overflow, System.String overflowResourceKey) [0x00020] in <12b418a7818c4ca0893feeaaf67f1e7f>:0 \n  at System.Number.ParseInt32 (System.ReadOnlySpan`1[T] value, System.Globalization.NumberStyles styles, System.Globalization.NumberFormatInfo info) [0x0001c] in <12b418a7818c4ca0893feeaaf67f1e7f>:0 \n  at System.Int32.Parse (System.String s) [0x00019] in <12b418a7818c4ca0893feeaaf67f1e7f>:0 \n  at Program.Parse (System.String s) [0x00000] in <1aa342908795499e98c62cad40bbc28d>:0 \n  at Program.Main () [0x00000] in <1aa342908795499e98c62cad40bbc28d>:0 \n",
    expected: [{ file: "Main.cs", line: 5, column: 16, message: "System.FormatException: Input string was not in a correct format. (in Program.Parse)" }],
  },
  {
    language: "C#",
    case: "compile error",
    verdict: "compile_error",
    files: [
      { name: "Main.cs", content: "using System;\n\nclass Program\n{\n    static void Main()\n    {\n        Console.WriteLine(y);\n    }\n}\n" },
    ],
    compile: "Compilation failed: 1 error(s), 0 warnings\nMain.cs(7,27): error CS0103: The name `y' does not exist in the current context\n",
    stderr: "",
    expected: [{ file: "Main.cs", line: 7, column: 27, message: "error CS0103: The name `y' does not exist in the current context" }],
  },
  {
    language: "Ruby",
    case: "exception",
    verdict: "runtime_error",
    files: [
      { name: "main.rb", content: "def boom\n  raise ArgumentError, \"bad value\"\nend\nputs \"start\"\nboom\n" },
    ],
    compile: "",
    stderr: "main.rb:2:in `boom': bad value (ArgumentError)\n\tfrom main.rb:5:in `<main>'\n",
    expected: [{ file: "main.rb", line: 2, message: "ArgumentError: bad value" }],
  },
  {
    language: "Ruby",
    case: "exception in a required file",
    verdict: "runtime_error",
    files: [
      { name: "main.rb", content: "require_relative 'util'\n\nputs Util.half(nil)\n" },
      { name: "util.rb", content: "module Util\n  def self.half(n)\n    n / 2\n  end\nend\n" },
    ],
    compile: "",
    stderr: "/work/util.rb:3:in `half': undefined method `/' for nil:NilClass (NoMethodError)\n\n    n / 2\n      ^\n\tfrom main.rb:3:in `<main>'\n",
    expected: [{ file: "util.rb", line: 3, column: 7, message: "NoMethodError: undefined method `/' for nil:NilClass" }],
  },
  {
    language: "Ruby",
    case: "syntax error",
    verdict: "runtime_error",
    files: [
      { name: "main.rb", content: "puts \"a\"\ndef f(\n  1\nend\n" },
    ],
    compile: "",
    stderr: "main.rb:3: syntax error, unexpected integer literal, expecting ')'\n",
    expected: [{ file: "main.rb", line: 3, message: "syntax error, unexpected integer literal, expecting ')'" }],
  },
  {
    language: "Rust",
    case: "panic",
    verdict: "runtime_error",
    files: [
      { name: "main.rs", content: "fn main() {\n    println!(\"start\");\n    let v: Vec<i32> = Vec::new();\n    let i = v.len() + 3;\n    println!(\"{}\", v[i]);\n}\n" },
    ],
    compile: "",
    stderr: "thread 'main' panicked at 'index out of bounds: the len is 0 but the index is 3', main.rs:5:20\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
    expected: [{ file: "main.rs", line: 5, column: 20, message: "panicked: index out of bounds: the len is 0 but the index is 3" }],
  },
  {
    language: "Rust",
    case: "unwrap on None",
    verdict: "runtime_error",
    files: [
      { name: "main.rs", content: "fn first(v: &[i32]) -> i32 {\n    *v.first().unwrap()\n}\n\nfn main() {\n    let r: Result<i32, String> = Err(\"no number\".to_string());\n    println!(\"{}\", first(&[]));\n    println!(\"{}\", r.unwrap());\n}\n" },
    ],
    compile: "",
    stderr: "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', main.rs:2:16\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
    expected: [{ file: "main.rs", line: 2, column: 16, message: "panicked: called `Option::unwrap()` on a `None` value" }],
  },
  {
    language: "Rust",
    case: "compile error",
    verdict: "compile_error",
    files: [
      { name: "main.rs", content: "fn main() {\n    let a = 1;\n    println!(\"{}\", b);\n}\n" },
    ],
    compile: "error[E0425]: cannot find value `b` in this scope\n --> main.rs:3:20\n  |\n3 |     println!(\"{}\", b);\n  |                    ^ help: a local variable with a similar name exists: `a`\n\nerror: aborting due to previous error\n\nFor more information about this error, try `rustc --explain E0425`.\n",
    stderr: "",
    expected: [{ file: "main.rs", line: 3, column: 20, message: "error[E0425]: cannot find value `b` in this scope" }],
  },
  {
    language: "Kotlin",
    case: "exception",
    verdict: "runtime_error",
    files: [
      { name: "main.kt", content: "fun main() {\n    println(\"start\")\n    val xs = intArrayOf(1, 2)\n    println(xs[5])\n}\n" },
    ],
    compile: "OpenJDK 64-Bit Server VM warning: Options -Xverify:none and -noverify were deprecated in JDK 13 and will likely be removed in a future release.\n",
    stderr: "Exception in thread \"main\" java.lang.ArrayIndexOutOfBoundsException: Index 5 out of bounds for length 2\n\tat MainKt.main(main.kt:4)\n\tat MainKt.main(main.kt)\n",
    expected: [{ file: "main.kt", line: 4, message: "java.lang.ArrayIndexOutOfBoundsException: Index 5 out of bounds for length 2" }],
  },
  {
    language: "Kotlin",
    case: "exception under JDK frames",
    verdict: "runtime_error",
    files: [
      { name: "main.kt", content: "fun parse(s: String): Int {\n    return s.toInt()\n}\n\nfun main() {\n    println(parse(\"x\"))\n}\n" },
    ],
    compile: "OpenJDK 64-Bit Server VM warning: Options -Xverify:none and -noverify were deprecated in JDK 13 and will likely be removed in a future release.\n",
    stderr: "Exception in thread \"main\" java.lang.NumberFormatException: For input string: \"x\"\n\tat java.base/java.lang.NumberFormatException.forInputString(NumberFormatException.java:67)\n\tat java.base/java.lang.Integer.parseInt(Integer.java:668)\n\tat java.base/java.lang.Integer.parseInt(Integer.java:786)\n\tat MainKt.parse(main.kt:2)\n\tat MainKt.main(main.kt:6)\n\tat MainKt.main(main.kt)\n",
    expected: [{ file: "main.kt", line: 2, message: 'java.lang.NumberFormatException: For input string: "x"' }],
  },
  {
    language: "Kotlin",
    case: "compile error",
    verdict: "compile_error",
    files: [
      { name: "main.kt", content: "fun main() {\n    val a = 1\n    println(b)\n}\n" },
    ],
    compile: "OpenJDK 64-Bit Server VM warning: Options -Xverify:none and -noverify were deprecated in JDK 13 and will likely be removed in a future release.\nmain.kt:3:13: error: unresolved reference: b\n    println(b)\n            ^\n",
    stderr: "",
    expected: [{ file: "main.kt", line: 3, column: 13, message: "error: unresolved reference: b" }],
  },
  {
    language: "Scala",
    case: "exception",
    verdict: "runtime_error",
    files: [
      { name: "Main.scala", content: "object Main {\n  def main(args: Array[String]): Unit = {\n    println(\"start\")\n    val xs = Array(1, 2)\n    println(xs(5))\n  }\n}\n" },
    ],
    compile: "",
    stderr: "Exception in thread \"main\" java.lang.ArrayIndexOutOfBoundsException: Index 5 out of bounds for length 2\n\tat Main$.main(Main.scala:5)\n\tat Main.main(Main.scala)\n",
    expected: [{ file: "Main.scala", line: 5, message: "java.lang.ArrayIndexOutOfBoundsException: Index 5 out of bounds for length 2" }],
  },
  {
    language: "Scala",
    case: "exception thrown by the program",
    verdict: "runtime_error",
    files: [
      { name: "Main.scala", content: "object Main {\n  def check(n: Int): Int = {\n    if (n < 0) throw new IllegalArgumentException(s\"negative: $n\")\n    n\n  }\n\n  def main(args: Array[String]): Unit = {\n    println(check(-1))\n  }\n}\n" },
    ],
    compile: "",
    stderr: "Exception in thread \"main\" java.lang.IllegalArgumentException: negative: -1\n\tat Main$.check(Main.scala:3)\n\tat Main$.main(Main.scala:8)\n\tat Main.main(Main.scala)\n",
    expected: [{ file: "Main.scala", line: 3, message: "java.lang.IllegalArgumentException: negative: -1" }],
  },
  {
    language: "Scala",
    case: "compile error",
    verdict: "compile_error",
    files: [
      { name: "Main.scala", content: "object Main {\n  def main(args: Array[String]): Unit = {\n    println(b)\n  }\n}\n" },
    ],
    compile: "Main.scala:3: error: not found: value b\n    println(b)\n            ^\none error found\n",
    stderr: "",
    expected: [{ file: "Main.scala", line: 3, column: 13, message: "error: not found: value b" }],
  },
  {
    language: "C",
    case: "abort (nothing printed)",
    verdict: "runtime_error",
    files: [
      { name: "main.c", content: "#include <stdio.h>\n#include <stdlib.h>\n\nint main(void) {\n    printf(\"start\\n\");\n    fflush(stdout);\n    int *p = NULL;\n    abort();\n    return *p;\n}\n" },
    ],
    compile: "",
    stderr: "",
    expected: [],
  },
  {
    language: "C",
    case: "failed assertion",
    verdict: "runtime_error",
    files: [
      { name: "main.c", content: "#include <assert.h>\n#include <stdio.h>\n\nint main(void) {\n    int n = 0;\n    printf(\"start\\n\");\n    assert(n > 0);\n    return 0;\n}\n" },
    ],
    compile: "",
    stderr: "main: main.c:7: main: Assertion `n > 0' failed.\n",
    expected: [{ file: "main.c", line: 7, message: "Assertion `n > 0' failed." }],
  },
  {
    language: "C",
    case: "compile error, note and warning",
    verdict: "compile_error",
    files: [
      { name: "main.c", content: "#include <stdio.h>\n\nint main(void) {\n    int unused;\n    return undefined_name;\n}\n" },
    ],
    compile: "main.c: In function ‘main’:\nmain.c:5:12: error: ‘undefined_name’ undeclared (first use in this function)\n    5 |     return undefined_name;\n      |            ^~~~~~~~~~~~~~\nmain.c:5:12: note: each undeclared identifier is reported only once for each function it appears in\nmain.c:4:9: warning: unused variable ‘unused’ [-Wunused-variable]\n    4 |     int unused;\n      |         ^~~~~~\n",
    stderr: "",
    expected: [
      { file: "main.c", line: 5, column: 12, message: "error: ‘undefined_name’ undeclared (first use in this function)" },
      { file: "main.c", line: 4, column: 9, severity: "warning", message: "warning: unused variable ‘unused’ [-Wunused-variable]" },
    ],
  },
  {
    language: "C++",
    case: "uncaught exception (no location printed)",
    verdict: "runtime_error",
    files: [
      { name: "main.cpp", content: "#include <iostream>\n#include <vector>\n\nint main() {\n    std::vector<int> v;\n    std::cout << \"start\" << std::endl;\n    return v.at(3);\n}\n" },
    ],
    compile: "",
    stderr: "terminate called after throwing an instance of 'std::out_of_range'\n  what():  vector::_M_range_check: __n (which is 3) >= this->size() (which is 0)\n",
    expected: [],
  },
  {
    language: "C++",
    case: "failed assertion",
    verdict: "runtime_error",
    files: [
      { name: "main.cpp", content: "#include <cassert>\n#include <iostream>\n\nint check(int n) {\n    assert(n > 0 && \"n must be positive\");\n    return n;\n}\n\nint main() {\n    return check(0);\n}\n" },
    ],
    compile: "",
    stderr: "main: main.cpp:5: int check(int): Assertion `n > 0 && \"n must be positive\"' failed.\n",
    expected: [{ file: "main.cpp", line: 5, message: 'Assertion `n > 0 && "n must be positive"\' failed.' }],
  },
  {
    language: "C++",
    case: "compile error",
    verdict: "compile_error",
    files: [
      { name: "main.cpp", content: "#include <iostream>\n\nint main() {\n    std::cout << missing << \"\\n\";\n}\n" },
    ],
    compile: "main.cpp: In function ‘int main()’:\nmain.cpp:4:18: error: ‘missing’ was not declared in this scope\n    4 |     std::cout << missing << \"\\n\";\n      |                  ^~~~~~~\n",
    stderr: "",
    expected: [{ file: "main.cpp", line: 4, column: 18, message: "error: ‘missing’ was not declared in this scope" }],
  },
  {
    language: "Elixir",
    case: "exception",
    verdict: "runtime_error",
    files: [
      { name: "main.exs", content: "defmodule M do\n  def boom(x), do: 1 / x\nend\nIO.puts(\"start\")\nM.boom(0)\n" },
    ],
    compile: "",
    stderr: "** (ArithmeticError) bad argument in arithmetic expression\n    main.exs:2: M.boom/1\n    (elixir 1.14.0) lib/code.ex:1245: Code.require_file/2\n",
    expected: [{ file: "main.exs", line: 2, message: "ArithmeticError: bad argument in arithmetic expression" }],
  },
  {
    language: "Elixir",
    case: "no function clause",
    verdict: "runtime_error",
    files: [
      { name: "main.exs", content: "defmodule Shop do\n  def price(:apple), do: 3\nend\n\nIO.puts(Shop.price(:pear))\n" },
    ],
    compile: "",
    stderr: "** (FunctionClauseError) no function clause matching in Shop.price/1    \n    \n    The following arguments were given to Shop.price/1:\n    \n        # 1\n        :pear\n    \n    main.exs:2: Shop.price/1\n    main.exs:5: (file)\n    (elixir 1.14.0) lib/code.ex:1245: Code.require_file/2\n",
    expected: [{ file: "main.exs", line: 2, message: "FunctionClauseError: no function clause matching in Shop.price/1" }],
  },
  {
    language: "Elixir",
    case: "compile error after a warning",
    verdict: "runtime_error",
    files: [
      { name: "main.exs", content: "defmodule M do\n  def go do\n    x = 1\n    undefined_thing()\n  end\nend\n" },
    ],
    compile: "",
    stderr: "warning: variable \"x\" is unused (if the variable is not meant to be used, prefix it with an underscore)\n  main.exs:3: M.go/0\n\n** (CompileError) main.exs:4: undefined function undefined_thing/0 (expected M to define such a function or for it to be imported, but none are available)\n\n",
    expected: [
      { file: "main.exs", line: 3, severity: "warning", message: 'warning: variable "x" is unused (if the variable is not meant to be used, prefix it with an underscore)' },
      { file: "main.exs", line: 4, message: "CompileError: undefined function undefined_thing/0 (expected M to define such a function or for it to be imported, but none are available)" },
    ],
  },
  {
    language: "Elixir",
    case: "syntax error",
    verdict: "runtime_error",
    files: [
      { name: "main.exs", content: "IO.puts(\"a\")\nx = (1 +\nIO.puts(x\n" },
    ],
    compile: "",
    stderr: "** (TokenMissingError) main.exs:4:1: missing terminator: ) (for \"(\" starting at line 3)\n    (elixir 1.14.0) lib/code.ex:1245: Code.require_file/2\n",
    expected: [{ file: "main.exs", line: 4, column: 1, message: 'TokenMissingError: missing terminator: ) (for "(" starting at line 3)' }],
  },
  {
    language: "Bash",
    case: "command not found",
    verdict: "runtime_error",
    files: [
      { name: "main.sh", content: "echo start\nundefined_cmd_x\nexit 3\n" },
    ],
    compile: "",
    stderr: "main.sh: line 2: undefined_cmd_x: command not found\n",
    expected: [{ file: "main.sh", line: 2, message: "undefined_cmd_x: command not found" }],
  },
  {
    language: "Bash",
    case: "syntax error",
    verdict: "runtime_error",
    files: [
      { name: "main.sh", content: "echo a\nif then\n" },
    ],
    compile: "",
    stderr: "main.sh: line 2: syntax error near unexpected token `then'\nmain.sh: line 2: `if then'\n",
    expected: [{ file: "main.sh", line: 2, message: "syntax error near unexpected token `then'" }],
  },

];

describe('findDiagnostics on real traces', () => {
  it('covers every language installed here', () => {
    expect(new Set(TRACES.map((t) => t.language))).toEqual(
      new Set(['Python', 'JavaScript', 'TypeScript', 'Go', 'Java', 'C#', 'Ruby', 'Rust', 'Kotlin', 'Scala', 'C', 'C++', 'Elixir', 'Bash']),
    );
  });

  it.each(TRACES.map((t) => [`${t.language}: ${t.case}`, t] as const))('%s', (_, trace) => {
    const output = `${trace.compile}\n${trace.stderr}`;
    const expected = trace.expected.map((d) => ({ severity: 'error', ...d }));
    expect(findDiagnostics(output, trace.files)).toEqual(expected);
  });

  it('finds the same lines from the file names alone, columns aside where they need the source', () => {
    // Without the content: no TypeScript line mapping by text, no Mono method lookup, no Python
    // column; every other location is read from the output alone.
    for (const trace of TRACES) {
      if (['TypeScript', 'C#'].includes(trace.language)) continue;
      const found = findDiagnostics(`${trace.compile}\n${trace.stderr}`, trace.files.map((f) => f.name));
      expect(found.map((d) => `${d.file}:${d.line}`), `${trace.language}: ${trace.case}`).toEqual(
        trace.expected.map((d) => `${d.file}:${d.line}`),
      );
    }
  });
});
