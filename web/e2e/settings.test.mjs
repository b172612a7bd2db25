// The workspace's layout and the editor's settings, end to end: the splitter between the editor
// and the output (keyboard, pointer, kept across a reload, hidden when stacked on a phone), and
// the Editor settings (font size, tabs or spaces, line wrap, the Vim keymap), applied
// live and kept.
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

/** The active file's text as the app keeps it (the editor's document). */
async function documentText(page) {
  await page.waitForTimeout(150);
  return page.evaluate(() => {
    const ws = JSON.parse(localStorage.getItem('codecollab.workspace.v1'));
    const name = document.querySelector('.cm-editor')?.dataset.file ?? ws.entry;
    return ws.files.find((f) => f.name === name).content;
  });
}

const codeWidth = (page) => page.locator('.code-pane').evaluate((e) => e.getBoundingClientRect().width);

async function openEditorSettings(page) {
  await page.getByRole('button', { name: 'Editor', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Editor settings' });
  await dialog.waitFor();
  return dialog;
}

async function closeDialog(page) {
  const dialog = page.getByRole('dialog', { name: 'Editor settings' });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'detached' });
}

test('the splitter moves with the arrow keys and the pointer, keeps its place, and keeps the minimum sizes', async () => {
  const { context, page } = await openApp(env);
  const splitter = page.getByRole('separator', { name: /Resize the editor/ });
  assert.equal(await splitter.getAttribute('aria-orientation'), 'vertical');
  assert.equal(await splitter.getAttribute('aria-valuenow'), '60');
  const before = await codeWidth(page);

  await splitter.focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.equal(await splitter.getAttribute('aria-valuenow'), '56');
  const narrower = await codeWidth(page);
  assert.ok(narrower < before - 40, `${narrower} < ${before}`);
  await page.keyboard.press('Shift+ArrowRight');
  assert.equal(await splitter.getAttribute('aria-valuenow'), '66');

  // A drag to x = 400 of a 1280 px workspace: about 31%.
  const box = await splitter.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(700, box.y + 100, { steps: 5 });
  await page.mouse.move(400, box.y + 100, { steps: 5 });
  await page.mouse.up();
  const dragged = Number(await splitter.getAttribute('aria-valuenow'));
  assert.ok(Math.abs(dragged - 31) <= 1, `dragged to ${dragged}%`);
  assert.ok(Math.abs((await codeWidth(page)) - 400) <= 8, `editor ${await codeWidth(page)} px wide`);

  // Far past either end: the panes keep their minimum widths.
  await page.mouse.move(box.x + 1, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(5, box.y + 100, { steps: 5 });
  await page.mouse.up();
  assert.ok((await codeWidth(page)) >= 279, `editor ${await codeWidth(page)} px`);
  await splitter.focus();
  await page.keyboard.press('End');
  const runWidth = await page.locator('.run-pane').evaluate((e) => e.getBoundingClientRect().width);
  assert.ok(runWidth >= 259, `output ${runWidth} px`);

  // Kept across a reload.
  await page.keyboard.press('Home');
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
  const kept = await splitter.getAttribute('aria-valuenow');
  const keptWidth = await codeWidth(page);
  await page.reload();
  await page.locator('.cm-content').waitFor();
  assert.equal(await page.getByRole('separator').getAttribute('aria-valuenow'), kept);
  assert.ok(Math.abs((await codeWidth(page)) - keptWidth) <= 1);
  await screenshot(page, 'splitter-moved');
  await context.close();
});

test('on a phone the panes are stacked and there is no splitter', async () => {
  const { context, page } = await openApp(env, '/', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  assert.equal(await page.getByRole('separator').count(), 0);
  const code = await page.locator('.code-pane').boundingBox();
  const run = await page.locator('.run-pane').boundingBox();
  assert.ok(run.y >= code.y + code.height - 1, 'the output is below the editor');
  assert.ok(code.width > 380 && run.width > 380);
  await context.close();
});

test('the font size changes the editor live, and is kept', async () => {
  const { context, page } = await openApp(env);
  const fontSize = () => page.locator('.cm-content').evaluate((e) => getComputedStyle(e).fontSize);
  assert.equal(await fontSize(), '14px');
  const dialog = await openEditorSettings(page);
  await dialog.getByLabel('Font size').selectOption('20');
  assert.equal(await fontSize(), '20px');
  await screenshot(page, 'editor-settings');
  await closeDialog(page);
  // Escape closes it too, and the focus goes back to the button.
  await openEditorSettings(page);
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name: 'Editor settings' }).waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Editor');
  await page.reload();
  await page.locator('.cm-content').waitFor();
  assert.equal(await fontSize(), '20px');
  await context.close();
});

test('indenting with tabs: Tab on an empty line puts a tab character; spaces of the chosen width otherwise', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  let dialog = await openEditorSettings(page);
  await dialog.getByLabel('Indent with').selectOption('tabs');
  await closeDialog(page);
  await setCode(page, 'x = 1\n');
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.press('Tab');
  assert.equal(await documentText(page), 'x = 1\n\t');

  dialog = await openEditorSettings(page);
  await dialog.getByLabel('Indent with').selectOption('spaces');
  await dialog.getByLabel('Indent width').selectOption('2');
  await closeDialog(page);
  await setCode(page, 'x = 1\n');
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.press('Tab');
  assert.equal(await documentText(page), 'x = 1\n  ');
  await context.close();
});

test('line wrap makes a long line wrap (it grows taller) and back', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, `print("${'a long line '.repeat(40)}")\n`);
  const firstLine = page.locator('.cm-line').first();
  const height = () => firstLine.evaluate((e) => e.getBoundingClientRect().height);
  const single = await height();
  const dialog = await openEditorSettings(page);
  await dialog.getByLabel('Wrap long lines').check();
  const wrapped = await height();
  assert.ok(wrapped > single * 2, `${wrapped} px against ${single} px`);
  await dialog.getByLabel('Wrap long lines').uncheck();
  assert.ok((await height()) < single + 1);
  await closeDialog(page);
  await context.close();
});

test('the Vim keymap: i, hello, Escape inserts in insert mode; dd deletes the line; back to the default', async () => {
  const { context, page } = await openApp(env);
  await pickLanguage(page, 'python');
  await setCode(page, 'first\n\nlast\n');
  const dialog = await openEditorSettings(page);
  await dialog.getByRole('radio', { name: 'Vim' }).check();
  await closeDialog(page);
  await page.locator('.cm-editor[data-keymap="vim"]').waitFor();
  await page.locator('.cm-line').nth(1).click();
  await page.keyboard.type('ihello');
  await page.keyboard.press('Escape');
  assert.equal(await documentText(page), 'first\nhello\nlast\n');
  // Normal mode: keys are commands, not text.
  await page.keyboard.type('dd');
  assert.equal(await documentText(page), 'first\nlast\n');
  await screenshot(page, 'vim-keymap');

  // Kept across a reload; Default again types as usual.
  await page.reload();
  await page.locator('.cm-editor[data-keymap="vim"]').waitFor();
  const again = await openEditorSettings(page);
  await again.getByRole('radio', { name: 'Default' }).check();
  await closeDialog(page);
  await page.locator('.cm-editor[data-keymap="default"]').waitFor();
  await page.locator('.cm-line').first().click();
  await page.keyboard.press('End');
  await page.keyboard.type('dd');
  assert.equal(await documentText(page), 'firstdd\nlast\n');
  await context.close();
});
