// The UI's performance on this machine, against a real server (see e2e/harness.mjs):
// 1. cold load → interactive (Run enabled and the editor ready), median of 7 fresh contexts;
// 2. 1 MB of output streamed into the console: the longest main-thread task meanwhile;
// 3. 100 000 short lines: the same, and whether the console followed them to the last one.
import { openApp, pickLanguage, setCode, start } from '../e2e/harness.mjs';

const env = await start();
try {
  const loads = [];
  for (let i = 0; i < 7; i++) {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    const begin = Date.now();
    await page.goto(env.base);
    await page.getByRole('button', { name: 'Run' }).waitFor();
    await page.locator('.cm-content').waitFor();
    await page.waitForFunction(() => !document.querySelector('button.primary')?.disabled);
    loads.push(Date.now() - begin);
    await context.close();
  }
  loads.sort((a, b) => a - b);
  console.log(`cold load to interactive: median ${loads[3]} ms (min ${loads[0]}, max ${loads[6]}) over 7 loads`);

  const { context, page } = await openApp(env);
  await page.evaluate(() => {
    window.__longest = 0;
    window.__tasks = 0;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        window.__tasks++;
        window.__longest = Math.max(window.__longest, entry.duration);
      }
    }).observe({ type: 'longtask', buffered: false });
  });
  await pickLanguage(page, 'python');
  // 20 000 lines of 50 characters (+ newline): 1.02 MB.
  const measure = async (code, last) => {
    await page.evaluate(() => {
      window.__longest = 0;
      window.__tasks = 0;
    });
    await setCode(page, code);
    const begin = Date.now();
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('verdict').getByText('OK').waitFor({ timeout: 60_000 });
    await page.waitForFunction((text) => document.querySelector('[role=log]').textContent.includes(text), last);
    const elapsed = Date.now() - begin;
    // Give a following console a frame or two to settle at the end.
    await page.waitForTimeout(200);
    return {
      elapsed,
      ...(await page.evaluate(() => {
        const log = document.querySelector('[role=log]');
        return {
          longest: window.__longest,
          tasks: window.__tasks,
          shown: log.textContent.length,
          atEnd: log.scrollHeight - log.scrollTop - log.clientHeight <= 2,
        };
      })),
    };
  };
  const mb = await measure('for i in range(20000):\n    print(f"{i:08d} " + "x" * 41)\n', '00019999');
  console.log(
    `1 MB of output: all shown after ${mb.elapsed} ms (${mb.shown} characters in the console); ` +
      `longest main-thread task ${mb.longest.toFixed(0)} ms, ${mb.tasks} task(s) over 50 ms`,
  );
  const lines = await measure('for i in range(100000): print(i)\n', '99999\n');
  console.log(
    `100 000 lines: all shown after ${lines.elapsed} ms (${lines.shown} characters); ` +
      `longest main-thread task ${lines.longest.toFixed(0)} ms, ${lines.tasks} task(s) over 50 ms; ` +
      `${lines.atEnd ? 'followed to the last line' : 'NOT at the last line'}`,
  );
  await context.close();
} finally {
  await env.stop();
}
