// The consortium rule (namespace "authority"): known validators of equal power 1, changed
// by votes of the current members (Clique / QBFT style), and an optional per-account send
// allowlist managed the same way.
//
// Kinds (signed by a current member, else bft-not-member):
//   0x42 validator-vote { action: 0 add | 1 remove, subject key }
//   0x43 access-vote    { action: 0 allow | 1 revoke, subject key }
// A proposal (type, action, subject) takes effect at the end of the block in which more
// than 2/3 of the current members have voted for it; only votes of current members count
// (a member that leaves loses its votes); the last member is never removed. Open proposals
// are bounded (MAX_OPEN_PROPOSALS, MAX_VOTES_PER_MEMBER) and expire after PROPOSAL_TTL blocks.
// Evidence punishes by removal (punish 'double-sign'); downtime is not punished here.
//
// State: M -> members (count | key 32 | name varbytes, key order); m|key -> 1;
//        A -> 1 when the chain has a send allowlist; a|key -> 1; L -> allowlist keys (key order);
//        P -> open proposal ids (creation order); p|id -> proposal.
import { sha256 } from '../../../hash/index.js';
import { Reader, Writer } from '../../codec.js';
import type { Validator, ValidatorSetKeeper } from '../../consensus.js';
import { DecodeError, ValidationError } from '../../errors.js';
import { binKey, bytesEqual, fromHex, toHex } from '../../hex.js';
import type { ChainModule, KindSpec, ModuleContext, ModuleStore, StateQuery } from '../../module.js';
import { BftKind } from '../bft/index.js';

export const AuthorityKind = { ValidatorVote: 0x42, AccessVote: 0x43 } as const;
export const AUTHORITY_NAMESPACE = 'authority';
export const MAX_OPEN_PROPOSALS = 64;
export const MAX_VOTES_PER_MEMBER = 8;
export const PROPOSAL_TTL = 100_000;
const MAX_MEMBERS = 1024;
const MAX_ALLOWLIST = 4096;

/** validator-vote: 0 add, 1 remove; access-vote: 0 allow, 1 revoke. */
export interface VoteBody {
  action: number;
  subject: Uint8Array;
}

export interface Proposal {
  id: Uint8Array;
  type: 'validator' | 'access';
  action: number;
  subject: Uint8Array;
  created: number;
  voters: Uint8Array[];
}

export interface Member {
  publicKey: Uint8Array;
  name: string;
}

export interface AuthorityKeeper extends ValidatorSetKeeper {
  isMember(publicKey: Uint8Array): boolean;
}

const fail = (reason: string, message: string): never => {
  throw new ValidationError(reason, message);
};

const enc = new TextEncoder();
const dec = new TextDecoder();
const short = (k: Uint8Array) => toHex(k).slice(0, 16) + '...';
const K = { members: 'M', allow: 'A', allowList: 'L', open: 'P' };
const memberKey = (k: Uint8Array) => 'm' + binKey(k);
const allowKey = (k: Uint8Array) => 'a' + binKey(k);
const proposalKey = (id: Uint8Array) => 'p' + binKey(id);

type Get = (key: string) => Uint8Array | undefined;

function cmp(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

function readMembers(get: Get): Member[] {
  const v = get(K.members);
  if (!v) return [];
  const r = new Reader(v, 'authority members');
  const n = r.varint('count', MAX_MEMBERS);
  const out: Member[] = [];
  for (let i = 0; i < n; i++) out.push({ publicKey: r.fixed(32, 'key'), name: dec.decode(r.varbytes('name', 256)) });
  r.end();
  return out;
}

function writeMembers(store: ModuleStore, members: Member[]): void {
  const sorted = [...members].sort((a, b) => cmp(a.publicKey, b.publicKey));
  const w = new Writer(8 + sorted.length * 48).varint(sorted.length, 'count');
  for (const m of sorted) w.fixed(m.publicKey, 32, 'key').varbytes(enc.encode(m.name), 256, 'name');
  store.set(K.members, w.finish());
}

function readKeys(v: Uint8Array | undefined, what: string, max: number): Uint8Array[] {
  if (!v) return [];
  const r = new Reader(v, what);
  const n = r.varint('count', max);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(r.fixed(32, 'key'));
  r.end();
  return out;
}

function encodeKeys(keys: Uint8Array[]): Uint8Array {
  const w = new Writer(8 + keys.length * 32).varint(keys.length, 'count');
  for (const k of keys) w.fixed(k, 32, 'key');
  return w.finish();
}

function proposalId(type: Proposal['type'], action: number, subject: Uint8Array): Uint8Array {
  return sha256(new Writer(64).raw(enc.encode('hashlane/authority/proposal\0')).u8(type === 'validator' ? 0 : 1, 'type').u8(action, 'action').fixed(subject, 32, 'subject').finish());
}

function readProposal(get: Get, id: Uint8Array): Proposal | undefined {
  const v = get(proposalKey(id));
  if (!v) return undefined;
  const r = new Reader(v, 'authority proposal');
  const type = r.u8('type') === 0 ? 'validator' : 'access';
  const action = r.u8('action');
  const subject = r.fixed(32, 'subject');
  const created = Number(r.u64('created'));
  const voters = readKeys(r.varbytes('voters', 32 * MAX_MEMBERS + 8), 'authority voters', MAX_MEMBERS);
  r.end();
  return { id, type, action, subject, created, voters };
}

function writeProposal(store: ModuleStore, p: Proposal): void {
  const w = new Writer(64 + p.voters.length * 32).u8(p.type === 'validator' ? 0 : 1, 'type').u8(p.action, 'action').fixed(p.subject, 32, 'subject');
  w.u64(BigInt(p.created), 'created').varbytes(encodeKeys(p.voters), 32 * MAX_MEMBERS + 8, 'voters');
  store.set(proposalKey(p.id), w.finish());
}

function readOpen(get: Get): Uint8Array[] {
  return readKeys(get(K.open), 'authority open proposals', MAX_OPEN_PROPOSALS);
}

function isMember(get: Get, k: Uint8Array): boolean {
  return get(memberKey(k)) !== undefined;
}

function isAllowed(get: Get, k: Uint8Array): boolean {
  return get(allowKey(k)) !== undefined;
}

/** More than 2/3 of `members` (equal power). */
export function passes(votes: number, members: number): boolean {
  return votes * 3 > members * 2;
}

function addMember(store: ModuleStore, k: Uint8Array, name = ''): void {
  const ms = readMembers((x) => store.get(x));
  ms.push({ publicKey: k.slice(), name });
  writeMembers(store, ms);
  store.set(memberKey(k), new Uint8Array([1]));
}

/** Removes a member and its votes on open proposals; refuses to remove the last one. */
function removeMember(store: ModuleStore, k: Uint8Array): boolean {
  const get: Get = (x) => store.get(x);
  const ms = readMembers(get);
  if (!isMember(get, k) || ms.length <= 1) return false;
  writeMembers(store, ms.filter((m) => !bytesEqual(m.publicKey, k)));
  store.set(memberKey(k), undefined);
  for (const id of readOpen(get)) {
    const p = readProposal(get, id)!;
    const voters = p.voters.filter((v) => !bytesEqual(v, k));
    if (voters.length !== p.voters.length) writeProposal(store, { ...p, voters });
  }
  return true;
}

function setAllowed(store: ModuleStore, k: Uint8Array, allowed: boolean): void {
  const get: Get = (x) => store.get(x);
  let list = readKeys(get(K.allowList), 'authority allowlist', MAX_ALLOWLIST);
  if (allowed) {
    if (list.length >= MAX_ALLOWLIST) fail('authority-allowlist-full', `the send allowlist holds ${MAX_ALLOWLIST} accounts, its limit`);
    list.push(k.slice());
    list.sort(cmp);
  } else list = list.filter((x) => !bytesEqual(x, k));
  store.set(K.allowList, encodeKeys(list));
  store.set(allowKey(k), allowed ? new Uint8Array([1]) : undefined);
}

/** Why a proposal cannot be carried out now (undefined: it can). */
function blocked(get: Get, p: Pick<Proposal, 'type' | 'action' | 'subject'>): [string, string] | undefined {
  const s = short(p.subject);
  if (p.type === 'validator') {
    if (p.action === 0 && isMember(get, p.subject)) return ['authority-already-member', `${s} is already a validator`];
    if (p.action === 1 && !isMember(get, p.subject)) return ['authority-not-a-member', `${s} is not a validator, so it cannot be removed`];
    if (p.action === 1 && readMembers(get).length <= 1) return ['authority-last-member', 'the last validator cannot be removed (the set must never be empty)'];
    if (p.action === 0 && readMembers(get).length >= MAX_MEMBERS) return ['authority-set-full', `the set has ${MAX_MEMBERS} validators, its limit`];
  } else {
    if (get(K.allow) === undefined) return ['authority-no-allowlist', 'this chain has no send allowlist (params.sendAllowlist): everyone may send'];
    if (p.action === 0 && isAllowed(get, p.subject)) return ['authority-already-allowed', `${s} is already on the send allowlist`];
    if (p.action === 1 && !isAllowed(get, p.subject)) return ['authority-not-allowed', `${s} is not on the send allowlist, so it cannot be revoked`];
  }
  return undefined;
}

/**
 * Every rule a vote must meet on the state `get` reads (membership, a proposal the state
 * allows, no second vote, the bounds): the same in blocks and at mempool admission, so a
 * vote that cannot apply never enters a mempool. Returns the proposal it joins (if open).
 */
function checkVote(get: Get, from: Uint8Array, type: Proposal['type'], body: VoteBody): { id: Uint8Array; open: Uint8Array[]; p: Proposal | undefined } {
  if (!isMember(get, from)) fail('bft-not-member', `${short(from)} is not a current validator; only validators vote on ${type} proposals`);
  const why = blocked(get, { type, action: body.action, subject: body.subject });
  if (why) fail(why[0], why[1]);
  const id = proposalId(type, body.action, body.subject);
  const open = readOpen(get);
  const p = readProposal(get, id);
  if (p?.voters.some((v) => bytesEqual(v, from))) fail('authority-duplicate-vote', `${short(from)} already voted for this proposal`);
  let mine = 0;
  for (const oid of open) if (readProposal(get, oid)!.voters.some((v) => bytesEqual(v, from))) mine++;
  if (mine >= MAX_VOTES_PER_MEMBER) fail('authority-too-many-votes', `${short(from)} already backs ${mine} open proposals, at most ${MAX_VOTES_PER_MEMBER}`);
  if (!p && open.length >= MAX_OPEN_PROPOSALS) fail('authority-too-many-proposals', `${MAX_OPEN_PROPOSALS} proposals are open, the limit; wait for some to pass or expire`);
  return { id, open, p };
}

function castVote(ctx: ModuleContext, tx: { from: Uint8Array; body: VoteBody }, type: Proposal['type']): void {
  const store = ctx.store;
  const { id, open, p: joined } = checkVote((x) => store.get(x), tx.from, type, tx.body);
  let p = joined;
  if (!p) {
    p = { id, type, action: tx.body.action, subject: tx.body.subject.slice(), created: ctx.height, voters: [] };
    store.set(K.open, encodeKeys([...open, id]));
  }
  p.voters.push(tx.from.slice());
  writeProposal(store, p);
}

/** Carries out every open proposal that has the votes, until none does; drops expired ones. */
function tally(ctx: ModuleContext): void {
  const store = ctx.store;
  const get: Get = (x) => store.get(x);
  for (let changed = true; changed; ) {
    changed = false;
    const open = readOpen(get);
    const members = readMembers(get).length;
    for (const id of open) {
      const p = readProposal(get, id)!;
      const votes = p.voters.filter((v) => isMember(get, v)).length;
      const expired = ctx.height - p.created >= PROPOSAL_TTL;
      if (!expired && !passes(votes, members)) continue;
      // Passed (or expired): the proposal closes; a passed one that the state no longer
      // allows (the subject already left, the last member) closes without effect.
      store.set(proposalKey(id), undefined);
      store.set(K.open, encodeKeys(readOpen(get).filter((x) => !bytesEqual(x, id))));
      if (!expired && !blocked(get, p)) {
        if (p.type === 'validator') {
          if (p.action === 0) addMember(store, p.subject);
          else removeMember(store, p.subject);
        } else setAllowed(store, p.subject, p.action === 0);
      }
      changed = true;
      break;
    }
  }
}

const voteCodec = (what: string) => ({
  write(w: Writer, b: VoteBody) {
    w.u8(b.action, `${what}.action`).fixed(b.subject, 32, `${what}.subject`);
  },
  read(r: Reader): VoteBody {
    const action = r.u8(`${what}.action`);
    if (action > 1) throw new DecodeError('decode-range', `${r.what}: ${what}.action is ${action}, expected 0 or 1`);
    return { action, subject: r.fixed(32, `${what}.subject`) };
  },
});

function voteKind(kind: number, name: string, type: Proposal['type'], actions: [string, string]): KindSpec<VoteBody> {
  return {
    kind,
    name,
    codec: voteCodec(name),
    check(tx) {
      if (tx.body.action > 1) fail('bad-authority-action', `${name} action must be 0 (${actions[0]}) or 1 (${actions[1]}), got ${tx.body.action}`);
    },
    apply(ctx, tx) {
      castVote(ctx, tx, type);
    },
    toJson: (b) => ({ action: actions[b.action] ?? b.action, subject: toHex(b.subject) }),
    fromJson(j) {
      const action = actions.indexOf(j.action as string);
      if (action < 0) throw new DecodeError('decode-bad-json', `${name}.action must be "${actions[0]}" or "${actions[1]}", got ${JSON.stringify(j.action)?.slice(0, 40)}`);
      if (typeof j.subject !== 'string' || !/^[0-9a-fA-F]{64}$/.test(j.subject)) throw new DecodeError('decode-bad-json', `${name}.subject must be a 32-byte key (64 hex digits)`);
      return { action, subject: fromHex(j.subject) };
    },
  };
}

const validatorVote = voteKind(AuthorityKind.ValidatorVote, 'validator-vote', 'validator', ['add', 'remove']);
const accessVote = voteKind(AuthorityKind.AccessVote, 'access-vote', 'access', ['allow', 'revoke']);

function proposalJson(get: Get, p: Proposal): Record<string, unknown> {
  const members = readMembers(get).length;
  const votes = p.voters.filter((v) => isMember(get, v)).length;
  let needed = 0;
  while (!passes(needed, members)) needed++;
  return {
    id: toHex(p.id),
    type: p.type,
    action: p.type === 'validator' ? ['add', 'remove'][p.action] : ['allow', 'revoke'][p.action],
    subject: toHex(p.subject),
    created: p.created,
    expires: p.created + PROPOSAL_TTL,
    voters: p.voters.map(toHex),
    votes,
    needed,
  };
}

const qget = (q: Pick<StateQuery, 'read'>): Get => (k) => q.read(AUTHORITY_NAMESPACE, k);

export const authority: ChainModule<AuthorityKeeper> = {
  name: 'authority',
  namespace: AUTHORITY_NAMESPACE,
  kinds: [validatorVote, accessVote] as unknown as readonly KindSpec<never>[],
  genesis(ctx) {
    const vs = ctx.params.validators ?? [];
    writeMembers(ctx.store, vs.map((v) => ({ publicKey: v.publicKey.slice(), name: v.name ?? '' })));
    for (const v of vs) ctx.store.set(memberKey(v.publicKey), new Uint8Array([1]));
    if (ctx.params.sendAllowlist) {
      ctx.store.set(K.allow, new Uint8Array([1]));
      for (const a of ctx.params.sendAllowlist) setAllowed(ctx.store, a, true);
    }
  },
  // Validators always may send (they vote and submit evidence); evidence is admitted from
  // anyone, so an equivocation can always be reported.
  admit(q, tx) {
    const get = qget(q);
    // A vote that cannot apply is refused before it costs a block (or sits in a mempool).
    if (tx.kind === AuthorityKind.ValidatorVote) checkVote(get, tx.from, 'validator', tx.body as VoteBody);
    if (tx.kind === AuthorityKind.AccessVote) checkVote(get, tx.from, 'access', tx.body as VoteBody);
    if (get(K.allow) === undefined || tx.kind === BftKind.Evidence) return;
    if (isMember(get, tx.from) || isAllowed(get, tx.from)) return;
    fail('bft-not-allowed', `${short(tx.from)} may not send transactions on this chain: it is neither a validator nor on the send allowlist (an access-vote of > 2/3 of the validators adds it)`);
  },
  endBlock(ctx) {
    tally(ctx);
  },
  keeper(kctx) {
    const get: Get = (k) => kctx.store.get(k);
    return {
      members: (): Validator[] => readMembers(get).map((m) => ({ publicKey: m.publicKey, power: 1n })),
      punish(publicKey, offence) {
        if (offence === 'double-sign') removeMember(kctx.store, publicKey);
      },
      isMember: (k) => isMember(get, k),
      details(publicKey: Uint8Array) {
        const m = readMembers(get).find((x) => bytesEqual(x.publicKey, publicKey));
        return m ? { name: m.name } : {};
      },
    };
  },
  rpc: {
    getproposals: {
      description: 'getproposals — open validator and access proposals of the consortium: id, type, action, subject, voters, votes (of current members), needed (> 2/3), created, expires',
      params: [],
      handler(q) {
        const get = qget(q);
        return readOpen(get).map((id) => proposalJson(get, readProposal(get, id)!));
      },
    },
    getallowlist: {
      description: 'getallowlist — whether the chain restricts senders, and the accounts on the send allowlist (validators may always send)',
      params: [],
      handler(q) {
        const get = qget(q);
        return { enabled: get(K.allow) !== undefined, accounts: readKeys(get(K.allowList), 'authority allowlist', MAX_ALLOWLIST).map(toHex) };
      },
    },
  },
};

/** The consortium members as the state `q` stands (name included). */
export function queryMembers(q: Pick<StateQuery, 'read'>): Member[] {
  return readMembers(qget(q));
}
