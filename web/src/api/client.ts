// The server's HTTP API, as the UI uses it. Errors carry a message fit for the user.

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

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
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
    if (response.status === 429) {
      const retry = Number(response.headers.get('retry-after') ?? '1') || 1;
      throw new ApiError(`Server busy, retry in ${retry} s`, 429, retry);
    }
    if (response.status >= 502 && response.status <= 504) {
      throw new ApiError('Cannot reach the server. Is codecollab serve running?', response.status);
    }
    const message = (body as { message?: string } | undefined)?.message ?? response.statusText;
    throw new ApiError(message, response.status);
  }
  return body as T;
}

export const api = {
  languages: () => call<Language[]>('/api/v1/languages'),
  createRun: (run: Snippet & { interactive: boolean }) =>
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
