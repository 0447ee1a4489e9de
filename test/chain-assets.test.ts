// The assets and HTLC modules on a bare state (blocks applied with the roots they commit):
// supply accounting under random operation sequences, the HTLC rules one by one, and a reorg
// that takes a lock back out (state root restored).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import * as C from '../dist/chain/index.js';
import { sha256 } from '../dist/hash/index.js';
import { keyOf, makeBlock, openChain, type Key } from './support/chain.js';

beforeAll(async () => {
  await ready();
});

const keys = [1, 2, 3, 4].map(keyOf);
const params = C.defineParams(C.regtestParams, { premine: keys.map((k) => ({ publicKey: k.pk, amount: 10_000_000n })) });
const engine = new C.ProofOfWork(params);
const genesisHeader = C.genesisBlock(params).header;

class Bench {
  state = new C.ChainState(params);
  height = 0;
  constructor() {
    C.applyBlock(this.state, C.genesisBlock(params), 0, engine, { genesis: true });
  }
  tx<B>(k: Key, kind: number, body: B, fee = 1000n): C.Transaction<B> {
    const t = C.signTx<B>({ chainId: params.chainId, kind, from: k.pk, nonce: this.state.getAccount(k.pk).nonce, fee, body }, k.sk);
    C.checkTransaction(t as C.Transaction, params);
    return t;
  }
  /** Applies one block with these transactions (each checked statelessly first); the outcomes of their receipts. */
  block(txs: C.Transaction[]): { ok: boolean; text: string }[] {
    this.height++;
    const fees = txs.reduce((s, t) => s + t.fee, 0n);
    const cb = C.createCoinbase(params.chainId, this.height, new Uint8Array(32).fill(9), engine.blockReward(this.height) + fees);
    const roots = C.previewRoots(this.state, { header: genesisHeader, txs: [cb, ...txs] }, this.height, engine);
    const r = C.applyBlock(this.state, { header: genesisHeader, txs: [C.withRoots(cb, roots), ...txs] }, this.height, engine);
    return r.receipts.map((x) => C.readOutcome(x.data));
  }
  one(k: Key, kind: number, body: unknown): { ok: boolean; text: string } {
    return this.block([this.tx(k, kind, body)])[0]!;
  }
  view(method: string, ...args: unknown[]): any {
    for (const m of C.defaultRegistry.modules) if (m.rpc?.[method]) return m.rpc[method]!.handler(this.state, args);
    throw new Error(`no view ${method}`);
  }
}

const ZERO = new Uint8Array(32);

function issue(b: Bench, k: Key, o: Partial<C.AssetIssueBody> = {}): Uint8Array {
  const nonce = b.state.getAccount(k.pk).nonce;
  const r = b.one(k, C.AssetKind.Issue, { symbol: 'USDX', name: 'Dollar token', decimals: 6, maxSupply: 0n, powers: 7, initialSupply: 0n, ...o });
  expect(r.ok, r.text).toBe(true);
  return C.assetId(k.pk, nonce);
}

const units = (b: Bench, id: Uint8Array, pk: Uint8Array) => BigInt(b.view('getassetbalance', pk, id).units);

describe('assets module', () => {
  it('the escrow account is sha256("hashlane/htlc/escrow")', () => {
    expect(C.toHex(C.HTLC_ESCROW)).toBe(C.toHex(sha256(new TextEncoder().encode('hashlane/htlc/escrow'))));
  });

  it('issue, mint, transfer, burn: the views show supply and balances in the asset decimals; the fee is native coin', () => {
    const b = new Bench();
    const before = b.state.getAccount(keys[0].pk).balance;
    const id = issue(b, keys[0], { maxSupply: 5_000_000_000n, initialSupply: 1_000_000n });
    expect(b.state.getAccount(keys[0].pk).balance).toBe(before - 1000n);
    expect(b.one(keys[0], C.AssetKind.Mint, { asset: id, to: keys[1].pk, amount: 2_500_000n }).ok).toBe(true);
    expect(b.one(keys[1], C.AssetKind.Transfer, { asset: id, to: keys[2].pk, amount: 500_000n }).ok).toBe(true);
    expect(b.one(keys[0], C.AssetKind.Burn, { asset: id, to: ZERO, amount: 400_000n }).ok).toBe(true);
    const a = b.view('getasset', id);
    expect(a).toMatchObject({ symbol: 'USDX', decimals: 6, supply: '3.100000', minted: '3.500000', burned: '0.400000', maxsupply: '5000.000000', powers: ['mint', 'burn', 'freeze'] });
    expect(b.view('getassetbalance', keys[1].pk, id)).toMatchObject({ balance: '2.000000', frozen: false });
    expect(b.view('listassets')).toMatchObject({ total: 1, assets: [{ id: C.toHex(id) }] });
  });

  it('refuses what the issuer did not keep, strangers, and the max supply (receipt says why, fee paid, nothing else changes)', () => {
    const b = new Bench();
    const fixed = issue(b, keys[0], { powers: 0, initialSupply: 100n, symbol: 'FIX' });
    const capped = issue(b, keys[0], { powers: C.Power.Mint, maxSupply: 1000n, symbol: 'CAP' });
    expect(b.one(keys[0], C.AssetKind.Mint, { asset: fixed, to: keys[0].pk, amount: 1n }).text).toMatch(/^bad-asset-no-power/);
    expect(b.one(keys[1], C.AssetKind.Mint, { asset: capped, to: keys[1].pk, amount: 1n }).text).toMatch(/^bad-asset-not-issuer/);
    expect(b.one(keys[0], C.AssetKind.Mint, { asset: capped, to: keys[1].pk, amount: 1001n }).text).toMatch(/^bad-asset-max-supply/);
    expect(b.one(keys[0], C.AssetKind.Freeze, { asset: capped, account: keys[1].pk }).text).toMatch(/^bad-asset-no-power/);
    expect(b.one(keys[0], C.AssetKind.Transfer, { asset: new Uint8Array(32).fill(7), to: keys[1].pk, amount: 1n }).text).toMatch(/^bad-asset-unknown/);
    expect(b.view('getasset', capped).supply).toBe('0.000000');
    expect(() => b.tx(keys[0], C.AssetKind.Issue, { symbol: 'bad sym', name: 'x', decimals: 2, maxSupply: 0n, powers: 1, initialSupply: 0n })).toThrow(/bad-asset-symbol/);
    expect(() => b.tx(keys[0], C.AssetKind.Issue, { symbol: 'OK', name: 'x', decimals: 19, maxSupply: 0n, powers: 1, initialSupply: 0n })).toThrow(/bad-asset-decimals/);
    expect(() => b.tx(keys[0], C.AssetKind.Issue, { symbol: 'OK', name: 'x', decimals: 2, maxSupply: 5n, powers: 1, initialSupply: 6n })).toThrow(/bad-asset-max-supply/);
  });

  it('random operation sequences: sum of balances == minted - burned == supply <= max; a frozen account never sends (fast-check)', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('mint' as const), who: fc.nat({ max: 3 }), to: fc.nat({ max: 3 }), amount: fc.bigInt({ min: 1n, max: 400n }) }),
      fc.record({ t: fc.constant('burn' as const), who: fc.nat({ max: 3 }), amount: fc.bigInt({ min: 1n, max: 300n }) }),
      fc.record({ t: fc.constant('send' as const), who: fc.nat({ max: 3 }), to: fc.nat({ max: 3 }), amount: fc.bigInt({ min: 1n, max: 300n }) }),
      fc.record({ t: fc.constant('freeze' as const), who: fc.nat({ max: 3 }), to: fc.nat({ max: 3 }) }),
      fc.record({ t: fc.constant('unfreeze' as const), who: fc.nat({ max: 3 }), to: fc.nat({ max: 3 }) }),
      fc.record({ t: fc.constant('lock' as const), who: fc.nat({ max: 3 }), to: fc.nat({ max: 3 }), amount: fc.bigInt({ min: 1n, max: 300n }) }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: 500n, max: 3000n }), fc.array(op, { minLength: 1, maxLength: 25 }), (max, ops) => {
        const b = new Bench();
        const id = issue(b, keys[0], { maxSupply: max, initialSupply: 200n });
        for (const o of ops) {
          const who = keys[o.who];
          const frozenBefore = b.view('getassetbalance', who.pk, id).frozen as boolean;
          const balBefore = units(b, id, who.pk);
          let tx: C.Transaction;
          if (o.t === 'mint') tx = b.tx(who, C.AssetKind.Mint, { asset: id, to: keys[o.to].pk, amount: o.amount });
          else if (o.t === 'burn') tx = b.tx(who, C.AssetKind.Burn, { asset: id, to: ZERO, amount: o.amount });
          else if (o.t === 'send') {
            if (o.to === o.who) continue;
            tx = b.tx(who, C.AssetKind.Transfer, { asset: id, to: keys[o.to].pk, amount: o.amount });
          } else if (o.t === 'lock') {
            if (o.to === o.who) continue;
            tx = b.tx(who, C.HtlcKind.Lock, { asset: id, amount: o.amount, recipient: keys[o.to].pk, hashlock: new Uint8Array(32).fill(3), timeout: b.height + 5 });
          } else {
            if (o.to === o.who && o.t === 'freeze') continue;
            tx = b.tx(who, o.t === 'freeze' ? C.AssetKind.Freeze : C.AssetKind.Unfreeze, { asset: id, account: keys[o.to].pk });
          }
          const [r] = b.block([tx]);
          if ((o.t === 'send' || o.t === 'lock') && frozenBefore) {
            expect(r!.ok).toBe(false);
            expect(r!.text).toMatch(/^bad-asset-frozen/);
            expect(units(b, id, who.pk)).toBe(balBefore);
          }
          const a = C.queryAsset(b.state, id)!;
          const sum = [...keys.map((k) => k.pk), C.HTLC_ESCROW].reduce((s, pk) => s + units(b, id, pk), 0n);
          expect(sum).toBe(a.supply);
          expect(a.supply).toBe(a.minted - a.burned);
          expect(a.supply <= max).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('htlc module', () => {
  const secret = new Uint8Array(32).map((_, i) => i + 1);
  const hashlock = () => sha256(secret);

  function locked(b: Bench, o: { asset?: Uint8Array; amount?: bigint; timeout?: number } = {}) {
    const nonce = b.state.getAccount(keys[0].pk).nonce;
    const r = b.one(keys[0], C.HtlcKind.Lock, { asset: o.asset ?? C.NATIVE, amount: o.amount ?? 50_000n, recipient: keys[1].pk, hashlock: hashlock(), timeout: o.timeout ?? b.height + 10 });
    expect(r.ok, r.text).toBe(true);
    return C.htlcId(keys[0].pk, nonce);
  }

  it('lock then claim with the secret: native coin moves to the recipient, the index finds the revealing claim', () => {
    const b = new Bench();
    const before1 = b.state.getAccount(keys[1].pk).balance;
    const id = locked(b);
    expect(b.view('gethtlc', id)).toMatchObject({ state: 'open', amount: '50000', native: true, hashlock: C.toHex(hashlock()) });
    expect(b.state.getAccount(C.HTLC_ESCROW).balance).toBe(50_000n);
    expect(b.view('findhtlcclaim', hashlock())).toBeNull();
    expect(b.one(keys[1], C.HtlcKind.Claim, { id, secret }).ok).toBe(true);
    expect(b.state.getAccount(keys[1].pk).balance).toBe(before1 + 50_000n - 1000n);
    expect(b.state.getAccount(C.HTLC_ESCROW).balance).toBe(0n);
    expect(b.view('findhtlcclaim', hashlock())).toMatchObject({ id: C.toHex(id), state: 'claimed', secret: C.toHex(secret), resolvedat: b.height });
  });

  it('refuses a wrong secret, a wrong-size secret, a stranger, a double claim, a claim at/after the timeout and a refund before it', () => {
    const b = new Bench();
    const id = locked(b); // locked at 1, timeout 11
    const wrong = new Uint8Array(32).fill(0xaa);
    expect(b.one(keys[1], C.HtlcKind.Claim, { id, secret: wrong }).text).toMatch(/^bad-htlc-secret:/);
    for (const size of [0, 31, 33, 64]) expect(() => b.tx(keys[1], C.HtlcKind.Claim, { id, secret: new Uint8Array(size) })).toThrow(/bad-htlc-secret-size/);
    expect(b.one(keys[2], C.HtlcKind.Claim, { id, secret }).text).toMatch(/^bad-htlc-not-recipient/);
    expect(b.one(keys[0], C.HtlcKind.Refund, { id }).text).toMatch(/^bad-htlc-not-expired/);
    expect(b.view('gethtlc', id).state).toBe('open');
    expect(b.one(keys[1], C.HtlcKind.Claim, { id, secret }).ok).toBe(true);
  });

  it('timeout edge: claim in block T-1 is allowed, in block T refused; refund from T on; a refunded HTLC cannot be claimed or refunded again', () => {
    const b = new Bench();
    const id = locked(b, { timeout: 4 }); // lock at height 1
    b.block([]); // 2
    b.block([]); // 3
    // Block 4 = timeout: the claim is too late, the refund is on time.
    expect(b.one(keys[1], C.HtlcKind.Claim, { id, secret }).text).toMatch(/^bad-htlc-expired/);
    const before = b.state.getAccount(keys[0].pk).balance;
    expect(b.one(keys[0], C.HtlcKind.Refund, { id }).ok).toBe(true);
    expect(b.state.getAccount(keys[0].pk).balance).toBe(before + 50_000n - 1000n);
    expect(b.one(keys[0], C.HtlcKind.Refund, { id }).text).toMatch(/^bad-htlc-resolved/);
    expect(b.one(keys[1], C.HtlcKind.Claim, { id, secret }).text).toMatch(/^bad-htlc-resolved/);

    const b2 = new Bench();
    const id2 = locked(b2, { timeout: 3 });
    b2.block([]); // 2
    expect(b2.one(keys[1], C.HtlcKind.Claim, { id: id2, secret }).text).toMatch(/^bad-htlc-expired/); // block 3 = T
  });

  it('a claimed HTLC is not claimed twice, and a lock whose timeout is not ahead is refused', () => {
    const b = new Bench();
    const id = locked(b);
    expect(b.one(keys[1], C.HtlcKind.Claim, { id, secret }).ok).toBe(true);
    expect(b.one(keys[1], C.HtlcKind.Claim, { id, secret }).text).toMatch(/^bad-htlc-resolved/);
    expect(b.one(keys[0], C.HtlcKind.Lock, { asset: C.NATIVE, amount: 1n, recipient: keys[1].pk, hashlock: hashlock(), timeout: b.height + 1 }).text).toMatch(/^bad-htlc-timeout-past/);
  });

  it('locks an issued asset through the assets keeper; a frozen sender cannot lock', () => {
    const b = new Bench();
    const asset = issue(b, keys[0], { initialSupply: 1_000n });
    const id = locked(b, { asset, amount: 600n });
    expect(units(b, asset, C.HTLC_ESCROW)).toBe(600n);
    expect(b.one(keys[1], C.HtlcKind.Claim, { id, secret }).ok).toBe(true);
    expect(units(b, asset, keys[1].pk)).toBe(600n);
    expect(b.one(keys[0], C.AssetKind.Freeze, { asset, account: keys[1].pk }).ok).toBe(true);
    expect(b.one(keys[1], C.HtlcKind.Lock, { asset, amount: 1n, recipient: keys[2].pk, hashlock: hashlock(), timeout: b.height + 5 }).text).toMatch(/^bad-asset-frozen/);
    expect(b.one(keys[0], C.AssetKind.Freeze, { asset, account: C.HTLC_ESCROW }).text).toMatch(/^bad-asset-freeze-escrow/);
  });
});

describe('reorg', () => {
  it('a competing longer branch takes a lock back out: the HTLC is gone and the state root is the one before the lock', async () => {
    const k = keyOf(11);
    const h = await openChain({ premine: [{ publicKey: k.pk, amount: 1_000_000n }] });
    const base = makeBlock(h, []);
    await h.chain.addBlock(base);
    const rootBefore = C.toHex(h.chain.stateRoot());
    const fork = h.chain.tip;
    const lockTx = C.signTx({ chainId: h.params.chainId, kind: C.HtlcKind.Lock, from: k.pk, nonce: 0, fee: 500n, body: { asset: C.NATIVE, amount: 1000n, recipient: keys[1].pk, hashlock: new Uint8Array(32).fill(1), timeout: 50 } }, k.sk);
    await h.chain.addBlock(makeBlock(h, [lockTx as C.Transaction]));
    const id = C.htlcId(k.pk, 0);
    expect(C.queryHtlc(h.chain.state, id)?.state).toBe('open');
    expect(C.toHex(h.chain.stateRoot())).not.toBe(rootBefore);
    const a = makeBlock(h, [], { parent: fork, miner: new Uint8Array(32).fill(0xab) });
    const ra = await h.chain.addBlock(a);
    expect(ra.status).toBe('side-chain');
    const bEntry = h.chain.getEntry(C.blockHash(a.header))!;
    const rb = await h.chain.addBlock(makeBlock(h, [], { parent: bEntry, miner: new Uint8Array(32).fill(0xab) }));
    expect(rb.status).toBe('reorg');
    expect(C.queryHtlc(h.chain.state, id)).toBeUndefined();
    expect(h.chain.getAccount(C.HTLC_ESCROW).balance).toBe(0n);
    // Root after the two empty blocks equals a replay of those blocks on the pre-lock state.
    const replay = new C.ChainState(h.params);
    C.applyBlock(replay, C.genesisBlock(h.params), 0, h.chain.consensus, { genesis: true });
    C.applyBlock(replay, base, 1, h.chain.consensus);
    expect(C.toHex(replay.root())).toBe(rootBefore);
    C.applyBlock(replay, a, 2, h.chain.consensus);
    C.applyBlock(replay, (await h.chain.getBlockAtHeight(3))!, 3, h.chain.consensus);
    expect(C.toHex(h.chain.stateRoot())).toBe(C.toHex(replay.root()));
    await h.chain.close();
  });
});
