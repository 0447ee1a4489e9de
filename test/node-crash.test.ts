import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ready } from '../dist/index.js';
import { Chain } from '../dist/chain/chain.js';
import { regtestParams } from '../dist/chain/params.js';
import { openChainStore } from '../dist/node/storage.js';
import { cookieAuth, keypair, rpc, transferHex, until } from './support/node.js';
import { parseAmount } from '../dist/chain/amount.js';

const MAIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Opens a data dir left behind by a killed node and replays its active chain from genesis into memory. */
async function checkReplay(dataDir: string): Promise<{ height: number; hashes: string[] }> {
  const disk = await Chain.open({ params: regtestParams, store: await openChainStore(join(dataDir, 'regtest')) });
  const mem = await Chain.open({ params: regtestParams });
  const hashes: string[] = [];
  try {
    for (let h = 1; h <= disk.height; h++) {
      const block = await disk.getBlockAtHeight(h);
      expect(block, `block ${h} of the active chain is stored`).toBeDefined();
      const r = await mem.addBlock(block!);
      expect(r.status).toBe('connected');
    }
    for (let h = 0; h <= disk.height; h++) hashes.push(Buffer.from(disk.getHashAtHeight(h)!).toString('hex'));
    expect(Buffer.from(mem.tip.hash)).toEqual(Buffer.from(disk.tip.hash));
    const dump = (c: Chain) => [...c.state.entries()].map(([k, v]) => `${Buffer.from(k, 'latin1').toString('hex')}=${Buffer.from(v).toString('hex')}`).sort();
    expect(dump(disk)).toEqual(dump(mem));
    expect(Buffer.from(disk.stateRoot())).toEqual(Buffer.from(mem.stateRoot()));
    return { height: disk.height, hashes };
  } finally {
    await disk.close();
    await mem.close();
  }
}

describe('crash consistency', () => {
  it('a node killed with SIGKILL while mining and taking transactions restarts at a state equal to a replay from genesis', async () => {
    await ready();
    const dir = await mkdtemp(join(tmpdir(), 'hashlane-crash-'));
    const alice = keypair(7);
    const bob = keypair(8);
    const observed = new Map<number, string>(); // height -> tip hash seen over RPC (committed)
    const confirmed = new Set<string>();
    let prevHeight = 0;
    try {
      for (let round = 0; round < 5; round++) {
        const port = await freePort();
        const child: ChildProcess = spawn(
          process.execPath,
          [MAIN, 'node', '--chain', 'regtest', '--data-dir', dir, '--rpc-port', String(port), '--bind', '127.0.0.1', '--p2p-port', '0', '--no-stratum', '--mine', '--threads', '1', '--block-interval', '15', '--miner-address', Buffer.from(alice.pk).toString('hex'), '--no-status'],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stderr = '';
        child.stderr!.on('data', (d) => (stderr += d));
        child.stdout!.on('data', (d) => (stderr += d));
        child.once('exit', (code, sig) => {
          if (sig !== 'SIGKILL') console.error(`node exited early (${code} ${sig}): ${stderr}`);
        });
        const exited = new Promise((r) => child.once('exit', r));
        const target = () => ({ port, authorization: cookieAuth(dir) });
        await until(async () => (await Promise.resolve().then(() => rpc(target(), 'getblockcount')).catch(() => null))?.result !== undefined, 20_000, `node up (${stderr})`);
        const node = target();
        // Everything seen as committed before the kill must survive it.
        const startHeight = (await rpc(node, 'getblockcount')).result;
        expect(startHeight).toBeGreaterThanOrEqual(prevHeight);
        const killAt = Date.now() + 400 + round * 150;
        let sent = 0;
        let lastError = '';
        // Run at least until the kill time and until a transaction went through in this round.
        while (Date.now() < killAt || (sent === 0 && Date.now() < killAt + 10_000)) {
          const acct = (await rpc(node, 'getaccount', [Buffer.from(alice.pk).toString('hex')])).result;
          if (parseAmount(acct.balance) > 10_000n) {
            const r = await rpc(node, 'sendrawtransaction', [transferHex(alice, bob.pk, 1n + BigInt(sent), acct.nextnonce, 500n)]);
            if (r.result) sent++;
            else lastError = JSON.stringify(r.error);
          }
          const h = (await rpc(node, 'getblockcount')).result as number;
          const best = (await rpc(node, 'getblockhash', [h])).result as string;
          observed.set(h, best);
          const got = await rpc(node, 'getblock', [best, 1]);
          expect(got.error, JSON.stringify(got.error)).toBeUndefined();
          const blk = got.result;
          for (const id of blk.tx.slice(1)) confirmed.add(id);
        }
        child.kill('SIGKILL');
        await exited;
        const { height, hashes } = await checkReplay(dir);
        for (const [h, hash] of observed) {
          expect(height, 'nothing committed is lost').toBeGreaterThanOrEqual(h);
          expect(Buffer.from(hashes[h]!, 'hex').reverse().toString('hex')).toBe(hash);
        }
        expect(sent, `transactions were flowing (${lastError})`).toBeGreaterThan(0);
        prevHeight = height;
      }
      expect(confirmed.size).toBeGreaterThan(0);
      expect(prevHeight).toBeGreaterThan(10);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('clean restart', () => {
  it('keeps the chain and the pending transactions', async () => {
    const { generate, startNode } = await import('./support/node.js');
    const dir = await mkdtemp(join(tmpdir(), 'hashlane-restart-'));
    const alice = keypair(9);
    try {
      const a = await startNode({ dataDir: dir, minerAddress: alice.pk });
      await generate(a, 2);
      const id = (await rpc(a, 'sendrawtransaction', [transferHex(alice, keypair(10).pk, 5n, 0)])).result;
      const tip = (await rpc(a, 'getbestblockhash')).result;
      await a.stop();
      const b = await startNode({ dataDir: dir, minerAddress: alice.pk });
      try {
        expect((await rpc(b, 'getbestblockhash')).result).toBe(tip);
        expect((await rpc(b, 'getrawmempool')).result).toEqual([id]);
      } finally {
        await b.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
