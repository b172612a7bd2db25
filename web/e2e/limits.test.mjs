// Run limits in the IDE: the Run settings dialog (human units, refused values, kept with the
// workspace across a reload, Reset), the limits sent with a run and shown next to its verdict,
// the limit that ended a run said with how to raise it, and an interactive run's countdown.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, screenshot, setCode, start, verdict } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

const settingsButton = (page) => page.getByRole('button', { name: /^Settings/ });

async function openSettings(page) {
  await settingsButton(page).click();
  const dialog = page.getByRole('dialog', { name: 'Run settings' });
  await dialog.waitFor();
  return dialog;
}

async function runAndWait(page) {
  await page.getByRole('button', { name: 'Run' }).click();
  await page.waitForFunction(() => {
    const text = document.querySelector('[data-testid="verdict"]')?.textContent ?? '';
    return !/…$/.test(text) && text !== 'Ready';
  });
}

async function giveInputNow(page) {
  await page.getByRole('radio', { name: 'Give input now' }).check();
}

test('Run settings: limits in MiB and seconds, refused values, kept across a reload, sent with the run, reset', async () => {
  const { context, page } = await openApp(env);
  try {
    await giveInputNow(page);
    let dialog = await openSettings(page);
    // The language's defaults, in human units.
    assert.equal(await dialog.getByLabel('Memory (MiB)').inputValue(), '256');
    assert.equal(await dialog.getByLabel('Wall time (s)').inputValue(), '10');
    assert.equal(await dialog.getByLabel('Output (KiB)').inputValue(), '1024');
    // Refused in the form, with a message; the dialog stays open.
    await dialog.getByLabel('Wall time (s)').fill('0');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('alert').getByText('Wall time: must be more than 0').waitFor();
    assert.ok(await dialog.isVisible());
    const max = await page.evaluate(async () => {
      const response = await fetch('/api/v1/limits');
      return response.ok ? (await response.json()).max : null;
    });
    if (max) {
      await dialog.getByLabel('Memory (MiB)').fill(String(max.memory_kib / 1024 + 1));
      await dialog.getByRole('button', { name: 'Save' }).click();
      await dialog.getByRole('alert').getByText(/Memory: at most \d+ MiB/).waitFor();
    }
    await dialog.getByLabel('Memory (MiB)').fill('128');
    await dialog.getByLabel('Wall time (s)').fill('2');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Kept with the workspace.
    await page.reload();
    await page.locator('.cm-content').waitFor();
    dialog = await openSettings(page);
    assert.equal(await dialog.getByLabel('Memory (MiB)').inputValue(), '128');
    assert.equal(await dialog.getByLabel('Wall time (s)').inputValue(), '2');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });

    // Sent with the run: the wall limit ends it, and the verdict says which and how to raise it.
    await setCode(page, 'import time\ntime.sleep(30)\n');
    await runAndWait(page);
    assert.equal(await verdict(page), 'Time limit exceeded');
    const applied = await page.getByTestId('limits-applied').innerText();
    assert.match(applied, /^memory 128 MiB · output 1 MiB · CPU 5 s · wall 2 s$/);
    assert.match(await page.getByTestId('limit-cause').innerText(), /^Wall time limit exceeded \(2 s\) — raise it in Run settings/);

    await setCode(page, "s = b'x' * (1024 ** 3)\nprint(len(s))\n");
    await runAndWait(page);
    assert.equal(await verdict(page), 'Memory limit exceeded');
    assert.match(await page.getByTestId('limit-cause').innerText(), /^Memory limit exceeded \(128 MiB\) — raise it in Run settings/);
    await screenshot(page, 'limit-exceeded');

    // Reset: the defaults again.
    dialog = await openSettings(page);
    await dialog.getByRole('button', { name: 'Reset' }).click();
    assert.equal(await dialog.getByLabel('Memory (MiB)').inputValue(), '256');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await setCode(page, 'print("fine")\n');
    await runAndWait(page);
    assert.equal(await verdict(page), 'OK');
    assert.equal(await page.getByTestId('limits-applied').innerText(), 'memory 256 MiB · output 1 MiB · CPU 5 s · wall 10 s');
    assert.equal(await page.getByTestId('limit-cause').count(), 0);
  } finally {
    await context.close();
  }
});

test('an interactive run near its wall limit shows a countdown', async () => {
  const { context, page } = await openApp(env);
  try {
    await page.getByRole('radio', { name: 'Type while it runs' }).check();
    const dialog = await openSettings(page);
    await dialog.getByLabel('Wall time (s)').fill('20');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await setCode(page, 'name = input()\nprint("hi", name)\n');
    await page.getByRole('button', { name: 'Run' }).click();
    const countdown = page.getByRole('timer', { name: 'Time left' });
    await countdown.waitFor({ timeout: 15_000 });
    const first = await countdown.innerText();
    assert.match(first, /^ends in (1\d|20|\d) s \(wall limit\)$/);
    // It counts down.
    await page.waitForFunction(
      (before) => {
        const now = document.querySelector('[data-testid="countdown"]')?.textContent;
        return now && now !== before;
      },
      first,
      { timeout: 5_000 },
    );
    await screenshot(page, 'interactive-countdown');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="verdict"]')?.textContent === 'Stopped');
    assert.equal(await countdown.count(), 0);
  } finally {
    await context.close();
  }
});

// The operator's maxima as `GET /api/v1/limits` gives them (fixed here, so that the test does
// not depend on how the server it runs against is configured).
const MAX = {
  cpu_time_ms: 30_000,
  wall_time_ms: 60_000,
  memory_kib: 4 * 1024 * 1024,
  processes: 256,
  output_kib: 65_536,
  tmpfs_kib: 262_144,
  workdir_kib: 262_144,
};
async function withMaxima(context, idleMs = 120_000) {
  await context.route('**/api/v1/limits', (route) =>
    route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ max: MAX, max_interactive: { ...MAX, wall_time_ms: 900_000 }, interactive_idle_ms: idleMs }),
    }),
  );
}

test('the maxima bound the settings and the verdict says how far a limit can be raised', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await withMaxima(context);
  const page = await context.newPage();
  try {
    await page.goto(env.base);
    await page.locator('.cm-content').waitFor();
    await giveInputNow(page);
    let dialog = await openSettings(page);
    await dialog.getByText('default 256, at most 4096').waitFor();
    await dialog.getByLabel('Memory (MiB)').fill('5000');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('alert').getByText('Memory: at most 4096 MiB (the server’s maximum)').waitFor();
    await dialog.getByLabel('Memory (MiB)').fill('128');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await setCode(page, "s = b'x' * (1024 ** 3)\nprint(len(s))\n");
    await runAndWait(page);
    assert.equal(
      await page.getByTestId('limit-cause').innerText(),
      'Memory limit exceeded (128 MiB) — raise it in Run settings (up to 4 GiB)',
    );
    // An interactive run's wall is the interactive one unless set.
    await page.getByRole('radio', { name: 'Type while it runs' }).check();
    dialog = await openSettings(page);
    assert.equal(await dialog.getByLabel('Wall time (s)').inputValue(), '900');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  } finally {
    await context.close();
  }
});

test('an interactive run left idle counts down to its idle timeout, and typing resets it', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
  await withMaxima(context, 20_000);
  const page = await context.newPage();
  try {
    await page.goto(env.base);
    await page.locator('.cm-content').waitFor();
    await page.getByRole('radio', { name: 'Type while it runs' }).check();
    await setCode(page, 'while True:\n    print("got", input())\n');
    await page.getByRole('button', { name: 'Run' }).click();
    const countdown = page.getByRole('timer', { name: 'Time left' });
    // Nothing near at first (a 900 s wall, 20 s idle), then after 10 s of quiet.
    await page.waitForTimeout(3_000);
    assert.equal(await countdown.count(), 0);
    await countdown.waitFor({ timeout: 15_000 });
    assert.match(await countdown.innerText(), /^ends in \d+ s if nothing is typed$/);
    const input = page.getByRole('textbox', { name: 'Input' });
    await input.fill('x');
    await input.press('Enter');
    await countdown.waitFor({ state: 'detached', timeout: 5_000 });
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="verdict"]')?.textContent === 'Stopped');
  } finally {
    await context.close();
  }
});
