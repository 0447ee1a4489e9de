// Connected mode: work from a hashlane node over its WebSocket endpoint (protocol.ts).
import { bytesToHex, hexToBytes } from '../pow/index.js';
import { WEB_PROTOCOL_VERSION, parseServerMessage, type ClientMessage, type ResultMessage } from './protocol.js';
import type { SubmitResult, Work, WorkSource } from './work.js';

export class ConnectedSource implements WorkSource {
  readonly mode = 'connected';
  private ws: WebSocket | null = null;
  private closed = false;
  private backoff = 500;
  private pending = new Map<string, ((r: SubmitResult) => void)[]>();

  constructor(
    readonly url: string,
    private readonly client = 'hashlane-web/0.1.0',
  ) {}

  open(onWork: (w: Work) => void, onStatus: (text: string) => void): Promise<void> {
    return new Promise<void>((ok, fail) => {
      let first = true;
      const connect = () => {
        const ws = new WebSocket(this.url);
        this.ws = ws;
        ws.onopen = () => {
          this.backoff = 500;
          this.send({ type: 'hello', version: WEB_PROTOCOL_VERSION, client: this.client });
        };
        ws.onmessage = (e) => {
          let m;
          try {
            m = parseServerMessage(e.data);
          } catch (err) {
            onStatus(`ignored a bad frame from the node: ${(err as Error).message}`);
            return;
          }
          if (m.type === 'welcome') {
            onStatus(`connected to ${this.url}: ${m.chain}, tip ${m.height}`);
            if (first) {
              first = false;
              ok();
            }
          } else if (m.type === 'job') {
            onWork({ id: m.jobId, height: m.height, header: hexToBytes(m.header), target: BigInt(`0x${m.target}`) });
          } else if (m.type === 'result') {
            this.settle(m);
          } else {
            onStatus(`node: ${m.message}`);
          }
        };
        ws.onclose = () => {
          this.ws = null;
          for (const [id, waiters] of this.pending) for (const w of waiters) w({ accepted: false, reason: `connection closed before the result of job ${id}` });
          this.pending.clear();
          if (this.closed) return;
          if (first) {
            first = false;
            fail(new Error(`could not connect to ${this.url}`));
            return;
          }
          onStatus(`disconnected from ${this.url}; retrying in ${this.backoff} ms`);
          setTimeout(() => !this.closed && connect(), this.backoff);
          this.backoff = Math.min(this.backoff * 2, 10_000);
        };
      };
      connect();
    });
  }

  refresh(): void {
    this.send({ type: 'getjob' });
  }

  submit(work: Work, header: Uint8Array): Promise<SubmitResult> {
    return new Promise((ok) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        ok({ accepted: false, reason: 'not connected' });
        return;
      }
      const waiters = this.pending.get(work.id) ?? [];
      waiters.push(ok);
      this.pending.set(work.id, waiters);
      this.send({ type: 'submit', jobId: work.id, header: bytesToHex(header) });
    });
  }

  rate(hashesPerSecond: number): void {
    this.send({ type: 'rate', hashesPerSecond });
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  private settle(m: ResultMessage): void {
    const waiters = this.pending.get(m.jobId);
    const w = waiters?.shift();
    if (waiters && waiters.length === 0) this.pending.delete(m.jobId);
    w?.({ accepted: m.accepted, hash: m.hash, height: m.height, reason: m.reason });
  }

  private send(m: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }
}
