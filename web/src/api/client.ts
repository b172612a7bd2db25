// The server's HTTP API, as the UI uses it. Errors carry a message fit for the user.
import type { LimitOverrides, Limits, LimitsInfo } from '../state/limits';

export interface Language {
  id: string;
  name: string;
  version: string | null;
  available: boolean;
  reason: string | null;
  main_file: string;
  extensions: string[];
  build_tool: string | null;
  runtime: string | null;
  /** Its run stage's default limits (from servers that send them). */
  limits?: Limits;
}

export interface SourceFile {
  name: string;
  content: string;
}

export interface Snippet {
  id?: string;
  language: string;
  files: SourceFile[];
  entry?: string;
  stdin?: string;
}

export interface User {
  id: string;
  username: string;
  display_name: string;
  is_admin: boolean;
  is_guest: boolean;
}

export interface AuthConfig {
  signup: 'open' | 'invite' | 'closed';
  guests: boolean;
  anonymous_runs: boolean;
  oidc: { name: string } | null;
}

export interface Token {
  id: string;
  name: string;
  scopes: string[];
  /** Milliseconds since the epoch, as every time the server sends. */
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

export interface AdminUser {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  is_admin: boolean;
  is_guest: boolean;
  disabled: boolean;
  created_at: number;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfter?: number,
    /** The server's error code (`username_taken`, `invalid_credentials`…), when it sent one. */
    readonly code?: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      // The session cookie goes with every request to this server (fetch's default, said
      // out loud): the API is same-origin, which is also what its CSRF check asks for.
      credentials: 'same-origin',
      headers: init?.body ? { 'content-type': 'application/json' } : undefined,
    });
  } catch {
    throw new ApiError('Cannot reach the server. Is codecollab serve running?', 0);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = body as { code?: string; message?: string } | undefined;
    const code = typeof error?.code === 'string' ? error.code : undefined;
    if (response.status === 429) {
      const retry = Number(response.headers.get('retry-after') ?? '1') || 1;
      // Too many sign-in attempts is about the user, not a busy server.
      const message = code === 'rate_limited' ? `Too many attempts, try again in ${retry} s` : `Server busy, retry in ${retry} s`;
      throw new ApiError(message, 429, retry, code);
    }
    if (response.status >= 502 && response.status <= 504) {
      throw new ApiError('Cannot reach the server. Is codecollab serve running?', response.status);
    }
    const message = error?.message ?? response.statusText;
    throw new ApiError(message, response.status, undefined, code);
  }
  return body as T;
}

const post = <T>(path: string, body: unknown = {}) => call<T>(path, { method: 'POST', body: JSON.stringify(body) });

/** The signed-in user, or null for a visitor (401). */
async function me(): Promise<User | null> {
  try {
    return (await call<{ user: User }>('/api/v1/me')).user;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

const user = async (request: Promise<{ user: User }>) => (await request).user;

/** Accounts, sessions (the server's HttpOnly cookie, never seen here) and API tokens. */
export const auth = {
  config: () => call<AuthConfig>('/api/v1/auth/config'),
  me,
  /** `invite`: the code an admin gave, where sign-up is by invitation. */
  signup: (fields: { username: string; password: string; email?: string; invite?: string }) =>
    user(post('/api/v1/auth/signup', fields)),
  login: (fields: { username: string; password: string }) => user(post('/api/v1/auth/login', fields)),
  logout: () => post<void>('/api/v1/auth/logout'),
  guest: () => user(post('/api/v1/auth/guest')),
  /** A guest becomes a full user, keeping everything. */
  claim: (fields: { username: string; password: string }) => user(post('/api/v1/auth/claim', fields)),
  changePassword: (fields: { current_password: string; new_password: string }) =>
    post<void>('/api/v1/auth/password', fields),
  tokens: async () => (await call<{ tokens: Token[] }>('/api/v1/tokens')).tokens,
  /** The secret comes back this once. */
  createToken: (fields: { name: string; scopes: string[]; expires_in_days: number | null }) =>
    post<{ token: Token; secret: string }>('/api/v1/tokens', fields),
  revokeToken: (id: string) => call<void>(`/api/v1/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  users: async () => (await call<{ users: AdminUser[] }>('/api/v1/admin/users')).users,
  setDisabled: async (id: string, disabled: boolean) =>
    (await post<{ user: AdminUser }>(`/api/v1/admin/users/${encodeURIComponent(id)}/${disabled ? 'disable' : 'enable'}`)).user,
};

export const api = {
  languages: () => call<Language[]>('/api/v1/languages'),
  /** The operator's maxima; undefined from a server that does not say. */
  limits: async (): Promise<LimitsInfo | undefined> => {
    try {
      return await call<LimitsInfo>('/api/v1/limits');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return undefined;
      throw e;
    }
  },
  createRun: (run: Snippet & { interactive: boolean; limits?: LimitOverrides }) =>
    call<{ id: string }>('/api/v1/runs', {
      method: 'POST',
      body: JSON.stringify({ ...run, priority: 'interactive' }),
    }),
  cancel: (id: string) => call<unknown>(`/api/v1/runs/${id}/cancel`, { method: 'POST', body: '{}' }),
  saveSnippet: (snippet: Snippet) =>
    call<{ id: string; url: string }>('/api/v1/snippets', {
      method: 'POST',
      body: JSON.stringify(snippet),
    }),
  snippet: (id: string) => call<Snippet>(`/api/v1/snippets/${encodeURIComponent(id)}`),
};

export function eventsUrl(runId: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/api/v1/runs/${runId}/events`;
}
