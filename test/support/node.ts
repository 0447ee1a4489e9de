// Helpers for the node tests: start nodes on free loopback ports, call RPC, wait, mine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ready } from '../../dist/index.js';
import { HashlaneNode, type NodeOptions } from '../../dist/node/node.js';
import { regtestParams } from '../../dist/chain/params.js';
import { completeBlock } from '../../dist/chain/template.js';
import { createTransfer, encodeTx } from '../../dist/chain/tx.js';
import { encodeHeader, scanNonces, decodeHeader } from '../../dist/pow/index.js';
import { ed25519 } from '../../dist/sig/index.js';

export { regtestParams };

await ready();

export async function startNode(opts: Partial<NodeOptions> = {}): Promise<HashlaneNode> {
  return HashlaneNode.start({ params: regtestParams, dataDir: null, p2pPort: 0, rpcPort: 0, stratumPort: null, banMs: 60_000, ...opts });
}

/** An RPC endpoint of a node in another process: its port and the Authorization header. */
export interface RpcTarget {
  port: number;
  authorization: string;
}

/** The Authorization header for the cookie a node wrote into `<dataDir>/<chain>/.cookie`. */
export function cookieAuth(dataDir: string, chain = 'regtest'): string {
  return `Basic ${Buffer.from(readFileSync(join(dataDir, chain, '.cookie'), 'utf8').trim()).toString('base64')}`;
}

/** A JSON-RPC call with the node's cookie credentials; resolves the whole response object. */
export async function rpc(target: HashlaneNode | RpcTarget, method: string, params: unknown = []): Promise<any> {
  const { port, authorization } = 'authorization' in target ? target : { port: target.rpc!.port, authorization: target.rpc!.authorization };
  const res = await fetch(`http://127.0.0.1:${port}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return res.json();
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Mines `n` blocks on `node`'s tip in this thread (regtest work is a few hashes). */
export async function generate(node: HashlaneNode, n: number, to: Uint8Array = node.minerAddress): Promise<void> {
  for (let i = 0; i < n; i++) {
    const t = node.template(to);
    const header = encodeHeader(t.header);
    const r = scanNonces(header, t.target, 0, 1 << 24);
    if (r.nonce === null) throw new Error('no nonce found');
    const why = await node.submitBlock(completeBlock(t, { ...decodeHeader(header), nonce: r.nonce }));
    if (why !== null) throw new Error(`generated block rejected: ${why}`);
  }
}

export function keypair(seed: number): { sk: Uint8Array; pk: Uint8Array } {
  const sk = new Uint8Array(32).fill(seed);
  return { sk, pk: ed25519.getPublicKey(sk) };
}

export function transferHex(from: { sk: Uint8Array }, to: Uint8Array, amount: bigint, nonce: number, fee = 1000n): string {
  const tx = createTransfer({ chainId: regtestParams.chainId, to, amount, fee, nonce }, from.sk);
  return Buffer.from(encodeTx(tx)).toString('hex');
}

/** The module state of a node as plain data (hex key -> hex value), for state comparisons. */
export function stateOf(node: HashlaneNode): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of [...node.chain.state.entries()].sort()) out[Buffer.from(k, 'latin1').toString('hex')] = Buffer.from(v).toString('hex');
  return out;
}
