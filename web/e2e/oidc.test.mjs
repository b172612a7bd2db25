// OpenID Connect end to end: our server signing people in with a real OpenID provider
// (oidc-provider.mjs: panva's oidc-provider on 127.0.0.1, its dev login form taking any name),
// and the provider's JWT access tokens used as bearer tokens on our API. Each test starts a
// server of its own, configured for that provider, and the provider beside it.
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { freePort, openApp, screenshot, start } from './harness.mjs';
import { accountButton, me, openSignIn, signOut, signUp } from './helpers.mjs';
import { CLIENT_ID, CLIENT_SECRET, startProvider } from './oidc-provider.mjs';

const needsOwn = process.env.CODECOLLAB_URL ? 'needs a server of its own, configured for the test provider (CODECOLLAB_URL is set)' : false;
const IDP_NAME = 'Test IdP';

/**
 * The provider's port is chosen first, so that the server can be told the issuer; the server
 * (whose port the harness picks) then gives the provider its redirect URI. The server reads the
 * provider's discovery document only at the first sign-in, so it starts before the provider.
 */
async function startWithProvider() {
  const providerPort = await freePort();
  const env = await start({
    serveArgs: [
      '--workers', '2',
      '--oidc-issuer', `http://127.0.0.1:${providerPort}`,
      '--oidc-client-id', CLIENT_ID,
      '--oidc-client-secret', CLIENT_SECRET,
      '--oidc-name', IDP_NAME,
      '--public-url', '{base}',
    ],
  });
  let provider;
  try {
    provider = await startProvider({ port: providerPort, redirectUris: [`${env.base}/api/v1/auth/oidc/callback`] });
  } catch (error) {
    await env.stop();
    throw error;
  }
  return {
    env,
    provider,
    async stop() {
      await env.stop();
      await provider.stop();
    },
  };
}

/**
 * From the sign-in dialog to the IDE, signed in: "Sign in with Test IdP", then the provider's
 * pages as they come (its dev login form: inputs named `login` and `password`, placeholders
 * "Enter any login" and "and password", a "Sign-in" button; its consent page: "Continue"),
 * until our server has sent the browser back to `/`. A provider session and grant from
 * before skip both pages. Returns the provider pages passed through.
 */
async function signInWithProvider(page, env, login, { screenshotAs } = {}) {
  const dialog = await openSignIn(page);
  const link = dialog.getByRole('link', { name: `Sign in with ${IDP_NAME}` });
  assert.equal(await link.getAttribute('href'), '/api/v1/auth/oidc/login');
  await link.click();
  const ours = new URL(env.base).origin;
  const home = (url) => url.origin === ours && url.pathname === '/';
  const passed = [];
  for (;;) {
    await page.waitForURL((url) => home(url) || (url.origin !== ours && url.pathname.startsWith('/interaction/')));
    const here = page.url();
    if (home(new URL(here))) break;
    assert.ok(passed.length < 2, `the provider keeps asking: ${passed.join(', ')}, at ${here}`);
    const name = page.getByPlaceholder('Enter any login');
    const consent = page.getByRole('button', { name: 'Continue' });
    await name.or(consent).first().waitFor();
    if (await name.isVisible()) {
      if (screenshotAs) await screenshot(page, screenshotAs);
      await name.fill(login);
      await page.getByPlaceholder('and password').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      passed.push('login');
    } else {
      await consent.click();
      passed.push('consent');
    }
    await page.waitForURL((url) => url.href !== here);
  }
  await page.getByRole('button', { name: 'Run' }).waitFor();
  await accountButton(page).waitFor();
  return passed;
}

test('signs in with the OpenID provider and lands back signed in', { skip: needsOwn }, async () => {
  const { env, stop } = await startWithProvider();
  try {
    const config = await (await fetch(`${env.base}/api/v1/auth/config`)).json();
    assert.deepEqual(config.oidc, { name: IDP_NAME });

    const { context, page } = await openApp(env);
    const passed = await signInWithProvider(page, env, 'alice', { screenshotAs: 'oidc-provider-login' });
    assert.deepEqual(passed, ['login', 'consent'], 'a first sign-in asks who one is, then for consent');
    assert.equal(new URL(page.url()).pathname, '/');
    await accountButton(page).getByText('Alice', { exact: true }).waitFor();
    const first = await me(page);
    assert.equal(first.status, 200);
    assert.equal(first.body.user.username, 'alice');
    assert.equal(first.body.user.display_name, 'Alice');
    assert.equal(first.body.user.is_guest, false);

    // The session is our server's own: it outlives a reload, and ends with Sign out.
    await page.reload();
    await accountButton(page).getByText('Alice', { exact: true }).waitFor();
    await signOut(page);
    assert.equal((await me(page)).status, 401);

    // Again: the provider still knows the browser (no login, no consent this time); the same
    // (issuer, sub) is the same user, not a second one.
    await signInWithProvider(page, env, 'alice');
    const again = await me(page);
    assert.equal(again.status, 200);
    assert.equal(again.body.user.id, first.body.user.id);
    assert.equal(again.body.user.username, 'alice');
    await context.close();

    // Another browser, another account at the provider: another user.
    const other = await openApp(env);
    await signInWithProvider(other.page, env, 'bob');
    const bob = await me(other.page);
    assert.equal(bob.body.user.username, 'bob');
    assert.equal(bob.body.user.display_name, 'Bob');
    assert.notEqual(bob.body.user.id, first.body.user.id);
    await other.context.close();
  } finally {
    await stop();
  }
});

test('a new user from the provider whose name is taken gets another username, lower-cased', { skip: needsOwn }, async () => {
  const { env, stop } = await startWithProvider();
  try {
    // "carol" signs up with a password first.
    const local = await openApp(env);
    await signUp(local.page, 'carol', 'pw-0123456789abcdef');
    const carol = await me(local.page);
    assert.equal(carol.body.user.username, 'carol');
    await local.context.close();

    // Then "Carol" comes from the provider (preferred_username "Carol", name "Carol").
    const { context, page } = await openApp(env);
    await signInWithProvider(page, env, 'Carol');
    const linked = await me(page);
    assert.equal(linked.status, 200);
    assert.notEqual(linked.body.user.id, carol.body.user.id, 'not the local account of that name');
    assert.notEqual(linked.body.user.username, 'carol');
    assert.match(linked.body.user.username, /^carol./, 'the lower-cased name with a suffix');
    assert.equal(linked.body.user.display_name, 'Carol');
    await accountButton(page).getByText('Carol', { exact: true }).waitFor();
    await context.close();
  } finally {
    await stop();
  }
});

/** A JWT with the given header and payload, signed RS256 with the given private key. */
function forge(header, payload, privateKey) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part(header)}.${part(payload)}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
}

const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

test('an access token from the issuer works as a bearer token', { skip: needsOwn }, async () => {
  const { env, provider, stop } = await startWithProvider();
  try {
    const bearer = (token) => ({ authorization: `Bearer ${token}` });
    const whoIs = (token) => fetch(`${env.base}/api/v1/me`, { headers: bearer(token) });
    const run = (token) =>
      fetch(`${env.base}/api/v1/runs?wait=true`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify({ language: 'python', source: 'print(6*7)' }),
      });

    const token = await provider.clientCredentialsToken('runs');
    const [header, payload] = token.split('.').map((part, i) => (i < 2 ? decode(part) : part));
    assert.equal(payload.iss, provider.issuer);
    assert.equal(payload.aud, CLIENT_ID);
    assert.equal(payload.scope, 'runs');

    const who = await whoIs(token);
    const body = await who.json();
    assert.equal(who.status, 200, JSON.stringify(body));
    assert.ok(body.user.id, JSON.stringify(body));
    assert.deepEqual(body.auth.scopes, ['runs'], JSON.stringify(body));
    // The same (iss, sub) is the same user every time.
    const token2 = await provider.clientCredentialsToken('runs');
    assert.equal((await (await whoIs(token2)).json()).user.id, body.user.id);

    const ran = await run(token);
    const result = await ran.json();
    assert.equal(ran.status, 201, JSON.stringify(result));
    assert.equal(result.verdict, 'ok', JSON.stringify(result));
    assert.equal(result.stdout, '42\n');

    // The token's scopes are what it may do: without "runs", no run.
    const narrow = await provider.clientCredentialsToken('projects:read');
    assert.equal((await whoIs(narrow)).status, 200);
    assert.equal((await run(narrow)).status, 403);

    // Tampered with: one character of the signature, or the payload (given more scope).
    const [h, p, s] = token.split('.');
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    assert.equal((await whoIs(`${h}.${p}.${flipped}`)).status, 401, 'a changed signature');
    const wider = Buffer.from(JSON.stringify({ ...payload, scope: 'runs projects:read projects:write' })).toString('base64url');
    assert.equal((await whoIs(`${h}.${wider}.${s}`)).status, 401, 'a changed payload');
    // Not signed at all, or signed by someone else (under the provider's kid, or one unknown).
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`;
    assert.equal((await whoIs(none)).status, 401, 'alg none');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal((await whoIs(forge(header, payload, privateKey))).status, 401, 'a key the provider does not publish, its kid');
    assert.equal((await whoIs(forge({ ...header, kid: 'made-up' }, payload, privateKey))).status, 401, 'an unknown kid');
    // Well signed (with the provider's own key, taken from it here) but not for us: another
    // audience, another issuer, expired. The same forging, unchanged, is accepted.
    const providerKey = createPrivateKey({ key: provider.keys()[0], format: 'jwk' });
    assert.equal((await whoIs(forge(header, payload, providerKey))).status, 200, 'the control: a faithful copy');
    assert.equal((await whoIs(forge(header, { ...payload, aud: 'someone-else' }, providerKey))).status, 401, 'another audience');
    assert.equal((await whoIs(forge(header, { ...payload, iss: 'http://127.0.0.1:1' }, providerKey))).status, 401, 'another issuer');
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await whoIs(forge(header, { ...payload, iat: now - 7200, exp: now - 3600 }, providerKey))).status, 401, 'expired');

    // A new signing key at the provider: the server, not knowing its kid, reads the JWKS again.
    const kid = await provider.rotateKey();
    const rotated = await provider.clientCredentialsToken('runs');
    assert.equal(decode(rotated.split('.')[0]).kid, kid);
    assert.notEqual(kid, header.kid);
    const afterRotation = await whoIs(rotated);
    assert.equal(afterRotation.status, 200, await afterRotation.text());
    assert.equal((await run(rotated)).status, 201);
    // The old key is still published, so the old token still works.
    assert.equal((await whoIs(token)).status, 200);
  } finally {
    await stop();
  }
});
