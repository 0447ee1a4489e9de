// In-process BFT chains: N validators, each with its own Chain (memory store), mempool and
// TendermintMachine, over a deterministic message bus on simulated time (10 ms links, no
// timers). A decided block is connected (awaited) before the next event runs, so the
// machine's next height always reads the validator set of the connected tip.
import * as B from '../../dist/bft/index.js';
import * as C from '../../dist/chain/index.js';
import { ready } from '../../dist/index.js';
import { sha256 } from '../../dist/hash/index.js';
import { ed25519 } from '../../dist/sig/index.js';

await ready();

export const TIMEOUTS: B.Timeouts = { propose: 300, proposeDelta: 100, prevote: 100, prevoteDelta: 50, precommit: 100, precommitDelta: 50, commit: 50 };

export interface Key {
  sk: Uint8Array;
  pk: Uint8Array;
}

export function keyOf(label: string): Key {
  const sk = sha256(new TextEncoder().encode(`bft chain test ${label}`));
  return { sk, pk: ed25519.getPublicKey(sk) };
}

export interface ChainNode {
  key: Key;
  chain: C.Chain;
  mempool: C.Mempool;
  machine: B.TendermintMachine;
  wal: B.MemoryWal;
  up: boolean;
  epoch: number;
  /** The commit of this node's tip as it decided it (the next block's LastCommit). */
  lastCommit?: B.Commit;
  evidence: B.Evidence[];
  errors: Error[];
}

interface Ev {
  at: number;
  seq: number;
  run(): void | Promise<void>;
}

export const GENESIS_TIME = 1_767_225_600;

/** Params of a consortium chain of these keys (power 1 each), with a premine for fees. */
export function consortiumParams(keys: Key[], extra: Partial<C.ChainParams> = {}): C.ChainParams {
  return C.withValidators(
    C.consortiumDevnetParams,
    keys.map((k, i) => ({ publicKey: k.pk, power: 1n, name: `org-${i}` })),
    { genesisTime: GENESIS_TIME, bftTimeouts: TIMEOUTS, premine: keys.map((k) => ({ publicKey: k.pk, amount: 1_000_000_000n })), ...extra },
  );
}

export class ChainNet {
  now = 0;
  readonly nodes: ChainNode[] = [];
  private q: Ev[] = [];
  private seq = 0;
  /** Intercepts a node's outgoing messages (equivocation tests). */
  tamper: ((from: number, m: B.Message) => B.Message[]) | null = null;
  /** Each node that sees an equivocation submits an evidence transaction to its own mempool. */
  reportEvidence = false;
  private constructor(readonly params: C.ChainParams) {}

  static async create(params: C.ChainParams, keys: Key[]): Promise<ChainNet> {
    const net = new ChainNet(params);
    for (const key of keys) {
      const chain = await C.Chain.open({ params, now: () => GENESIS_TIME + 100 + Math.floor(net.now / 1000) });
      const node: ChainNode = { key, chain, mempool: new C.Mempool(chain), machine: null as unknown as B.TendermintMachine, wal: new B.MemoryWal(), up: true, epoch: 0, evidence: [], errors: [] };
      node.machine = net.machine(node);
      net.nodes.push(node);
    }
    for (let i = 0; i < net.nodes.length; i++) await net.act(i, net.nodes[i].machine.start());
    return net;
  }

  private machine(n: ChainNode): B.TendermintMachine {
    const chain = n.chain;
    const engine = chain.consensus as B.BftEngine;
    return new B.TendermintMachine({
      chainId: this.params.chainId,
      height: chain.height + 1,
      signer: { publicKey: n.key.pk, sign: (m) => ed25519.sign(m, n.key.sk) },
      validators: () => engine.validatorSetAt(chain.state),
      getValue: () => {
        const t = C.createBlockTemplate(chain, n.mempool, { coinbaseTo: n.key.pk, lastCommit: chain.height >= 1 ? n.lastCommit : undefined });
        return C.encodeBlock(t.block);
      },
      valid: (_h, value) => {
        try {
          chain.checkCandidate(C.decodeBlock(value, this.params.maxBlockSize, chain.registry));
          return true;
        } catch (e) {
          n.errors.push(e as Error);
          return false;
        }
      },
      valueId: (value) => C.blockHash(C.decodeBlockHeader(value.subarray(0, 80))),
      verify: ed25519.verifyBatch,
      timeouts: TIMEOUTS,
      wal: n.wal,
    });
  }

  private push(at: number, run: () => void | Promise<void>): void {
    const ev = { at, seq: this.seq++, run };
    let i = this.q.length;
    while (i > 0 && this.q[i - 1].at > at) i--;
    this.q.splice(i, 0, ev);
  }

  private send(from: number, m: B.Message): void {
    const out = this.tamper ? this.tamper(from, m) : [m];
    for (let j = 0; j < this.nodes.length; j++) {
      if (j === from) continue;
      const target = this.nodes[j];
      const epoch = target.epoch;
      for (const msg of out) {
        this.push(this.now + 10, () => {
          if (target.up && target.epoch === epoch) return this.act(j, target.machine.receive(msg));
        });
      }
    }
  }

  private async act(i: number, actions: B.Action[]): Promise<void> {
    const n = this.nodes[i];
    for (const a of actions) {
      if (a.type === 'broadcast') this.send(i, a.message);
      else if (a.type === 'timeout') {
        const epoch = n.epoch;
        this.push(this.now + a.delayMs, () => {
          if (n.up && n.epoch === epoch) return this.act(i, n.machine.onTimeout(a.height, a.round, a.step));
        });
      } else if (a.type === 'decide') {
        const block = C.decodeBlock(a.value, this.params.maxBlockSize, n.chain.registry);
        const r = await n.chain.addBlock(block);
        n.mempool.update(r);
        n.lastCommit = a.commit;
      } else if (a.type === 'evidence') {
        n.evidence.push(a.evidence);
        if (this.reportEvidence) {
          try {
            n.mempool.add(C.createEvidenceTx({ chainId: this.params.chainId, nonce: n.mempool.nextNonce(n.key.pk), fee: 10_000n, evidence: a.evidence }, n.key.sk));
          } catch (e) {
            n.errors.push(e as Error);
          }
        }
      }
    }
  }

  /** Runs simulated time forward until `done()` or `maxMs` pass; returns whether done. */
  async runUntil(done: () => boolean, maxMs: number): Promise<boolean> {
    const end = this.now + maxMs;
    let nextTick = this.now + 200;
    while (this.now < end) {
      if (done()) return true;
      const ev = this.q[0];
      if (ev && ev.at <= Math.min(end, nextTick)) {
        this.q.shift();
        this.now = ev.at;
        await ev.run();
        continue;
      }
      this.now = Math.min(end, nextTick);
      if (this.now === nextTick) {
        nextTick += 200;
        for (let i = 0; i < this.nodes.length; i++) if (this.nodes[i].up) await this.act(i, this.nodes[i].machine.rebroadcast());
      }
    }
    return done();
  }

  /** Until every up node's chain reaches `height`. */
  runToHeight(height: number, maxMs = 60_000): Promise<boolean> {
    return this.runUntil(() => this.nodes.every((n) => !n.up || n.chain.height >= height), maxMs);
  }

  crash(i: number): void {
    this.nodes[i].up = false;
    this.nodes[i].epoch++;
  }

  /** Adds a transaction to every up node's mempool (a stand-in for gossip). */
  broadcastTx(tx: C.Transaction): void {
    for (const n of this.nodes) if (n.up) n.mempool.add(tx);
  }

  /** Hashes of every node's active chain agree up to the lowest tip. */
  agree(): boolean {
    const h = Math.min(...this.nodes.map((n) => n.chain.height));
    for (let k = 0; k <= h; k++) {
      const ids = new Set(this.nodes.map((n) => C.toHex(n.chain.getHashAtHeight(k)!)));
      if (ids.size !== 1) return false;
    }
    return true;
  }

  async close(): Promise<void> {
    for (const n of this.nodes) await n.chain.close();
  }
}

/**
 * Blocks on one chain without the state machine: the test holds every validator key and
 * signs each commit itself with the set that sealed the tip (as the state says).
 */
export class Producer {
  readonly keys = new Map<string, Key>();
  readonly mempool: C.Mempool;
  constructor(
    readonly chain: C.Chain,
    keys: Key[],
  ) {
    for (const k of keys) this.keys.set(C.toHex(k.pk), k);
    this.mempool = new C.Mempool(chain);
  }

  /** The commit of the tip, signed by the first `signers` validators (default all) of the set that sealed it. */
  tipCommit(opts: { signers?: number; round?: number } = {}): B.Commit {
    const tip = this.chain.tip;
    const set = C.lastSet(this.chain.state)!;
    return signCommit(this.params.chainId, set, this.keys, tip.height, tip.hash, opts.signers ?? set.size, opts.round ?? 0);
  }

  get params(): C.ChainParams {
    return this.chain.params;
  }

  /** A block on the tip (not added) with the mempool's transactions and the tip's commit. */
  block(opts: { lastCommit?: B.Commit | null; coinbaseTo?: Uint8Array; signers?: number } = {}): C.Block {
    const lastCommit = opts.lastCommit === null || this.chain.height === 0 ? undefined : (opts.lastCommit ?? this.tipCommit({ signers: opts.signers }));
    return C.createBlockTemplate(this.chain, this.mempool, { coinbaseTo: opts.coinbaseTo ?? new Uint8Array(32).fill(7), lastCommit }).block;
  }

  /** Makes and connects `n` blocks; returns them. */
  async extend(n = 1, opts: { coinbaseTo?: Uint8Array } = {}): Promise<C.Block[]> {
    const out: C.Block[] = [];
    for (let i = 0; i < n; i++) {
      const b = this.block(opts);
      const r = await this.chain.addBlock(b);
      this.mempool.update(r);
      out.push(b);
    }
    return out;
  }
}

export function signCommit(chainId: number, set: B.ValidatorSet, keys: Map<string, Key>, height: number, blockId: Uint8Array, signers: number, round = 0): B.Commit {
  const msg = B.voteSignBytes(chainId, B.PRECOMMIT, height, round, blockId);
  const signatures: B.CommitSig[] = [];
  for (let i = 0; i < signers; i++) {
    const k = keys.get(C.toHex(set.at(i).publicKey));
    if (!k) throw new Error(`no key for validator ${i}`);
    signatures.push({ index: i, signature: ed25519.sign(msg, k.sk) });
  }
  return { height, round, blockId: blockId.slice(), signatures };
}

/** `block` with transaction `i` replaced (or removed when `tx` is null) and the merkle root recomputed. */
export function withTx(block: C.Block, i: number, tx: C.Transaction | null): C.Block {
  const txs = [...block.txs];
  if (tx) txs[i] = tx;
  else txs.splice(i, 1);
  return { header: { ...block.header, merkleRoot: C.computeMerkleRoot(txs) }, txs };
}
