/**
 * Runs the Tendermint state machine (src/bft/machine.ts) for a node: the machine decides,
 * this file carries out what it asks for. Heights are the chain's tip + 1; the validator
 * set of a height is what the chain's state says (engine.validatorSetAt); a proposal is a
 * block template carrying the tip's LastCommit; valid(v) is chain.checkCandidate; a
 * decision is connected (awaited) before the commit pause lets the next height start.
 *
 * Gossip: one topic (`/hashlane/<chain>/bft/1`), messages as in net/bft-wire.ts. Every
 * message is screened before any signature is checked (size, chain id, height window,
 * membership, proposer of the round, block id of the value), then its signatures join a
 * batch (bft-verify.ts). A sender of malformed, forged or misattributed messages is
 * penalised through the network's misbehaviour score and gossipsub's (a Reject).
 *
 * Durability: the machine's WAL is a FileWal in the chain dir (fsync per record), so a
 * restarted validator never signs two different votes for one height/round/step. The
 * commit of the tip (needed to propose the next block, whose LastCommit it is) is kept in
 * `bft-commits.bin` (fsynced before the block is connected); a node that lacks it (block
 * sync brought the tip) learns it from a peer's rebroadcast decision before it proposes.
 *
 * Followers (a key outside the set) run the same machine without a vote: they follow by
 * decisions (a commit verified in one batch call) and by block sync. When the chain moves
 * past the machine's height by other means (block sync), the machine restarts at the new
 * height.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TopicValidatorResult } from '@libp2p/interface';
import { decodeCommit, encodeCommit, verifyCommit, type Commit } from '../bft/commit.js';
import type { BftEngine } from '../bft/engine.js';
import type { Evidence } from '../bft/evidence.js';
import { DEFAULT_TIMEOUTS, MAX_ROUNDS_AHEAD, TendermintMachine, type Action, type Message, type Step, type Timeouts } from '../bft/machine.js';
import { proposalSignBytesOf, voteSignBytesOf } from '../bft/messages.js';
import type { ValidatorSet } from '../bft/validators.js';
import { MemoryWal, type Wal } from '../bft/wal.js';
import { blockHash, decodeBlock, encodeBlock, HEADER_SIZE, type Block } from '../chain/block.js';
import type { Chain, TipChangeEvent } from '../chain/chain.js';
import { Reader, Writer } from '../chain/codec.js';
import { ChainError, DecodeError, ValidationError } from '../chain/errors.js';
import { bytesEqual, toDisplayHex, toHex } from '../chain/hex.js';
import type { Mempool } from '../chain/mempool.js';
import { createEvidenceTx } from '../chain/modules/bft/builders.js';
import { lastSet } from '../chain/modules/bft/index.js';
import { createBlockTemplate } from '../chain/template.js';
import { encodeTx, type Transaction } from '../chain/tx.js';
import { sha256d } from '../hash/index.js';
import type { SignedItem } from '../sig/ed25519.js';
import { ed25519 } from '../sig/index.js';
import { FileWal } from './bft-wal.js';
import { GossipVerifier } from './bft-verify.js';
import type { Logger } from './log.js';
import { decodeBftMessage, encodeBftMessage, WrongChainError } from './net/bft-wire.js';
import { Penalty, type Network, type Peer } from './net/network.js';
import type { ValidatorKey } from './validator-key.js';

/** Misbehaviour points for BFT gossip (Penalty in net/network.ts for the rest). */
export const BftPenalty = {
  /** A signature that does not verify: no honest relay forwards one. */
  BAD_SIGNATURE: 50,
  /** A vote of a key outside the set, or a proposal by the wrong proposer. */
  NOT_A_VALIDATOR: 20,
  /** A decision whose commit does not hold, or a value that is not a block of its id. */
  BAD_DECISION: 50,
} as const;

export interface BftDriverOptions {
  chain: Chain;
  mempool: Mempool;
  network: Network;
  /** The validator key: it votes while it is in the set, else this node follows. */
  key: ValidatorKey;
  /** The chain dir (WAL and seen commits there); null keeps both in memory. */
  dir: string | null;
  logger: Logger;
  /** Default: params.bftTimeouts, else CometBFT's. */
  timeouts?: Timeouts;
  /** How often own messages and the last decision are gossiped again (default: the commit pause, at least 500 ms). */
  rebroadcastMs?: number;
  /** Who the coinbase of this node's proposals pays (default: the validator key). */
  coinbaseTo?: Uint8Array;
  /** Fee per byte of the evidence transactions this node submits (default 1, the mempool's default minimum). */
  evidenceFeeRate?: bigint;
  /** Relays a transaction this node made (evidence) to its peers. */
  relayTx(tx: Transaction): void;
  /** The members of the next height's set changed (a consortium node recomputes its peer allowlist). */
  onValidatorSet?(set: ValidatorSet): void;
}

export interface ConsensusState {
  height: number;
  round: number;
  /** propose | prevote | precommit | commit, or `waiting` (a validator that waits for the tip's commit). */
  step: Step | 'waiting';
  /** This node's key is in the set of the height. */
  validator: boolean;
  /** Hex key of the round's proposer. */
  proposer: string;
  lockedRound: number;
  /** The round timeouts this node runs with (ms): local configuration, not consensus. */
  timeouts: Timeouts;
}

const COMMITS_FILE = 'bft-commits.bin';
const WAL_FILE = 'bft-wal.bin';
/** Proposals of the next height passed to the machine (its buffer must not hold megabytes of values). */
const NEXT_PROPOSAL_ROUNDS = 2;
/** Proposals and decisions above this size are rebroadcast every LARGE_EVERY-th time only. */
const LARGE_MESSAGE = 64 << 10;
const LARGE_EVERY = 4;

/**
 * Writes `data` to `path` durably: a temp file, fsynced, renamed over the old one (a crash
 * leaves the old file or the new one, whole).
 */
function writeDurable(path: string, data: Uint8Array): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export class BftDriver {
  readonly chain: Chain;
  readonly engine: BftEngine;
  readonly verifier = new GossipVerifier();
  private readonly o: BftDriverOptions;
  private readonly log: Logger;
  private readonly timeouts: Timeouts;
  private readonly topic: string;
  private readonly maxValue: number;
  private readonly wal: Wal & { close?(): void };
  machine: TendermintMachine | null = null;
  /** A validator at a height >= 2 without the tip's commit waits for it before it runs. */
  private waiting = false;
  private epoch = 0;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private rebroadcastTimer: ReturnType<typeof setInterval> | null = null;
  private connecting: Promise<void> = Promise.resolve();
  /** Verified commits by height (the tip's and its parent's), persisted. */
  private readonly commits = new Map<number, Commit>();
  private validCache = new WeakMap<Uint8Array, boolean>();
  private nextProposals = new Set<string>();
  /** The next height whose decision was passed to the machine's buffer (once per height). */
  private nextDecision = 0;
  private ticks = 0;
  private setKeys = '';
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  /** Counters for getconsensusstate, tests and the bench. */
  readonly stats = { decided: 0, restarts: 0, rejected: 0, ignored: 0, accepted: 0, evidence: 0 };

  constructor(options: BftDriverOptions) {
    this.o = options;
    this.chain = options.chain;
    this.engine = options.chain.consensus as BftEngine;
    this.log = options.logger;
    const t = options.timeouts ?? this.chain.params.bftTimeouts ?? DEFAULT_TIMEOUTS;
    // A zero commit pause would start the next height inside decide(), before its block is connected.
    this.timeouts = { ...t, commit: Math.max(1, t.commit) };
    const topic = options.network.protocols.bftTopic;
    if (!topic) throw new ChainError('bft-no-topic', `chain ${this.chain.params.name} has no bft gossip topic (its consensus is not bft)`);
    this.topic = topic;
    this.maxValue = this.chain.params.maxBlockSize;
    this.wal = options.dir === null ? new MemoryWal() : new FileWal(join(options.dir, WAL_FILE));
    this.loadCommits();
  }

  start(): void {
    this.unsubscribe = this.chain.subscribe((ev) => this.onTip(ev));
    this.restart('start');
    const every = this.o.rebroadcastMs ?? Math.max(500, this.timeouts.commit);
    this.rebroadcastTimer = setInterval(() => this.rebroadcast(), every);
    this.rebroadcastTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.epoch++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.rebroadcastTimer) clearInterval(this.rebroadcastTimer);
    this.unsubscribe?.();
    await this.connecting;
    this.wal.close?.();
  }

  /** The set voting on the machine's height (or the next height, while waiting). */
  get validatorSet(): ValidatorSet {
    return this.machine?.validatorSet ?? this.engine.validatorSetAt(this.chain.state);
  }

  get isValidator(): boolean {
    return this.validatorSet.indexOf(this.o.key.publicKey) >= 0;
  }

  state(): ConsensusState {
    const m = this.machine;
    const set = this.validatorSet;
    const round = m?.round ?? 0;
    return {
      height: m?.height ?? this.chain.height + 1,
      round,
      step: m ? m.step : 'waiting',
      validator: set.indexOf(this.o.key.publicKey) >= 0,
      proposer: toHex(set.proposerAt(round).publicKey),
      lockedRound: m?.locked.round ?? -1,
      timeouts: { ...this.timeouts },
    };
  }

  /** Highest final height: the tip once its commit is known here, else the engine's rule (tip - 1). */
  finalizedHeight(): number {
    const tip = this.chain.tip;
    const c = this.commits.get(tip.height);
    if (tip.height > 0 && c && bytesEqual(c.blockId, tip.hash)) return tip.height;
    return this.engine.finalizedHeight(tip);
  }

  /** A verified commit of block `hash` at `height` known here (the tip's or its parent's). */
  commitFor(height: number, hash: Uint8Array): Commit | null {
    const c = this.commits.get(height);
    return c && bytesEqual(c.blockId, hash) ? c : null;
  }

  // ---- the machine ----

  private restart(why: string): void {
    if (this.stopped) return;
    this.epoch++;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.validCache = new WeakMap();
    this.nextProposals = new Set();
    const tip = this.chain.tip;
    const height = tip.height + 1;
    const set = this.engine.validatorSetAt(this.chain.state);
    this.noteSet(set);
    if (why !== 'start') this.stats.restarts++;
    if (tip.height >= 1 && set.indexOf(this.o.key.publicKey) >= 0 && !this.commitFor(tip.height, tip.hash)) {
      // Proposing block tip+1 needs the tip's commit (its LastCommit): wait for a peer's decision.
      if (!this.waiting) this.log.info(`bft: height ${height}: waiting for the commit of block ${tip.height} from a peer before voting`);
      this.machine = null;
      this.waiting = true;
      return;
    }
    this.waiting = false;
    this.wal.compact(height);
    let m: TendermintMachine;
    try {
      m = this.newMachine(height);
    } catch (err) {
      const e = new ChainError('bft-bad-wal', `the consensus WAL cannot be replayed (${(err as Error).message}); with it moved away this validator could sign a second vote at height ${height}, so it stops here`);
      if (why === 'start') throw e;
      // Later restarts run inside timers and listeners: stop voting, keep the node up.
      this.machine = null;
      this.log.error(`bft: ${e.message}`);
      return;
    }
    this.machine = m;
    this.log.debug(`bft: machine at height ${height} (${why})`);
    this.run(this.call(() => m.start()));
  }

  private newMachine(height: number): TendermintMachine {
    const key = this.o.key;
    return new TendermintMachine({
      chainId: this.chain.params.chainId,
      height,
      signer: { publicKey: key.publicKey, sign: (msg) => ed25519.sign(msg, key.secretKey) },
      validators: () => {
        const s = this.engine.validatorSetAt(this.chain.state);
        this.noteSet(s);
        return s;
      },
      getValue: (h) => this.proposalValue(h),
      valid: (h, v) => this.valid(h, v),
      valueId: (v) => valueId(v),
      verify: this.verifier.check,
      timeouts: this.timeouts,
      wal: this.wal,
    });
  }

  /** Runs a machine call; a throw (a bug or a callback failure) is logged, never fatal to the node. */
  private call(fn: () => Action[]): Action[] {
    try {
      return fn();
    } catch (err) {
      this.log.error(`bft: state machine: ${(err as Error).message}`);
      return [];
    }
  }

  private run(actions: Action[]): void {
    const epoch = this.epoch;
    for (const a of actions) {
      if (epoch !== this.epoch) return;
      if (a.type === 'broadcast') this.publish(a.message, 0);
      else if (a.type === 'timeout') this.schedule(a.height, a.round, a.step, a.delayMs);
      else if (a.type === 'decide') this.onDecide(a.height, a.round, a.value, a.commit);
      else this.onEvidence(a.evidence);
    }
  }

  private schedule(height: number, round: number, step: Step, delayMs: number): void {
    const epoch = this.epoch;
    const t = setTimeout(async () => {
      this.timers.delete(t);
      if (epoch !== this.epoch) return;
      if (step === 'commit') {
        // The next height's set and template come from the state after the decided block.
        await this.connecting;
        if (epoch !== this.epoch) return;
        if (this.chain.height !== height) return this.restart(`block ${height} is not the tip after its decision`);
      }
      const m = this.machine;
      if (m) this.run(this.call(() => m.onTimeout(height, round, step)));
    }, delayMs);
    t.unref?.();
    this.timers.add(t);
  }

  private proposalValue(height: number): Uint8Array {
    const tip = this.chain.tip;
    if (height !== tip.height + 1) throw new ChainError('bft-height', `asked for a proposal at height ${height}, the tip is ${tip.height}`);
    const lastCommit = tip.height >= 1 ? this.commitFor(tip.height, tip.hash) : null;
    if (tip.height >= 1 && !lastCommit) {
      // Only reachable if the commit got lost (a follower turned validator): wait for it as a restarted validator does.
      queueMicrotask(() => this.restart('no commit of the tip to propose with'));
      throw new ChainError('bft-no-commit', `no commit of block ${tip.height} to propose height ${height} with`);
    }
    const opts = { coinbaseTo: this.o.coinbaseTo ?? this.o.key.publicKey, ...(lastCommit ? { lastCommit } : {}), claimReward: this.engine.claimsReward };
    let t;
    try {
      t = createBlockTemplate(this.chain, this.o.mempool, opts);
    } catch (err) {
      // A mempool transaction the template cannot take must not cost the round: propose an empty block.
      this.log.warn(`bft: template with mempool transactions failed (${(err as Error).message}); proposing an empty block`);
      t = createBlockTemplate(this.chain, null, opts);
    }
    return encodeBlock(t.block);
  }

  private valid(height: number, value: Uint8Array): boolean {
    const cached = this.validCache.get(value);
    if (cached !== undefined) return cached;
    let ok = false;
    try {
      if (height !== this.chain.height + 1) throw new ChainError('bft-height', `value for height ${height}, the tip is ${this.chain.height}`);
      const block = decodeBlock(value, this.maxValue, this.chain.registry);
      this.chain.checkCandidate(block);
      ok = true;
    } catch (err) {
      // The tip is being moved: no verdict on the value (the machine asks again, or restarts at the new height).
      if (err instanceof ValidationError && err.reason === 'chain-busy') return false;
      this.log.debug(`bft: height ${height}: proposed block refused: ${(err as Error).message}`);
    }
    this.validCache.set(value, ok);
    return ok;
  }

  private onDecide(height: number, round: number, value: Uint8Array, commit: Commit): void {
    this.stats.decided++;
    this.connecting = this.connecting.then(async () => {
      let block: Block;
      try {
        block = decodeBlock(value, this.maxValue, this.chain.registry);
      } catch (err) {
        this.log.error(`bft: decided value at height ${height} is not a block: ${(err as Error).message}`);
        return;
      }
      // Durable before the block is: a restart then always finds the tip's commit.
      this.rememberCommit(commit);
      try {
        const res = await this.chain.addBlock(block);
        if (res.status === 'side-chain') this.log.warn(`bft: decided block ${height} is on a side chain of equal length; the next decision moves the tip onto it`);
        this.log.info(`bft: finalized block ${height} ${toDisplayHex(blockHash(block.header))} (round ${round}, ${commit.signatures.length} signatures, ${block.txs.length} tx)`);
      } catch (err) {
        this.log.error(`bft: decided block ${height} was refused by the chain: ${(err as Error).message}`);
      }
    });
  }

  private onEvidence(e: Evidence): void {
    this.stats.evidence++;
    this.log.warn(`bft: equivocation by ${toHex(e.a.validator)} at height ${e.a.height} round ${e.a.round} (${e.a.type === 1 ? 'prevote' : 'precommit'}); submitting evidence`);
    try {
      const args = { chainId: this.chain.params.chainId, nonce: this.o.mempool.nextNonce(this.o.key.publicKey), evidence: e };
      // The fee covers the mempool's rate per byte (the encoding's size does not depend on the fee's value).
      const size = encodeTx(createEvidenceTx({ ...args, fee: 0n }, this.o.key.secretKey)).length;
      const tx = createEvidenceTx({ ...args, fee: BigInt(size) * (this.o.evidenceFeeRate ?? 1n) }, this.o.key.secretKey);
      this.o.mempool.add(tx);
      this.o.relayTx(tx);
    } catch (err) {
      this.log.info(`bft: evidence not submitted: ${(err as Error).message}`);
    }
  }

  private onTip(ev: TipChangeEvent): void {
    const tip = ev.tip;
    const m = this.machine;
    if (this.waiting) {
      this.restart('tip moved while waiting');
      return;
    }
    if (!m) return;
    // Our own decision: the machine waits out its commit pause at that height.
    if (m.height === tip.height && m.step === 'commit') return;
    if (tip.height >= m.height || ev.disconnected.length) this.restart(`chain advanced to ${tip.height} by sync`);
  }

  private noteSet(set: ValidatorSet): void {
    const keys = set.validators.map((v) => `${toHex(v.publicKey)}:${v.power}`).join(',');
    if (keys === this.setKeys) return;
    const first = this.setKeys === '';
    this.setKeys = keys;
    if (!first) this.log.info(`bft: the validator set changed: ${set.size} validator(s), total power ${set.totalPower}`);
    this.o.onValidatorSet?.(set);
  }

  // ---- commits ----

  private rememberCommit(c: Commit): void {
    this.commits.set(c.height, c);
    for (const h of this.commits.keys()) if (h < c.height - 1) this.commits.delete(h);
    if (this.o.dir === null) return;
    const list = [...this.commits.values()].sort((a, b) => a.height - b.height);
    const w = new Writer(256).u8(1, 'version').varint(list.length, 'count');
    for (const x of list) w.varbytes(encodeCommit(x), 1 << 20, 'commit');
    try {
      writeDurable(join(this.o.dir, COMMITS_FILE), w.finish());
    } catch (err) {
      this.log.error(`bft: cannot store the seen commit: ${(err as Error).message}`);
    }
  }

  private loadCommits(): void {
    if (this.o.dir === null) return;
    const path = join(this.o.dir, COMMITS_FILE);
    if (!existsSync(path)) return;
    try {
      const r = new Reader(readFileSync(path), COMMITS_FILE);
      if (r.u8('version') !== 1) throw new DecodeError('decode-version', 'unknown version, expected 1');
      const n = r.varint('count', 8);
      for (let i = 0; i < n; i++) {
        const c = decodeCommit(r.varbytes('commit', 1 << 20));
        this.commits.set(c.height, c);
      }
      r.end();
    } catch (err) {
      // Only a cache of what peers rebroadcast: a damaged file costs a wait, not the node.
      this.log.warn(`bft: ignoring ${path}: ${(err as Error).message}`);
    }
  }

  // ---- gossip ----

  private publish(m: Message, nonce: number): void {
    let bytes: Uint8Array;
    try {
      bytes = encodeBftMessage(this.chain.params.chainId, m, nonce, this.maxValue);
    } catch (err) {
      this.log.error(`bft: cannot encode a ${m.kind}: ${(err as Error).message}`);
      return;
    }
    this.o.network.publish(this.topic, bytes);
  }

  /**
   * Own votes of the current round again, the round's proposal, and the tip's decision
   * (repairs lost gossip). Votes are small and go every time; a proposal or decision
   * carries a whole block, so a large one goes every LARGE_EVERY-th time only, and the
   * decision only while some peer reports a lower height than ours (someone needs it).
   */
  rebroadcast(): void {
    if (this.stopped) return;
    this.ticks++;
    const nonce = (Math.random() * 0x100000000) >>> 0 || 1;
    const tip = this.chain.tip;
    const behind = this.o.network.ready().some((p) => p.status !== null && p.status.height < tip.height) || this.machine === null;
    const large = (value: Uint8Array) => value.length > LARGE_MESSAGE && this.ticks % LARGE_EVERY !== 0;
    const m = this.machine;
    const acts = m ? this.call(() => m.rebroadcast()) : [];
    for (const a of acts) {
      if (a.type !== 'broadcast') continue;
      const msg = a.message;
      if (msg.kind === 'decision' && (!behind || large(msg.decision.value))) continue;
      if (msg.kind === 'proposal' && large(msg.proposal.value)) continue;
      this.publish(msg, nonce);
    }
    // A machine restarted after block sync remembers no decision: the stored commit and block make it.
    const c = tip.height >= 1 ? this.commitFor(tip.height, tip.hash) : null;
    if (c && behind && !m?.decisionAt(tip.height)) {
      void this.chain.getBlockBytes(tip.hash).then((value) => {
        if (value && !this.stopped && !large(value)) this.publish({ kind: 'decision', decision: { height: tip.height, value, commit: c } }, nonce);
      });
    }
  }

  private penalise(peer: Peer | undefined, points: number, why: string): TopicValidatorResult {
    this.stats.rejected++;
    if (peer) this.o.network.misbehave(peer, points, `bft: ${why}`);
    else this.log.debug(`bft: rejected gossip: ${why}`);
    return TopicValidatorResult.Reject;
  }

  private ignore(): TopicValidatorResult {
    this.stats.ignored++;
    return TopicValidatorResult.Ignore;
  }

  /** The gossipsub validator of the bft topic: screen, batch-verify, deliver. */
  async onGossip(peer: Peer | undefined, data: Uint8Array): Promise<TopicValidatorResult> {
    if (this.stopped) return this.ignore();
    let msg: Message;
    try {
      msg = decodeBftMessage(data, this.chain.params.chainId, this.maxValue);
    } catch (err) {
      if (err instanceof WrongChainError) return this.penalise(peer, Penalty.WRONG_CHAIN, err.message);
      return this.penalise(peer, Penalty.MALFORMED, `undecodable message: ${(err as Error).message}`);
    }
    const height = this.machine?.height ?? this.chain.height + 1;
    const round = this.machine?.round ?? 0;
    const set = this.validatorSet;
    let items: SignedItem[];
    let tipCommit = false;
    let direct = false;
    const chainId = this.chain.params.chainId;
    if (msg.kind === 'vote') {
      const v = msg.vote;
      if (!this.machine || (v.height !== height && v.height !== height + 1) || v.round > round + MAX_ROUNDS_AHEAD) return this.ignore();
      if (set.indexOf(v.validator) < 0) {
        // The next height's set may differ: only the current height's membership is judged.
        if (v.height === height) return this.penalise(peer, BftPenalty.NOT_A_VALIDATOR, `vote by ${toHex(v.validator)}, not a validator at height ${height}`);
        return this.ignore();
      }
      items = [{ signature: v.signature, message: voteSignBytesOf(chainId, v), publicKey: v.validator }];
    } else if (msg.kind === 'proposal') {
      const p = msg.proposal;
      if (!this.machine || (p.height !== height && p.height !== height + 1) || p.round > round + MAX_ROUNDS_AHEAD) return this.ignore();
      if (p.height === height + 1) {
        // Buffered by the machine until its height starts: one per proposer and round, early rounds only.
        const k = `${p.height}/${p.round}/${toHex(p.proposer)}`;
        if (p.round >= NEXT_PROPOSAL_ROUNDS || this.nextProposals.has(k) || set.indexOf(p.proposer) < 0) return this.ignore();
        if (this.nextProposals.size >= 4 * NEXT_PROPOSAL_ROUNDS * set.size) this.nextProposals.clear();
        this.nextProposals.add(k);
      } else if (!bytesEqual(set.proposerAt(p.round).publicKey, p.proposer)) {
        return this.penalise(peer, BftPenalty.NOT_A_VALIDATOR, `proposal at ${p.height}/${p.round} by ${toHex(p.proposer)}, not the round's proposer`);
      }
      if (!this.isBlockOf(p.value, p.blockId)) return this.penalise(peer, BftPenalty.BAD_DECISION, `proposal at ${p.height}/${p.round}: the value is not a block with the id it names`);
      items = [{ signature: p.signature, message: proposalSignBytesOf(chainId, p), publicKey: p.proposer }];
    } else {
      const d = msg.decision;
      const tip = this.chain.tip;
      let against: ValidatorSet | null = null;
      // The next height's decision while this one waits out its commit pause (a follower
      // a pause behind): checked against this height's set, which it nearly always equals
      // (a mismatch is ignored, not judged), and passed on once, for the machine to buffer.
      let ahead = false;
      if (this.machine && d.height === height && this.machine.step !== 'commit') against = set;
      else if (!this.machine && d.height === tip.height + 1) {
        // A validator waiting for its tip's commit takes the next block from a decision directly.
        against = set;
        direct = true;
      } else if (this.machine && d.height === height + 1 && this.machine.step === 'commit' && this.nextDecision !== d.height) {
        against = set;
        ahead = true;
      } else if (d.height === tip.height && tip.height >= 1 && !this.commitFor(tip.height, tip.hash) && bytesEqual(d.commit.blockId, tip.hash)) {
        against = lastSet(this.chain.state);
        tipCommit = true;
      }
      if (!against) return this.ignore();
      if (!this.isBlockOf(d.value, d.commit.blockId)) return this.penalise(peer, BftPenalty.BAD_DECISION, `decision at ${d.height}: the value is not the committed block`);
      items = [];
      try {
        // Structure and power here; the signatures in the batch below.
        verifyCommit(chainId, d.commit, against, d.height, d.commit.blockId, (its) => (items.push(...its), true));
      } catch (err) {
        if (ahead) return this.ignore();
        return this.penalise(peer, BftPenalty.BAD_DECISION, `decision at ${d.height}: ${(err as Error).message}`);
      }
    }
    const ok = await this.verifier.verify(items);
    if (ok === null || (ok === false && msg.kind === 'decision' && msg.decision.height === height + 1)) return this.ignore();
    if (!ok) return this.penalise(peer, BftPenalty.BAD_SIGNATURE, `${msg.kind}: a signature does not verify`);
    if (this.stopped) return this.ignore();
    this.stats.accepted++;
    if (direct && msg.kind === 'decision') {
      if (!this.machine && msg.decision.height === this.chain.height + 1) this.onDecide(msg.decision.height, msg.decision.commit.round, msg.decision.value, msg.decision.commit);
      return TopicValidatorResult.Accept;
    }
    if (tipCommit) {
      const tip = this.chain.tip;
      if (msg.kind === 'decision' && msg.decision.height === tip.height && bytesEqual(msg.decision.commit.blockId, tip.hash) && !this.commitFor(tip.height, tip.hash)) {
        this.rememberCommit(msg.decision.commit);
        this.log.info(`bft: learned the commit of block ${tip.height} from a peer`);
        if (this.waiting) this.restart('tip commit learned');
      }
      return TopicValidatorResult.Accept;
    }
    const m = this.machine;
    if (msg.kind === 'decision' && m && msg.decision.height === m.height + 1) {
      if (m.step !== 'commit' || this.nextDecision === msg.decision.height) return TopicValidatorResult.Accept;
      this.nextDecision = msg.decision.height;
    }
    if (m) this.run(this.call(() => m.receive(msg)));
    return TopicValidatorResult.Accept;
  }

  /** The value decodes as a block (within the size limit) whose header hash is `id`. */
  private isBlockOf(value: Uint8Array, id: Uint8Array): boolean {
    if (value.length < HEADER_SIZE || !bytesEqual(valueId(value), id)) return false;
    try {
      decodeBlock(value, this.maxValue, this.chain.registry);
      return true;
    } catch {
      return false;
    }
  }
}

/** What votes name: the block hash, sha256d of the value's first 80 bytes (its header). */
export function valueId(value: Uint8Array): Uint8Array {
  return sha256d(value.length >= HEADER_SIZE ? value.subarray(0, HEADER_SIZE) : value);
}
