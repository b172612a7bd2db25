// The web IDE end to end: real Chromium, real server, real sandbox.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, pickLanguage, screenshot, setCode, start, verdict } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

test('runs Python and shows its output, verdict and figures', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'import sys\nprint("hello from the browser")\nprint("oops", file=sys.stderr)\n');
  await page.getByRole('button', { name: 'Run' }).click();
  const output = page.getByRole('log', { name: 'Output' });
  await output.getByText('hello from the browser').waitFor();
  await page.getByTestId('verdict').getByText('OK').waitFor();
  // stdout and stderr are told apart (the console writes once per frame: wait for it).
  await output.locator('.out-stderr').getByText('oops').waitFor();
  assert.equal(await output.locator('.out-stdout').getByText('oops').count(), 0);
  assert.match(await page.locator('.toolchain').innerText(), /Python 3\.\d+/);
  assert.match(await page.locator('.figures').innerText(), /ms CPU/);
  await screenshot(page, 'python-run-light');
  await context.close();
});

test('lists the server languages and greys out the unavailable ones', async () => {
  const { context, page } = await openApp(env);
  const fromServer = await (await fetch(`${env.base}/api/v1/languages`)).json();
  const options = await page.getByLabel('Language').locator('option').evaluateAll((os) =>
    os.map((o) => ({ value: o.value, disabled: o.disabled, text: o.textContent })),
  );
  assert.deepEqual(
    options.map((o) => o.value),
    fromServer.map((l) => l.id),
  );
  for (const language of fromServer) {
    const option = options.find((o) => o.value === language.id);
    assert.equal(option.disabled, !language.available, language.id);
    if (language.available) assert.ok(option.text.includes(language.version), option.text);
  }
  await context.close();
});

test('highlights the line of a C compile error', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'c');
  await setCode(page, '#include <stdio.h>\n\nint main(void) {\n    return undefined_name;\n}\n');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByTestId('verdict').getByText('Compile error').waitFor();
  const marked = page.locator('.cm-line.cm-error-line');
  await marked.first().waitFor();
  assert.equal(await marked.count(), 1);
  assert.match(await marked.innerText(), /return undefined_name;/);
  assert.match(await page.getByRole('list', { name: 'Problems' }).innerText(), /main\.c:4/);
  await screenshot(page, 'c-compile-error');
  await context.close();
});

test('stops an infinite loop with Stop', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'print("spinning", flush=True)\nwhile True:\n    pass\n');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('log', { name: 'Output' }).getByText('spinning').waitFor();
  const stop = page.getByRole('button', { name: 'Stop' });
  assert.equal(await stop.isEnabled(), true);
  await stop.click();
  await page.getByTestId('verdict').getByText('Stopped').waitFor({ timeout: 10_000 });
  assert.equal(await page.getByRole('button', { name: 'Run' }).isEnabled(), true);
  await context.close();
});

test('answers an interactive program through the Input field', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'name = input("name? ")\nprint("hi", name)\nage = input("age? ")\nprint("next year", int(age) + 1)\n');
  await page.getByRole('button', { name: 'Run' }).click();
  const output = page.getByRole('log', { name: 'Output' });
  await output.getByText('name?').waitFor();
  const input = page.getByRole('textbox', { name: 'Input' });
  await input.fill('Ada');
  await input.press('Enter');
  await output.getByText('hi Ada').waitFor();
  await output.getByText('age?').waitFor();
  await input.fill('36');
  await input.press('Enter');
  await output.getByText('next year 37').waitFor();
  await page.getByTestId('verdict').getByText('OK').waitFor();
  await screenshot(page, 'interactive');
  await context.close();
});

test('a shared link opens the same code in a fresh browser and runs it', async () => {
  const first = await openApp(env);
  await pickLanguage(first.page, 'python');
  await setCode(first.page, 'print(sum(range(10)))\n');
  await first.page.getByRole('button', { name: 'Share' }).click();
  const link = await first.page.getByRole('textbox', { name: 'Share link' }).inputValue();
  assert.match(link, /\/s\/[A-Za-z0-9]{10}$/);
  await first.context.close();

  const path = new URL(link).pathname;
  const second = await openApp(env, path);
  assert.equal(await second.page.getByLabel('Language').inputValue(), 'python');
  assert.match(await second.page.locator('.cm-content').innerText(), /print\(sum\(range\(10\)\)\)/);
  await second.page.getByRole('button', { name: 'Run' }).click();
  await second.page.getByRole('log', { name: 'Output' }).getByText('45').waitFor();
  await second.context.close();
});

test('keeps the edited code and files across a reload', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'import helper\nprint(helper.VALUE)\n');
  await page.getByRole('button', { name: 'Add file' }).click();
  await page.getByRole('textbox', { name: 'New file name' }).fill('helper.py');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await setCode(page, 'VALUE = 1234\n');
  await page.reload();
  await page.getByRole('tab', { name: /helper\.py/ }).waitFor();
  await page.getByRole('tab', { name: /main\.py/ }).click();
  assert.match(await page.locator('.cm-content').innerText(), /import helper/);
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('log', { name: 'Output' }).getByText('1234').waitFor();
  await context.close();
});

test('looks right in dark theme and on a phone-sized screen', async () => {
  {
    const { context, page } = await openApp(env, '/', { colorScheme: 'dark' });
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.getByRole('textbox', { name: 'Input' }).fill('dark desktop');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('verdict').getByText('OK').waitFor();
    await page.getByRole('log', { name: 'Output' }).getByText('Hello, dark desktop!').waitFor();
    await screenshot(page, 'desktop-dark');
    await context.close();
  }
  const { context, page } = await openApp(env, '/', { viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  // The sample program asks for a name.
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('log', { name: 'Output' }).getByText('What is your name?').waitFor();
  await page.getByRole('textbox', { name: 'Input' }).fill('phone');
  await page.getByRole('textbox', { name: 'Input' }).press('Enter');
  await page.getByTestId('verdict').getByText('OK').waitFor();
  // Nothing wider than the screen: no sideways scrolling on a phone.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  // ...nor clipped inside a pane: every control ends within the screen.
  const clipped = await page.evaluate(() =>
    [...document.querySelectorAll('.workspace, .run-pane, .code-pane, button, textarea, select, .spark, .input-label')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5 || el.scrollWidth > el.clientWidth + 1 && el.matches('.workspace, .run-pane, .code-pane'))
      .map((el) => `${el.tagName.toLowerCase()}.${el.className || ''} "${(el.textContent ?? '').slice(0, 20)}"`),
  );
  assert.deepEqual(clipped, [], 'cut off at the right edge of a phone');
  await screenshot(page, 'phone-dark');
  await page.getByRole('button', { name: 'Light theme' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  await context.close();
});

test('adds, renames and deletes files, runs the chosen entry, and runs with Ctrl+Enter', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'print("from main")\n');
  await page.getByRole('button', { name: 'Add file' }).click();
  await page.getByRole('textbox', { name: 'New file name' }).fill('other.py');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await setCode(page, 'print("from other")\n');
  // A bad name is refused with a reason and nothing changes.
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByRole('textbox', { name: 'File name' }).fill('../x.py');
  await page.getByRole('button', { name: 'Rename', exact: true }).last().click();
  assert.match(await page.getByRole('alert').innerText(), /letters, digits/);
  await page.getByRole('textbox', { name: 'File name' }).fill('second.py');
  await page.getByRole('textbox', { name: 'File name' }).press('Enter');
  await page.getByRole('tab', { name: /second\.py/ }).waitFor();
  // Make it the entry and run it from the keyboard.
  await page.getByRole('button', { name: 'Run this file' }).click();
  await page.getByRole('textbox', { name: 'Editor' }).click();
  await page.keyboard.press('Control+Enter');
  await page.getByRole('log', { name: 'Output' }).getByText('from other').waitFor();
  // Deleting the entry makes the remaining file the entry.
  await page.getByRole('button', { name: 'Delete second.py' }).click();
  assert.equal(await page.getByRole('tab').count(), 1);
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('log', { name: 'Output' }).getByText('from main').waitFor();
  await context.close();
});

test('every available language starts from a sample that runs and answers input', async () => {
  const { context, page } = await openApp(env);
  const languages = (await (await fetch(`${env.base}/api/v1/languages`)).json()).filter((l) => l.available);
  const failures = [];
  for (const language of languages) {
    await pickLanguage(page, language.id);
    await page.getByRole('button', { name: 'Run' }).click();
    const output = page.getByRole('log', { name: 'Output' });
    try {
      await output.getByText('What is your name?').waitFor({ timeout: 60_000 });
      const input = page.getByRole('textbox', { name: 'Input' });
      await input.fill('Grace');
      await input.press('Enter');
      await output.getByText('Hello, Grace!').waitFor({ timeout: 60_000 });
      await page.getByTestId('verdict').getByText('OK').waitFor({ timeout: 60_000 });
    } catch (e) {
      failures.push(`${language.id}: ${(await output.innerText()).slice(0, 300)} (${e.message.split('\n')[0]})`);
      await page.getByRole('button', { name: 'Stop' }).click().catch(() => {});
      await page.getByRole('button', { name: 'Run' }).waitFor();
    }
  }
  assert.deepEqual(failures, []);
  await context.close();
});

test('input given up front is the whole stdin: a program reading to the end finishes', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'import sys\nprint("sum", sum(int(x) for x in sys.stdin.read().split()))\n');
  await page.getByRole('textbox', { name: 'Input' }).fill('1 2 3\n4');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('log', { name: 'Output' }).getByText('sum 10').waitFor();
  await page.getByTestId('verdict').getByText('OK').waitFor();
  // The stdin stays for the next run.
  assert.equal(await page.getByRole('textbox', { name: 'Input' }).inputValue(), '1 2 3\n4');
  await context.close();
});

test('renders ANSI colours, keeps lines whole across frames, and charts memory live', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(
    page,
    'import time\nblocks = []\nfor i in range(12):\n    blocks.append(bytearray(4 << 20))\n' +
      '    print("\\x1b[32mstep\\x1b[0m", i, "\\x1b[1;31m!\\x1b[0m", flush=True)\n    time.sleep(0.1)\n',
  );
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByTestId('verdict').getByText('OK').waitFor();
  const output = page.getByRole('log', { name: 'Output' });
  await output.getByText('11', { exact: false }).last().waitFor();
  const lines = (await output.innerText()).split('\n').filter((l) => l !== '');
  assert.deepEqual(
    lines,
    Array.from({ length: 12 }, (_, i) => `step ${i} !`),
  );
  const green = await output.getByText('step').first().evaluate((e) => getComputedStyle(e).color);
  const red = await output
    .getByText('!')
    .first()
    .evaluate((e) => ({ color: getComputedStyle(e).color, fontWeight: getComputedStyle(e).fontWeight }));
  const plain = await output.evaluate((e) => getComputedStyle(e).color);
  assert.notEqual(green, plain);
  assert.notEqual(red.color, plain);
  assert.notEqual(red.color, green);
  assert.equal(red.fontWeight, '700');
  // More than a second of run: stats arrived and the memory chart has a reading.
  assert.match(await page.getByRole('figure', { name: 'Memory over the run' }).innerText(), /MiB/);
  await screenshot(page, 'ansi-and-charts');
  await context.close();
});
