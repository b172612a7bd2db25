// The test OpenID provider (oidc-provider.mjs) on its own, no codecollab server needed:
// discovery, client_credentials JWTs (claims, signature against the jwks_uri, key rotation),
// and one authorization code + PKCE sign-in walked in Chromium through the dev login form.
// Not part of `npm run e2e` (not a *.test.mjs): `node --test e2e/oidc-provider.selftest.mjs`.
import assert from 'node:assert/strict';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { freePort, launchBrowser } from './harness.mjs';
import { startProvider } from './oidc-provider.mjs';

const b64url = (buffer) => Buffer.from(buffer).toString('base64url');
const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

/** Header and payload of a JWT, and whether its RS256 signature verifies with the given JWKS. */
function inspect(jwt, jwks) {
  const parts = jwt.split('.');
  assert.equal(parts.length, 3, `not a JWS compact JWT: ${jwt}`);
  const header = decode(parts[0]);
  const payload = decode(parts[1]);
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  const valid =
    Boolean(jwk) &&
    verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(parts[2], 'base64url'));
  return { header, payload, valid };
}

/** A stand-in redirect_uri: records the query of every request to /callback (not /favicon.ico). */
async function startRedirectTarget() {
  const port = await freePort();
  const hits = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    if (url.pathname === '/callback') hits.push(Object.fromEntries(url.searchParams));
    res.writeHead(200, { 'content-type': 'text/plain' }).end('signed in');
  });
  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  return {
    uri: `http://127.0.0.1:${port}/callback`,
    hits,
    stop: () => new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}

let provider;
let target;
let discovery;

before(async () => {
  target = await startRedirectTarget();
  provider = await startProvider({ port: await freePort(), redirectUris: [target.uri] });
  discovery = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json();
});

after(async () => {
  await provider?.stop();
  await target?.stop();
});

const basic = () => `Basic ${Buffer.from(`${provider.clientId}:${provider.clientSecret}`).toString('base64')}`;
const jwks = async () => (await fetch(discovery.jwks_uri)).json();

test('discovery names the issuer and its endpoints', () => {
  assert.match(provider.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(discovery.issuer, provider.issuer);
  assert.equal(discovery.authorization_endpoint, `${provider.issuer}/auth`);
  assert.equal(discovery.token_endpoint, `${provider.issuer}/token`);
  assert.equal(discovery.jwks_uri, `${provider.issuer}/jwks`);
  assert.equal(discovery.userinfo_endpoint, `${provider.issuer}/me`);
  assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
  for (const scope of ['openid', 'profile', 'email']) assert.ok(discovery.scopes_supported.includes(scope), scope);
  assert.ok(discovery.grant_types_supported.includes('client_credentials'));
  assert.ok(discovery.id_token_signing_alg_values_supported.includes('RS256'));
});

test('client_credentials gives an RS256 JWT for our API, verified by the jwks_uri, also after a key rotation', async () => {
  const token = await provider.clientCredentialsToken('runs');
  const keys = await jwks();
  assert.ok(keys.keys.every((key) => key.d === undefined), 'the jwks_uri publishes no private part');
  const { header, payload, valid } = inspect(token, keys);
  assert.equal(header.alg, 'RS256');
  assert.equal(header.typ, 'at+jwt');
  assert.ok(valid, 'signature verifies with the published key');
  assert.equal(payload.iss, provider.issuer);
  assert.equal(payload.aud, 'codecollab');
  assert.equal(payload.sub, 'codecollab');
  assert.equal(payload.client_id, 'codecollab');
  assert.equal(payload.scope, 'runs');
  assert.ok(payload.exp > payload.iat);

  // Scopes beyond the resource server's are dropped; two of its own come through.
  const wider = inspect(await provider.clientCredentialsToken('runs projects:read admin'), keys);
  assert.equal(wider.payload.scope, 'runs projects:read');

  // The client is registered with client_secret_basic; oidc-provider 8 takes the secret in the
  // body (client_secret_post) from such a client too. A wrong secret is refused either way.
  const post = (secret) =>
    fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'runs', client_id: provider.clientId, client_secret: secret }),
    });
  const posted = await post(provider.clientSecret);
  assert.equal(posted.status, 200);
  assert.equal(inspect((await posted.json()).access_token, keys).payload.scope, 'runs');
  const refused = await post('not-the-secret');
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()).error, 'invalid_client');

  const kid = await provider.rotateKey();
  assert.notEqual(kid, header.kid);
  const rotated = await jwks();
  assert.deepEqual(rotated.keys.map((key) => key.kid), [kid, header.kid]);
  const fresh = inspect(await provider.clientCredentialsToken('runs'), rotated);
  assert.equal(fresh.header.kid, kid, 'new tokens are signed with the new key');
  assert.ok(fresh.valid);
  assert.equal(inspect(token, rotated).valid, true, 'the old token still verifies');
  assert.equal(inspect(await provider.clientCredentialsToken('runs'), keys).valid, false, 'a new token does not verify with the old key set');
});

test('an authorization request without PKCE is refused', async () => {
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({ client_id: provider.clientId, response_type: 'code', redirect_uri: target.uri, scope: 'openid', state: 's1' });
  const response = await fetch(url, { redirect: 'manual' });
  assert.equal(response.status, 303);
  const back = new URL(response.headers.get('location'));
  assert.equal(`${back.origin}${back.pathname}`, target.uri);
  assert.equal(back.searchParams.get('error'), 'invalid_request');
  assert.match(back.searchParams.get('error_description'), /PKCE/);
});

test('authorization code + PKCE in Chromium: dev login form, consent, code exchanged for an ID token', async () => {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const authorize = () => {
      const verifier = b64url(randomBytes(32));
      const state = b64url(randomBytes(16));
      const nonce = b64url(randomBytes(16));
      const url = new URL(discovery.authorization_endpoint);
      url.search = new URLSearchParams({
        client_id: provider.clientId,
        response_type: 'code',
        redirect_uri: target.uri,
        scope: 'openid profile email',
        state,
        nonce,
        code_challenge: b64url(createHash('sha256').update(verifier).digest()),
        code_challenge_method: 'S256',
      });
      return { url: url.href, verifier, state, nonce };
    };

    const first = authorize();
    await page.goto(first.url);
    // The dev login form: unlabelled inputs named login and password, a "Sign-in" button.
    await page.getByRole('heading', { name: 'Sign-in' }).waitFor();
    await page.getByPlaceholder('Enter any login').fill('alice');
    await page.getByPlaceholder('and password').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    // Consent, the first time this account meets the client: a "Continue" button.
    await page.getByRole('heading', { name: 'Authorize' }).waitFor();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.href.startsWith(target.uri));
    await page.getByText('signed in').waitFor();

    const hit = target.hits.at(-1);
    assert.equal(hit.state, first.state);
    assert.ok(hit.code, `no code in ${JSON.stringify(hit)}`);
    assert.equal(hit.iss, provider.issuer, 'RFC 9207 iss in the authorization response');

    const exchange = (code, verifier) =>
      fetch(discovery.token_endpoint, {
        method: 'POST',
        headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: target.uri, code_verifier: verifier }),
      });
    // A wrong code_verifier is refused (the code of the second sign-in below is the one used).
    const wrong = await exchange(hit.code, b64url(randomBytes(32)));
    assert.equal(wrong.status, 400);
    assert.equal((await wrong.json()).error, 'invalid_grant');

    // Signed in at the provider and consented: a second authorization goes straight back.
    const second = authorize();
    await page.goto(second.url);
    await page.waitForURL((url) => url.href.startsWith(target.uri));
    const again = target.hits.at(-1);
    assert.equal(again.state, second.state);

    const response = await exchange(again.code, second.verifier);
    const tokens = await response.json();
    assert.equal(response.status, 200, JSON.stringify(tokens));
    assert.equal(tokens.token_type, 'Bearer');
    const { header, payload, valid } = inspect(tokens.id_token, await jwks());
    assert.equal(header.alg, 'RS256');
    assert.ok(valid);
    assert.equal(payload.iss, provider.issuer);
    assert.equal(payload.aud, provider.clientId);
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.nonce, second.nonce);
    assert.equal(payload.preferred_username, 'alice');
    assert.equal(payload.name, 'Alice');
    assert.equal(payload.email, 'alice@example.test');
    assert.equal(payload.email_verified, true);

    // The access token of a sign-in is for the userinfo endpoint, which says the same.
    const userinfo = await (await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
    assert.deepEqual(userinfo, { sub: 'alice', preferred_username: 'alice', name: 'Alice', email: 'alice@example.test', email_verified: true });

    // A code is good once.
    const replay = await exchange(again.code, second.verifier);
    assert.equal(replay.status, 400);
    await context.close();
  } finally {
    await browser.close();
  }
});
