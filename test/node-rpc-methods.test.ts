import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HashlaneNode } from '../dist/node/node.js';
import { RpcCode } from '../dist/node/rpc-errors.js';
import { generate, keypair, rpc, startNode, transferHex } from './support/node.js';

let node: HashlaneNode;
const alice = keypair(11);
const bob = keypair(12);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

beforeAll(async () => {
  node = await startNode({ minerAddress: alice.pk });
  await generate(node, 3);
});
afterAll(() => node.stop());

describe('node RPC methods', () => {
  it('answers the chain queries', async () => {
    expect((await rpc(node, 'getblockcount')).result).toBe(3);
    const best = (await rpc(node, 'getbestblockhash')).result;
    expect((await rpc(node, 'getblockhash', [3])).result).toBe(best);
    const blk = (await rpc(node, 'getblock', [best])).result;
    expect(blk).toMatchObject({ hash: best, height: 3, confirmations: 1, nTx: 1 });
    const raw = (await rpc(node, 'getblock', [best, 0])).result;
    expect(raw).toMatch(/^[0-9a-f]+$/);
    const full = (await rpc(node, 'getblock', { blockhash: best, verbosity: 2 })).result;
    expect(full.tx[0]).toMatchObject({ kind: 'coinbase', to: hex(alice.pk) });
    const cb = (await rpc(node, 'gettransaction', [blk.tx[0]])).result;
    expect(cb).toMatchObject({ blockhash: best, confirmations: 1, in_mempool: false });
    // Amounts in coins with every decimal, as Core prints them (a string: exact beyond 2^53).
    expect((await rpc(node, 'getbalance', [hex(alice.pk)])).result).toBe('150.00000000');
    expect((await rpc(node, 'getaccount', [hex(alice.pk)])).result).toMatchObject({ balance: '150.00000000', pendingbalance: '150.00000000', pending: 0, unit: 'HLN', nonce: 0, nextnonce: 0 });
    expect(cb.amount).toBe('50.00000000');
    // A module's RPC view (the bank module's, in base units), registered from the chain's module registry.
    expect((await rpc(node, 'getbankaccount', [hex(alice.pk)])).result).toEqual({ balance: (3n * 50n * 100_000_000n).toString(), nonce: 0, key: Buffer.from('bank/a').toString('hex') + hex(alice.pk) });
    expect((await rpc(node, 'getbankaccount', ['abcd'])).error.code).toBe(RpcCode.DESERIALIZATION_ERROR);
    expect(full.tx[0].stateRoot).toMatch(/^[0-9a-f]{64}$/);
    const mi = (await rpc(node, 'getmininginfo')).result;
    expect(mi).toMatchObject({ blocks: 3, chain: 'regtest', pooledtx: 0 });
    expect((await rpc(node, 'getpeerinfo')).result).toEqual([]);
  });

  it('takes transactions into the mempool and mines them through getblocktemplate/submitblock', async () => {
    const id = (await rpc(node, 'sendrawtransaction', [transferHex(alice, bob.pk, 5000n, 0)])).result;
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect((await rpc(node, 'getmempoolinfo')).result).toMatchObject({ size: 1 });
    expect((await rpc(node, 'getrawmempool')).result).toEqual([id]);
    expect(Object.keys((await rpc(node, 'getrawmempool', [true])).result)).toEqual([id]);
    expect((await rpc(node, 'gettransaction', [id])).result).toMatchObject({ in_mempool: true, amount: '0.00005000', fee: '0.00001000' });
    // Pending: the sender's balance less amount and fee, the recipient's plus the amount.
    expect((await rpc(node, 'getaccount', [hex(alice.pk)])).result).toMatchObject({ nextnonce: 1, balance: '150.00000000', pendingbalance: '149.99994000', pending: 1 });
    expect((await rpc(node, 'getaccount', [hex(bob.pk)])).result).toMatchObject({ balance: '0.00000000', pendingbalance: '0.00005000', pending: 1 });
    expect((await rpc(node, 'getrawmempool', [true])).result[id].fee).toBe('0.00001000');
    const dup = await rpc(node, 'sendrawtransaction', [transferHex(alice, bob.pk, 5000n, 0)]);
    expect(dup.error.code).toBe(RpcCode.VERIFY_ALREADY_IN_CHAIN);

    const t = (await rpc(node, 'getblocktemplate', [hex(bob.pk)])).result;
    expect(t.height).toBe(4);
    expect(t.transactions.map((x: { txid: string }) => x.txid)).toEqual([id]);
    // Solve the template's header in the test (regtest: a few hashes) and submit the block.
    const { scanNonces } = await import('../dist/pow/index.js');
    const header = Buffer.from(t.header, 'hex');
    const r = scanNonces(new Uint8Array(header), BigInt('0x' + t.target), 0, 1 << 20);
    header.writeUInt32LE(r.nonce!, 76);
    const block = Buffer.from(t.block, 'hex');
    header.copy(block, 0);
    expect((await rpc(node, 'submitblock', [block.toString('hex')])).result).toBeNull();
    expect((await rpc(node, 'submitblock', [block.toString('hex')])).result).toBe('duplicate');
    expect((await rpc(node, 'getblockcount')).result).toBe(4);
    // getblocktemplate keeps Core's base units for coinbasevalue and fees.
    expect(t.transactions[0].fee).toBe('1000');
    expect((await rpc(node, 'getbalance', [hex(bob.pk)])).result).toBe('50.00006000');
    expect((await rpc(node, 'gettransaction', [id])).result.confirmations).toBe(1);
    expect((await rpc(node, 'getmempoolinfo')).result.size).toBe(0);
  });

  it('validates every input and answers with error objects', async () => {
    const cases: [string, unknown, number, RegExp][] = [
      ['getblockhash', [99], RpcCode.INVALID_PARAMETER, /out of range/],
      ['getblockhash', [-1], RpcCode.INVALID_PARAMS, />= 0/],
      ['getblockhash', ['1'], RpcCode.INVALID_PARAMS, /integer/],
      ['getblock', ['00'.repeat(32)], RpcCode.INVALID_ADDRESS_OR_KEY, /block not found/],
      ['getblock', ['xyz'], RpcCode.INVALID_PARAMS, /64 hex digits/],
      ['getblock', ['00'.repeat(32), 3], RpcCode.INVALID_PARAMS, /<= 2/],
      ['gettransaction', ['11'.repeat(32)], RpcCode.INVALID_ADDRESS_OR_KEY, /no transaction/],
      ['getbalance', ['abcd'], RpcCode.INVALID_ADDRESS_OR_KEY, /32-byte/],
      ['getbalance', [], RpcCode.INVALID_PARAMS, /missing parameter "address"/],
      ['getaccount', ['zz'], RpcCode.INVALID_PARAMS, /hex/],
      ['sendrawtransaction', ['00'], RpcCode.DESERIALIZATION_ERROR, /decode/],
      ['sendrawtransaction', [transferHex(bob, alice.pk, 1n, 100)], RpcCode.VERIFY_REJECTED, /nonce-gap/],
      ['sendrawtransaction', [transferHex(keypair(99), alice.pk, 1n, 0)], RpcCode.VERIFY_REJECTED, /insufficient-funds/],
      ['submitblock', ['0011'], RpcCode.DESERIALIZATION_ERROR, /block decode failed/],
      ['addnode', ['nohost', 'add'], RpcCode.INVALID_PARAMS, /host:port/],
      ['addnode', ['127.0.0.1:1', 'connect'], RpcCode.INVALID_PARAMS, /one of add, remove, onetry/],
      ['addnode', ['127.0.0.1:2', 'remove'], -24, /not been added/],
      ['getrawmempool', ['yes'], RpcCode.INVALID_PARAMS, /true or false/],
      ['getblockcount', [1], RpcCode.INVALID_PARAMS, /at most 0/],
      ['generatetoaddress', [1, 'abcd'], RpcCode.INVALID_ADDRESS_OR_KEY, /32-byte/],
      ['generatetoaddress', [-1, hex(bob.pk)], RpcCode.INVALID_PARAMS, />= 0/],
      ['generatetoaddress', [10_001, hex(bob.pk)], RpcCode.INVALID_PARAMS, /<= 10000/],
      ['generate', ['2'], RpcCode.INVALID_PARAMS, /integer/],
    ];
    for (const [method, params, code, msg] of cases) {
      const r = await rpc(node, method, params);
      expect(r.error, `${method} ${JSON.stringify(params)}`).toBeDefined();
      expect(r.error.code, `${method}: ${r.error.message}`).toBe(code);
      expect(r.error.message, method).toMatch(msg);
    }
    // A tampered signature is rejected as invalid, not as a policy matter.
    const good = transferHex(alice, bob.pk, 1n, 1);
    const bad = good.slice(0, -2) + (good.endsWith('00') ? '01' : '00');
    const r = await rpc(node, 'sendrawtransaction', [bad]);
    expect(r.error.message).toMatch(/bad-txns-signature/);
  });

  it('generatetoaddress and generate mine n blocks at once and return their hashes', async () => {
    const h0 = (await rpc(node, 'getblockcount')).result as number;
    const carol = keypair(13);
    const hashes = (await rpc(node, 'generatetoaddress', [25, hex(carol.pk)])).result as string[];
    expect(hashes).toHaveLength(25);
    expect(new Set(hashes).size).toBe(25);
    expect((await rpc(node, 'getblockhash', [h0 + 25])).result).toBe(hashes[24]);
    expect((await rpc(node, 'getblockhash', [h0 + 1])).result).toBe(hashes[0]);
    expect((await rpc(node, 'getbalance', [hex(carol.pk)])).result).toBe('1250.00000000');
    const own = (await rpc(node, 'generate', [2])).result as string[];
    expect(own).toHaveLength(2);
    expect((await rpc(node, 'getblock', [own[1], 2])).result.tx[0].to).toBe(hex(node.minerAddress));
    expect((await rpc(node, 'generate', [0])).result).toEqual([]);
    // Regtest never retargets: every block so far carries the genesis bits.
    const bits = new Set<string>();
    for (let h = 1; h <= h0 + 27; h++) bits.add((await rpc(node, 'getblock', [(await rpc(node, 'getblockhash', [h])).result])).result.bits);
    expect([...bits]).toEqual(['207fffff']);
  });

  it('adds and removes peers, and lists them', async () => {
    const other = await startNode();
    try {
      const target = `127.0.0.1:${other.network.listenPort}`;
      expect((await rpc(node, 'addnode', [target, 'add'])).result).toBeNull();
      expect((await rpc(node, 'addnode', [target, 'add'])).error.code).toBe(RpcCode.CLIENT_NODE_ALREADY_ADDED);
      const { until } = await import('./support/node.js');
      await until(async () => (await rpc(node, 'getpeerinfo')).result.length === 1, 5000, 'peer');
      const [p] = (await rpc(node, 'getpeerinfo')).result;
      expect(p).toMatchObject({ addr: target, inbound: false, version: 1 });
      await until(() => other.chain.height === node.chain.height, 5000, 'sync');
      expect((await rpc(node, 'addnode', [target, 'remove'])).result).toBeNull();
      await until(async () => (await rpc(node, 'getpeerinfo')).result.length === 0, 5000, 'peer gone');
    } finally {
      await other.stop();
    }
  });
});
