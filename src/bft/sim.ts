// A seeded simulation of the state machine: N validators in one process over a simulated
// network with random delays, drops and reordering before the global stabilisation time
// (GST), honest crashes and restarts from the WAL, and Byzantine validators that
// equivocate (a second, conflicting vote or proposal to a random part of the network).
// Everything random comes from one seed, so a failing schedule is replayed by its seed.
// Checked: safety (no two honest nodes decide different blocks at one height, and every
// decision's commit verifies, all of a node's commits in one range call) and liveness
// (after GST every honest node reaches the target height within a bound).
import { sha256 } from '../hash/index.js';
import { toHex } from '../chain/hex.js';
import { ed25519 } from '../sig/index.js';
import { verifyCommitRange, type CommitCheck } from './commit.js';
import { checkEvidence, type Evidence } from './evidence.js';
import { TendermintMachine, type Action, type Message, type Signer, type Timeouts } from './machine.js';
import { PREVOTE, proposalSignBytesOf, voteSignBytesOf, type Proposal, type Vote } from './messages.js';
import { ValidatorSet } from './validators.js';
import { MemoryWal } from './wal.js';

export interface SimOptions {
  validators: number;
  byzantine: number;
  heights: number;
  /** Simulated ms of chaos before the network stabilises. */
  gst: number;
  dropRate: number;
  crashes: boolean;
  /** After GST every message arrives within this many ms. */
  delta: number;
  timeouts: Timeouts;
  /** Liveness bound after GST, simulated ms. */
  livenessBound: number;
}

export interface SimResult {
  seed: number;
  ok: boolean;
  violation?: string;
  decidedHeights: number;
  messages: number;
  drops: number;
  crashes: number;
  evidence: number;
  maxRound: number;
  /** Simulated ms from GST until every honest node reached the target height. */
  timeAfterGst: number;
  /** Mean simulated ms between consecutive decisions of node 0 after GST. */
  finalityMs: number;
  /** Where each node ended (a Byzantine one marked *), for a failing seed's report. */
  states?: string;
}

/** mulberry32: small, fast, good enough to drive a scheduler. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomOptions(seed: number): SimOptions {
  const r = rng(seed ^ 0x5eed);
  const validators = 4 + Math.floor(r() * 4);
  const f = Math.floor((validators - 1) / 3);
  return {
    validators,
    byzantine: Math.floor(r() * (f + 1)),
    heights: 2 + Math.floor(r() * 2),
    gst: Math.floor(r() * 1500),
    dropRate: r() * 0.3,
    crashes: r() < 0.5,
    delta: 20,
    timeouts: { propose: 120, proposeDelta: 40, prevote: 60, prevoteDelta: 30, precommit: 60, precommitDelta: 30, commit: r() < 0.5 ? 0 : 30 },
    livenessBound: 30_000,
  };
}

interface Ev {
  at: number;
  seq: number;
  node: number;
  epoch: number;
  run(): void;
}

const CHAIN_ID = 0x68_6c_73_6d; // "hlsm"

/** Keys are derived from the index, so every schedule has the same validators per size. */
const keyCache = new Map<number, Signer & { secret: Uint8Array }>();
function keyOf(i: number): Signer & { secret: Uint8Array } {
  let k = keyCache.get(i);
  if (!k) {
    const secret = sha256(new TextEncoder().encode(`hashlane sim validator ${i}`));
    const publicKey = ed25519.getPublicKey(secret);
    k = { secret, publicKey, sign: (m) => ed25519.sign(m, secret) };
    keyCache.set(i, k);
  }
  return k;
}

export function runSchedule(seed: number, options: SimOptions = randomOptions(seed)): SimResult {
  const o = options;
  const rand = rng(seed);
  const keys = Array.from({ length: o.validators }, (_, i) => keyOf(i));
  const baseSet = ValidatorSet.create(keys.map((k) => ({ publicKey: k.publicKey, power: 10n })));
  const sets = [baseSet];
  const setAt = (h: number) => {
    while (sets.length < h) sets.push(sets[sets.length - 1].next());
    return sets[h - 1];
  };
  const byz = new Set<number>();
  while (byz.size < o.byzantine) byz.add(Math.floor(rand() * o.validators));
  const byzKeys = new Set([...byz].map((i) => toHex(keys[i].publicKey)));

  const queue: Ev[] = [];
  let seq = 0;
  let now = 0;
  const push = (e: Omit<Ev, 'seq'>) => {
    const ev = { ...e, seq: seq++ };
    // binary insert by (at, seq)
    let lo = 0;
    let hi = queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const q = queue[mid];
      if (q.at < ev.at || (q.at === ev.at && q.seq < ev.seq)) lo = mid + 1;
      else hi = mid;
    }
    queue.splice(lo, 0, ev);
  };

  const res: SimResult = { seed, ok: true, decidedHeights: 0, messages: 0, drops: 0, crashes: 0, evidence: 0, maxRound: 0, timeAfterGst: 0, finalityMs: 0 };
  const fail = (why: string) => {
    if (res.ok) {
      res.ok = false;
      res.violation = why;
    }
  };

  interface Node {
    machine: TendermintMachine;
    wal: MemoryWal;
    epoch: number;
    up: boolean;
    decided: { height: number; blockId: string; value: Uint8Array; check: CommitCheck }[];
    decideTimes: number[];
  }
  const nodes: Node[] = [];
  const evidence: Evidence[] = [];

  const makeMachine = (i: number, wal: MemoryWal, height: number) =>
    new TendermintMachine({
      chainId: CHAIN_ID, height, signer: keys[i], validators: setAt,
      getValue: (h, r) => new TextEncoder().encode(`block h=${h} r=${r} by ${i} seed=${seed} ${rand()}`),
      valid: (_h, v) => v.length > 0 && v.length < 1000,
      valueId: sha256, verify: ed25519.verifyBatch, verifyMessages: false, timeouts: o.timeouts, wal,
    });

  const deliver = (to: number, m: Message, extraDelay = 0) => {
    res.messages++;
    if (now < o.gst && rand() < o.dropRate) {
      res.drops++;
      return;
    }
    const delay = now < o.gst ? Math.floor(rand() * 6 * o.delta) : Math.floor(rand() * o.delta);
    const target = nodes[to];
    push({ at: now + delay + extraDelay, node: to, epoch: target.epoch, run: () => act(to, target.machine.receive(m)) });
  };

  // A Byzantine validator's second, conflicting version of its own message.
  const twist = (i: number, m: Message): Message | null => {
    if (m.kind === 'vote' && bytesOf(m.vote.validator) === bytesOf(keys[i].publicKey)) {
      const other = m.vote.blockId ? (rand() < 0.5 ? null : sha256(new Uint8Array([...m.vote.blockId, 1]))) : sha256(new TextEncoder().encode(`evil ${seed} ${m.vote.height} ${m.vote.round}`));
      const v: Vote = { ...m.vote, blockId: other, signature: new Uint8Array(64) };
      v.signature = keys[i].sign(voteSignBytesOf(CHAIN_ID, v));
      return { kind: 'vote', vote: v };
    }
    if (m.kind === 'proposal' && bytesOf(m.proposal.proposer) === bytesOf(keys[i].publicKey)) {
      const value = new TextEncoder().encode(`evil proposal ${seed} ${m.proposal.height} ${m.proposal.round}`);
      const p: Proposal = { ...m.proposal, value: value as Uint8Array, blockId: sha256(value), polRound: -1, signature: new Uint8Array(64) };
      p.signature = keys[i].sign(proposalSignBytesOf(CHAIN_ID, p));
      return { kind: 'proposal', proposal: p };
    }
    return null;
  };

  const act = (i: number, actions: Action[]) => {
    const n = nodes[i];
    if (!n.up) return;
    for (const a of actions) {
      if (a.type === 'broadcast') {
        const evil = byz.has(i) ? twist(i, a.message) : null;
        for (let j = 0; j < nodes.length; j++) {
          if (j === i) continue;
          if (evil && rand() < 0.5) {
            deliver(j, evil);
            if (rand() < 0.5) deliver(j, a.message);
          } else deliver(j, a.message);
        }
      } else if (a.type === 'timeout') {
        const epoch = n.epoch;
        push({ at: now + a.delayMs, node: i, epoch, run: () => act(i, n.machine.onTimeout(a.height, a.round, a.step)) });
      } else if (a.type === 'decide') {
        if (a.round > res.maxRound) res.maxRound = a.round;
        const have = n.decided.length;
        if (a.height !== have + 1) {
          fail(`node ${i} decided height ${a.height} after ${have} decided heights`);
          continue;
        }
        n.decided.push({ height: a.height, blockId: toHex(a.blockId), value: a.value, check: { commit: a.commit, set: setAt(a.height), height: a.height, blockId: a.blockId } });
        n.decideTimes.push(now);
      } else if (a.type === 'evidence') {
        res.evidence++;
        evidence.push(a.evidence);
      }
    }
  };

  for (let i = 0; i < o.validators; i++) {
    const wal = new MemoryWal();
    nodes.push({ machine: makeMachine(i, wal, 1), wal, epoch: 0, up: true, decided: [], decideTimes: [] });
  }
  for (let i = 0; i < o.validators; i++) act(i, nodes[i].machine.start());

  // Gossip repair: every node re-sends its current messages now and then.
  const tick = (i: number) => {
    const n = nodes[i];
    push({ at: now + 150 + Math.floor(rand() * 150), node: i, epoch: -1, run: () => {
      if (n.up) act(i, n.machine.rebroadcast());
      tick(i);
    } });
  };
  for (let i = 0; i < o.validators; i++) tick(i);

  // Crashes: honest nodes go down before GST and come back (from their WAL) by GST.
  if (o.crashes && o.gst > 0) {
    const honest = [...Array(o.validators).keys()].filter((i) => !byz.has(i));
    const count = 1 + Math.floor(rand() * 2);
    for (let c = 0; c < count; c++) {
      const i = honest[Math.floor(rand() * honest.length)];
      const down = Math.floor(rand() * o.gst);
      const up = down + Math.floor(rand() * (o.gst - down + 1));
      push({ at: down, node: i, epoch: -1, run: () => {
        const n = nodes[i];
        if (!n.up) return;
        res.crashes++;
        n.up = false;
        n.epoch++;
      } });
      push({ at: up, node: i, epoch: -1, run: () => {
        const n = nodes[i];
        if (n.up) return;
        n.up = true;
        n.epoch++;
        n.machine = makeMachine(i, n.wal, n.decided.length + 1);
        act(i, n.machine.start());
      } });
    }
  }

  const honestIdx = [...Array(o.validators).keys()].filter((i) => !byz.has(i));
  const deadline = o.gst + o.livenessBound;
  let events = 0;
  while (queue.length && res.ok) {
    const ev = queue.shift()!;
    now = ev.at;
    if (now > deadline) break;
    // A crashed node's machine must not run at all (it shares the WAL with its successor).
    if (ev.epoch !== -1 && (ev.epoch !== nodes[ev.node].epoch || !nodes[ev.node].up)) continue;
    ev.run();
    if (++events > 2_000_000) {
      fail('event budget exhausted');
      break;
    }
    if (now >= o.gst && honestIdx.every((i) => nodes[i].decided.length >= o.heights)) break;
  }

  // Safety: one block per height among honest nodes.
  const agreed = new Map<number, string>();
  for (const i of honestIdx) {
    for (const d of nodes[i].decided) {
      const prev = agreed.get(d.height);
      if (prev !== undefined && prev !== d.blockId) fail(`safety: height ${d.height} decided as ${prev} and ${d.blockId} (node ${i})`);
      agreed.set(d.height, d.blockId);
    }
    if (nodes[i].decided.length) {
      try {
        verifyCommitRange(CHAIN_ID, nodes[i].decided.map((d) => d.check), ed25519.verifyBatch, ed25519.verifyBatchDetailed);
      } catch (e) {
        fail(`node ${i}: its commits do not verify: ${(e as Error).message}`);
      }
    }
  }
  for (const e of evidence) {
    try {
      checkEvidence(CHAIN_ID, e, ed25519.verifyBatch);
    } catch (err) {
      fail(`evidence does not check: ${(err as Error).message}`);
    }
    if (!byzKeys.has(toHex(e.a.validator))) fail(`evidence names honest validator ${toHex(e.a.validator).slice(0, 16)}: h${e.a.height} r${e.a.round} type ${e.a.type} ${e.a.blockId ? toHex(e.a.blockId).slice(0, 8) : "nil"} vs ${e.b.blockId ? toHex(e.b.blockId).slice(0, 8) : "nil"}`);
    if (e.a.type !== PREVOTE && e.a.type !== 2) fail('evidence of an unknown vote type');
  }
  const reached = Math.min(...honestIdx.map((i) => nodes[i].decided.length));
  res.decidedHeights = reached;
  res.states = nodes.map((n, i) => `${i}${byz.has(i) ? '*' : ''}:h${n.machine.height}r${n.machine.round}${n.machine.step}`).join(' ');
  if (res.ok && reached < o.heights) fail(`liveness: after GST at ${o.gst} ms only ${reached}/${o.heights} heights within ${o.livenessBound} ms (now ${now})`);
  res.timeAfterGst = Math.max(0, now - o.gst);
  const t = nodes[honestIdx[0]].decideTimes.filter((x) => x >= o.gst);
  res.finalityMs = t.length > 1 ? (t[t.length - 1] - t[0]) / (t.length - 1) : 0;
  return res;
}

function bytesOf(b: Uint8Array): string {
  return toHex(b);
}
