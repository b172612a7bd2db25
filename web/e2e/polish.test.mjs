// The IDE's finish, end to end: the console following output like a terminal (and its Clear,
// Copy all and Download), the Problems list jumping to the line and column, Tab leaving the
// editor after Escape and the shortcuts dialog, the explicit input choice, a run staying with
// the code it came from, the compile and run figures labelled, and the favicon under the
// server's Content-Security-Policy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { openApp, pickLanguage, screenshot, setCode, start } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

/** The server's CSP header, read from its source (crates/server/src/web.rs), so that a test
 *  through Vite preview (which sends none) runs under the same policy as the real server. */
function serverCsp() {
  const source = readFileSync(resolve(here, '..', '..', 'crates', 'server', 'src', 'web.rs'), 'utf8');
  const literal = /CONTENT_SECURITY_POLICY: &str = "((?:[^"\\]|\\.)*)"/s.exec(source)[1];
  return literal.replace(/\\\n\s*/g, '');
}

/** A context whose pages get the server's CSP on every document. */
async function underCsp(context, permissions = []) {
  const csp = serverCsp();
  // A document fulfilled by the test counts as from no local address: Chromium's local network
  // access checks would then refuse its WebSocket to 127.0.0.1, which the real server's page
  // never meets.
  await context
    .grantPermissions(['local-network-access', ...permissions], { origin: env.base })
    .catch(() => context.grantPermissions(permissions, { origin: env.base }));
  await context.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': csp } });
  });
  return csp;
}

const output = (page) => page.getByRole('log', { name: 'Output' });

/** Where the console's scroll is, its last line, and whether that line is inside its box. */
function consoleView(page) {
  return output(page).evaluate((log) => {
    const box = log.getBoundingClientRect();
    const block = log.lastElementChild;
    const lastLine = block ? (block.textContent.replace(/\n$/, '').split('\n').at(-1) ?? null) : null;
    // The last character of the last line, on screen or not.
    let lastVisible = false;
    const spans = block ? [...block.children].reverse() : [];
    for (const span of spans) {
      const text = span.firstChild;
      const end = text?.data.replace(/\n+$/, '').length ?? 0;
      if (end === 0) continue;
      const range = document.createRange();
      range.setStart(text, end - 1);
      range.setEnd(text, end);
      const rect = range.getBoundingClientRect();
      lastVisible = rect.height > 0 && rect.top >= box.top - 1 && rect.bottom <= box.bottom + 1;
      break;
    }
    return {
      top: log.scrollTop,
      fromEnd: log.scrollHeight - log.scrollTop - log.clientHeight,
      follow: log.dataset.follow,
      lastLine,
      lastVisible,
    };
  });
}

/** Until the console holds `text` (output arrives in chunks that need not be lines). */
function waitForOutput(page, text, timeout = 30_000) {
  return page.waitForFunction((t) => document.querySelector('[role=log]')?.textContent.includes(t), text, { timeout });
}

async function waitFor(page, predicate, what, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    last = await consoleView(page);
    if (predicate(last)) return last;
    await page.waitForTimeout(100);
  }
  assert.fail(`${what}: ${JSON.stringify(last)}`);
}

test('the console follows 100 000 lines to the last one', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  // 588 890 bytes: within the server's default 1 MiB of output.
  await setCode(page, 'for i in range(100000): print(i)\n');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByTestId('verdict').getByText('OK').waitFor({ timeout: 60_000 });
  const view = await waitFor(page, (v) => v.lastLine === '99999' && v.lastVisible, 'the last line in view');
  assert.equal(view.follow, 'true');
  assert.ok(view.fromEnd <= 2, `${view.fromEnd}px from the end`);
  await screenshot(page, 'console-100k-lines');
  // A burst of 20 000 lines just as well (it used to stay at the top).
  await setCode(page, 'print("\\n".join(f"row {i}" for i in range(20000)))\n');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByTestId('verdict').getByText('OK').waitFor({ timeout: 60_000 });
  await waitFor(page, (v) => v.lastLine === 'row 19999' && v.lastVisible, 'the last row in view');
  await context.close();
});

test('scrolling up during a run stops the follow; back at the end it follows again', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'import time\nfor i in range(3000):\n    print(f"line {i}", flush=True)\n    time.sleep(0.002)\n');
  await page.getByRole('button', { name: 'Run' }).click();
  await waitForOutput(page, 'line 300\n');
  await waitFor(page, (v) => v.follow === 'true' && v.lastVisible, 'following at first');
  const box = await output(page).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  const away = await waitFor(page, (v) => v.follow === 'false' && v.fromEnd > 100, 'left where the user scrolled');
  await page.getByRole('button', { name: 'Jump to end' }).waitFor();
  // Output goes on arriving below; the view stays where the user is reading.
  await page.waitForTimeout(800);
  const later = await consoleView(page);
  assert.equal(later.follow, 'false');
  assert.ok(Math.abs(later.top - away.top) <= 2, `moved from ${away.top} to ${later.top}`);
  assert.ok(later.fromEnd > away.fromEnd, 'the end has moved on below');
  // Back down to the end with the wheel: following again.
  for (let i = 0; i < 200; i++) {
    await page.mouse.wheel(0, 5000);
    await page.waitForTimeout(30);
    if ((await consoleView(page)).follow === 'true') break;
  }
  await waitFor(page, (v) => v.follow === 'true' && v.lastVisible, 'following after scrolling back down');
  assert.equal(await page.getByRole('button', { name: 'Jump to end' }).count(), 0);
  // Up again, then "Jump to end".
  await page.mouse.wheel(0, -400);
  await waitFor(page, (v) => v.follow === 'false', 'stopped again');
  await page.getByRole('button', { name: 'Jump to end' }).click();
  await waitFor(page, (v) => v.follow === 'true' && v.lastVisible, 'following after Jump to end');
  await page.getByTestId('verdict').getByText('OK').waitFor({ timeout: 30_000 });
  await waitFor(page, (v) => v.lastLine === 'line 2999' && v.lastVisible, 'the last line in view at the end');
  await context.close();
});

test('Clear, Copy all and Download the output, under the server’s CSP', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  await underCsp(context, ['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  const violations = [];
  page.on('console', (m) => /Content.Security.Policy/i.test(m.text()) && violations.push(m.text()));
  await page.goto(env.base);
  await page.locator('.cm-content').waitFor();
  const clear = page.getByRole('button', { name: 'Clear', exact: true });
  assert.equal(await clear.isEnabled(), false, 'nothing to clear yet');
  await pickLanguage(page, 'python');
  // One write per line (print() writes the newline apart): lines of the two pipes stay whole.
  await setCode(page, 'import sys\nsys.stdout.write("alpha\\n")\nsys.stderr.write("beta\\n")\nsys.stdout.write("gamma\\n")\n');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByTestId('verdict').getByText('OK').waitFor();
  await output(page).getByText('gamma').waitFor();
  const shown = await output(page).evaluate((log) => log.textContent);
  // stdout and stderr are two pipes: their lines may come in either order.
  assert.deepEqual(shown.split('\n').sort(), ['', 'alpha', 'beta', 'gamma']);

  await page.getByRole('button', { name: 'Copy all' }).click();
  await page.getByRole('status').getByText('Copied').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shown);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
  assert.equal(download.suggestedFilename(), 'output.txt');
  assert.equal(readFileSync(await download.path(), 'utf8'), shown);

  await clear.click();
  assert.equal(await output(page).evaluate((log) => log.textContent), '');
  assert.equal(await clear.isEnabled(), false);
  assert.deepEqual(violations, []);
  await context.close();

  // Without the Clipboard API (an insecure origin, an old browser): the old copy command.
  const bare = await env.browser.newContext();
  await bare.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });
    document.addEventListener('copy', (event) => {
      const area = event.target;
      window.__copied = area.value.slice(area.selectionStart, area.selectionEnd);
    });
  });
  const old = await bare.newPage();
  await old.goto(env.base);
  await old.locator('.cm-content').waitFor();
  await pickLanguage(old, 'python');
  await setCode(old, 'print("by execCommand")\n');
  await old.getByRole('button', { name: 'Run' }).click();
  await output(old).getByText('by execCommand').waitFor();
  await old.getByRole('button', { name: 'Copy all' }).click();
  await old.getByRole('status').getByText('Copied').waitFor();
  assert.equal(await old.evaluate(() => window.__copied), 'by execCommand\n');
  await bare.close();
});

/** The editor's cursor: its line (the active line's gutter number), column, and whether the
 *  editor has the focus. */
function cursor(page) {
  return page.evaluate(() => {
    const selection = getSelection();
    const node = selection.focusNode;
    const line = (node.nodeType === 1 ? node : node.parentElement).closest('.cm-line');
    const range = document.createRange();
    range.setStart(line, 0);
    range.setEnd(node, selection.focusOffset);
    return {
      line: Number(document.querySelector('.cm-activeLineGutter')?.textContent),
      column: range.toString().length + 1,
      focused: document.activeElement?.classList.contains('cm-content') ?? false,
      file: document.querySelector('.cm-editor')?.dataset.file,
    };
  });
}

test('Problems read runtime errors right and a click puts the cursor on the line and column', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'import util\n\nprint("start")\nprint(util.ratio(1, 0))\n');
  await page.getByRole('button', { name: 'Add file' }).click();
  await page.getByRole('textbox', { name: 'New file name' }).fill('util.py');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await setCode(page, 'def ratio(a, b):\n    return a / b\n');
  await page.getByRole('tab', { name: /main\.py/ }).click();
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByTestId('verdict').getByText('Runtime error').waitFor();
  const problems = page.getByRole('list', { name: 'Problems' });
  assert.equal(await problems.innerText(), 'util.py:2:12 ZeroDivisionError: division by zero');
  await problems.getByRole('button', { name: 'util.py:2:12' }).click();
  assert.deepEqual(await cursor(page), { line: 2, column: 12, focused: true, file: 'util.py' });
  await screenshot(page, 'problem-clicked');

  // Node's header and frames, the JVM's frames: one problem each, with the exception's message.
  const cases = [
    ['javascript', 'console.log("start");\nconst o = undefined;\nconsole.log(o.x);\n', 'main.js:3:15 TypeError: Cannot read properties of undefined (reading \'x\')', { line: 3, column: 15 }],
    [
      'java',
      'public class Main {\n    public static void main(String[] args) {\n        int[] xs = new int[1];\n        System.out.println(xs[2]);\n    }\n}\n',
      'Main.java:4 java.lang.ArrayIndexOutOfBoundsException: Index 2 out of bounds for length 1',
      { line: 4, column: 9 },
    ],
  ];
  for (const [language, code, problem, where] of cases) {
    await pickLanguage(page, language);
    await setCode(page, code);
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('verdict').getByText('Runtime error').waitFor({ timeout: 60_000 });
    assert.equal(await problems.innerText(), problem, language);
    // The cursor is elsewhere first (the end of the code).
    await page.getByRole('textbox', { name: 'Editor' }).press('ControlOrMeta+End');
    await problems.getByRole('button').click();
    const at = await cursor(page);
    assert.deepEqual({ line: at.line, column: at.column, focused: at.focused }, { ...where, focused: true }, language);
  }
  await context.close();
});

test('Escape then Tab leaves the editor, as its hint says; ? lists the shortcuts; the editor shows its focus', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'x = 1');
  const editor = page.getByRole('textbox', { name: 'Editor' });
  const hint = await editor.evaluate((e) => document.getElementById(e.getAttribute('aria-describedby'))?.textContent);
  assert.match(hint, /Escape, then Tab/);
  const focusedIn = () => page.evaluate(() => (document.activeElement?.closest('.cm-editor') ? 'editor' : document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent));

  // Tab alone indents and stays.
  await editor.press('Home');
  await page.keyboard.press('Tab');
  assert.equal(await focusedIn(), 'editor');
  assert.match(await page.locator('.cm-content').innerText(), /^\s+x = 1/);
  const ring = await page.locator('.cm-editor').evaluate((e) => {
    const style = getComputedStyle(e);
    return `${style.outlineStyle} ${style.outlineWidth}`;
  });
  assert.equal(ring, 'solid 2px', 'a visible focus ring on the editor');

  // Escape, then Tab: out, forwards; Escape, then Shift+Tab: out, backwards.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  const next = await focusedIn();
  assert.notEqual(next, 'editor');
  assert.match(await page.locator('.cm-content').innerText(), /^\s+x = 1$/, 'no second indent');
  await editor.click();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Tab');
  const previous = await focusedIn();
  assert.notEqual(previous, 'editor');
  assert.notEqual(previous, next);

  // ? outside text fields: the shortcuts; in the editor it is just a character.
  await page.keyboard.press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.waitFor();
  const listed = await dialog.innerText();
  for (const entry of [/Ctrl\+Enter\s+Run the code/, /Escape, then Tab\s+Leave the editor/, /Ctrl\+D\s+Send what is typed and end the input/]) {
    assert.match(listed, entry);
  }
  await screenshot(page, 'keyboard-help');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await focusedIn(), previous, 'the focus back where it was');
  await editor.click();
  await page.keyboard.press('End');
  await page.keyboard.type(' # ?');
  assert.equal(await page.getByRole('dialog').count(), 0);
  assert.match(await page.locator('.cm-content').innerText(), /# \?/);
  // And from the top bar's button.
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
  await context.close();
});

test('the input is an explicit choice: given now (even empty) or typed while it runs', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'import sys\nprint("ready", flush=True)\nprint("read", repr(sys.stdin.read()))\n');
  const given = page.getByRole('radio', { name: 'Give input now' });
  const typing = page.getByRole('radio', { name: 'Type while it runs' });
  const input = page.getByRole('textbox', { name: 'Input' });
  assert.equal(await typing.isChecked(), true, 'a fresh workspace types while it runs');

  // Given now and empty: the whole input is nothing, and the program ends at once.
  await given.check();
  await page.getByRole('button', { name: 'Run' }).click();
  await output(page).getByText("read ''").waitFor();
  await page.getByTestId('verdict').getByText('OK').waitFor();

  await input.fill('1 2\n3');
  await page.getByRole('button', { name: 'Run' }).click();
  await output(page).getByText("read '1 2\\n3'").waitFor();

  // Typed while it runs: the text given before is set aside, not sent.
  await typing.check();
  assert.equal(await input.inputValue(), '');
  await page.getByRole('button', { name: 'Run' }).click();
  await output(page).getByText('ready').waitFor();
  assert.equal(await given.isDisabled(), true, 'not changed in the middle of a run');
  await input.fill('live');
  await input.press('Enter');
  await input.press('Control+d');
  await output(page).getByText("read 'live\\n'").waitFor();
  await page.getByTestId('verdict').getByText('OK').waitFor();

  // Back to given: the text is still there. Typing into the field between runs gives it now.
  await given.check();
  assert.equal(await input.inputValue(), '1 2\n3');
  await typing.check();
  await input.fill('typed first');
  assert.equal(await given.isChecked(), true);
  await page.reload();
  await page.getByRole('radio', { name: 'Give input now' }).waitFor();
  assert.equal(await page.getByRole('radio', { name: 'Give input now' }).isChecked(), true, 'kept across a reload');
  assert.equal(await page.getByRole('textbox', { name: 'Input' }).inputValue(), 'typed first');
  await context.close();
});

test('a run stays with the code it came from when the language is switched under it', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'import time\nfor i in range(60):\n    print("tick", i, flush=True)\n    time.sleep(0.1)\n');
  await page.getByRole('button', { name: 'Run' }).click();
  await waitForOutput(page, 'tick 5\n');
  const toolchain = page.locator('.toolchain');
  assert.match(await toolchain.innerText(), /^Python 3/);

  await pickLanguage(page, 'javascript');
  await page.locator('.cm-content').getByText('readline').first().waitFor();
  // The output, its label and its Stop are the Python run's, said so; not JavaScript's.
  assert.match(await toolchain.innerText(), /^Python 3/);
  const note = page.getByRole('status').filter({ hasText: 'This output is from the Python run of main.py' });
  await note.waitFor();
  assert.match(await note.innerText(), /not the JavaScript code in the editor/);
  await waitForOutput(page, 'tick 12\n');
  assert.match(await output(page).innerText(), /^tick 0\n/, 'the output was kept');
  assert.equal(await page.getByRole('button', { name: 'Run' }).isEnabled(), false);
  await screenshot(page, 'run-after-language-switch');

  await note.getByRole('button', { name: 'Back to Python' }).click();
  await page.locator('.cm-content').getByText('time.sleep').waitFor();
  assert.equal(await note.count(), 0);
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByTestId('verdict').getByText('Stopped').waitFor();
  // A new run belongs to the code now shown.
  await pickLanguage(page, 'javascript');
  await setCode(page, 'console.log("from js")\n');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByTestId('verdict').getByText('OK').waitFor();
  await waitForOutput(page, 'from js');
  assert.match(await toolchain.innerText(), /^JavaScript/);
  assert.equal(await note.count(), 0);
  await context.close();
});

test('the memory and CPU figures and charts name their stage: the compiler’s, the program’s', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'c');
  // A comment of its own: compiled now, not taken from the compile cache.
  await setCode(
    page,
    `// ${Date.now()}-${Math.random()}\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n\n` +
      'int main(void) {\n    char *block = malloc(40 << 20);\n    memset(block, 1, 40 << 20);\n    usleep(400000);\n' +
      '    printf("%d\\n", block[123]);\n    return 0;\n}\n',
  );
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByTestId('verdict').getByText('OK').waitFor({ timeout: 60_000 });
  const figures = page.locator('.figures');
  const compile = figures.locator('[data-stage=compile]');
  const run = figures.locator('[data-stage=run]');
  assert.match(await compile.innerText(), /^compile\s+\d+ ms\s+\d+ ms CPU\s+[\d.]+ MiB$/i);
  assert.match(await run.innerText(), /^run\s+\d+ ms\s+\d+ ms CPU\s+[\d.]+ MiB\s+exit 0$/i);
  const memory = page.getByRole('figure', { name: 'Memory over the run' });
  const chartRun = await memory.locator('figcaption [data-stage=run] strong').innerText();
  const chartCompile = await memory.locator('figcaption [data-stage=compile] strong').innerText();
  // The chart's figures are the status row's, stage by stage.
  assert.equal(chartRun, (await run.innerText()).match(/([\d.]+ MiB)/)[1]);
  assert.equal(chartCompile, (await compile.innerText()).match(/([\d.]+ MiB)/)[1]);
  assert.ok(parseFloat(chartRun) >= 40, `the program held 40 MiB: ${chartRun}`);
  assert.notEqual(chartRun, chartCompile);
  assert.match(await memory.innerText(), /compile [\d.]+ MiB\s+run [\d.]+ MiB/);
  // Both stages are drawn, and told apart.
  assert.ok((await memory.locator('polyline[data-stage=run]').count()) >= 1);
  assert.match(await page.getByRole('figure', { name: 'CPU over the run' }).innerText(), /compile \d+%\s+run \d+%/);
  await screenshot(page, 'stage-figures');
  await context.close();
});

test('a favicon: an SVG of this origin, allowed by the server’s CSP', async () => {
  const context = await env.browser.newContext();
  const csp = await underCsp(context);
  assert.match(csp, /img-src 'self'/);
  const page = await context.newPage();
  const violations = [];
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (m) => /Content.Security.Policy/i.test(m.text()) && violations.push(m.text()));
  await page.goto(env.base);
  await page.locator('.cm-content').waitFor();
  const href = await page.locator('link[rel=icon]').evaluate((l) => l.href);
  assert.equal(new URL(href).origin, new URL(env.base).origin);
  assert.match(new URL(href).pathname, /\.svg$/);
  const response = await page.request.get(href);
  assert.equal(response.status(), 200);
  assert.match(response.headers()['content-type'], /^image\/svg\+xml/);
  assert.match(await response.text(), /<svg[\s>]/);
  // Loaded as an image by the page itself, under the policy.
  const size = await page.evaluate(async (url) => {
    const image = new Image();
    image.src = url;
    await image.decode();
    return image.naturalWidth;
  }, href);
  assert.ok(size > 0);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(violations, []);
  await context.close();
});
