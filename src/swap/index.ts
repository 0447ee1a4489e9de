// Atomic swaps between two independent chains over hash-time-locked contracts (BIP 199, in
// the flow of decred's atomicswap tools), talking JSON-RPC to one node of each chain.
//
//   initiator (has coin X on chain A, wants Y on B)    participant (has Y on B, wants X on A)
//   1. secret s, h = sha256(s); lock X on A for the
//      participant, timeout T_A                    ->  2. audit the lock on A (amount, recipient,
//                                                         hashlock, time left, confirmations);
//                                                         lock Y on B for the initiator with h,
//                                                         timeout T_B: at most half of A's time left
//   3. audit the lock on B; redeem it with s (s is  <-
//      now public on chain B)                       ->  4. read s from B (findhtlcclaim h); redeem A
//   Either side refunds its own lock from its timeout on, if the other never acted.
//
// The participant's timeout is the shorter one, so the initiator, who reveals the secret
// last-minute at worst, leaves the participant at least as long again to use it on A.
// Timeouts are compared in blocks left on each chain (the chains here have the same block
// interval; with different intervals, scale by them).
import { sha256 } from '../hash/index.js';
import { ready } from '../engine/index.js';
import { bytesEqual, fromHex, toHex } from '../chain/hex.js';
import { encodeTx, signTx, type Transaction } from '../chain/tx.js';
import { ed25519 } from '../sig/index.js';
import { HtlcKind, htlcId, NATIVE, SECRET_SIZE } from '../chain/modules/htlc/index.js';
import { formatAmount } from '../chain/amount.js';
import { RpcCallError, rpcCall, type RpcClientOptions } from '../cli/rpc-client.js';

/** A node of one chain of the swap. */
export interface ChainEndpoint extends RpcClientOptions {
  /** For messages ("chain A"). */
  label?: string;
}

/** A refusal of the swap's safety rules or of an audit: what was wrong and what was expected. */
export class SwapError extends Error {
  override name = 'SwapError';
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export interface HtlcView {
  id: string;
  sender: string;
  recipient: string;
  asset: string;
  native: boolean;
  amount: string;
  hashlock: string;
  timeout: number;
  lockedat: number;
  state: 'open' | 'claimed' | 'refunded';
  resolvedat: number | null;
  secret: string | null;
}

const fail = (reason: string, message: string): never => {
  throw new SwapError(reason, message);
};
const label = (c: ChainEndpoint) => c.label ?? c.rpc ?? 'the node';

export async function height(c: ChainEndpoint): Promise<number> {
  return (await rpcCall(c, 'getblockcount')) as number;
}

/** The HTLC, or null when the chain does not have it (never locked, or reorganized away). */
export async function getHtlc(c: ChainEndpoint, id: string): Promise<HtlcView | null> {
  try {
    return (await rpcCall(c, 'gethtlc', [id])) as HtlcView;
  } catch (err) {
    if (/bad-htlc-unknown/.test((err as Error).message)) return null;
    throw err;
  }
}

export async function newSecret(): Promise<{ secret: string; hashlock: string }> {
  await ready();
  const s = globalThis.crypto.getRandomValues(new Uint8Array(SECRET_SIZE));
  return { secret: toHex(s), hashlock: toHex(sha256(s)) };
}

/** Signs a transaction of `kind` with the next nonce and a fee of 1 base unit per byte; returns its txid. */
export async function submitSigned<B>(c: ChainEndpoint, sk: Uint8Array, kind: number, body: B): Promise<{ txid: string; nonce: number }> {
  await ready();
  const from = ed25519.getPublicKey(sk);
  const info = (await rpcCall(c, 'getblockchaininfo')) as { chainid: number };
  const acct = (await rpcCall(c, 'getaccount', [toHex(from)])) as { nextnonce: number };
  const make = (fee: bigint) => signTx<B>({ chainId: info.chainid, kind, from, nonce: acct.nextnonce, fee, body }, sk);
  const fee = BigInt(encodeTx(make(0n) as Transaction).length);
  const txid = (await rpcCall(c, 'sendrawtransaction', [toHex(encodeTx(make(fee) as Transaction))])) as string;
  return { txid, nonce: acct.nextnonce };
}

export interface LockTerms {
  recipient: string;
  /** Base units of the asset (the native coin when asset is absent). */
  amount: bigint;
  asset?: string;
  hashlock: string;
  /** Absolute height. */
  timeout: number;
}

/** Locks coins in an HTLC; its id is known at once (sender + nonce). */
export async function lock(c: ChainEndpoint, sk: Uint8Array, t: LockTerms): Promise<{ htlc: string; txid: string }> {
  const h = await height(c);
  if (t.timeout <= h + 1) fail('timeout-past', `timeout height ${t.timeout} on ${label(c)} is not ahead of the next block ${h + 1}; expected a later height`);
  const body = { asset: t.asset ? fromHex(t.asset) : NATIVE, amount: t.amount, recipient: fromHex(t.recipient), hashlock: fromHex(t.hashlock), timeout: t.timeout };
  const { txid, nonce } = await submitSigned(c, sk, HtlcKind.Lock, body);
  return { htlc: toHex(htlcId(ed25519.getPublicKey(sk), nonce)), txid };
}

export interface AuditExpect {
  amount: bigint;
  /** Asset id; absent: the native coin. */
  asset?: string;
  recipient: string;
  hashlock?: string;
  /** Blocks that must still remain before the timeout. */
  minRemaining: number;
  confirmations: number;
}

export interface AuditReport {
  htlc: HtlcView;
  height: number;
  confirmations: number;
  remaining: number;
}

/**
 * Checks a counterparty's lock before acting on it: present and open, the expected asset,
 * amount, recipient and hashlock, at least `confirmations` blocks deep and `minRemaining`
 * blocks before its timeout. Throws SwapError naming every check that failed.
 */
export async function audit(c: ChainEndpoint, id: string, e: AuditExpect): Promise<AuditReport> {
  const h = await getHtlc(c, id);
  const tip = await height(c);
  if (!h) return fail('audit-missing', `${label(c)} has no HTLC ${id} (not mined yet, or reorganized away); expected a lock`);
  const problems: string[] = [];
  const confirmations = tip - h.lockedat + 1;
  const remaining = h.timeout - tip - 1;
  if (h.state !== 'open') problems.push(`it is ${h.state}, expected open`);
  if ((e.asset ?? toHex(NATIVE)) !== h.asset) problems.push(`asset is ${h.native ? 'the native coin' : h.asset}, expected ${e.asset ?? 'the native coin'}`);
  if (BigInt(h.amount) !== e.amount) problems.push(`amount is ${h.amount} base units, expected ${e.amount}`);
  if (h.recipient !== e.recipient.toLowerCase()) problems.push(`recipient is ${h.recipient}, expected ${e.recipient}`);
  if (e.hashlock && h.hashlock !== e.hashlock.toLowerCase()) problems.push(`hashlock is ${h.hashlock}, expected ${e.hashlock}`);
  if (remaining < e.minRemaining) problems.push(`${remaining} blocks remain before its timeout ${h.timeout}, expected at least ${e.minRemaining}`);
  if (confirmations < e.confirmations) problems.push(`${confirmations} confirmation${confirmations === 1 ? '' : 's'}, expected ${e.confirmations}`);
  if (problems.length) fail('audit-failed', `HTLC ${id.slice(0, 16)}... on ${label(c)}: ${problems.join('; ')}`);
  return { htlc: h, height: tip, confirmations, remaining };
}

/**
 * The participant's timeout: at most half the blocks the initiator's lock has left, so that
 * after the initiator reveals the secret at the participant's deadline, the participant
 * still has the other half on the initiator's chain.
 */
export function participantTimeout(initiatorRemaining: number, participantHeight: number, requested?: number): number {
  const max = Math.floor(initiatorRemaining / 2);
  if (max < 2) fail('initiator-timeout-short', `the initiator's lock has ${initiatorRemaining} blocks left; expected at least 4 so that the participant gets half`);
  const blocks = requested ?? max;
  if (blocks > max) fail('participant-timeout-long', `a participant timeout of ${blocks} blocks is more than half of the initiator's ${initiatorRemaining} blocks left; expected at most ${max}`);
  if (blocks < 2) fail('participant-timeout-short', `a participant timeout of ${blocks} blocks; expected at least 2`);
  return participantHeight + blocks;
}

/** Claims an HTLC with the secret after checking what the chain would check (so a mistake costs no fee). */
export async function redeem(c: ChainEndpoint, sk: Uint8Array, id: string, secretHex: string): Promise<{ txid: string }> {
  await ready();
  if (!/^([0-9a-fA-F]{2})*$/.test(secretHex)) fail('secret-not-hex', 'the secret is not hex; expected 64 hex digits');
  const secret = fromHex(secretHex);
  if (secret.length !== SECRET_SIZE) fail('secret-size', `the secret is ${secret.length} bytes; expected exactly ${SECRET_SIZE}`);
  const h = await getHtlc(c, id);
  if (!h) return fail('htlc-missing', `${label(c)} has no HTLC ${id}; expected a lock`);
  if (h.state !== 'open') fail('htlc-resolved', `HTLC ${id.slice(0, 16)}... is already ${h.state}; expected an open one`);
  if (toHex(sha256(secret)) !== h.hashlock) fail('secret-wrong', `SHA-256 of the secret is not the hashlock ${h.hashlock}; expected the swap's secret`);
  if (!bytesEqual(ed25519.getPublicKey(sk), fromHex(h.recipient))) fail('not-recipient', `the key is not the recipient ${h.recipient}`);
  const tip = await height(c);
  if (tip + 1 >= h.timeout) fail('htlc-expired', `HTLC timed out at height ${h.timeout} (next block ${tip + 1}); a claim now is refused, the sender may refund`);
  return { txid: (await submitSigned(c, sk, HtlcKind.Claim, { id: fromHex(id), secret })).txid };
}

/** Takes back an own lock once its timeout height is reached. */
export async function refund(c: ChainEndpoint, sk: Uint8Array, id: string): Promise<{ txid: string }> {
  await ready();
  const h = await getHtlc(c, id);
  if (!h) return fail('htlc-missing', `${label(c)} has no HTLC ${id}; expected a lock`);
  if (h.state !== 'open') fail('htlc-resolved', `HTLC ${id.slice(0, 16)}... is already ${h.state}; expected an open one`);
  if (!bytesEqual(ed25519.getPublicKey(sk), fromHex(h.sender))) fail('not-sender', `the key is not the sender ${h.sender}`);
  const tip = await height(c);
  if (tip + 1 < h.timeout) fail('htlc-not-expired', `HTLC times out at height ${h.timeout}; the next block is ${tip + 1}, expected ${h.timeout - tip - 1} more block(s) first`);
  return { txid: (await submitSigned(c, sk, HtlcKind.Refund, { id: fromHex(id) })).txid };
}

/** The secret a claim revealed for this hashlock on this chain, or null. */
export async function extractSecret(c: ChainEndpoint, hashlock: string): Promise<string | null> {
  const h = (await rpcCall(c, 'findhtlcclaim', [hashlock])) as HtlcView | null;
  return h?.secret ?? null;
}

export interface WatchOptions {
  /** The key of this party. */
  sk: Uint8Array;
  /** This party's own lock (refunded at its timeout if never claimed). */
  own: { chain: ChainEndpoint; htlc: string };
  /** The counterparty's lock for this party (redeemed once the secret is known). */
  other: { chain: ChainEndpoint; htlc: string; expect: Omit<AuditExpect, 'recipient'> };
  /** The initiator knows it; the participant learns it from the claim of its own lock. */
  secret?: string;
  pollMs?: number;
  /** Gives up after this long (ms). */
  deadlineMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export type WatchOutcome = { redeemed: string | null; refunded: string | null };

/**
 * Runs one party's side until both locks are settled: redeems the other lock as soon as the
 * secret is known and the lock is audited (confirmations included), and refunds the own lock
 * from its timeout on if the other party never claimed it.
 */
export async function watch(o: WatchOptions): Promise<WatchOutcome> {
  await ready();
  const me = toHex(ed25519.getPublicKey(o.sk));
  const log = o.log ?? (() => {});
  const out: WatchOutcome = { redeemed: null, refunded: null };
  let secret = o.secret ?? null;
  const end = Date.now() + (o.deadlineMs ?? 10 * 60_000);
  let redeemSent = false;
  let refundSent = false;
  while (!o.signal?.aborted) {
    if (Date.now() > end) fail('watch-deadline', 'the swap did not settle within the watch deadline');
    const own = await getHtlc(o.own.chain, o.own.htlc);
    const other = await getHtlc(o.other.chain, o.other.htlc);
    if (!secret && own?.state === 'claimed' && own.secret) {
      secret = own.secret;
      log(`secret revealed on ${label(o.own.chain)} at height ${own.resolvedat}`);
    }
    if (secret && other?.state === 'open' && !redeemSent) {
      try {
        await audit(o.other.chain, o.other.htlc, { ...o.other.expect, recipient: me, minRemaining: 0 });
        out.redeemed = (await redeem(o.other.chain, o.sk, o.other.htlc, secret)).txid;
        redeemSent = true;
        log(`redeem sent on ${label(o.other.chain)} at height ${await height(o.other.chain)}: ${out.redeemed}`);
      } catch (err) {
        if (err instanceof RpcCallError) log(`redeem on ${label(o.other.chain)} refused, retrying: ${err.message}`);
        else if (!(err instanceof SwapError)) throw err;
        else if (err.reason === 'htlc-expired') redeemSent = true; // too late: nothing to do but keep the own refund
      }
    }
    if (own?.state === 'open' && !refundSent && (await height(o.own.chain)) + 1 >= own.timeout) {
      out.refunded = (await refund(o.own.chain, o.sk, o.own.htlc)).txid;
      refundSent = true;
      log(`refund sent on ${label(o.own.chain)} at height ${await height(o.own.chain)}: ${out.refunded}`);
    }
    const ownSettled = own === null || own.state !== 'open';
    const otherExpired = other !== null && other.state === 'open' && (await height(o.other.chain)) + 1 >= other.timeout;
    if (ownSettled && (other === null || other.state !== 'open' || own?.state === 'refunded' || otherExpired)) return out;
    await new Promise((r) => setTimeout(r, o.pollMs ?? 200));
  }
  return out;
}

/** "12.500000 USDX" / "1.00000000" for messages: the amount in the decimals of the lock's asset. */
export async function describeAmount(c: ChainEndpoint, h: Pick<HtlcView, 'amount' | 'asset' | 'native'>): Promise<string> {
  if (h.native) {
    const info = (await rpcCall(c, 'getblockchaininfo')) as { decimals: number; unit?: string };
    return `${formatAmount(BigInt(h.amount), info.decimals)}${info.unit ? ` ${info.unit}` : ''}`;
  }
  const a = (await rpcCall(c, 'getasset', [h.asset])) as { decimals: number; symbol: string };
  return `${formatAmount(BigInt(h.amount), a.decimals)} ${a.symbol}`;
}
