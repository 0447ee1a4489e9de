// Helpers of the staking/dpos tests: a chain (trivial PoW, so blocks are built in-process)
// whose registry holds a validator-set module, blocks whose coinbase claims nothing (as a
// BFT template with claimReward false: reward + fees go to the set module), and a stand-in
// for the BFT module's two calls the set modules use — the LastCommit signers (keeper
// `lastSigners`) and evidence (`punish` on the set module) — as test-only signed kinds.
import * as C from '../../dist/chain/index.js';
import { keyOf, makeBlock, type Harness, type Key } from './chain.js';

export { keyOf, type Key };

export const TEST_SIGNERS_KIND = 0xf0;
export const TEST_PUNISH_KIND = 0xf1;

/** A module named "bft" (namespace "bft") with the calls the set modules ask of the BFT module. */
export function fakeBft(setModule: string): C.ChainModule<{ lastSigners(): Uint8Array[] }> {
  const signers: C.KindSpec<{ keys: Uint8Array[] }> = {
    kind: TEST_SIGNERS_KIND,
    name: 'test-signers',
    codec: {
      write(w, b) {
        w.varint(b.keys.length, 'n');
        for (const k of b.keys) w.fixed(k, 32, 'key');
      },
      read(r) {
        const n = r.varint('n', 1024);
        const keys: Uint8Array[] = [];
        for (let i = 0; i < n; i++) keys.push(r.fixed(32, 'key'));
        return { keys };
      },
    },
    check: () => undefined,
    apply(ctx, tx) {
      const out = new Uint8Array(tx.body.keys.length * 32);
      tx.body.keys.forEach((k, i) => out.set(k, i * 32));
      ctx.store.set('s', out);
    },
    toJson: () => ({}),
    fromJson: () => ({ keys: [] }),
  };
  // `at`: the offence height (as the bft module passes the evidence votes' height); absent or 0: this block.
  const punish: C.KindSpec<{ key: Uint8Array; offence: number; at?: number }> = {
    kind: TEST_PUNISH_KIND,
    name: 'test-punish',
    codec: {
      write: (w, b) => void w.fixed(b.key, 32, 'key').u8(b.offence, 'offence').u32(b.at ?? 0, 'at'),
      read: (r) => ({ key: r.fixed(32, 'key'), offence: r.u8('offence'), at: r.u32('at') }),
    },
    check: () => undefined,
    apply(ctx, tx) {
      ctx.call<C.ValidatorSetKeeper>(setModule).punish(tx.body.key, tx.body.offence === 0 ? 'double-sign' : 'downtime', ctx.height, tx.body.at || ctx.height);
    },
    toJson: () => ({}),
    fromJson: () => ({ key: new Uint8Array(32), offence: 0 }),
  };
  return {
    name: 'bft',
    namespace: 'bft',
    kinds: [signers, punish] as unknown as readonly C.KindSpec<never>[],
    keeper: (ctx) => ({
      lastSigners() {
        const b = ctx.store.get('s');
        const out: Uint8Array[] = [];
        if (b) for (let i = 0; i < b.length; i += 32) out.push(b.slice(i, i + 32));
        return out;
      },
    }),
  };
}

export interface StakeHarness extends Harness {
  /** Signs a transaction of any registered kind from `key` (nonces tracked across unmined txs). */
  tx<B>(key: Key, kind: number, body: B, fee?: bigint): C.Transaction;
  /** Mines a block of `txs` whose coinbase claims 0; returns each tx's outcome (throws when one failed, unless allowed). */
  mine(txs?: C.Transaction[], opts?: { allowFail?: boolean }): Promise<{ ok: boolean; text: string }[]>;
  balance(pk: Uint8Array): bigint;
  q: C.StateQuery;
}

export async function openStaking(overrides: Partial<C.ChainParams>, modules: C.ChainModule[], store?: C.ChainStore): Promise<StakeHarness> {
  const params = C.defineParams(C.regtestParams, { halvingInterval: 0, ...overrides });
  const clock = { now: params.genesisTime + 1_000_000 };
  const registry = C.defaultRegistry.with(...modules);
  const chain = await C.Chain.open({ params, registry, store, now: () => clock.now });
  const nonces = new Map<string, number>();
  const h: Harness = { chain, params, clock };
  const outcomes = (txs: C.Transaction[], allowFail: boolean) => {
    const height = chain.height + 1;
    const draft = { header: chain.tip.header, txs: [C.createCoinbase(params.chainId, height, new Uint8Array(32).fill(0xee), 0n), ...txs] };
    const r = C.applyBlock(chain.state, draft, height, chain.consensus, { checkRoots: false });
    chain.state.undo(r.undo);
    const out = r.receipts.map((x) => (x.data.length ? C.readOutcome(x.data) : { ok: true, text: '' }));
    const bad = out.find((o) => !o.ok);
    if (bad && !allowFail) throw new Error(`a transaction failed: ${bad.text}`);
    return out;
  };
  const self: StakeHarness = {
    ...h,
    q: chain.state,
    tx(key, kind, body, fee = 1000n) {
      const hex = C.toHex(key.pk);
      const nonce = nonces.get(hex) ?? chain.getAccount(key.pk).nonce;
      nonces.set(hex, nonce + 1);
      return C.signTx({ chainId: params.chainId, kind, from: key.pk, nonce, fee, body }, key.sk, registry) as C.Transaction;
    },
    async mine(txs = [], opts = {}) {
      const out = outcomes(txs, opts.allowFail === true);
      const b = makeBlock(h, txs, { coinbaseAmount: 0n });
      const res = await chain.addBlock(b);
      if (res.status !== 'connected' && res.status !== 'reorg') throw new Error(`block not connected: ${JSON.stringify(res)}`);
      nonces.clear();
      return out;
    },
    balance: (pk) => chain.getAccount(pk).balance,
  };
  return self;
}
