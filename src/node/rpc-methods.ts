import { formatAmount } from '../chain/amount.js';
import { blockHash, blockSize, decodeBlock, encodeBlock, type Block } from '../chain/block.js';
import { ChainError, DecodeError, MempoolError, ValidationError } from '../chain/errors.js';
import { bytesEqual, toDisplayHex, toHex } from '../chain/hex.js';
import { txToJson } from '../chain/json.js';
import { completeBlock } from '../chain/template.js';
import { encodeTx, txid, type Transaction } from '../chain/tx.js';
import { bitsToTarget, encodeHeader, scanNonces } from '../pow/index.js';
import type { ModuleRegistry } from '../chain/module.js';
import type { HashlaneNode } from './node.js';
import { toMultiaddr } from './net/network.js';
import { PROTOCOL_VERSION } from './net/wire.js';
import { parseHostPort } from './rpc-params.js';
import { RpcCode, RpcError } from './rpc-errors.js';
import type { RpcServer } from './rpc-server.js';
import { targetToDifficulty } from './stratum-server.js';

const rev = (b: Uint8Array): Uint8Array => b.slice().reverse();

/** A module's view values as JSON: bigints as decimal strings, bytes as hex. */
function jsonSafe(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? toHex(v) : v;
  return out;
}

/**
 * The chain's JSON view (display-order txid, hex keys) plus the size, with amount and fee in
 * coins as Bitcoin Core shows them ("12.50000000"; a string, see amountJson).
 */
function txJson(tx: Transaction, decimals: number, registry?: ModuleRegistry) {
  const { amount } = moved(tx);
  const j = txToJson(tx, registry);
  return { ...j, ...(j.amount !== undefined ? { amount: formatAmount(amount, decimals) } : {}), fee: formatAmount(tx.fee, decimals), size: encodeTx(tx).length };
}

/** The coins a transaction moves to a recipient besides its fee (transfers, coinbases; 0 for other kinds). */
function moved(tx: Transaction): { to: Uint8Array | null; amount: bigint } {
  const b = tx.body as { to?: unknown; amount?: unknown } | null;
  return b && b.to instanceof Uint8Array && typeof b.amount === 'bigint' ? { to: b.to, amount: b.amount } : { to: null, amount: 0n };
}

/** Maps chain errors to Bitcoin Core's codes with the rule's reason first in the message. */
function chainToRpc(err: unknown): never {
  if (err instanceof DecodeError) throw new RpcError(RpcCode.DESERIALIZATION_ERROR, err.message);
  if (err instanceof MempoolError) throw new RpcError(RpcCode.VERIFY_REJECTED, err.message);
  if (err instanceof ValidationError) throw new RpcError(RpcCode.VERIFY_REJECTED, err.message);
  if (err instanceof ChainError) throw new RpcError(RpcCode.VERIFY_ERROR, err.message);
  throw err;
}

function address(b: Uint8Array, name = 'address'): Uint8Array {
  if (b.length !== 32) throw new RpcError(RpcCode.INVALID_ADDRESS_OR_KEY, `${name} must be a 32-byte Ed25519 public key (64 hex digits), got ${b.length} bytes`);
  return b;
}

/** getblocktemplate's argument: an address (hex), or Bitcoin Core's template_request object. */
function templatePayee(req: unknown): Uint8Array | null {
  const hexKey = (v: unknown, what: string): Uint8Array => {
    if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) throw new RpcError(RpcCode.INVALID_PARAMS, `getblocktemplate: ${what} must be a 32-byte public key (64 hex digits)`);
    return new Uint8Array(Buffer.from(v, 'hex'));
  };
  if (req === undefined) return null;
  if (typeof req === 'string') return hexKey(req, 'the address');
  if (typeof req !== 'object' || req === null || Array.isArray(req)) {
    throw new RpcError(RpcCode.INVALID_PARAMS, 'getblocktemplate: expected an address (hex) or {"rules": [...], "address": hex}');
  }
  const r = req as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!['rules', 'capabilities', 'mode', 'address'].includes(k)) throw new RpcError(RpcCode.INVALID_PARAMS, `getblocktemplate: unknown field "${k.slice(0, 40)}"; expected rules, capabilities, mode, address`);
  }
  for (const k of ['rules', 'capabilities']) {
    const v = r[k];
    if (v !== undefined && !(Array.isArray(v) && v.length <= 64 && v.every((x) => typeof x === 'string' && x.length <= 64))) {
      throw new RpcError(RpcCode.INVALID_PARAMS, `getblocktemplate: ${k} must be an array of strings`);
    }
  }
  if (r.mode !== undefined && r.mode !== 'template') throw new RpcError(RpcCode.INVALID_PARAMS, 'getblocktemplate: only mode "template" is supported (submit blocks with submitblock)');
  return r.address === undefined ? null : hexKey(r.address, 'address');
}

export function registerMethods(rpc: RpcServer, node: HashlaneNode): void {
  const chain = () => node.chain;
  const notMined = (method: string) => {
    if (node.bft) throw new RpcError(RpcCode.MISC_ERROR, `${method}: chain ${node.params.name} decides its blocks by validator votes; there is no block to mine (a pow chain has)`);
  };
  // Core prints amounts as JSON numbers with every decimal (12.50000000); the same digits go
  // out as a string here because a u64 of base units exceeds what a JSON double keeps exactly.
  const amountJson = (units: bigint) => formatAmount(units, node.params.decimals);
  const blockJson = (block: Block, verbosity: number) => {
    const hash = blockHash(block.header);
    const e = chain().getEntry(hash);
    const onMain = chain().isOnMainChain(hash);
    const next = e && onMain ? chain().getHashAtHeight(e.height + 1) : undefined;
    return {
      hash: toDisplayHex(hash),
      confirmations: e && onMain ? chain().height - e.height + 1 : -1,
      height: e?.height ?? null,
      version: block.header.version,
      merkleroot: toDisplayHex(block.header.merkleRoot),
      time: block.header.time,
      mediantime: e ? chain().medianTimePast(e) : null,
      nonce: block.header.nonce,
      bits: (block.header.bits >>> 0).toString(16).padStart(8, '0'),
      difficulty: targetToDifficulty(bitsToTarget(block.header.bits)),
      chainwork: e ? e.chainWork.toString(16).padStart(64, '0') : null,
      nTx: block.txs.length,
      size: blockSize(block),
      previousblockhash: e?.height ? toDisplayHex(block.header.prevHash) : undefined,
      nextblockhash: next ? toDisplayHex(next) : undefined,
      tx: verbosity >= 2 ? block.txs.map((t) => txJson(t, node.params.decimals, node.chain.registry)) : block.txs.map((t) => toDisplayHex(txid(t))),
    };
  };
  const findBlock = async (hash: Uint8Array) => {
    const b = await chain().getBlock(rev(hash));
    if (!b) throw new RpcError(RpcCode.INVALID_ADDRESS_OR_KEY, `block not found: ${toHex(hash)}`);
    return b;
  };

  // Every module's RPC views (src/chain/modules/<name>/): read-only queries over the state.
  // Registered first, so a node method of the same name (registered below) wins.
  for (const [name, view] of node.chain.registry.rpcViews()) {
    rpc.register(name, {
      help: view.description,
      params: view.params.map((p) => ({ ...p })),
      handler: (args) => {
        try {
          return view.handler(chain().state, args);
        } catch (err) {
          chainToRpc(err);
        }
      },
    });
  }
  rpc.register('getblockcount', { help: 'getblockcount — height of the active chain tip', params: [], handler: () => chain().height });
  rpc.register('getbestblockhash', { help: 'getbestblockhash — tip hash (display order)', params: [], handler: () => toDisplayHex(chain().tip.hash) });
  rpc.register('getblockhash', {
    help: 'getblockhash height — hash of the active-chain block at height',
    params: [{ name: 'height', type: 'int', min: 0 }],
    handler: ([h]) => {
      const hash = chain().getHashAtHeight(h as number);
      if (!hash) throw new RpcError(RpcCode.INVALID_PARAMETER, `block height out of range: ${h as number} > tip height ${chain().height}`);
      return toDisplayHex(hash);
    },
  });
  rpc.register('getblock', {
    help: 'getblock hash [verbosity=1] — 0 or false: hex, 1 or true: JSON with txids, 2: JSON with transactions',
    params: [
      { name: 'blockhash', type: 'hash' },
      { name: 'verbosity', type: 'verbosity', min: 0, max: 2, optional: true },
    ],
    handler: async ([hash, verbosity]) => {
      const b = await findBlock(hash as Uint8Array);
      const v = (verbosity as number | undefined) ?? 1;
      return v === 0 ? toHex(encodeBlock(b)) : blockJson(b, v);
    },
  });
  rpc.register('getblockheader', {
    help: 'getblockheader hash [verbose=true] — the header as JSON, or (verbose false) the 80 bytes as hex',
    params: [
      { name: 'blockhash', type: 'hash' },
      { name: 'verbose', type: 'bool', optional: true },
    ],
    handler: ([hash, verbose]) => {
      const e = chain().getEntry(rev(hash as Uint8Array));
      if (!e) throw new RpcError(RpcCode.INVALID_ADDRESS_OR_KEY, `block not found: ${toHex(hash as Uint8Array)}`);
      if (verbose === false) return toHex(encodeHeader(e.header));
      const onMain = chain().isOnMainChain(e.hash);
      const next = onMain ? chain().getHashAtHeight(e.height + 1) : undefined;
      return {
        hash: toDisplayHex(e.hash),
        confirmations: onMain ? chain().height - e.height + 1 : -1,
        height: e.height,
        version: e.header.version,
        merkleroot: toDisplayHex(e.header.merkleRoot),
        time: e.header.time,
        mediantime: chain().medianTimePast(e),
        nonce: e.header.nonce,
        bits: (e.header.bits >>> 0).toString(16).padStart(8, '0'),
        difficulty: targetToDifficulty(bitsToTarget(e.header.bits)),
        chainwork: e.chainWork.toString(16).padStart(64, '0'),
        previousblockhash: e.height ? toDisplayHex(e.header.prevHash) : undefined,
        nextblockhash: next ? toDisplayHex(next) : undefined,
      };
    },
  });
  rpc.register('gettransaction', {
    help: 'gettransaction txid — a transaction of the active chain or the mempool',
    params: [{ name: 'txid', type: 'hash' }],
    handler: async ([id]) => {
      const internal = rev(id as Uint8Array);
      const pending = node.mempool.get(internal);
      if (pending) return { ...txJson(pending, node.params.decimals, node.chain.registry), hex: toHex(encodeTx(pending)), confirmations: 0, in_mempool: true };
      const found = await chain().getTransaction(internal);
      if (!found) throw new RpcError(RpcCode.INVALID_ADDRESS_OR_KEY, `no transaction ${toHex(id as Uint8Array)} in the active chain or the mempool`);
      return {
        ...txJson(found.tx, node.params.decimals, node.chain.registry),
        hex: toHex(encodeTx(found.tx)),
        blockhash: toDisplayHex(found.blockHash),
        blockheight: found.height,
        confirmations: chain().height - found.height + 1,
        in_mempool: false,
      };
    },
  });
  rpc.register('getbalance', {
    help: 'getbalance address [assetid] — confirmed balance in coins ("12.50000000"), or of an issued asset in its decimals',
    params: [
      { name: 'address', type: 'hex', maxBytes: 32 },
      { name: 'assetid', type: 'hex', maxBytes: 32, optional: true },
    ],
    handler: ([a, asset]) => {
      if (asset === undefined) return amountJson(chain().getAccount(address(a as Uint8Array)).balance);
      const view = node.chain.registry.rpcViews().get('getassetbalance');
      if (!view) throw new RpcError(RpcCode.METHOD_NOT_FOUND, 'this chain has no assets module');
      try {
        return (view.handler(chain().state, [address(a as Uint8Array), address(asset as Uint8Array, 'assetid')]) as { balance: string }).balance;
      } catch (err) {
        chainToRpc(err);
      }
    },
  });
  rpc.register('getaccount', {
    help: 'getaccount address — confirmed balance, the balance once the pending transactions are mined, nonce, next nonce, pending count',
    params: [{ name: 'address', type: 'hex', maxBytes: 32 }],
    handler: ([a]) => {
      const pk = address(a as Uint8Array);
      const key = toHex(pk);
      const acct = chain().getAccount(pk);
      // Pending in and out: transfers to this key and this key's own spends (amount + fee).
      let pendingBalance = acct.balance;
      let pending = 0;
      for (const e of node.mempool.entries()) {
        const { to, amount } = moved(e.tx);
        const out = e.from === key;
        const inbound = to !== null && toHex(to) === key;
        if (out) pendingBalance -= amount + e.tx.fee;
        if (inbound) pendingBalance += amount;
        if (out || inbound) pending++;
      }
      return { address: key, balance: amountJson(acct.balance), pendingbalance: amountJson(pendingBalance), nonce: acct.nonce, nextnonce: node.mempool.nextNonce(pk), pending, unit: node.params.coinName };
    },
  });
  rpc.register('sendrawtransaction', {
    help: 'sendrawtransaction hex — admits a signed transaction to the mempool and relays it; returns its txid',
    params: [{ name: 'hexstring', type: 'hex', maxBytes: 64 * 1024 }],
    handler: ([bytes]) => {
      try {
        return toDisplayHex(node.sync.acceptTx(bytes as Uint8Array));
      } catch (err) {
        if (err instanceof MempoolError && err.reason === 'txn-already-in-mempool') throw new RpcError(RpcCode.VERIFY_ALREADY_IN_CHAIN, err.message);
        chainToRpc(err);
      }
    },
  });
  rpc.register('getmempoolinfo', {
    help: 'getmempoolinfo — size and bytes of the mempool',
    params: [],
    handler: () => ({ loaded: true, size: node.mempool.size, bytes: node.mempool.bytes }),
  });
  rpc.register('getrawmempool', {
    help: 'getrawmempool [verbose=false] — pending txids, best fee rate first (verbose: with details)',
    params: [{ name: 'verbose', type: 'bool', optional: true }],
    handler: ([verbose]) => {
      const entries = node.mempool.entries();
      if (!verbose) return entries.map((e) => toDisplayHex(e.id));
      return Object.fromEntries(entries.map((e) => [toDisplayHex(e.id), { size: e.size, fee: amountJson(e.tx.fee), time: Math.floor(e.time / 1000), from: e.from, nonce: e.tx.nonce }]));
    },
  });
  rpc.register('getmininginfo', {
    help: 'getmininginfo — height, bits, difficulty, local hash rate, pooled transactions',
    params: [],
    handler: () => {
      const bits = chain().nextBits();
      return {
        blocks: chain().height,
        chain: node.params.name,
        bits: (bits >>> 0).toString(16).padStart(8, '0'),
        difficulty: targetToDifficulty(bitsToTarget(bits)),
        target: bitsToTarget(bits).toString(16).padStart(64, '0'),
        hashespersec: Math.round(node.miner?.hashesPerSecond ?? 0),
        generate: !!node.miner,
        blocksfound: (node.miner?.blocksFound ?? 0) + (node.stratum?.blocksFound ?? 0),
        pooledtx: node.mempool.size,
        stratumclients: node.stratum?.clientCount ?? 0,
      };
    },
  });
  rpc.register('getblocktemplate', {
    help: 'getblocktemplate [address | {"rules": [...], "address": hex}] — a block to mine: header (nonce 0), target and the full transactions (coinbasevalue and fees in base units, as Core)',
    params: [{ name: 'template_request', type: 'json', optional: true }],
    handler: ([req]) => {
      notMined('getblocktemplate');
      const t = node.template(templatePayee(req) ?? node.minerAddress);
      return {
        version: t.header.version,
        height: t.height,
        previousblockhash: toDisplayHex(t.header.prevHash),
        curtime: t.header.time,
        mintime: t.minTime + 1,
        bits: (t.header.bits >>> 0).toString(16).padStart(8, '0'),
        target: t.target.toString(16).padStart(64, '0'),
        coinbasevalue: (t.reward + t.fees).toString(),
        header: toHex(encodeHeader(t.header)),
        coinbasetxn: { data: toHex(encodeTx(t.block.txs[0]!)) },
        transactions: t.block.txs.slice(1).map((tx) => ({ data: toHex(encodeTx(tx)), txid: toDisplayHex(txid(tx)), fee: tx.fee.toString() })),
        block: toHex(encodeBlock(t.block)),
      };
    },
  });
  rpc.register('submitblock', {
    help: 'submitblock hex — a solved block; null when accepted, else the reject reason (as Bitcoin Core)',
    params: [{ name: 'hexdata', type: 'hex', maxBytes: 32 << 20 }],
    handler: async ([bytes]) => {
      try {
        decodeBlock(bytes as Uint8Array, node.params.maxBlockSize, node.chain.registry);
      } catch (err) {
        if (err instanceof DecodeError) throw new RpcError(RpcCode.DESERIALIZATION_ERROR, `block decode failed: ${err.message}`);
        throw err;
      }
      return node.submitBlock(bytes as Uint8Array);
    },
  });
  rpc.register('getpeerinfo', {
    help: 'getpeerinfo — connected peers',
    params: [],
    handler: () =>
      node.network.ready().map((p) => ({
        id: p.id,
        peerid: p.key,
        addr: node.network.dialTarget(p) ?? p.address,
        version: PROTOCOL_VERSION,
        direction: p.inbound ? 'inbound' : 'outbound',
        inbound: p.inbound,
        protocols: node.network.peerProtocols(p),
        startingheight: p.status!.height,
        conntime: Math.floor(p.connectedAt / 1000),
        bytessent: p.bytesSent,
        bytesrecv: p.bytesRecv,
        score: node.network.rank(p),
        gossipscore: node.network.gossipScore(p),
        banscore: p.score,
      })),
  });
  rpc.register('addnode', {
    help: 'addnode "host:port|multiaddr" add|remove|onetry — keep (or drop) a connection to a peer',
    params: [
      { name: 'node', type: 'string', maxLength: 256 },
      { name: 'command', type: 'string', oneOf: ['add', 'remove', 'onetry'] },
    ],
    handler: ([target, cmd]) => {
      const hp = target as string;
      if (!parseHostPort(hp) && !hp.startsWith('/')) throw new RpcError(RpcCode.INVALID_PARAMS, `bad address ${hp.slice(0, 80)}: expected host:port or a multiaddr`);
      if (cmd === 'remove') {
        if (!node.network.removePeer(hp)) throw new RpcError(-24, `node ${hp} has not been added`);
        return null;
      }
      try {
        toMultiaddr(hp);
      } catch (err) {
        throw new RpcError(RpcCode.INVALID_PARAMS, `addnode: ${(err as Error).message}`);
      }
      if (!node.network.addPeer(hp) && cmd === 'add') throw new RpcError(RpcCode.CLIENT_NODE_ALREADY_ADDED, `node ${hp} already added`);
      return null;
    },
  });
  rpc.register('getblockchaininfo', {
    help: 'getblockchaininfo — chain name, height, tip, work, consensus (pow|bft), finalized height and hash (pow: 0 and genesis)',
    params: [],
    handler: () => {
      const finalized = node.finalizedHeight();
      return {
        chain: node.params.name,
        chainid: node.params.chainId,
        unit: node.params.coinName,
        decimals: node.params.decimals,
        blocks: chain().height,
        bestblockhash: toDisplayHex(chain().tip.hash),
        chainwork: chain().tip.chainWork.toString(16).padStart(64, '0'),
        mediantime: chain().medianTimePast(),
        genesis: toDisplayHex(chain().genesisHash),
        consensus: node.params.consensus ?? 'pow',
        finalized,
        finalizedhash: toDisplayHex(chain().getHashAtHeight(finalized) ?? chain().genesisHash),
      };
    },
  });
  const bftOnly = (method: string) => {
    if (!node.bft) throw new RpcError(RpcCode.MISC_ERROR, `${method}: chain ${node.params.name} runs proof of work; it has no validators (a bft chain has)`);
    return node.bft;
  };
  rpc.register('getvalidators', {
    help: 'getvalidators — the validator set voting on the next height: address (hex public key), power, proposerPriority, and what the set module tells (authority: name; staking: stake, self-bond, commission, jailed, tombstoned; dpos: votes, commission, jailed, tombstoned)',
    params: [],
    handler: () => {
      const set = bftOnly('getvalidators').validatorSet;
      const keeper = (() => {
        try {
          return chain().state.call<{ details?(publicKey: Uint8Array): Record<string, unknown> }>(node.params.validatorSetModule ?? 'authority');
        } catch {
          return null;
        }
      })();
      const priorities = set.priorities();
      return set.validators.map((v, i) => ({
        ...jsonSafe(keeper?.details?.(v.publicKey) ?? {}),
        address: toHex(v.publicKey),
        power: v.power.toString(),
        proposerPriority: priorities[i]!.toString(),
      }));
    },
  });
  rpc.register('getconsensusstate', {
    help: 'getconsensusstate — the height being decided, its round and step, whether this node votes, the round\'s proposer, the round timeouts this node runs with (ms)',
    params: [],
    handler: () => bftOnly('getconsensusstate').state(),
  });

  // Mining on demand (regtest, as Bitcoin Core): n blocks in this process, their hashes back.
  const generate = async (n: number, to: Uint8Array, maxTries: number): Promise<string[]> => {
    notMined('generate');
    const hashes: string[] = [];
    let tries = maxTries;
    while (hashes.length < n && tries > 0) {
      const t = node.template(to);
      const header = encodeHeader(t.header);
      let nonce: number | null = null;
      // Slices of 2^16 nonces with a turn of the event loop between them: RPC, peers and
      // Stratum keep being served while a harder chain (devnet) is mined.
      for (let start = 0; nonce === null && tries > 0 && start < 2 ** 32; start += 1 << 16) {
        const r = scanNonces(header, t.target, start, Math.min(1 << 16, tries, 2 ** 32 - start));
        tries -= r.hashes;
        nonce = r.nonce;
        if (nonce === null) await new Promise((ok) => setImmediate(ok));
      }
      if (nonce === null) break;
      const block = completeBlock(t, { nonce });
      const reason = await node.submitBlock(block);
      // Another miner may have moved the tip meanwhile: mine on the new one.
      if (reason === null) hashes.push(toDisplayHex(blockHash(block.header)));
      else if (bytesEqual(chain().tip.hash, t.header.prevHash)) throw new RpcError(RpcCode.VERIFY_ERROR, `generated block rejected: ${reason}`);
    }
    return hashes;
  };
  rpc.register('generatetoaddress', {
    help: 'generatetoaddress nblocks address [maxtries=1000000] — mine nblocks now, paying address; returns their hashes',
    params: [
      { name: 'nblocks', type: 'int', min: 0, max: 10_000 },
      { name: 'address', type: 'hex', maxBytes: 32 },
      { name: 'maxtries', type: 'int', min: 1, max: 1e12, optional: true },
    ],
    handler: ([n, a, maxTries]) => generate(n as number, address(a as Uint8Array), (maxTries as number | undefined) ?? 1_000_000),
  });
  rpc.register('generate', {
    help: "generate nblocks [maxtries=1000000] — mine nblocks now to the node's own key; returns their hashes",
    params: [
      { name: 'nblocks', type: 'int', min: 0, max: 10_000 },
      { name: 'maxtries', type: 'int', min: 1, max: 1e12, optional: true },
    ],
    handler: ([n, maxTries]) => generate(n as number, node.minerAddress, (maxTries as number | undefined) ?? 1_000_000),
  });
}
