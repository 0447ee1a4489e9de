import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { ready } from '../engine/index.js';
import type { Block } from '../chain/block.js';
import { Chain, type TipChangeEvent } from '../chain/chain.js';
import { fromHex, toHex } from '../chain/hex.js';
import { Mempool, type MempoolOptions } from '../chain/mempool.js';
import type { ChainParams } from '../chain/params.js';
import { createBlockTemplate, type BlockTemplate } from '../chain/template.js';
import { ed25519 } from '../sig/index.js';
import { encodeTx, txid } from '../chain/tx.js';
import { LocalMiner } from './local-miner.js';
import { Network } from './p2p/network.js';
import type { PeerLimits } from './p2p/peer.js';
import { registerMethods } from './rpc-methods.js';
import { RpcServer } from './rpc-server.js';
import { chainDir, openChainStore, readJson, writeFileAtomic } from './storage.js';
import { StratumServer } from './stratum-server.js';
import { Sync } from './sync.js';
import { blockFromShare, coinbasePayload, templateToStratum } from './template.js';

export interface NodeOptions {
  params: ChainParams;
  /** Data directory (a folder per chain inside); null keeps everything in memory. */
  dataDir: string | null;
  host?: string;
  /** null: no listener. 0: a free port. */
  p2pPort?: number | null;
  rpcPort?: number | null;
  stratumPort?: number | null;
  peers?: string[];
  rpcToken?: string;
  mine?: boolean;
  threads?: number;
  /** 32-byte public key the coinbase pays; default: a key kept in the data dir. */
  minerAddress?: Uint8Array;
  blockIntervalMs?: number;
  stratumDifficulty?: number;
  limits?: Partial<PeerLimits>;
  banMs?: number;
  mempool?: MempoolOptions;
  log?: (line: string) => void;
}

export interface NodeStatus {
  chain: string;
  height: number;
  tip: string;
  hashesPerSecond: number;
  peers: number;
  mempool: number;
  mining: boolean;
  rpcPort: number;
  p2pPort: number;
  stratumPort: number;
}

interface MinerKeyFile {
  publicKey: string;
  secretKey: string;
}

/**
 * A full node: the chain on LevelDB, the mempool, the WebSocket peer network with
 * header-first sync and gossip, JSON-RPC, a Stratum server and an optional local miner.
 * Emits 'tip' (TipChangeEvent) after every active-chain change.
 */
export class HashlaneNode extends EventEmitter {
  readonly params: ChainParams;
  chain!: Chain;
  mempool!: Mempool;
  network!: Network;
  sync!: Sync;
  rpc: RpcServer | null = null;
  stratum: StratumServer | null = null;
  miner: LocalMiner | null = null;
  minerAddress!: Uint8Array;
  private readonly log: (line: string) => void;
  private unsubscribe: (() => void) | null = null;
  private stopping: Promise<void> | null = null;
  readonly startedAt = Date.now();

  private constructor(readonly opts: NodeOptions) {
    super();
    this.params = opts.params;
    this.log = opts.log ?? (() => {});
  }

  static async start(opts: NodeOptions): Promise<HashlaneNode> {
    const node = new HashlaneNode(opts);
    try {
      await node.init();
    } catch (err) {
      await node.stop().catch(() => {});
      throw err;
    }
    return node;
  }

  get dir(): string | null {
    return this.opts.dataDir === null ? null : chainDir(this.opts.dataDir, this.params.name);
  }

  private async init(): Promise<void> {
    await ready();
    const o = this.opts;
    const store = await openChainStore(this.dir);
    this.chain = await Chain.open({ params: this.params, store });
    this.mempool = new Mempool(this.chain, o.mempool);
    await this.loadMempool();
    this.minerAddress = o.minerAddress ?? (await this.loadMinerKey());
    const host = o.host ?? '127.0.0.1';
    this.network = new Network({
      host,
      port: o.p2pPort === undefined ? 17421 : o.p2pPort,
      chainId: `${this.params.name}:${this.params.chainId}`,
      genesis: toHex(this.chain.genesisHash),
      tip: () => ({ height: this.chain.height, work: this.chain.tip.chainWork }),
      limits: o.limits,
      banMs: o.banMs,
    });
    this.sync = new Sync(this.chain, this.mempool, this.network, { log: this.log });
    this.unsubscribe = this.chain.subscribe((ev) => this.onTip(ev));
    await this.network.listen();

    if (o.rpcPort !== null) {
      this.rpc = new RpcServer({ host, port: o.rpcPort ?? 17420, token: o.rpcToken });
      registerMethods(this.rpc, this);
      await this.rpc.listen();
    }
    if (o.stratumPort !== null) {
      this.stratum = new StratumServer(
        {
          job: () => templateToStratum(this.template(this.minerAddress)),
          submitBlock: (job, coinbase, header) => this.submitBlock(blockFromShare(job.context as BlockTemplate, coinbase, header)),
        },
        { host, port: o.stratumPort ?? 17422, difficulty: o.stratumDifficulty ?? 1 },
      );
      this.stratum.on('error', (err: Error) => this.log(`stratum: ${err.message}`));
      await this.stratum.listen();
    }
    if (o.mine) {
      this.miner = new LocalMiner(this.chain, this.mempool, {
        threads: o.threads ?? availableParallelism(),
        address: this.minerAddress,
        blockIntervalMs: o.blockIntervalMs,
        submit: (b) => this.submitBlock(b),
        log: this.log,
      });
      this.miner.start();
    }
    for (const p of o.peers ?? []) this.network.addPeer(p);
  }

  /** A template paying `address`, with mempool transactions. */
  template(address: Uint8Array): BlockTemplate {
    return createBlockTemplate(this.chain, this.mempool, { coinbaseTo: address, coinbasePayload: coinbasePayload() });
  }

  /** A block from RPC, Stratum or the local miner. Resolves null when accepted, else the reason. */
  submitBlock(block: Block | Uint8Array): Promise<string | null> {
    return this.sync.acceptBlock(block);
  }

  private onTip(ev: TipChangeEvent): void {
    this.mempool.update(ev);
    // Transactions undone by a reorg are pending again: tell peers, whose mempools dropped them too.
    for (const b of ev.disconnected) for (const tx of b.txs) if (this.mempool.has(txid(tx))) this.sync.announceTx(txid(tx));
    this.miner?.restart();
    void this.stratum?.newWork(true);
    this.emit('tip', ev);
  }

  status(): NodeStatus {
    return {
      chain: this.params.name,
      height: this.chain.height,
      tip: toHex(this.chain.tip.hash.slice().reverse()),
      hashesPerSecond: this.miner?.hashesPerSecond ?? 0,
      peers: this.network.ready().length,
      mempool: this.mempool.size,
      mining: !!this.miner,
      rpcPort: this.rpc?.port ?? 0,
      p2pPort: this.network.listenPort,
      stratumPort: this.stratum?.port ?? 0,
    };
  }

  /** Stops everything; the last block commit finishes before the database closes. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.miner?.stop();
      await this.stratum?.close();
      await this.rpc?.close();
      await this.network?.close();
      this.unsubscribe?.();
      if (this.mempool) await this.saveMempool();
      await this.chain?.close();
    })();
    return this.stopping;
  }

  /** Pending transactions survive a clean restart (a crash only loses what was never committed). */
  private async saveMempool(): Promise<void> {
    if (this.dir === null) return;
    const txs = this.mempool.entries().map((e) => toHex(encodeTx(e.tx)));
    await writeFileAtomic(join(this.dir, 'mempool.json'), JSON.stringify({ version: 1, txs }) + '\n');
  }

  private async loadMempool(): Promise<void> {
    if (this.dir === null) return;
    const saved = await readJson<{ version: number; txs: unknown }>(join(this.dir, 'mempool.json')).catch(() => null);
    if (!saved || saved.version !== 1 || !Array.isArray(saved.txs)) return;
    const bytes = saved.txs.filter((t): t is string => typeof t === 'string' && /^(?:[0-9a-f]{2})+$/.test(t)).map(fromHex);
    // Whatever no longer fits the chain (mined meanwhile, policy) is refused and dropped here.
    const results = this.mempool.addMany(bytes);
    const kept = results.filter((r) => !(r instanceof Error)).length;
    if (kept) this.log(`mempool: ${kept} pending transaction(s) restored`);
  }

  private async loadMinerKey(): Promise<Uint8Array> {
    const sk = globalThis.crypto.getRandomValues(new Uint8Array(32));
    if (this.dir === null) return ed25519.getPublicKey(sk);
    const path = join(this.dir, 'miner-key.json');
    const found = await readJson<MinerKeyFile>(path);
    if (found && /^[0-9a-f]{64}$/.test(found.publicKey)) return fromHex(found.publicKey);
    const pk = ed25519.getPublicKey(sk);
    await writeFileAtomic(path, JSON.stringify({ publicKey: toHex(pk), secretKey: toHex(sk) }, null, 2) + '\n');
    this.log(`created the miner key ${path} (address ${toHex(pk)})`);
    return pk;
  }
}
