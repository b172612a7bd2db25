// What the user sees when the server is gone or busy.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { artifacts, start } from './harness.mjs';

let env;
before(async () => {
  env = await start();
});
after(async () => {
  await env?.stop();
});

test('says so when the server cannot be reached', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.base);
  await page.getByRole('button', { name: 'Run' }).waitFor();
  // The server goes away under the open page.
  await page.route('**/api/v1/runs', (route) => route.abort('connectionrefused'));
  await page.getByRole('button', { name: 'Run' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Cannot reach the server/);
  await context.close();
});

test('tells the user to retry when the server is busy (429)', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.base);
  await page.getByRole('button', { name: 'Run' }).waitFor();
  await page.route('**/api/v1/runs', (route) =>
    route.fulfill({
      status: 429,
      headers: { 'retry-after': '7', 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'queue_full', message: 'the queue is full' }),
    }),
  );
  await page.getByRole('button', { name: 'Run' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Server busy, retry in 7 s/);
  await context.close();
});

// Last: it stops the server for good.
test('says so when the server dies during a run, and when Run is pressed after', { skip: !process.env.CODECOLLAB_URL ? false : 'needs a server of its own (CODECOLLAB_URL is set)' }, async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(env.base);
  await page.getByLabel('Language').selectOption('python');
  await page.getByRole('textbox', { name: 'Editor' }).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('import time\nprint("working", flush=True)\ntime.sleep(60)\n');
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('log', { name: 'Output' }).getByText('working').waitFor();
  await env.stopServer('SIGKILL');
  const alert = page.getByRole('alert');
  await alert.getByText(/connection to the server was lost/).waitFor();
  assert.match(await page.getByTestId('verdict').innerText(), /connection lost/);
  await page.screenshot({ path: `${artifacts}/server-gone.png` });
  await page.getByRole('button', { name: 'Run' }).click();
  await alert.getByText(/Cannot reach the server/).waitFor();
  await context.close();
});
