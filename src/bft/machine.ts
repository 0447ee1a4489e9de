// The Tendermint consensus state machine (Buchman, Kwon, Milosevic, arXiv 1807.04938,
// Algorithm 1) as a pure, deterministic object: it is driven by events (a proposal or a
// vote received, a timeout fired, a decision learned from a peer) and answers with
// actions (broadcast, schedule a timeout, decide, report evidence). It owns no timer, no
// socket and no state of the application; the driver (simulation or node) delivers the
// events and carries out the actions. Rule numbers in comments are the line numbers of
// Algorithm 1.
//
// Signatures of incoming votes and proposals are checked here when `verifyMessages` is on
// (one batch call per message); a driver that batches a whole gossip message's votes
// first may turn it off. Decision certificates (catch-up) are always checked: one batch.
import { Reader, Writer } from '../chain/codec.js';
import { ChainError } from '../chain/errors.js';
import { bytesEqual, toHex } from '../chain/hex.js';
import { commitFromVotes, readCommit, verifyCommit, writeCommit, type BatchVerifier, type Commit } from './commit.js';
import { makeEvidence, type Evidence } from './evidence.js';
import {
  decodeProposal, decodeVote, encodeProposal, encodeVote, PRECOMMIT, PREVOTE, proposalSignBytesOf, sameId,
  voteSignBytes, voteSignBytesOf, type Proposal, type Vote, type VoteType,
} from './messages.js';
import type { ValidatorSet } from './validators.js';
import {
  WAL_DECISION, WAL_PROPOSAL, WAL_SIGNED_PROPOSAL, WAL_SIGNED_VOTE, WAL_TIMEOUT, WAL_VOTE, type Wal,
} from './wal.js';

export type Step = 'propose' | 'prevote' | 'precommit' | 'commit';

export interface Timeouts {
  propose: number;
  proposeDelta: number;
  prevote: number;
  prevoteDelta: number;
  precommit: number;
  precommitDelta: number;
  /** Pause after a decision before the next height starts (the block interval). */
  commit: number;
}

/** CometBFT's defaults (ms): each round waits `delta` longer than the one before. */
export const DEFAULT_TIMEOUTS: Timeouts = Object.freeze({
  propose: 3000, proposeDelta: 500, prevote: 1000, prevoteDelta: 500, precommit: 1000, precommitDelta: 500, commit: 1000,
});

export interface Signer {
  publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface Decision {
  height: number;
  value: Uint8Array;
  commit: Commit;
}

export type Message =
  | { kind: 'proposal'; proposal: Proposal }
  | { kind: 'vote'; vote: Vote }
  | { kind: 'decision'; decision: Decision };

export type Action =
  | { type: 'broadcast'; message: Message }
  | { type: 'timeout'; height: number; round: number; step: Step; delayMs: number }
  | { type: 'decide'; height: number; round: number; value: Uint8Array; blockId: Uint8Array; commit: Commit }
  | { type: 'evidence'; evidence: Evidence };

export interface MachineOptions {
  chainId: number;
  /** The first height this machine decides (the chain's tip + 1). */
  height: number;
  /** This validator's key, or null for a node that follows without voting. */
  signer: Signer | null;
  /** The validator set of a height (heights are asked in order, each once it starts). */
  validators(height: number): ValidatorSet;
  /** A new value to propose (an encoded block on the decided chain). */
  getValue(height: number, round: number): Uint8Array;
  /** The application's validity check (Algorithm 1's valid(v)). */
  valid(height: number, value: Uint8Array): boolean;
  /** The id votes name (a block hash). */
  valueId(value: Uint8Array): Uint8Array;
  verify: BatchVerifier;
  verifyMessages?: boolean;
  timeouts?: Timeouts;
  wal?: Wal;
}

/** Messages further ahead than this many rounds are dropped (bounds memory per height). */
export const MAX_ROUNDS_AHEAD = 32;
/** Messages buffered for the next height (a validator a bit behind its peers). */
const MAX_NEXT_HEIGHT_BUFFER = 4096;
/** Votes kept per validator per round and step: its first and conflicting ones. */
export const VOTES_PER_SIGNER = 3;
/** Decisions kept to answer peers that are behind. */
const DECISIONS_KEPT = 16;

export class MachineError extends ChainError {
  override name = 'MachineError';
}

interface RoundState {
  proposal?: Proposal;
  /** Per validator (hex key): its votes in arrival order, conflicting ones included (at most VOTES_PER_SIGNER). */
  prevotes: Map<string, Vote[]>;
  precommits: Map<string, Vote[]>;
  /** Validators heard from in this round (rule 55). */
  senders: Set<string>;
  prevoteTimeoutScheduled: boolean;
  precommitTimeoutScheduled: boolean;
  rule36Done: boolean;
}

const voteKey = (h: number, r: number, t: number) => `${h}/${r}/${t}`;

export class TendermintMachine {
  readonly chainId: number;
  private readonly o: MachineOptions;
  private readonly timeouts: Timeouts;
  private readonly verifyMessages: boolean;

  height: number;
  round = 0;
  step: Step = 'propose';
  private set!: ValidatorSet;
  private lockedValue: Uint8Array | null = null;
  private lockedRound = -1;
  private validValue: Uint8Array | null = null;
  private validRound = -1;
  private rounds = new Map<number, RoundState>();
  private decided: Decision | null = null;
  private readonly decisions = new Map<number, Decision>();
  private nextBuffer: Message[] = [];
  private readonly answered = new Set<string>();
  private readonly evidenceSeen = new Set<string>();

  /** Votes and proposals already signed (from the WAL): the double-sign guard. */
  private readonly signedVotes = new Map<string, Vote>();
  private readonly signedProposals = new Map<string, Proposal>();
  private replay: { tag: number; payload: Uint8Array }[] = [];
  private replaying = false;
  private started = false;
  private out: Action[] = [];

  constructor(options: MachineOptions) {
    this.o = options;
    this.chainId = options.chainId;
    this.height = options.height;
    this.timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    this.verifyMessages = options.verifyMessages ?? true;
    if (!Number.isSafeInteger(this.height) || this.height < 1) throw new MachineError('bad-height', `start height must be >= 1, got ${this.height}`);
    for (const rec of options.wal?.records() ?? []) {
      if (rec.height < this.height) continue;
      if (rec.tag === WAL_SIGNED_VOTE) {
        const v = decodeVote(rec.payload);
        this.signedVotes.set(voteKey(v.height, v.round, v.type), v);
      } else if (rec.tag === WAL_SIGNED_PROPOSAL) {
        const p = decodeProposal(rec.payload);
        this.signedProposals.set(`${p.height}/${p.round}`, p);
      } else {
        this.replay.push({ tag: rec.tag, payload: rec.payload });
      }
    }
  }

  get validatorSet(): ValidatorSet {
    return this.set;
  }

  get locked(): { round: number; value: Uint8Array | null } {
    return { round: this.lockedRound, value: this.lockedValue };
  }

  /** Starts round 0 of the first height, then replays the WAL's inputs. */
  start(): Action[] {
    if (this.started) throw new MachineError('machine-started', 'start() may be called once');
    this.started = true;
    this.set = this.o.validators(this.height);
    this.startRound(0);
    this.replaying = true;
    const inputs = this.replay;
    this.replay = [];
    for (const { tag, payload } of inputs) {
      if (tag === WAL_PROPOSAL) this.handle({ kind: 'proposal', proposal: decodeProposal(payload) });
      else if (tag === WAL_VOTE) this.handle({ kind: 'vote', vote: decodeVote(payload) });
      else if (tag === WAL_DECISION) this.handle({ kind: 'decision', decision: decodeDecision(payload) });
      else if (tag === WAL_TIMEOUT) {
        const r = new Reader(payload, 'wal timeout');
        const t = decodeTimeout(r);
        this.fireTimeout(t.height, t.round, t.step);
      }
    }
    this.replaying = false;
    return this.flush();
  }

  receive(message: Message): Action[] {
    this.requireStarted();
    this.handle(message);
    return this.flush();
  }

  onTimeout(height: number, round: number, step: Step): Action[] {
    this.requireStarted();
    if (height === this.height && round === this.round && (step === this.step || (step === 'commit' && this.step === 'commit'))) {
      this.log(WAL_TIMEOUT, height, encodeTimeout(height, round, step));
      this.fireTimeout(height, round, step);
    }
    return this.flush();
  }

  /** Own messages of the current height again, and the last decision (gossip repair). */
  rebroadcast(): Action[] {
    this.requireStarted();
    // Peers that are behind may be answered again once per gossip round (bounded, and a
    // lost answer is not lost for good).
    this.answered.clear();
    for (const [k, v] of this.signedVotes) if (k.startsWith(`${this.height}/${this.round}/`)) this.emit({ type: 'broadcast', message: { kind: 'vote', vote: v } });
    const p = this.signedProposals.get(`${this.height}/${this.round}`);
    if (p) this.emit({ type: 'broadcast', message: { kind: 'proposal', proposal: p } });
    // The proof of lock of the current proposal: peers that missed those prevotes cannot
    // accept a re-proposed value without them (rule 28), so they travel again (CometBFT
    // gossips the POL prevotes the same way).
    const cur = this.rounds.get(this.round)?.proposal;
    const pol = cur && cur.polRound >= 0 ? this.rounds.get(cur.polRound) : undefined;
    if (cur && pol) {
      for (const v of this.votesFor(pol.prevotes, cur.blockId)) this.emit({ type: 'broadcast', message: { kind: 'vote', vote: v } });
    }
    const last = this.decisions.get(this.height - 1);
    if (last) this.emit({ type: 'broadcast', message: { kind: 'decision', decision: last } });
    return this.flush();
  }

  /** The decision of a past height this machine still remembers. */
  decisionAt(height: number): Decision | undefined {
    return this.decisions.get(height);
  }

  private requireStarted(): void {
    if (!this.started) throw new MachineError('machine-not-started', 'call start() first');
  }

  private flush(): Action[] {
    const a = this.out;
    this.out = [];
    return a;
  }

  private emit(a: Action): void {
    this.out.push(a);
  }

  private log(tag: number, height: number, payload: Uint8Array): void {
    if (!this.replaying) this.o.wal?.append({ tag, height, payload });
  }

  private roundState(r: number): RoundState {
    let s = this.rounds.get(r);
    if (!s) {
      s = { prevotes: new Map(), precommits: new Map(), senders: new Set(), prevoteTimeoutScheduled: false, precommitTimeoutScheduled: false, rule36Done: false };
      this.rounds.set(r, s);
    }
    return s;
  }

  private proposerAt(round: number): Uint8Array {
    return this.set.proposerAt(round).publicKey;
  }

  // ---- inputs ----

  private handle(m: Message): void {
    if (m.kind === 'decision') {
      // A decision of the next height while this one waits out its commit pause is kept.
      if (m.decision.height === this.height + 1 && this.nextBuffer.length < MAX_NEXT_HEIGHT_BUFFER) this.nextBuffer.push(m);
      return this.onDecision(m.decision);
    }
    const h = m.kind === 'vote' ? m.vote.height : m.proposal.height;
    if (h < this.height) return this.answerBehind(h, m);
    if (h === this.height + 1 || (h === this.height && this.step === 'commit')) {
      if (h === this.height + 1 && this.nextBuffer.length < MAX_NEXT_HEIGHT_BUFFER) this.nextBuffer.push(m);
      if (h === this.height + 1) return;
    }
    if (h !== this.height) return;
    if (m.kind === 'vote') this.onVote(m.vote);
    else this.onProposal(m.proposal);
  }

  private answerBehind(h: number, m: Message): void {
    const d = this.decisions.get(h);
    const from = m.kind === 'vote' ? m.vote.validator : m.kind === 'proposal' ? m.proposal.proposer : null;
    if (!d || !from) return;
    const k = `${h}:${toHex(from)}`;
    if (this.answered.has(k)) return;
    if (this.answered.size > 4096) this.answered.clear();
    this.answered.add(k);
    this.emit({ type: 'broadcast', message: { kind: 'decision', decision: d } });
  }

  private onProposal(p: Proposal): void {
    if (this.step === 'commit' || p.round > this.round + MAX_ROUNDS_AHEAD) return;
    if (!bytesEqual(p.proposer, this.proposerAt(p.round))) return;
    const s = this.roundState(p.round);
    if (s.proposal) return;
    if (!bytesEqual(this.o.valueId(p.value), p.blockId)) return;
    if (this.verifyMessages && !this.o.verify([{ signature: p.signature, message: proposalSignBytesOf(this.chainId, p), publicKey: p.proposer }])) return;
    this.log(WAL_PROPOSAL, p.height, encodeProposal(p));
    s.proposal = p;
    s.senders.add(toHex(p.proposer));
    this.process();
  }

  private onVote(v: Vote): void {
    if (this.step === 'commit' || v.round > this.round + MAX_ROUNDS_AHEAD) return;
    if (this.set.indexOf(v.validator) < 0) return;
    const s = this.roundState(v.round);
    const box = v.type === PREVOTE ? s.prevotes : s.precommits;
    const key = toHex(v.validator);
    const have = box.get(key);
    if (have && (have.some((h) => sameId(h.blockId, v.blockId)) || have.length >= VOTES_PER_SIGNER)) return;
    if (this.verifyMessages && !this.o.verify([{ signature: v.signature, message: voteSignBytesOf(this.chainId, v), publicKey: v.validator }])) return;
    this.log(WAL_VOTE, v.height, encodeVote(v));
    // An equivocator's conflicting votes are all kept (up to a bound) and each counts for
    // the block it names: otherwise whichever version arrived first would decide what an
    // honest node can count, and honest nodes that saw different versions could never
    // gather the same quorum (CometBFT's VoteSet keeps conflicting votes for this reason).
    if (have) {
      this.onConflict(have[0], v);
      have.push(v);
    } else box.set(key, [v]);
    s.senders.add(key);
    this.process();
  }

  private onConflict(a: Vote, b: Vote): void {
    const k = `${a.height}/${a.round}/${a.type}/${toHex(a.validator)}`;
    if (this.evidenceSeen.has(k)) return;
    this.evidenceSeen.add(k);
    this.emit({ type: 'evidence', evidence: makeEvidence(a, b) });
  }

  private onDecision(d: Decision): void {
    if (d.height !== this.height || this.decided) return;
    const id = this.o.valueId(d.value);
    try {
      verifyCommit(this.chainId, d.commit, this.set, this.height, id, this.o.verify);
    } catch {
      return;
    }
    if (!this.o.valid(this.height, d.value)) return;
    this.log(WAL_DECISION, d.height, encodeDecision(d));
    this.decide(d.commit.round, d.value, id, d.commit);
  }

  private fireTimeout(height: number, round: number, step: Step): void {
    if (height !== this.height || round !== this.round) return;
    if (step === 'propose' && this.step === 'propose') {
      // rule 57
      this.castVote(PREVOTE, null);
      this.step = 'prevote';
    } else if (step === 'prevote' && this.step === 'prevote') {
      // rule 61
      this.castVote(PRECOMMIT, null);
      this.step = 'precommit';
    } else if (step === 'precommit' && this.step !== 'commit') {
      // rule 65
      this.startRound(this.round + 1);
    } else if (step === 'commit' && this.step === 'commit') {
      this.newHeight();
      return;
    } else return;
    this.process();
  }

  // ---- Algorithm 1 ----

  private startRound(round: number): void {
    this.round = round;
    this.step = 'propose';
    const s = this.roundState(round);
    if (this.o.signer && bytesEqual(this.proposerAt(round), this.o.signer.publicKey)) {
      const prior = this.signedProposals.get(`${this.height}/${round}`);
      let p = prior;
      if (!p) {
        const value = this.validValue ?? this.o.getValue(this.height, round);
        const draft: Proposal = {
          height: this.height, round, polRound: this.validRound, value, blockId: this.o.valueId(value),
          proposer: this.o.signer.publicKey, signature: new Uint8Array(64),
        };
        draft.signature = this.o.signer.sign(proposalSignBytesOf(this.chainId, draft));
        this.o.wal?.append({ tag: WAL_SIGNED_PROPOSAL, height: this.height, payload: encodeProposal(draft) });
        this.signedProposals.set(`${this.height}/${round}`, draft);
        p = draft;
      }
      this.emit({ type: 'broadcast', message: { kind: 'proposal', proposal: p } });
      if (!s.proposal) {
        s.proposal = p;
        s.senders.add(toHex(p.proposer));
      }
    } else {
      this.emit({ type: 'timeout', height: this.height, round, step: 'propose', delayMs: this.timeouts.propose + round * this.timeouts.proposeDelta });
    }
    this.process();
  }

  /** Signs (or, after a restart, re-sends) this validator's vote; never two different ones. */
  private castVote(type: VoteType, blockId: Uint8Array | null): void {
    const signer = this.o.signer;
    if (!signer || this.set.indexOf(signer.publicKey) < 0) return;
    const k = voteKey(this.height, this.round, type);
    let v = this.signedVotes.get(k);
    if (v) {
      // The WAL already holds our vote for this step: send that one again, or nothing.
      if (!sameId(v.blockId, blockId)) return;
    } else {
      v = { type, height: this.height, round: this.round, blockId: blockId ? blockId.slice() : null, validator: signer.publicKey, signature: new Uint8Array(64) };
      v.signature = signer.sign(voteSignBytes(this.chainId, type, v.height, v.round, v.blockId));
      this.o.wal?.append({ tag: WAL_SIGNED_VOTE, height: this.height, payload: encodeVote(v) });
      this.signedVotes.set(k, v);
    }
    this.emit({ type: 'broadcast', message: { kind: 'vote', vote: v } });
    const s = this.roundState(this.round);
    const box = type === PREVOTE ? s.prevotes : s.precommits;
    const key = toHex(signer.publicKey);
    if (!box.has(key)) box.set(key, [v]);
    s.senders.add(key);
  }

  /** Power of the validators with a vote for `id` (undefined: any vote, each validator once). */
  private power(votes: Map<string, Vote[]>, id: Uint8Array | null | undefined): bigint {
    let p = 0n;
    for (const [k, list] of votes) if (id === undefined || list.some((v) => sameId(v.blockId, id))) p += this.set.powerOfHex(k);
    return p;
  }

  private votesFor(votes: Map<string, Vote[]>, id: Uint8Array): Vote[] {
    const out: Vote[] = [];
    for (const list of votes.values()) {
      const v = list.find((x) => sameId(x.blockId, id));
      if (v) out.push(v);
    }
    return out;
  }

  /** Applies the rules of Algorithm 1 until none fires. */
  private process(): void {
    for (let guard = 0; guard < 10_000; guard++) {
      if (!this.step1()) return;
    }
    throw new MachineError('machine-loop', 'rules kept firing; this is a bug');
  }

  private step1(): boolean {
    if (this.step === 'commit') return false;
    const set = this.set;
    const r = this.round;
    const s = this.roundState(r);
    const p = s.proposal;

    // rule 49: a proposal and a quorum of precommits for it, in any round of this height
    for (const [rr, rs] of this.rounds) {
      const pr = rs.proposal;
      if (pr && set.isQuorum(this.power(rs.precommits, pr.blockId)) && this.o.valid(this.height, pr.value)) {
        this.decide(rr, pr.value, pr.blockId, commitFromVotes(set, this.votesFor(rs.precommits, pr.blockId)));
        return false;
      }
    }

    if (p && this.step === 'propose') {
      if (p.polRound === -1) {
        // rule 22
        const ok = this.o.valid(this.height, p.value) && (this.lockedRound === -1 || sameId(this.lockedValue && this.o.valueId(this.lockedValue), p.blockId));
        this.castVote(PREVOTE, ok ? p.blockId : null);
        this.step = 'prevote';
        return true;
      }
      const pol = this.rounds.get(p.polRound);
      if (p.polRound < r && pol && set.isQuorum(this.power(pol.prevotes, p.blockId))) {
        // rule 28
        const ok = this.o.valid(this.height, p.value) && (this.lockedRound <= p.polRound || sameId(this.lockedValue && this.o.valueId(this.lockedValue), p.blockId));
        this.castVote(PREVOTE, ok ? p.blockId : null);
        this.step = 'prevote';
        return true;
      }
    }

    if (this.step === 'prevote' && !s.prevoteTimeoutScheduled && set.isQuorum(this.power(s.prevotes, undefined))) {
      // rule 34
      s.prevoteTimeoutScheduled = true;
      this.emit({ type: 'timeout', height: this.height, round: r, step: 'prevote', delayMs: this.timeouts.prevote + r * this.timeouts.prevoteDelta });
      return true;
    }

    if (p && !s.rule36Done && (this.step === 'prevote' || this.step === 'precommit') && set.isQuorum(this.power(s.prevotes, p.blockId)) && this.o.valid(this.height, p.value)) {
      // rule 36
      s.rule36Done = true;
      if (this.step === 'prevote') {
        this.lockedValue = p.value;
        this.lockedRound = r;
        this.castVote(PRECOMMIT, p.blockId);
        this.step = 'precommit';
      }
      this.validValue = p.value;
      this.validRound = r;
      return true;
    }

    if (this.step === 'prevote' && set.isQuorum(this.power(s.prevotes, null))) {
      // rule 44
      this.castVote(PRECOMMIT, null);
      this.step = 'precommit';
      return true;
    }

    if (!s.precommitTimeoutScheduled && set.isQuorum(this.power(s.precommits, undefined))) {
      // rule 47
      s.precommitTimeoutScheduled = true;
      this.emit({ type: 'timeout', height: this.height, round: r, step: 'precommit', delayMs: this.timeouts.precommit + r * this.timeouts.precommitDelta });
      return true;
    }

    // rule 55: > 1/3 of the power is already in a later round
    let jump = -1;
    for (const [rr, rs] of this.rounds) {
      if (rr <= r) continue;
      let pw = 0n;
      for (const k of rs.senders) pw += set.powerOfHex(k);
      if (set.isOneThird(pw) && rr > jump) jump = rr;
    }
    if (jump > r) {
      this.startRound(jump);
      return false;
    }
    return false;
  }

  private decide(round: number, value: Uint8Array, blockId: Uint8Array, commit: Commit): void {
    const d: Decision = { height: this.height, value, commit };
    this.decided = d;
    this.decisions.set(this.height, d);
    this.decisions.delete(this.height - DECISIONS_KEPT);
    this.step = 'commit';
    this.emit({ type: 'decide', height: this.height, round, value, blockId, commit });
    this.emit({ type: 'broadcast', message: { kind: 'decision', decision: d } });
    if (this.timeouts.commit > 0) this.emit({ type: 'timeout', height: this.height, round: this.round, step: 'commit', delayMs: this.timeouts.commit });
    else this.newHeight();
  }

  private newHeight(): void {
    this.height += 1;
    this.o.wal?.compact(this.height);
    for (const k of this.signedVotes.keys()) if (Number(k.split('/')[0]) < this.height) this.signedVotes.delete(k);
    for (const k of this.signedProposals.keys()) if (Number(k.split('/')[0]) < this.height) this.signedProposals.delete(k);
    this.rounds = new Map();
    this.decided = null;
    this.lockedValue = null;
    this.lockedRound = -1;
    this.validValue = null;
    this.validRound = -1;
    this.set = this.o.validators(this.height);
    this.startRound(0);
    const buffered = this.nextBuffer;
    this.nextBuffer = [];
    for (const m of buffered) this.handle(m);
  }
}

const STEPS: Step[] = ['propose', 'prevote', 'precommit', 'commit'];

function encodeTimeout(height: number, round: number, step: Step): Uint8Array {
  return new Writer(16).u64(BigInt(height), 'height').u32(round, 'round').u8(STEPS.indexOf(step), 'step').finish();
}

function decodeTimeout(r: Reader): { height: number; round: number; step: Step } {
  const height = Number(r.u64('height'));
  const round = r.u32('round');
  const i = r.u8('step');
  r.end();
  if (i >= STEPS.length) throw new MachineError('bad-wal', `timeout step ${i}, expected 0..3`);
  return { height, round, step: STEPS[i] };
}

export function encodeDecision(d: Decision): Uint8Array {
  const w = new Writer(d.value.length + 64 + d.commit.signatures.length * 66);
  w.varbytes(d.value, 1 << 26, 'decision.value');
  writeCommit(w, d.commit);
  return w.finish();
}

export function decodeDecision(bytes: Uint8Array): Decision {
  const r = new Reader(bytes, 'decision');
  const value = r.varbytes('decision.value', 1 << 26);
  const commit = readCommit(r);
  r.end();
  return { height: commit.height, value, commit };
}
