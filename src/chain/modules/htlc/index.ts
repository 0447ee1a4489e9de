// The HTLC module: hash-time-locked contracts (BIP 199), the building block of atomic swaps
// between two chains. A lock moves coins (the native coin, or an issued asset) into an
// escrow that only two things can open: the recipient with the 32-byte secret whose
// SHA-256 is the hashlock, before the timeout height; or the sender, from the timeout
// height on.
//
// The secret must be exactly 32 bytes. Both chains of a swap hash it with SHA-256, but if
// one accepted a longer secret than the other, the party choosing it could claim on one
// chain with a secret the other chain refuses (the size attack decred's atomicswap warns
// about). With the size fixed here and checked by `swap audit`, both sides accept exactly
// the same secrets.
//
// Heights: a lock with timeout T can be claimed in blocks of height < T and refunded in
// blocks of height >= T; never both.
//
// State (namespace "htlc"):
//   h/<htlc id 32>  -> record (encodeHtlc)
//   s/<hashlock 32> -> id of the first HTLC claimed with that hashlock (the secret is in
//                      its record): how a swap party finds the secret the other revealed.
// The HTLC id is sha256("hashlane/htlc\0" | sender | lock nonce u64 LE), known before the
// lock is mined.
import { sha256 } from '../../../hash/index.js';
import { Reader, Writer } from '../../codec.js';
import { DecodeError, ValidationError } from '../../errors.js';
import { binKey, bytesEqual, fromHex, toHex } from '../../hex.js';
import type { BankKeeper } from '../bank/index.js';
import { bytesParam, HTLC_ESCROW, hex32, outcome, units, type AssetsKeeper } from '../assets/index.js';
import type { ChainModule, KindSpec, ModuleContext, ModuleStore, StateQuery } from '../../module.js';
import type { Transaction } from '../../tx.js';

export const HtlcKind = { Lock: 0x38, Claim: 0x39, Refund: 0x3a } as const;
export const SECRET_SIZE = 32;
/** The codec admits secrets up to this size so that a wrong size is a typed refusal, not a decode error. */
const MAX_SECRET_WIRE = 64;
/** Asset id of the native coin in a lock. */
export const NATIVE = new Uint8Array(32);

export interface HtlcLockBody {
  asset: Uint8Array;
  amount: bigint;
  recipient: Uint8Array;
  hashlock: Uint8Array;
  /** Absolute height from which the sender may refund (and the recipient no longer claim). */
  timeout: number;
}
export interface HtlcClaimBody {
  id: Uint8Array;
  secret: Uint8Array;
}
export interface HtlcRefundBody {
  id: Uint8Array;
}

export type HtlcState = 'open' | 'claimed' | 'refunded';
const STATES: HtlcState[] = ['open', 'claimed', 'refunded'];

export interface Htlc {
  id: Uint8Array;
  sender: Uint8Array;
  recipient: Uint8Array;
  asset: Uint8Array;
  amount: bigint;
  hashlock: Uint8Array;
  timeout: number;
  lockedAt: number;
  state: HtlcState;
  /** Height of the claim or refund (0 while open). */
  resolvedAt: number;
  /** The revealed secret (claimed only). */
  secret: Uint8Array | null;
}

const te = new TextEncoder();
const ID_DOMAIN = te.encode('hashlane/htlc\0');

export function htlcId(sender: Uint8Array, nonce: number): Uint8Array {
  return sha256(new Writer(64).raw(ID_DOMAIN).fixed(sender, 32, 'sender').u64(BigInt(nonce), 'nonce').finish());
}

const fail = (reason: string, message: string): never => {
  throw new ValidationError(reason, message);
};

export function encodeHtlc(h: Htlc): Uint8Array {
  const w = new Writer(220)
    .fixed(h.sender, 32, 'htlc.sender')
    .fixed(h.recipient, 32, 'htlc.recipient')
    .fixed(h.asset, 32, 'htlc.asset')
    .u64(h.amount, 'htlc.amount')
    .fixed(h.hashlock, 32, 'htlc.hashlock')
    .u32(h.timeout, 'htlc.timeout')
    .u32(h.lockedAt, 'htlc.lockedAt')
    .u8(STATES.indexOf(h.state), 'htlc.state')
    .u32(h.resolvedAt, 'htlc.resolvedAt');
  if (h.state === 'claimed') w.fixed(h.secret!, SECRET_SIZE, 'htlc.secret');
  return w.finish();
}

export function decodeHtlc(id: Uint8Array, bytes: Uint8Array): Htlc {
  const r = new Reader(bytes, 'htlc');
  const h: Htlc = {
    id,
    sender: r.fixed(32, 'htlc.sender'),
    recipient: r.fixed(32, 'htlc.recipient'),
    asset: r.fixed(32, 'htlc.asset'),
    amount: r.u64('htlc.amount'),
    hashlock: r.fixed(32, 'htlc.hashlock'),
    timeout: r.u32('htlc.timeout'),
    lockedAt: r.u32('htlc.lockedAt'),
    state: STATES[r.u8('htlc.state')] ?? 'open',
    resolvedAt: r.u32('htlc.resolvedAt'),
    secret: null,
  };
  if (h.state === 'claimed') h.secret = r.fixed(SECRET_SIZE, 'htlc.secret');
  r.end();
  return h;
}

type Get = Pick<ModuleStore, 'get'>;
const hKey = (id: Uint8Array) => 'h' + binKey(id);
const sKey = (lock: Uint8Array) => 's' + binKey(lock);

function readHtlc(store: Get, id: Uint8Array): Htlc | undefined {
  const v = store.get(hKey(id));
  return v ? decodeHtlc(id, v) : undefined;
}

const isNative = (asset: Uint8Array) => bytesEqual(asset, NATIVE);

/** Moves the locked funds (escrow in or out) through the owning module's keeper. */
function pay(ctx: ModuleContext, asset: Uint8Array, from: Uint8Array, to: Uint8Array, amount: bigint): void {
  if (isNative(asset)) ctx.call<BankKeeper>('bank').transfer(from, to, amount);
  else ctx.call<AssetsKeeper>('assets').transfer(asset, from, to, amount);
}

function openOne(ctx: ModuleContext, id: Uint8Array): Htlc {
  const h = readHtlc(ctx.store, id) ?? fail('bad-htlc-unknown', `no HTLC ${toHex(id)} on this chain`);
  if (h.state !== 'open') fail('bad-htlc-resolved', `HTLC ${toHex(id).slice(0, 16)}... was already ${h.state} at height ${h.resolvedAt}`);
  return h;
}

const lock: KindSpec<HtlcLockBody> = {
  kind: HtlcKind.Lock,
  name: 'htlc-lock',
  codec: {
    write(w, b) {
      w.fixed(b.asset, 32, 'htlc-lock.asset').u64(b.amount, 'htlc-lock.amount').fixed(b.recipient, 32, 'htlc-lock.recipient').fixed(b.hashlock, 32, 'htlc-lock.hashlock').u32(b.timeout, 'htlc-lock.timeout');
    },
    read(r) {
      return { asset: r.fixed(32, 'htlc-lock.asset'), amount: r.u64('htlc-lock.amount'), recipient: r.fixed(32, 'htlc-lock.recipient'), hashlock: r.fixed(32, 'htlc-lock.hashlock'), timeout: r.u32('htlc-lock.timeout') };
    },
  },
  check(tx) {
    if (tx.body.amount === 0n) fail('bad-htlc-amount-zero', 'an HTLC must lock a positive amount');
    if (bytesEqual(tx.from, tx.body.recipient)) fail('bad-htlc-self', 'sender and recipient of an HTLC are the same account');
    if (bytesEqual(tx.body.recipient, HTLC_ESCROW)) fail('bad-htlc-recipient', 'the recipient cannot be the escrow account');
    if (tx.body.timeout === 0) fail('bad-htlc-timeout', 'the timeout is an absolute height above the current one, got 0');
  },
  apply(ctx, tx) {
    return outcome(ctx, () => {
      const b = tx.body;
      if (b.timeout <= ctx.height) fail('bad-htlc-timeout-past', `timeout height ${b.timeout} is not above the lock's height ${ctx.height}`);
      const id = htlcId(tx.from, tx.nonce);
      pay(ctx, b.asset, tx.from, HTLC_ESCROW, b.amount);
      const h: Htlc = { id, sender: tx.from, recipient: b.recipient, asset: b.asset, amount: b.amount, hashlock: b.hashlock, timeout: b.timeout, lockedAt: ctx.height, state: 'open', resolvedAt: 0, secret: null };
      ctx.store.set(hKey(id), encodeHtlc(h));
      return `locked ${toHex(id)}`;
    });
  },
  // Native coin is taken by the body: the mempool reserves it with the fee.
  spend: (tx) => (isNative(tx.body.asset) ? tx.body.amount : 0n),
  toJson: (b) => ({ asset: toHex(b.asset), amount: b.amount.toString(), recipient: toHex(b.recipient), hashlock: toHex(b.hashlock), timeout: b.timeout }),
  fromJson: (j) => {
    const t = j.timeout;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > 0xffffffff) throw new DecodeError('decode-bad-json', 'timeout must be a height (u32)');
    return { asset: hex32(j.asset, 'asset'), amount: units(j.amount, 'amount'), recipient: hex32(j.recipient, 'recipient'), hashlock: hex32(j.hashlock, 'hashlock'), timeout: t };
  },
};

const claim: KindSpec<HtlcClaimBody> = {
  kind: HtlcKind.Claim,
  name: 'htlc-claim',
  codec: {
    write(w, b) {
      w.fixed(b.id, 32, 'htlc-claim.id').varbytes(b.secret, MAX_SECRET_WIRE, 'htlc-claim.secret');
    },
    read(r) {
      return { id: r.fixed(32, 'htlc-claim.id'), secret: r.varbytes('htlc-claim.secret', MAX_SECRET_WIRE) };
    },
  },
  check(tx) {
    if (tx.body.secret.length !== SECRET_SIZE) fail('bad-htlc-secret-size', `the secret is ${tx.body.secret.length} bytes; exactly ${SECRET_SIZE} are required (both chains of a swap must accept the same secrets)`);
  },
  apply(ctx, tx) {
    return outcome(ctx, () => {
      const h = openOne(ctx, tx.body.id);
      if (!bytesEqual(tx.from, h.recipient)) fail('bad-htlc-not-recipient', 'only the recipient of an HTLC may claim it');
      if (ctx.height >= h.timeout) fail('bad-htlc-expired', `HTLC timed out at height ${h.timeout}; a claim in block ${ctx.height} is too late (the sender may refund)`);
      if (!bytesEqual(sha256(tx.body.secret), h.hashlock)) fail('bad-htlc-secret', 'SHA-256 of the secret is not the hashlock');
      pay(ctx, h.asset, HTLC_ESCROW, h.recipient, h.amount);
      h.state = 'claimed';
      h.resolvedAt = ctx.height;
      h.secret = tx.body.secret.slice();
      ctx.store.set(hKey(h.id), encodeHtlc(h));
      if (!ctx.store.get(sKey(h.hashlock))) ctx.store.set(sKey(h.hashlock), h.id);
      return `claimed ${toHex(h.id)}`;
    });
  },
  toJson: (b) => ({ htlc: toHex(b.id), secret: toHex(b.secret) }),
  fromJson: (j) => ({ id: hex32(j.htlc, 'htlc'), secret: fromHex(typeof j.secret === 'string' && /^([0-9a-fA-F]{2}){0,64}$/.test(j.secret) ? j.secret : '') }),
};

const refund: KindSpec<HtlcRefundBody> = {
  kind: HtlcKind.Refund,
  name: 'htlc-refund',
  codec: {
    write(w, b) {
      w.fixed(b.id, 32, 'htlc-refund.id');
    },
    read(r) {
      return { id: r.fixed(32, 'htlc-refund.id') };
    },
  },
  check() {},
  apply(ctx, tx) {
    return outcome(ctx, () => {
      const h = openOne(ctx, tx.body.id);
      if (!bytesEqual(tx.from, h.sender)) fail('bad-htlc-not-sender', 'only the sender of an HTLC may refund it');
      if (ctx.height < h.timeout) fail('bad-htlc-not-expired', `HTLC times out at height ${h.timeout}; a refund in block ${ctx.height} is too early`);
      pay(ctx, h.asset, HTLC_ESCROW, h.sender, h.amount);
      h.state = 'refunded';
      h.resolvedAt = ctx.height;
      ctx.store.set(hKey(h.id), encodeHtlc(h));
      return `refunded ${toHex(h.id)}`;
    });
  },
  toJson: (b) => ({ htlc: toHex(b.id) }),
  fromJson: (j) => ({ id: hex32(j.htlc, 'htlc') }),
};

/** An HTLC through any state query. */
export function queryHtlc(q: Pick<StateQuery, 'read'>, id: Uint8Array): Htlc | undefined {
  return readHtlc({ get: (k) => q.read('htlc', k) }, id);
}

export const htlc: ChainModule = {
  name: 'htlc',
  namespace: 'htlc',
  kinds: [lock, claim, refund] as unknown as readonly KindSpec<never>[],
  rpc: {
    gethtlc: {
      description: 'gethtlc htlcid — an HTLC: sender, recipient, asset (zeros: the native coin), amount in base units, hashlock, timeout height, state (open, claimed, refunded), the secret once claimed',
      params: [{ name: 'htlcid', type: 'hex', maxBytes: 32 }],
      handler(q, [id]) {
        const h = queryHtlc(q, bytesParam(id, 'htlcid'));
        if (!h) throw new ValidationError('bad-htlc-unknown', `no HTLC ${toHex(id as Uint8Array)} on this chain`);
        return htlcJson(h);
      },
    },
    findhtlcclaim: {
      description: 'findhtlcclaim hashlock — the HTLC whose claim revealed the secret of this hashlock, with the secret; null while none was claimed',
      params: [{ name: 'hashlock', type: 'hex', maxBytes: 32 }],
      handler(q, [lockHash]) {
        const id = q.read('htlc', sKey(bytesParam(lockHash, 'hashlock')));
        const h = id && queryHtlc(q, id);
        return h ? htlcJson(h) : null;
      },
    },
  },
  cli: [
    { verb: 'swap initiate', kind: HtlcKind.Lock, summary: 'swap initiate|participate: an htlc-lock (hashlane swap --help)', args: [] },
    { verb: 'swap redeem', kind: HtlcKind.Claim, summary: 'swap redeem: an htlc-claim with the 32-byte secret', args: [] },
    { verb: 'swap refund', kind: HtlcKind.Refund, summary: 'swap refund: an htlc-refund after the timeout', args: [] },
  ],
};

export function htlcJson(h: Htlc) {
  return {
    id: toHex(h.id),
    sender: toHex(h.sender),
    recipient: toHex(h.recipient),
    asset: toHex(h.asset),
    native: isNative(h.asset),
    amount: h.amount.toString(),
    hashlock: toHex(h.hashlock),
    timeout: h.timeout,
    lockedat: h.lockedAt,
    state: h.state,
    resolvedat: h.state === 'open' ? null : h.resolvedAt,
    secret: h.secret ? toHex(h.secret) : null,
  };
}
