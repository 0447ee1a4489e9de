// Helpers for the BFT node tests: consortium params for N keys with short real-time
// timeouts, and validator nodes on loopback ports that dial each other.
import type { HashlaneNode, NodeOptions } from '../../dist/node/node.js';
import * as C from '../../dist/chain/index.js';
import { peerIdOf } from '../../dist/node/validator-key.js';
import { keyOf, type Key } from './bft-chain.js';
import { startNode, until } from './node.js';

export { keyOf, peerIdOf, type Key };

/** Real-time timeouts short enough for tests, long enough for 2 shared cores. */
export const FAST = { propose: 1500, proposeDelta: 500, prevote: 400, prevoteDelta: 200, precommit: 400, precommitDelta: 200, commit: 250 };

export function bftParams(keys: Key[], extra: Partial<C.ChainParams> = {}): C.ChainParams {
  return C.withValidators(
    C.consortiumDevnetParams,
    keys.map((k, i) => ({ publicKey: k.pk, power: 1n, name: `org-${i}` })),
    { bftTimeouts: FAST, premine: keys.map((k) => ({ publicKey: k.pk, amount: 1_000_000_000n })), ...extra },
  );
}

export function startValidator(params: C.ChainParams, key: Key, opts: Partial<NodeOptions> = {}): Promise<HashlaneNode> {
  return startNode({ params, validatorKey: { publicKey: key.pk, secretKey: key.sk }, bftRebroadcastMs: 500, ...opts });
}

/** Starts a node per key; each dials every node started before it. */
export async function startValidators(params: C.ChainParams, keys: Key[], opts: Partial<NodeOptions> = {}): Promise<HashlaneNode[]> {
  const nodes: HashlaneNode[] = [];
  for (const k of keys) {
    const peers = nodes.map((n) => `127.0.0.1:${n.network.listenPort}`);
    nodes.push(await startValidator(params, k, { peers, ...opts }));
  }
  await until(() => nodes.every((n) => n.network.ready().length >= nodes.length - 1), 60_000, 'validators connected');
  return nodes;
}

export const hashAt = (n: HashlaneNode, h: number) => {
  const x = n.chain.getHashAtHeight(h);
  return x ? Buffer.from(x).toString('hex') : null;
};
