// Accounts end to end: sign up, sign in and out, guests who claim their account, API tokens
// (made in the UI, used with curl, revoked in the UI) and the admin's users
// page. Every test starts a server of its own (a fresh data dir: its first user is the admin).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { openApp, pickLanguage, screenshot, withServer } from './harness.mjs';
import { accountButton, me, menuEntries, openSignIn, pick, signIn, signOut, signUp } from './helpers.mjs';

const own = !process.env.CODECOLLAB_URL;
const needsOwn = own ? false : 'needs a server of its own (CODECOLLAB_URL is set)';

// Hex: no name can contain "run", "stop" or "share", which the IDE's buttons are found by.
const uniqueName = (prefix) => `${prefix}-${randomBytes(4).toString('hex')}`;
const newPassword = () => `pw-${randomBytes(8).toString('hex')}`;

/**
 * The real `curl` with an API token: `curl -s -w '\n%{http_code}' -H 'Authorization: Bearer …'`,
 * `args` before the URL. Its status, and its body as JSON (as text where it is not JSON).
 */
async function curl(secret, url, args = []) {
  const { stdout } = await promisify(execFile)('curl', [
    '-s',
    '-w',
    '\n%{http_code}',
    '-H',
    `Authorization: Bearer ${secret}`,
    ...args,
    url,
  ]);
  const cut = stdout.lastIndexOf('\n');
  const text = stdout.slice(0, cut);
  let body = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: Number(stdout.slice(cut + 1)), body };
}

test('signs up, runs the sample program, signs out and signs in again', () =>
  withServer(async (env) => {
    const { context, page } = await openApp(env);
    const username = uniqueName('ada');
    const password = newPassword();
    await signUp(page, username, password);
    const signedUp = await me(page);
    assert.equal(signedUp.status, 200);
    assert.equal(signedUp.body.user.username, username);
    assert.equal(signedUp.body.user.is_guest, false);

    // The IDE works as before for a signed-in user: the sample program greets the given name.
    await pickLanguage(page, 'python');
    await page.getByRole('textbox', { name: 'Input' }).fill('member');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByRole('log', { name: 'Output' }).getByText('Hello, member!').waitFor();
    await page.getByTestId('verdict').getByText('OK').waitFor();

    await signOut(page);
    assert.equal((await me(page)).status, 401);

    // A wrong password is refused in the dialog, with the server's reason.
    const dialog = await openSignIn(page);
    await dialog.getByLabel('Username').fill(username);
    await dialog.getByLabel('Password').fill(`${password}-wrong`);
    await dialog.getByRole('button', { name: 'Sign in', exact: true }).click();
    await dialog.getByRole('alert').waitFor();
    await screenshot(page, 'sign-in-refused');
    await dialog.getByLabel('Password').fill(password);
    await dialog.getByRole('button', { name: 'Sign in', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await accountButton(page).getByText(username).waitFor();
    assert.equal((await me(page)).body.user.username, username);

    // The session outlives a reload (the server's cookie).
    await page.reload();
    await accountButton(page).getByText(username).waitFor();
    // (The first user of a fresh server is its admin; on a shared one, maybe not.)
    const admin = signedUp.body.user.is_admin ? ['Admin: users'] : [];
    assert.deepEqual(await menuEntries(page), ['API tokens', ...admin, 'Change password', 'Sign out']);
    await context.close();
  }));

test('a guest claims the account and signs in with it later', () =>
  withServer(async (env) => {
    const config = await (await fetch(`${env.base}/api/v1/auth/config`)).json();
    assert.equal(config.guests, true, 'this server takes no guests (auth config says guests: false)');
    // On a phone-sized screen: the account corner must fit there too.
    const { context, page } = await openApp(env, '/', { viewport: { width: 390, height: 844 } });
    const dialog = await openSignIn(page);
    await screenshot(page, 'sign-in-dialog-phone');
    await dialog.getByRole('button', { name: 'Continue as guest' }).click();
    await dialog.waitFor({ state: 'detached' });
    const button = accountButton(page);
    await button.getByText('guest', { exact: true }).waitFor();
    // A guest is shown by its display name, with the badge.
    assert.match(await button.innerText(), /Guest/);
    const guest = await me(page);
    assert.equal(guest.status, 200);
    assert.equal(guest.body.user.is_guest, true);
    assert.match(guest.body.user.username, /^guest-/);

    assert.deepEqual(await menuEntries(page), ['Claim account', 'API tokens', 'Sign out']);
    for (const box of await page.getByRole('menuitem').evaluateAll((items) => items.map((i) => i.getBoundingClientRect().toJSON()))) {
      assert.ok(box.left >= 0 && box.right <= 390, `menu entry out of the screen: ${JSON.stringify(box)}`);
    }
    await screenshot(page, 'guest-menu-phone');

    const username = uniqueName('grace');
    const password = newPassword();
    await pick(page, 'Claim account');
    const claim = page.getByRole('dialog');
    await claim.getByLabel('Username').fill(username);
    await claim.getByLabel('Password').fill(password);
    await claim.getByRole('button', { name: 'Claim account' }).click();
    await claim.waitFor({ state: 'detached' });
    await button.getByText(username).waitFor();
    assert.equal(await button.getByText('guest', { exact: true }).count(), 0, 'no guest badge once claimed');
    const claimed = await me(page);
    assert.equal(claimed.body.user.is_guest, false);
    assert.equal(claimed.body.user.username, username);
    assert.equal(claimed.body.user.id, guest.body.user.id, 'the guest becomes the user, keeping its id');
    assert.ok((await menuEntries(page)).includes('Change password'));
    await page.keyboard.press('Escape');

    await signOut(page);
    await signIn(page, username, password);
    assert.equal((await me(page)).body.user.id, guest.body.user.id);
    await context.close();
  }));

test('an API token made on the tokens page works with curl until revoked', () =>
  withServer(async (env) => {
    const { context, page } = await openApp(env);
    const username = uniqueName('ada');
    await signUp(page, username, newPassword());
    await pick(page, 'API tokens');
    await page.waitForURL(`${env.base}/account/tokens`);
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();

    const name = uniqueName('ci');
    await page.getByLabel('Token name').fill(name);
    await page.getByRole('checkbox', { name: 'runs', exact: true }).check();
    await page.getByLabel('Expires in').selectOption('30');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByRole('textbox', { name: 'New token secret' }).inputValue();
    assert.match(secret, /^cc_/);
    await page.getByText(/won't be shown again/).waitFor();
    const row = page.getByRole('row', { name });
    await row.waitFor();
    assert.match(await row.innerText(), /runs/);
    await screenshot(page, 'api-tokens');

    // The token from outside the browser: curl, as a user of the API would.
    const who = await curl(secret, `${env.base}/api/v1/me`);
    assert.equal(who.status, 200, JSON.stringify(who.body));
    assert.equal(who.body.user.username, username);
    const ran = await curl(secret, `${env.base}/api/v1/runs?wait=true`, [
      '-X',
      'POST',
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify({ language: 'python', source: 'print(6*7)' }),
    ]);
    assert.equal(ran.status, 201, JSON.stringify(ran.body));
    assert.equal(ran.body.verdict, 'ok', JSON.stringify(ran.body));
    assert.match(ran.body.stdout, /42/);

    // Shown once: the page, reloaded, lists the token and no longer has its secret.
    await page.reload();
    await row.waitFor();
    assert.equal(await page.getByRole('textbox', { name: 'New token secret' }).count(), 0);

    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    await row.getByRole('button', { name: 'Yes, revoke' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal((await curl(secret, `${env.base}/api/v1/me`)).status, 401);

    // And back to the editor.
    await page.getByRole('link', { name: 'Back to editor' }).click();
    await page.getByRole('button', { name: 'Run' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await context.close();
  }));

test('the first user is admin and can disable (and enable) another, whose session ends at once', { skip: needsOwn }, () =>
  withServer(async (env) => {
    const admin = await openApp(env);
    const adminName = uniqueName('ada');
    await signUp(admin.page, adminName, newPassword());
    assert.equal((await me(admin.page)).body.user.is_admin, true, 'the first user of a fresh server is admin');

    // A second user, in a browser of their own.
    const other = await openApp(env);
    const otherName = uniqueName('bob');
    const otherPassword = newPassword();
    await signUp(other.page, otherName, otherPassword);
    assert.equal((await me(other.page)).body.user.is_admin, false);
    assert.deepEqual(await menuEntries(other.page), ['API tokens', 'Change password', 'Sign out']);
    await other.page.keyboard.press('Escape');
    // Not for them: the page says so, and their tokens cannot carry the admin scope.
    await other.page.goto(`${env.base}/admin/users`);
    await other.page.getByText('Only administrators can see this page.').waitFor();
    await other.page.goto(`${env.base}/account/tokens`);
    await other.page.getByRole('checkbox', { name: 'runs', exact: true }).waitFor();
    assert.equal(await other.page.getByRole('checkbox', { name: 'admin' }).count(), 0);

    await pick(admin.page, 'Admin: users');
    await admin.page.waitForURL(`${env.base}/admin/users`);
    const row = admin.page.getByRole('row', { name: otherName });
    await row.getByText('Active').waitFor();
    assert.match(await admin.page.getByRole('row', { name: adminName }).innerText(), /admin/);
    await row.getByRole('button', { name: `Disable ${otherName}` }).click();
    await row.getByText('Disabled').waitFor();
    await screenshot(admin.page, 'admin-users');

    // Their session is over: the very next request says so, and signing in is refused.
    assert.equal((await me(other.page)).status, 401);
    await other.page.goto(env.base);
    const dialog = await openSignIn(other.page);
    await dialog.getByLabel('Username').fill(otherName);
    await dialog.getByLabel('Password').fill(otherPassword);
    await dialog.getByRole('button', { name: 'Sign in', exact: true }).click();
    await dialog.getByRole('alert').waitFor();

    // Enabled again, they can sign in.
    await row.getByRole('button', { name: `Enable ${otherName}` }).click();
    await row.getByText('Active').waitFor();
    await dialog.getByRole('button', { name: 'Sign in', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await accountButton(other.page).getByText(otherName).waitFor();
    assert.equal((await me(other.page)).status, 200);
    await admin.context.close();
    await other.context.close();
  }));
