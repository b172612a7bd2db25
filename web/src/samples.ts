// A first program per language: it greets whoever types their name, so that input works from
// the first Run. Each prompt is flushed by hand (stdout is a pipe, not a terminal, so most
// runtimes buffer it), and each program lets go of stdin once answered (it stays open for
// typing until then).

export const SAMPLES: Record<string, string> = {
  python: 'name = input("What is your name? ")\nprint(f"Hello, {name}!")\n',
  javascript:
    "const rl = require('readline').createInterface({ input: process.stdin });\n" +
    "process.stdout.write('What is your name? ');\n" +
    "rl.once('line', (name) => {\n  console.log(`Hello, ${name}!`);\n  rl.close();\n  process.stdin.destroy();\n});\n",
  typescript:
    "import * as readline from 'readline';\n\n" +
    'const rl = readline.createInterface({ input: process.stdin });\n' +
    "process.stdout.write('What is your name? ');\n" +
    "rl.once('line', (name: string) => {\n  console.log(`Hello, ${name}!`);\n  rl.close();\n  process.stdin.destroy();\n});\n",
  ruby: '$stdout.sync = true\nprint "What is your name? "\nname = gets&.chomp\nputs "Hello, #{name}!"\n',
  elixir: 'name = IO.gets("What is your name? ") |> String.trim()\nIO.puts("Hello, #{name}!")\n',
  go:
    'package main\n\nimport (\n\t"bufio"\n\t"fmt"\n\t"os"\n\t"strings"\n)\n\n' +
    'func main() {\n\tfmt.Print("What is your name? ")\n\tname, _ := bufio.NewReader(os.Stdin).ReadString(\'\\n\')\n' +
    '\tfmt.Printf("Hello, %s!\\n", strings.TrimSpace(name))\n}\n',
  java:
    'import java.util.Scanner;\n\npublic class Main {\n    public static void main(String[] args) {\n' +
    '        System.out.print("What is your name? ");\n        System.out.flush();\n' +
    '        String name = new Scanner(System.in).nextLine();\n' +
    '        System.out.println("Hello, " + name + "!");\n    }\n}\n',
  kotlin:
    'fun main() {\n    print("What is your name? ")\n    val name = readLine() ?: ""\n    println("Hello, $name!")\n}\n',
  scala:
    'object Main {\n  def main(args: Array[String]): Unit = {\n    print("What is your name? ")\n' +
    '    Console.flush()\n    val name = scala.io.StdIn.readLine()\n    println(s"Hello, $name!")\n  }\n}\n',
  csharp:
    'using System;\n\nclass Program\n{\n    static void Main()\n    {\n        Console.Write("What is your name? ");\n' +
    '        var name = Console.ReadLine();\n        Console.WriteLine($"Hello, {name}!");\n    }\n}\n',
  rust:
    'use std::io::{self, Write};\n\nfn main() {\n    print!("What is your name? ");\n    io::stdout().flush().unwrap();\n' +
    '    let mut name = String::new();\n    io::stdin().read_line(&mut name).unwrap();\n' +
    '    println!("Hello, {}!", name.trim());\n}\n',
  c:
    '#include <stdio.h>\n#include <string.h>\n\nint main(void) {\n    char name[100] = "";\n' +
    '    printf("What is your name? ");\n    fflush(stdout);\n    if (fgets(name, sizeof name, stdin)) name[strcspn(name, "\\n")] = 0;\n' +
    '    printf("Hello, %s!\\n", name);\n    return 0;\n}\n',
  cpp:
    '#include <iostream>\n#include <string>\n\nint main() {\n    std::string name;\n' +
    '    std::cout << "What is your name? " << std::flush;\n    std::getline(std::cin, name);\n' +
    '    std::cout << "Hello, " << name << "!\\n";\n}\n',
  swift: 'print("What is your name? ", terminator: "")\nlet name = readLine() ?? ""\nprint("Hello, \\(name)!")\n',
  bash: 'printf "What is your name? "\nread -r name\necho "Hello, $name!"\n',
};

export function sampleFor(language: string): string {
  return SAMPLES[language] ?? '';
}
