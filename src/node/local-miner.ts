import type { Block } from '../chain/block.js';
import type { Chain } from '../chain/chain.js';
import type { Mempool } from '../chain/mempool.js';
import { completeBlock, createBlockTemplate } from '../chain/template.js';
import { decodeHeader, encodeHeader, mine } from '../pow/index.js';
import { coinbasePayload, EXTRANONCE_SIZE } from './template.js';

export interface LocalMinerOptions {
  threads: number;
  address: Uint8Array;
  /** Rebuild the template this often even without a new tip (new transactions), ms. */
  refreshMs?: number;
  /** Wait at least this long between two blocks found here (tests, demos), ms. */
  blockIntervalMs?: number;
  /** Hands a found block to the node; resolves null or a reject reason. */
  submit(block: Block): Promise<string | null>;
  log?(line: string): void;
}

/**
 * Mines on the node's own tip with the worker-pool miner: template -> mine() -> block,
 * restarting whenever the tip changes (restart()) or the template gets old.
 */
export class LocalMiner {
  hashesPerSecond = 0;
  blocksFound = 0;
  private running = false;
  private ctrl: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private roll = 0;

  constructor(
    private readonly chain: Chain,
    private readonly mempool: Mempool,
    private readonly opts: LocalMinerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Abandon the current work (a new tip, new transactions) and start on a fresh template. */
  restart(): void {
    this.ctrl?.abort(new Error('new work'));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.ctrl?.abort(new Error('stopping'));
    await this.loop;
    this.hashesPerSecond = 0;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.round();
      } catch (err) {
        // A miner problem must never take the node down; say it and try again shortly.
        this.opts.log?.(`miner: ${(err as Error).message}`);
        await sleep(1000);
      }
    }
  }

  private lastFound = 0;

  private async round(): Promise<void> {
    const wait = (this.opts.blockIntervalMs ?? 0) - (Date.now() - this.lastFound);
    const template = createBlockTemplate(this.chain, this.mempool, { coinbaseTo: this.opts.address, coinbasePayload: this.extranonce() });
    // Do not run ahead of the future-time limit (fast devnets can outpace the clock's MTP rule).
    const ahead = template.header.time - (this.chain.clock() + this.chain.params.maxFutureBlockTime - 1);
    const pause = Math.max(wait, ahead > 0 ? ahead * 1000 : 0);
    const ctrl = new AbortController();
    this.ctrl = ctrl;
    if (pause > 0) {
      await sleep(pause, ctrl.signal);
      if (!this.running || ctrl.signal.aborted) return;
    }
    const timer = setTimeout(() => ctrl.abort(new Error('refresh')), this.opts.refreshMs ?? 10_000);
    let found: { header: Uint8Array } | null = null;
    try {
      found = await mine(encodeHeader(template.header), template.target, {
        threads: this.opts.threads,
        signal: ctrl.signal,
        onProgress: (p) => (this.hashesPerSecond = p.hashesPerSecond),
      });
    } catch (err) {
      if (!ctrl.signal.aborted) {
        this.opts.log?.(`miner: ${(err as Error).message}`);
        await sleep(1000);
      }
    } finally {
      clearTimeout(timer);
    }
    if (!found || !this.running) return;
    let block: Block;
    try {
      block = completeBlock(template, decodeHeader(found.header));
    } catch (err) {
      this.opts.log?.(`miner: ${(err as Error).message}`);
      return;
    }
    const why = await this.opts.submit(block);
    if (why === null) {
      this.blocksFound++;
      this.lastFound = Date.now();
    } else if (why !== 'duplicate') this.opts.log?.(`miner: own block rejected: ${why}`);
  }

  private extranonce(): Uint8Array {
    const en = new Uint8Array(EXTRANONCE_SIZE);
    globalThis.crypto.getRandomValues(en.subarray(0, 4));
    new DataView(en.buffer).setUint32(4, ++this.roll >>> 0, false);
    return coinbasePayload(en);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}
