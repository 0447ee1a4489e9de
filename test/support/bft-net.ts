// A scripted in-process network for BFT unit tests: fixed 10 ms delivery, explicit
// crashes/restarts (from the node's WAL), partitions, gossip repair every 200 ms, all on
// simulated time (no timers, no sleeps).
import * as B from '../../dist/bft/index.js';
import { sha256 } from '../../dist/hash/index.js';
import { ed25519 } from '../../dist/sig/index.js';
import { toHex } from '../../dist/chain/index.js';

export const CHAIN_ID = 0x68_6c_74_74;
export const TIMEOUTS: B.Timeouts = { propose: 300, proposeDelta: 100, prevote: 100, prevoteDelta: 50, precommit: 100, precommitDelta: 50, commit: 50 };

export interface Key extends B.Signer {
  secret: Uint8Array;
}

export function keyOf(label: string): Key {
  const secret = sha256(new TextEncoder().encode(`bft test ${label}`));
  return { secret, publicKey: ed25519.getPublicKey(secret), sign: (m) => ed25519.sign(m, secret) };
}

interface Ev {
  at: number;
  seq: number;
  run(): void;
}

export interface NetNode {
  key: Key;
  wal: B.MemoryWal;
  machine: B.TendermintMachine;
  up: boolean;
  epoch: number;
  decided: { height: number; blockId: string; commit: B.Commit }[];
  evidence: B.Evidence[];
  /** Every vote this node's key signed, over all its incarnations. */
  signed: B.Vote[];
  signedSeen: Set<string>;
}

export class Net {
  now = 0;
  readonly nodes: NetNode[] = [];
  readonly set: B.ValidatorSet;
  private q: Ev[] = [];
  private seq = 0;
  private cut: ((a: number, b: number) => boolean) | null = null;
  /** Intercepts a node's outgoing messages (Byzantine tests); returns the messages to send. */
  tamper: ((from: number, m: B.Message) => B.Message[]) | null = null;

  constructor(readonly keys: Key[], readonly sets: (h: number) => B.ValidatorSet = () => this.set) {
    this.set = B.ValidatorSet.create(keys.map((k) => ({ publicKey: k.publicKey, power: 1n })));
    keys.forEach((key, i) => {
      const wal = new B.MemoryWal();
      const node: NetNode = { key, wal, machine: null as unknown as B.TendermintMachine, up: true, epoch: 0, decided: [], evidence: [], signed: [], signedSeen: new Set() };
      this.nodes.push(node);
      node.machine = this.machine(i, 1);
    });
    keys.forEach((_, i) => this.act(i, this.nodes[i].machine.start()));
    keys.forEach((_, i) => this.tick(i));
  }

  private machine(i: number, height: number): B.TendermintMachine {
    const n = this.nodes[i];
    const signer: B.Signer = {
      publicKey: n.key.publicKey,
      sign: (m) => n.key.sign(m),
    };
    return new B.TendermintMachine({
      chainId: CHAIN_ID, height, signer, validators: this.sets,
      getValue: (h, r) => new TextEncoder().encode(`h${h} r${r} by ${i} at ${this.now}`),
      valid: () => true, valueId: sha256, verify: ed25519.verifyBatch, timeouts: TIMEOUTS, wal: n.wal,
    });
  }

  private push(at: number, run: () => void): void {
    const ev = { at, seq: this.seq++, run };
    let i = this.q.length;
    while (i > 0 && (this.q[i - 1].at > at)) i--;
    this.q.splice(i, 0, ev);
  }

  private tick(i: number): void {
    this.push(this.now + 200, () => {
      const n = this.nodes[i];
      if (n.up) this.act(i, n.machine.rebroadcast());
      this.tick(i);
    });
  }

  private send(from: number, m: B.Message): void {
    const out = this.tamper ? this.tamper(from, m) : [m];
    for (let j = 0; j < this.nodes.length; j++) {
      if (j === from || (this.cut && this.cut(from, j))) continue;
      const target = this.nodes[j];
      const epoch = target.epoch;
      for (const msg of out) {
        this.push(this.now + 10, () => {
          if (target.up && target.epoch === epoch) this.act(j, target.machine.receive(msg));
        });
      }
    }
  }

  private act(i: number, actions: B.Action[]): void {
    const n = this.nodes[i];
    for (const a of actions) {
      if (a.type === 'broadcast') {
        if (a.message.kind === 'vote' && toHex(a.message.vote.validator) === toHex(n.key.publicKey)) {
          const vote = a.message.vote;
          const sig = toHex(vote.signature);
          if (!n.signedSeen.has(sig)) {
            n.signedSeen.add(sig);
            n.signed.push(vote);
          }
        }
        this.send(i, a.message);
      } else if (a.type === 'timeout') {
        const epoch = n.epoch;
        this.push(this.now + a.delayMs, () => {
          if (n.up && n.epoch === epoch) this.act(i, n.machine.onTimeout(a.height, a.round, a.step));
        });
      } else if (a.type === 'decide') {
        n.decided.push({ height: a.height, blockId: toHex(a.blockId), commit: a.commit });
      } else if (a.type === 'evidence') {
        n.evidence.push(a.evidence);
      }
    }
  }

  /** Runs simulated time forward by `ms`. */
  run(ms: number): void {
    const end = this.now + ms;
    while (this.q.length && this.q[0].at <= end) {
      const ev = this.q.shift()!;
      this.now = ev.at;
      ev.run();
    }
    this.now = end;
  }

  /** Runs until every up node decided `height` or `maxMs` passed; returns whether they did. */
  runUntil(height: number, maxMs: number): boolean {
    const end = this.now + maxMs;
    while (this.now < end) {
      this.run(50);
      if (this.nodes.every((n) => !n.up || n.decided.length >= height)) return true;
    }
    return false;
  }

  crash(i: number): void {
    this.nodes[i].up = false;
    this.nodes[i].epoch++;
  }

  /**
   * Restarts node i from its WAL. Like CometBFT (block sync, then consensus), it first
   * takes the blocks it missed, with their commits, from the most advanced live peer
   * (each commit checked, all in one range call), and starts consensus after them.
   */
  restart(i: number): void {
    const n = this.nodes[i];
    const peer = this.nodes.filter((p) => p.up).sort((x, y) => y.decided.length - x.decided.length)[0];
    if (peer && peer.decided.length > n.decided.length) {
      const missing = peer.decided.slice(n.decided.length);
      B.verifyCommitRange(CHAIN_ID, missing.map((d) => ({ commit: d.commit, set: this.sets(d.height), height: d.height, blockId: null })), ed25519.verifyBatch);
      n.decided.push(...missing);
    }
    n.up = true;
    n.epoch++;
    n.machine = this.machine(i, n.decided.length + 1);
    this.act(i, n.machine.start());
  }

  partition(groups: number[][] | null): void {
    if (!groups) {
      this.cut = null;
      return;
    }
    const side = new Map<number, number>();
    groups.forEach((g, k) => g.forEach((i) => side.set(i, k)));
    this.cut = (a, b) => side.get(a) !== side.get(b);
  }

  /** Max decided height over nodes, and whether all decisions agree per height. */
  agreement(): { max: number; safe: boolean } {
    const by = new Map<number, string>();
    let safe = true;
    let max = 0;
    for (const n of this.nodes) {
      for (const d of n.decided) {
        const prev = by.get(d.height);
        if (prev && prev !== d.blockId) safe = false;
        by.set(d.height, d.blockId);
        max = Math.max(max, d.height);
      }
    }
    return { max, safe };
  }
}
