// Drives one run: submits it, follows its event stream over a WebSocket, feeds it typed input,
// stops it. The UI subscribes to state changes; output goes straight to the console.
import { api, eventsUrl, type Snippet } from '../api/client';
import type { LimitOverrides } from './limits';
import { applyMessage, initialRun, type OutputChunk, type RunState } from './run';

export interface RunnerCallbacks {
  onState: (state: RunState) => void;
  onOutput: (chunk: OutputChunk) => void;
}

export class Runner {
  private state: RunState = initialRun;
  private socket?: WebSocket;

  constructor(private readonly callbacks: RunnerCallbacks) {}

  get current(): RunState {
    return this.state;
  }

  private set(state: RunState) {
    this.state = state;
    this.callbacks.onState(state);
  }

  /**
   * Starts a run. `interactive` keeps the program's stdin open for what the user types (until
   * Ctrl+D); otherwise stdin is `code.stdin` and then end of file, as on a judge.
   */
  async start(code: Snippet, interactive: boolean, limits?: LimitOverrides): Promise<void> {
    this.socket?.close();
    this.set({ ...initialRun, phase: 'submitting' });
    let id: string;
    try {
      ({ id } = await api.createRun({ ...code, interactive, ...(limits && Object.keys(limits).length > 0 ? { limits } : {}) }));
    } catch (e) {
      this.set({ ...initialRun, error: (e as Error).message });
      return;
    }
    this.set({ ...this.state, runId: id, phase: 'queued' });
    const socket = new WebSocket(eventsUrl(id));
    this.socket = socket;
    socket.onmessage = (event) => {
      let message: { type: string };
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return;
      }
      const [next, chunk] = applyMessage(this.state, message);
      if (chunk) this.callbacks.onOutput(chunk);
      // Output changes nothing the page shows but the console (which has it already): no
      // re-render per chunk, of which there can be thousands a second.
      if (next !== this.state && (message.type === 'stdout' || message.type === 'stderr')) this.state = next;
      else if (next !== this.state) this.set(next);
    };
    socket.onclose = () => {
      if (this.socket === socket && this.state.phase !== 'done') {
        this.set({ ...this.state, phase: 'done', error: 'The connection to the server was lost before the run ended.' });
      }
    };
  }

  /** Sends a line the user typed to the running program. */
  send(data: string): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN || this.state.phase === 'done') return false;
    this.socket.send(JSON.stringify({ type: 'stdin', data }));
    return true;
  }

  endInput(): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: 'eof' }));
  }

  async stop(): Promise<void> {
    const id = this.state.runId;
    if (!id || this.state.phase === 'done') return;
    try {
      await api.cancel(id);
    } catch (e) {
      this.set({ ...this.state, error: (e as Error).message });
    }
  }

  dispose(): void {
    this.socket?.close();
  }
}
