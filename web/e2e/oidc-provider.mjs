// A real OpenID Connect provider for the browser tests: panva's certified `oidc-provider`
// (v8, the last major that supports Node 20; v9 wants Node 22), run in this Node process on
// plain http at 127.0.0.1. One confidential client, `codecollab`; the built-in dev login form
// (any login name and password: the login name is the account's `sub`); authorization code
// flow with PKCE (S256) required; client_credentials giving RS256 JWT access tokens for our
// API (aud `codecollab`, a `scope` claim), signed with keys made here and published at the
// provider's jwks_uri, which `rotateKey()` replaces without a restart.
//
// What needed configuring, which the defaults of oidc-provider 8 do otherwise:
// - `conformIdTokenClaims: false`: by default, an ID token issued beside an access token
//   carries only `sub` (and the protocol claims), the profile and email claims being left for
//   the userinfo endpoint. Here the ID token carries them too (so does userinfo).
// - the long-lived `_session` cookie is `SameSite=None` by default, which Chromium drops
//   unless it is also `Secure` (never the case on plain http): made `Lax` here.
// - JWT access tokens come only from a resource server (`features.resourceIndicators`). The
//   default resource `urn:codecollab` is applied to client_credentials requests only; an
//   authorization code exchange without a `resource` parameter keeps giving an opaque access
//   token good for the userinfo endpoint (`resource=urn:codecollab` there gives the JWT).
// - `codecollab` is registered with client_secret_basic; oidc-provider 8 takes the secret of
//   such a client in the request body (client_secret_post) as well.
// - PKCE: S256 only, and required for every authorization request (oidc-provider 8's default
//   too; stated here so that no upgrade can loosen it).
// - the dev pages `@import` a Google font; that line is taken out (no network here).
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';

export const CLIENT_ID = 'codecollab';
export const CLIENT_SECRET = 'codecollab-test-secret';
/** The resource indicator of our API, and the audience of its access tokens. */
export const RESOURCE = 'urn:codecollab';
export const AUDIENCE = 'codecollab';
export const RESOURCE_SCOPES = 'runs projects:read';

/** A fresh RS256 signing key as a private JWK with a kid of its own. */
function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: `k-${randomUUID()}`, alg: 'RS256', use: 'sig' };
}

const capitalised = (login) => login.charAt(0).toUpperCase() + login.slice(1);

/**
 * oidc-provider's storage (sessions, interactions, grants, codes, tokens), kept in a Map that
 * outlives one Provider instance, so that `rotateKey()` loses no session or grant.
 */
function adapterOver(store) {
  const grantable = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);
  const now = () => Math.floor(Date.now() / 1000);
  const get = (key) => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now()) {
      store.delete(key);
      return undefined;
    }
    return entry.value;
  };
  const set = (key, value, expiresIn) => store.set(key, { value, expiresAt: expiresIn ? now() + expiresIn : undefined });
  return class SharedAdapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      if (this.model === 'Session') set(`sessionUid:${payload.uid}`, id, expiresIn);
      if (grantable.has(this.model) && payload.grantId) {
        const grantKey = `grant:${payload.grantId}`;
        const keys = get(grantKey);
        if (keys) keys.push(key);
        else set(grantKey, [key], expiresIn);
      }
      if (payload.userCode) set(`userCode:${payload.userCode}`, id, expiresIn);
      set(key, payload, expiresIn);
    }

    async find(id) {
      return get(this.key(id));
    }

    async findByUid(uid) {
      const id = get(`sessionUid:${uid}`);
      return id === undefined ? undefined : this.find(id);
    }

    async findByUserCode(userCode) {
      const id = get(`userCode:${userCode}`);
      return id === undefined ? undefined : this.find(id);
    }

    async consume(id) {
      const payload = get(this.key(id));
      if (payload) payload.consumed = now();
    }

    async destroy(id) {
      store.delete(this.key(id));
    }

    async revokeByGrantId(grantId) {
      const grantKey = `grant:${grantId}`;
      for (const key of get(grantKey) ?? []) store.delete(key);
      store.delete(grantKey);
    }
  };
}

function configuration({ keys, redirectUris, cookieKeys, Adapter }) {
  return {
    adapter: Adapter,
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code', 'client_credentials'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'RS256',
      },
    ],
    jwks: { keys },
    cookies: {
      keys: cookieKeys,
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    scopes: ['openid', 'profile', 'email'],
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: false,
    async findAccount(ctx, sub) {
      return {
        accountId: sub,
        async claims() {
          return { sub, preferred_username: sub, name: capitalised(sub), email: `${sub}@example.test`, email_verified: true };
        },
      };
    },
    pkce: { methods: ['S256'], required: () => true },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Only client_credentials falls back to our API; a sign-in keeps its userinfo token.
        async defaultResource(ctx, client, oneOf) {
          if (oneOf) return oneOf[0];
          return ctx.oidc.params?.grant_type === 'client_credentials' ? RESOURCE : undefined;
        },
        async getResourceServerInfo(ctx, resourceIndicator) {
          if (resourceIndicator !== RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: RESOURCE_SCOPES,
            audience: AUDIENCE,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
        useGrantedResource: async () => true,
      },
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 120,
      BackchannelAuthenticationRequest: 600,
      ClientCredentials: 3600,
      DeviceCode: 600,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 900,
      RefreshToken: 3600,
      Session: 3600,
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    clientBasedCORS: () => false,
    async renderError(ctx, out) {
      ctx.type = 'html';
      const text = Object.entries(out)
        .map(([key, value]) => `<p><b>${key}</b>: ${String(value).replace(/[<&>]/g, (c) => `&#${c.charCodeAt(0)};`)}</p>`)
        .join('');
      ctx.body = `<!DOCTYPE html><title>oidc-provider error</title><h1>Error</h1>${text}`;
    },
  };
}

/** `new Provider`, without the warnings about development-only features it is used for here. */
function quietProvider(issuer, config) {
  const warn = console.warn;
  console.warn = (...args) => {
    if (typeof args[0] === 'string' && args[0].includes('devInteractions')) return;
    warn(...args);
  };
  let provider;
  try {
    provider = new Provider(issuer, config);
  } finally {
    console.warn = warn;
  }
  // The dev pages import a web font: no network here, and nothing to wait for.
  provider.use(async (ctx, next) => {
    await next();
    if (typeof ctx.body === 'string' && ctx.response.is('html')) ctx.body = ctx.body.replace(/@import url\([^)]*\);/g, '');
  });
  return provider;
}

/**
 * Starts the provider on http://127.0.0.1:`port` (the issuer, without a trailing slash).
 * `rotateKey()` puts a new signing key first (new tokens carry its kid), keeping the old ones
 * published so that tokens already issued still verify; the same handle and port go on
 * serving (a fresh Provider behind the same listener, sharing its sessions and grants).
 * @param {{ port: number, redirectUris: string[] }} options
 * @returns {Promise<{ issuer: string, clientId: string, clientSecret: string,
 *   stop(): Promise<void>, clientCredentialsToken(scope?: string): Promise<string>,
 *   rotateKey(): Promise<string>, keys(): object[] }>}
 */
export async function startProvider({ port, redirectUris }) {
  const issuer = `http://127.0.0.1:${port}`;
  const store = new Map();
  const Adapter = adapterOver(store);
  const cookieKeys = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
  let keys = [newSigningKey()];
  let handler = quietProvider(issuer, configuration({ keys, redirectUris, cookieKeys, Adapter })).callback();

  const server = createServer((req, res) => handler(req, res));
  await new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });

  return {
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    /** The private JWKs, the signing one first. */
    keys: () => keys.map((key) => ({ ...key })),
    /** A new signing key (its kid is returned) in front of the old ones. */
    async rotateKey() {
      keys = [newSigningKey(), ...keys];
      handler = quietProvider(issuer, configuration({ keys, redirectUris, cookieKeys, Adapter })).callback();
      return keys[0].kid;
    },
    /** A client_credentials access token (a JWT for our API) with the scope asked for. */
    async clientCredentialsToken(scope = 'runs') {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
      });
      const body = await response.json();
      if (!response.ok || typeof body.access_token !== 'string') {
        throw new Error(`client_credentials refused: ${response.status} ${JSON.stringify(body)}`);
      }
      return body.access_token;
    },
    async stop() {
      await new Promise((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
    },
  };
}
