// A real server with a full queue (one worker, room for one queued run): the 429 and its
// Retry-After reach the user as "Server busy, retry in N s", and Run works again once there is
// room. (unreachable.test.mjs covers the same message with a faked response, on any server.)
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openApp, screenshot, setCode, start } from './harness.mjs';

const own = !process.env.CODECOLLAB_URL;
let env;
before(async () => {
  if (own) env = await start({ serveArgs: ['--workers', '1', '--max-queue', '1'] });
});
after(async () => {
  await env?.stop();
});

async function submit(base, code) {
  const response = await fetch(`${base}/api/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ language: 'python', files: [{ name: 'main.py', content: code }], stdin: '' }),
  });
  assert.equal(response.status, 201);
  return (await response.json()).id;
}

test('a full queue says when to retry, and Run works once there is room', { skip: own ? false : 'needs a server of its own (CODECOLLAB_URL is set)' }, async () => {
  const { context, page } = await openApp(env);
  await page.getByLabel('Language').selectOption('python');
  await setCode(page, 'print("there was room")\n');
  // One run takes the only worker, the next the only place in the queue.
  const busy = [await submit(env.base, 'import time\ntime.sleep(30)\n'), await submit(env.base, 'import time\ntime.sleep(30)\n')];
  await page.getByRole('button', { name: 'Run' }).click();
  const alert = page.getByRole('alert');
  await alert.getByText(/Server busy, retry in \d+ s/).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Run' }).isEnabled(), true);
  await screenshot(page, 'server-busy');
  for (const id of busy) await fetch(`${env.base}/api/v1/runs/${id}/cancel`, { method: 'POST' });
  await page.getByRole('button', { name: 'Run' }).click();
  await page.getByRole('log', { name: 'Output' }).getByText('there was room').waitFor();
  assert.equal(await alert.count(), 0, 'the busy message goes once a run is accepted');
  await context.close();
});
