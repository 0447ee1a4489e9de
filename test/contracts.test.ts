// The contracts module on the chain: deploy and call kinds through the envelope, gas paid
// even on failure, receipts in state and in the receipts root, RPC views, and the three
// example contracts (stablecoin, trade-terms escrow, provenance registry).
import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import { sha256 } from '../dist/hash/index.js';
import * as C from '../dist/chain/index.js';
import { keyOf } from './support/chain.js';
import { AbiReader, AbiWriter, contractWasm, Devnet, loadInstrumenter, u64Of } from './support/contracts.js';

beforeAll(async () => {
  await ready();
  expect(await loadInstrumenter()).toBe(true);
});

const [issuer, alice, bob, inspector, seller] = [11, 12, 13, 14, 15].map(keyOf);
const args = () => new AbiWriter();

describe('contracts module', () => {
  it('deploys the token, mints, transfers; fee = gas used x price; receipts by RPC', () => {
    const net = new Devnet([issuer, alice, bob]);
    const before = net.balance(issuer.pk);
    const { tx, address } = net.deployTx(issuer, contractWasm('token'), undefined, { gasPrice: 2n });
    const [dep] = net.block([tx]);
    expect(dep.status).toBe('ok');
    expect(dep.contract).toBe(C.toHex(address));
    expect(net.balance(issuer.pk)).toBe(before - 100n - 2n * BigInt(dep.gasUsed));
    expect(net.view('getcode', [address]).codeHash).toBe(C.toHex(sha256(contractWasm('token'))));

    const [m, t, bad] = net.block([
      net.callTx(issuer, address, 'mint', args().address(alice.pk).u64(1000n).finish()),
      net.callTx(alice, address, 'transfer', args().address(bob.pk).u64(250n).finish()),
      net.callTx(alice, address, 'mint', args().address(alice.pk).u64(1n).finish()),
    ]);
    expect(m.status).toBe('ok');
    expect(m.events.map((e) => Buffer.from(C.fromHex(e.topic)).toString())).toEqual(['Mint']);
    expect(t.status).toBe('ok');
    expect(bad.status).toBe('revert');
    expect(bad.reason).toBe('only the issuer may do this');
    expect(bad.events).toEqual([]);
    const bal = (k: { pk: Uint8Array }) => u64Of(net.query(address, 'balanceOf', args().address(k.pk).finish()).data);
    expect(bal(alice)).toBe(750n);
    expect(bal(bob)).toBe(250n);
    expect(u64Of(net.query(address, 'totalSupply', new Uint8Array(0)).data)).toBe(1000n);
    const est = net.view('estimategas', [address, 'transfer', args().address(alice.pk).u64(1n).finish(), bob.pk]);
    expect(est.status).toBe('ok');
    expect(BigInt(est.gasUsed)).toBeGreaterThan(0n);
    expect(bal(alice)).toBe(750n); // the estimate changed nothing
  });

  it('the stablecoin issuer freezes and burns; frozen accounts neither send nor receive', () => {
    const net = new Devnet([issuer, alice, bob]);
    const { tx, address } = net.deployTx(issuer, contractWasm('token'));
    net.block([tx, net.callTx(issuer, address, 'mint', args().address(alice.pk).u64(500n).finish())]);
    const [f, s1, s2, u, b, b2] = net.block([
      net.callTx(issuer, address, 'freeze', args().address(bob.pk).finish()),
      net.callTx(alice, address, 'transfer', args().address(bob.pk).u64(1n).finish()),
      net.callTx(bob, address, 'transfer', args().address(alice.pk).u64(0n).finish()),
      net.callTx(issuer, address, 'unfreeze', args().address(bob.pk).finish()),
      net.callTx(issuer, address, 'burn', args().address(alice.pk).u64(200n).finish()),
      net.callTx(issuer, address, 'burn', args().address(alice.pk).u64(301n).finish()),
    ]);
    expect([f.status, s1.reason, s2.reason, u.status, b.status, b2.reason]).toEqual(['ok', 'account is frozen', 'account is frozen', 'ok', 'ok', 'burn exceeds balance']);
    expect(u64Of(net.query(address, 'totalSupply', new Uint8Array(0)).data)).toBe(300n);
  });

  it('out of gas keeps the fee and undoes the frame; bad code is refused with a receipt', () => {
    const net = new Devnet([issuer, alice]);
    const { tx, address } = net.deployTx(issuer, contractWasm('token'));
    net.block([tx]);
    const before = net.balance(issuer.pk);
    const storageBefore = net.view('getstorage', [address, new TextEncoder().encode('supply')]);
    const [r] = net.block([net.callTx(issuer, address, 'mint', args().address(alice.pk).u64(5n).finish(), { gasLimit: 3000n, gasPrice: 3n })]);
    expect(r.status).toBe('out-of-gas');
    expect(r.gasUsed).toBe('3000');
    expect(net.balance(issuer.pk)).toBe(before - 100n - 9000n);
    expect(net.view('getstorage', [address, new TextEncoder().encode('supply')])).toBe(storageBefore);
    const junk = net.deployTx(alice, new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0xff]));
    const [j] = net.block([junk.tx]);
    expect(j.status).toBe('invalid-code');
    expect(j.reason).toMatch(/contract-invalid-wasm/);
    expect(net.view('getcode', [junk.address])).toBeNull();
  });

  it('trade-terms escrow: deposit, ship, inspector confirms, seller paid; refund only after the deadline', () => {
    const net = new Devnet([alice, seller, inspector]);
    const terms = (deadline: bigint) => args().address(seller.pk).address(inspector.pk).u64(5000n).u64(deadline).finish();
    const d1 = net.deployTx(alice, contractWasm('escrow'), terms(100n));
    const d2 = net.deployTx(alice, contractWasm('escrow'), terms(4n));
    const [r1, r2] = net.block([d1.tx, d2.tx]);
    expect([r1.status, r2.status]).toEqual(['ok', 'ok']);
    const sellerBefore = net.balance(seller.pk);
    const rs = net.block([
      net.callTx(alice, d1.address, 'deposit', new Uint8Array(0), { value: 4999n }),
      net.callTx(alice, d1.address, 'deposit', new Uint8Array(0), { value: 5000n }),
      net.callTx(alice, d1.address, 'confirm'),
      net.callTx(seller, d1.address, 'ship'),
      net.callTx(seller, d1.address, 'confirm'),
      net.callTx(inspector, d1.address, 'confirm'),
      net.callTx(alice, d2.address, 'deposit', new Uint8Array(0), { value: 5000n }),
      net.callTx(alice, d2.address, 'refund'),
    ]);
    expect(rs.map((r) => r.reason ?? r.status)).toEqual(['attach exactly the price', 'ok', 'not shipped', 'ok', 'only the inspector or the buyer confirms', 'ok', 'ok', 'the deadline has not passed']);
    expect(net.balance(seller.pk)).toBe(sellerBefore + 5000n - 200n - BigInt(rs[3].gasUsed) - BigInt(rs[4].gasUsed));
    expect(net.balance(d1.address)).toBe(0n);
    expect(net.balance(d2.address)).toBe(5000n);
    while (net.height <= 4) net.block([]);
    const aliceBefore = net.balance(alice.pk);
    const [ref] = net.block([net.callTx(alice, d2.address, 'refund')]);
    expect(ref.status).toBe('ok');
    expect(net.balance(alice.pk)).toBe(aliceBefore + 5000n - 100n - BigInt(ref.gasUsed));
    expect(ref.events.map((e) => Buffer.from(C.fromHex(e.topic)).toString())).toEqual(['Refunded']);
  });

  it('provenance: only the holder transfers custody, only registered inspectors certify', () => {
    const net = new Devnet([issuer, alice, bob, inspector]);
    const { tx, address } = net.deployTx(issuer, contractWasm('provenance'));
    const item = sha256(new TextEncoder().encode('lot 42: coffee, 60 kg'));
    const doc = sha256(new TextEncoder().encode('phytosanitary certificate'));
    const rs = net.block([
      tx,
      net.callTx(alice, address, 'register', args().fixed(item).bytes(new TextEncoder().encode('coffee')).finish()),
      net.callTx(bob, address, 'transferCustody', args().fixed(item).address(bob.pk).finish()),
      net.callTx(alice, address, 'transferCustody', args().fixed(item).address(bob.pk).finish()),
      net.callTx(inspector, address, 'certify', args().fixed(item).fixed(doc).finish()),
      net.callTx(alice, address, 'addInspector', args().address(inspector.pk).finish()),
      net.callTx(issuer, address, 'addInspector', args().address(inspector.pk).finish()),
      net.callTx(inspector, address, 'certify', args().fixed(item).fixed(doc).finish()),
    ]);
    expect(rs.map((r) => r.reason ?? r.status)).toEqual(['ok', 'ok', 'only the current holder transfers custody', 'ok', 'only registered inspectors certify', 'only the admin adds inspectors', 'ok', 'ok']);
    const h = new AbiReader(C.fromHex(net.query(address, 'history', args().fixed(item).finish()).data));
    expect(h.address()).toEqual(bob.pk);
    expect(h.u64()).toBe(2n);
    expect([h.address(), h.u64(), h.address(), h.u64()]).toEqual([alice.pk, 1n, bob.pk, 1n]);
    expect(h.u64()).toBe(1n);
    expect([h.address(), h.fixed(32), h.u64()]).toEqual([inspector.pk, doc, 1n]);
    expect(h.done).toBe(true);
  });
});
