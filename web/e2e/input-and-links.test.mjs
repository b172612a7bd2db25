// Typing to a running program without a keyboard's Ctrl (Send and EOF buttons), and what the
// address bar says about shared code: a link opens the shared version, an edit makes it the
// user's own copy (kept across a reload), and Share puts the new link in the address bar.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, pickLanguage, screenshot, setCode, start } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

test('Send and EOF buttons answer a program that reads until end of input', async () => {
  const { context, page } = await openApp(env, '/', { viewport: { width: 390, height: 844 } });
  await pickLanguage(page, 'python');
  await setCode(page, 'import sys\nprint("lines?", flush=True)\ndata = sys.stdin.read()\nprint("got", len(data.splitlines()), "lines:", data.split())\n');
  const send = page.getByRole('button', { name: 'Send' });
  const eof = page.getByRole('button', { name: 'EOF' });
  assert.equal(await send.isEnabled(), false, 'Send is for a running program');
  await page.getByRole('button', { name: 'Run' }).click();
  const output = page.getByRole('log', { name: 'Output' });
  await output.getByText('lines?').waitFor();
  const input = page.getByRole('textbox', { name: 'Input' });
  await input.fill('one');
  await send.click();
  await output.locator('.out-stdin').getByText('one').waitFor();
  assert.equal(await input.inputValue(), '', 'a sent line leaves the field');
  // What is typed but not sent goes with the end of input, as Ctrl+D does in a terminal.
  await input.fill('two');
  await eof.click();
  await output.getByText("got 2 lines: ['one', 'two']").waitFor();
  await page.getByTestId('verdict').getByText('OK').waitFor();
  await screenshot(page, 'phone-send-eof');
  await context.close();
});

test('Run moves the focus to Input for an interactive program; Ctrl+Enter in the editor leaves it there', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'print("hi", input("name? "))\n');
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
  await page.getByRole('button', { name: 'Run' }).click();
  assert.equal(await focused(), 'Input');
  // So the answer can be typed straight away.
  await page.getByRole('log', { name: 'Output' }).getByText('name?').waitFor();
  await page.keyboard.type('Grace');
  await page.keyboard.press('Enter');
  await page.getByRole('log', { name: 'Output' }).getByText('hi Grace').waitFor();
  await page.getByTestId('verdict').getByText('OK').waitFor();

  await page.getByRole('textbox', { name: 'Editor' }).click();
  await page.keyboard.press('ControlOrMeta+Enter');
  await page.getByRole('log', { name: 'Output' }).getByText('name?').waitFor();
  assert.equal(await focused(), 'Editor');
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.getByTestId('verdict').getByText('Stopped').waitFor();
  await context.close();
});

test('Ctrl+D in the Input field ends the input', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'import sys\nprint("ready", flush=True)\nprint("read", repr(sys.stdin.read()))\n');
  await page.getByRole('button', { name: 'Run' }).click();
  const output = page.getByRole('log', { name: 'Output' });
  await output.getByText('ready').waitFor();
  const input = page.getByRole('textbox', { name: 'Input' });
  await input.fill('a');
  await input.press('Enter');
  await input.press('Control+d');
  await output.getByText("read 'a\\n'").waitFor();
  await context.close();
});

test('an edited shared snippet is the user’s copy: a reload keeps the edits, the link keeps the original', async () => {
  const first = await openApp(env);
  await pickLanguage(first.page, 'python');
  await setCode(first.page, 'print("original")\n');
  await first.page.getByRole('button', { name: 'Share' }).click();
  const link = await first.page.getByRole('textbox', { name: 'Share link' }).inputValue();
  // The address bar holds the link as well.
  assert.equal(first.page.url(), link);
  await first.page.getByRole('button', { name: 'Close' }).click();
  await first.context.close();

  const { context, page } = await openApp(env, new URL(link).pathname);
  assert.match(await page.locator('.cm-content').innerText(), /print\("original"\)/);
  await setCode(page, 'print("forked")\n');
  assert.equal(new URL(page.url()).pathname, '/', 'an edit leaves the shared address');
  await page.reload();
  await page.locator('.cm-content').getByText('forked').waitFor();
  // The link itself still opens what was shared.
  await page.goto(link);
  await page.locator('.cm-content').getByText('original').waitFor();
  await context.close();
});
