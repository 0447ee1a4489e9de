// What the page mines: a job from a work source (the chain inside the page, or a node).
import type { MinerJob } from './miner.js';

export interface Work extends MinerJob {
  /** The source's id of this job (a node's jobId). */
  id: string;
  /** Height the block will have. */
  height: number;
}

export interface SubmitResult {
  accepted: boolean;
  /** Block hash, display order hex. */
  hash?: string;
  height?: number;
  /** Transactions in the block, coinbase included (when the source knows). */
  txs?: number;
  reason?: string;
}

export interface WorkSource {
  readonly mode: 'standalone' | 'connected';
  /** Starts delivering work: `onWork` gets the first job and every replacement. */
  open(onWork: (w: Work) => void, onStatus: (text: string) => void): Promise<void>;
  /** Asks for a fresh job now (a stripe of the nonce space ran out). */
  refresh(): void;
  /** Hands in a header (nonce set) that meets `work`'s target. */
  submit(work: Work, header: Uint8Array): Promise<SubmitResult>;
  /** Informs the source of the page's hash rate (a node may show it). */
  rate(hashesPerSecond: number): void;
  close(): void;
}
