// What every browser test stands on: a real `codecollab serve` (started here from
// CODECOLLAB_BIN on a free port with a fresh data dir, or an already running one at
// CODECOLLAB_URL) and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const artifacts = resolve(here, '..', 'test-results');
mkdirSync(artifacts, { recursive: true });

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A TCP port free on 127.0.0.1 at the time of asking. */
export function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

async function waitReady(base, child) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`codecollab serve exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base} never became ready`);
}

/** Debian's Chromium (or CHROMIUM) through playwright-core. */
export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * Starts the server (or uses CODECOLLAB_URL) and a browser; `stop()` ends both. `serveArgs`
 * replace the default `--workers 2` (a server of one's own only); in them, `{base}` stands for
 * the server's own base URL (`http://127.0.0.1:PORT`), e.g. `['--public-url', '{base}']`.
 */
export async function start({ serveArgs = ['--workers', '2'] } = {}) {
  let base = process.env.CODECOLLAB_URL;
  let child;
  let data;
  if (!base) {
    const bin = process.env.CODECOLLAB_BIN ?? resolve(here, '..', '..', 'target', 'release', 'codecollab');
    const port = await freePort();
    data = mkdtempSync(join(tmpdir(), 'codecollab-e2e-'));
    base = `http://127.0.0.1:${port}`;
    const args = serveArgs.map((arg) => String(arg).replaceAll('{base}', base));
    child = spawn(bin, ['serve', '--bind', `127.0.0.1:${port}`, '--data-dir', data, ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  await waitReady(base, child);
  const browser = await launchBrowser();
  // SIGTERM lets runs in progress finish first; SIGKILL is the server gone at once (a crash).
  const stopServer = async (signal = 'SIGTERM') => {
    if (!child) return;
    child.kill(signal);
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
  };
  return {
    base,
    browser,
    /** Whether this suite started the server (and so may stop it under an open page). */
    ownsServer: Boolean(child),
    stopServer,
    async stop() {
      await browser.close();
      await stopServer();
      if (data) rmSync(data, { recursive: true, force: true });
    },
  };
}

/** `start(options)`, then `body(env)`; the server and browser stopped after it, whatever happens. */
export async function withServer(body, options) {
  const env = await start(options);
  try {
    return await body(env);
  } finally {
    await env.stop();
  }
}

/** A fresh context (no storage shared with other tests) with the app open. */
export async function openApp(env, path = '/', options = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${env.base}${path}`);
  await page.getByRole('button', { name: 'Run' }).waitFor();
  await page.locator('.cm-content').waitFor();
  return { context, page };
}

/** Replaces the editor's text the way a user would: select all, type. */
export async function setCode(page, code) {
  await page.getByRole('textbox', { name: 'Editor' }).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  // insertText is one input event: no auto-indent or bracket closing applied to pasted code.
  await page.keyboard.insertText(code);
}

export async function pickLanguage(page, id) {
  await page.getByLabel('Language').selectOption(id);
}

export async function verdict(page) {
  return page.getByTestId('verdict').innerText();
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}
