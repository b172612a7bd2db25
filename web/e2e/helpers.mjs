// The account corner as the browser tests drive it: the Sign in button and dialog, the signed-in
// user's menu, and what the server says about the page's session.
import assert from 'node:assert/strict';

/** The signed-in user's menu button in the top bar ("Account: <name>"). */
export const accountButton = (page) => page.getByRole('button', { name: /^Account:/ });
export const signInButton = (page) => page.getByRole('button', { name: 'Sign in', exact: true });

/** What the server says about this browser's session (`/api/v1/me`, asked from the page). */
export async function me(page) {
  return page.evaluate(async () => {
    const response = await fetch('/api/v1/me');
    return { status: response.status, body: response.ok ? await response.json() : null };
  });
}

export async function openSignIn(page) {
  await signInButton(page).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  return dialog;
}

export async function signUp(page, username, password) {
  const dialog = await openSignIn(page);
  await dialog.getByRole('tab', { name: 'Sign up' }).click();
  await dialog.getByLabel('Username').fill(username);
  await dialog.getByLabel('Password').fill(password);
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await dialog.waitFor({ state: 'detached' });
  await accountButton(page).getByText(username).waitFor();
}

export async function signIn(page, username, password) {
  const dialog = await openSignIn(page);
  await dialog.getByLabel('Username').fill(username);
  await dialog.getByLabel('Password').fill(password);
  await dialog.getByRole('button', { name: 'Sign in', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
  await accountButton(page).getByText(username).waitFor();
}

/** The account menu's entries, as shown (the menu is left open). */
export async function menuEntries(page) {
  await accountButton(page).click();
  const menu = page.getByRole('menu', { name: 'Account' });
  await menu.waitFor();
  return menu.getByRole('menuitem').allInnerTexts();
}

/** Picks an entry of the account menu, opening it first where it is closed. */
export async function pick(page, entry) {
  if (!(await page.getByRole('menu', { name: 'Account' }).isVisible())) await accountButton(page).click();
  await page.getByRole('menuitem', { name: entry, exact: true }).click();
}

export async function signOut(page) {
  await pick(page, 'Sign out');
  await signInButton(page).waitFor();
  assert.equal(await accountButton(page).count(), 0);
}
