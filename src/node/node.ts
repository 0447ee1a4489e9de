import { EventEmitter } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { ready } from '../engine/index.js';
import { blockHash, type Block } from '../chain/block.js';
import { Chain, type TipChangeEvent } from '../chain/chain.js';
import { fromHex, toHex } from '../chain/hex.js';
import { Mempool, type MempoolOptions } from '../chain/mempool.js';
import { withValidators, type ChainParams } from '../chain/params.js';
import { createBlockTemplate, type BlockTemplate } from '../chain/template.js';
import { ed25519 } from '../sig/index.js';
import { encodeTx, txid } from '../chain/tx.js';
import type { BftEngine } from '../bft/engine.js';
import type { Timeouts } from '../bft/machine.js';
import type { ValidatorSet } from '../bft/validators.js';
import { ChainError } from '../chain/errors.js';
import { BftDriver } from './bft-driver.js';
import { LocalMiner } from './local-miner.js';
import { libp2pKeyOf, loadValidatorKey, newValidatorKey, peerIdOf, type ValidatorKey } from './validator-key.js';
import { resolveLimits, type Limits } from './limits.js';
import { createLogger, type Logger } from './log.js';
import { registerNetMethods } from './rpc-net.js';
import type { PrivateKey } from '@libp2p/interface';
import { loadIdentity } from './net/identity.js';
import { Network, type NetLimits } from './net/network.js';
import { protocolsFor } from './net/wire.js';
import { registerMethods } from './rpc-methods.js';
import { RpcServer, type RpcCredential } from './rpc-server.js';
import { chainDir, openChainStore, readJson, writeFileAtomic } from './storage.js';
import { SIDE_CHAIN, StratumServer } from './stratum-server.js';
import { Sync } from './sync.js';
import { blockFromShare, coinbasePayload, templateToStratum } from './template.js';

export interface NodeOptions {
  params: ChainParams;
  /** Data directory (a folder per chain inside); null keeps everything in memory. */
  dataDir: string | null;
  /** P2P listen address (default 127.0.0.1 here; the CLI's default is all interfaces). */
  bind?: string;
  /** JSON-RPC listen address (default 127.0.0.1). */
  rpcBind?: string;
  /** Stratum listen address (default 127.0.0.1 here; the CLI's default is all interfaces). */
  stratumBind?: string;
  /** null: no listener. 0: a free port. */
  p2pPort?: number | null;
  rpcPort?: number | null;
  stratumPort?: number | null;
  /** Peers to keep connected: host:port or multiaddrs (with /p2p/<id>: also libp2p bootstrap). */
  peers?: string[];
  /** Peer ids accepted and kept; empty: anyone (the consortium hook). */
  allowPeers?: string[];
  /** The libp2p identity; default: the key kept in the data dir (net/identity.ts). */
  identityKey?: PrivateKey;
  /** mDNS discovery of nodes on the local network. */
  discoverLocal?: boolean;
  /** HTTP Basic users accepted on RPC besides the cookie. */
  rpcUsers?: RpcCredential[];
  rpcAllowOrigins?: string[];
  rpcAllowIps?: string[];
  rpcAllowHosts?: string[];
  mine?: boolean;
  threads?: number;
  /** 32-byte public key the coinbase pays; default: a key kept in the data dir. */
  minerAddress?: Uint8Array;
  blockIntervalMs?: number;
  stratumDifficulty?: number;
  stratumMinDifficulty?: number;
  /** Peer protocol limits (rates, frame size, ban score, connection counts). */
  limits?: Partial<NetLimits>;
  /** Connection limits of every server (src/node/limits.ts). */
  nodeLimits?: Partial<Limits>;
  banMs?: number;
  mempool?: MempoolOptions;
  /** Plain line sink (info level); `logger` wins when both are given. */
  log?: (line: string) => void;
  logger?: Logger;
  /** Called for RPC `stop` instead of stop(). */
  onStopRequest?: () => void;
  /** BFT chains: the validator key (default: the file at validatorKeyPath; no data dir: a fresh key). */
  validatorKey?: ValidatorKey;
  /** BFT chains: where the validator key is kept (default <dataDir>/<chain>/validator.key, created 0600 if absent). */
  validatorKeyPath?: string;
  /**
   * BFT chains: accept only the validators' peer ids and `allowPeers` (the observers),
   * recomputed when the set changes. Default: on for a consortium chain (validator-set
   * module 'authority'), except bft-devnet, which anyone may join.
   */
  validatorAllowlist?: boolean;
  /** BFT chains: round timeouts (default params.bftTimeouts). */
  bftTimeouts?: Timeouts;
  /** BFT chains: how often own votes and the last decision are gossiped again. */
  bftRebroadcastMs?: number;
  /** How often transactions waiting in the mempool longer than this are pushed to the peers again (default 10 s; 0: never). */
  txRebroadcastMs?: number;
}

/** At most this many waiting transactions (the oldest) are pushed again per round. */
const TX_REBROADCAST_MAX = 64;

/** A node option that does not fit the chain (a miner on a bft chain). */
export class NodeConfigError extends ChainError {
  override name = 'NodeConfigError';
}

export interface NodeStatus {
  chain: string;
  consensus: 'pow' | 'bft';
  height: number;
  /** The highest final height (pow: 0, only genesis is final). */
  finalized: number;
  /** BFT: the consensus round of the height being decided (pow: 0). */
  round: number;
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
 * A full node: the chain on LevelDB, the mempool, the libp2p peer network with
 * header-first sync and gossipsub relay, JSON-RPC, a Stratum server and an optional local miner.
 * Emits 'tip' (TipChangeEvent) after every active-chain change.
 */
/** How long one block template serves repeated requests at an unchanged tip and mempool. */
const TEMPLATE_REUSE_MS = 1000;

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
  /** BFT chains: the consensus driver and this node's validator key. */
  bft: BftDriver | null = null;
  validatorKey: ValidatorKey | null = null;
  private readonly observers: string[];
  private readonly log: (line: string) => void;
  readonly logger: Logger;
  readonly limits: Limits;
  /** Where the RPC cookie was written (null: in memory only). */
  cookiePath: string | null = null;
  /** Resolves when RPC `stop` was called. */
  readonly stopRequested: Promise<void>;
  private requestStop!: () => void;
  private unsubscribe: (() => void) | null = null;
  private stopping: Promise<void> | null = null;
  private txRebroadcast: ReturnType<typeof setInterval> | null = null;
  private lastTemplate: { key: string; at: number; template: BlockTemplate } | null = null;
  readonly startedAt = Date.now();

  private constructor(readonly opts: NodeOptions) {
    super();
    this.params = opts.params;
    this.observers = opts.allowPeers ?? [];
    this.logger = opts.logger ?? createLogger(opts.log ?? (() => {}), 'info');
    this.log = (line) => this.logger.info(line);
    this.limits = resolveLimits(opts.nodeLimits);
    this.stopRequested = new Promise((r) => (this.requestStop = r));
  }

  /** RPC `stop`: the embedder's onStopRequest runs (the CLI also closes the web server), else stop(). */
  requestShutdown(): void {
    this.requestStop();
    if (this.opts.onStopRequest) this.opts.onStopRequest();
    else void this.stop();
  }

  static async start(opts: NodeOptions): Promise<HashlaneNode> {
    let key: ValidatorKey | undefined;
    if (opts.params.consensus === 'bft') {
      await ready();
      if (opts.mine) throw new NodeConfigError('bft-no-mining', `chain ${opts.params.name} decides blocks by validator votes; there is nothing to mine (drop the miner)`);
      const dir = opts.dataDir === null ? null : chainDir(opts.dataDir, opts.params.name);
      key = opts.validatorKey ?? (opts.validatorKeyPath || dir ? await loadValidatorKey(opts.validatorKeyPath ?? join(dir!, 'validator.key'), (l) => (opts.logger ?? createLogger(opts.log ?? (() => {}))).info(l)) : newValidatorKey());
      // bft-devnet's one validator is the node's own key (the genesis commits it).
      if (!opts.params.validators?.length) opts = { ...opts, params: withValidators(opts.params, [{ publicKey: key.publicKey, power: 1n, name: 'devnet' }]) };
    }
    const node = new HashlaneNode(opts);
    node.validatorKey = key ?? null;
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
    const key = this.validatorKey;
    // BFT: rewards go to the validator's key, and it is the libp2p identity too (the allowlist is the set's peer ids).
    this.minerAddress = o.minerAddress ?? (key ? key.publicKey : await this.loadMinerKey());
    const L = this.limits;
    const protocols = protocolsFor(this.params);
    this.network = new Network({
      protocols,
      privateKey: o.identityKey ?? (key ? await libp2pKeyOf(key) : await loadIdentity(this.dir, this.log)),
      host: o.bind ?? '127.0.0.1',
      port: o.p2pPort === undefined ? 17421 : o.p2pPort,
      logger: this.logger,
      allowPeers: this.usesValidatorAllowlist ? this.allowlistFor((this.chain.consensus as BftEngine).validatorSetAt(this.chain.state)) : o.allowPeers,
      discoverLocal: o.discoverLocal,
      status: () => ({ genesis: this.chain.genesisHash, height: this.chain.height, work: this.chain.tip.chainWork, tip: this.chain.tip.hash }),
      onGossip: (topic, peer, data) => (topic === protocols.bftTopic && this.bft ? this.bft.onGossip(peer, data) : this.sync.onGossip(topic, peer, data)),
      limits: {
        handshakeTimeoutMs: L.p2pHandshakeMs,
        stallMs: L.p2pStallMs,
        maxMessageBytes: L.p2pMaxMessageBytes,
        msgRate: L.p2pMsgRate,
        msgBurst: L.p2pMsgBurst,
        byteRate: L.p2pByteRate,
        byteBurst: L.p2pByteBurst,
        banScore: L.p2pBanScore,
        maxInbound: L.p2pMaxInbound,
        maxOutbound: L.p2pMaxOutbound,
        maxPerAddress: L.p2pMaxPerAddress,
        ...o.limits,
      },
      banMs: o.banMs,
    });
    const engine = key ? (this.chain.consensus as BftEngine) : null;
    this.sync = new Sync(this.chain, this.mempool, this.network, {
      log: (l) => this.logger.debug(l),
      maxBranchHeaders: L.p2pMaxBranchHeaders,
      ...(engine ? { finality: { committed: (h, hash) => !!this.bft?.commitFor(h, hash), preverify: (blocks) => engine.preverify(blocks, this.chain.state) } } : {}),
    });
    this.unsubscribe = this.chain.subscribe((ev) => this.onTip(ev));
    if (key) {
      this.bft = new BftDriver({
        chain: this.chain,
        mempool: this.mempool,
        network: this.network,
        key,
        dir: this.dir,
        logger: this.logger,
        timeouts: o.bftTimeouts,
        rebroadcastMs: o.bftRebroadcastMs,
        coinbaseTo: this.minerAddress,
        evidenceFeeRate: o.mempool?.minFeeRate,
        relayTx: (tx) => this.sync.announceTx(tx),
        onValidatorSet: (set) => {
          if (this.usesValidatorAllowlist) this.network.setAllowPeers(this.allowlistFor(set));
        },
      });
    }
    await this.network.start((o.peers ?? []).filter((p) => p.startsWith('/')));
    // Gossipsub forwards a message only to the mesh of that moment and offers it to the
    // others for a few heartbeats: a transaction that arrived while a mesh was still forming
    // can miss a peer for good. Transactions still waiting after a round go to every peer
    // directly (the push protocol: a peer that has one answers at once, one that did not
    // passes it on to its own mesh), the oldest first, a bounded number per round.
    const every = o.txRebroadcastMs ?? 10_000;
    if (every > 0) {
      this.txRebroadcast = setInterval(() => {
        const due = Date.now() - every;
        const old = this.mempool.entries().filter((e) => e.time <= due).sort((a, b) => a.time - b.time).slice(0, TX_REBROADCAST_MAX);
        for (const e of old) this.sync.pushTx(e.tx);
      }, every);
      this.txRebroadcast.unref?.();
    }
    if (this.bft) {
      this.bft.start();
      const inSet = this.bft.isValidator;
      this.log(`bft chain ${this.params.name}: no local miner and no Stratum server (blocks are proposed and voted on by the validators); ${inSet ? 'validating' : 'following'} with key ${toHex(key!.publicKey)}`);
    }

    if (o.rpcPort !== null) {
      this.rpc = new RpcServer({
        host: o.rpcBind ?? '127.0.0.1',
        port: o.rpcPort ?? 17420,
        users: o.rpcUsers,
        allowOrigins: o.rpcAllowOrigins,
        allowIps: o.rpcAllowIps,
        allowHosts: o.rpcAllowHosts,
        limits: L,
      });
      registerMethods(this.rpc, this);
      registerNetMethods(this.rpc, this);
      await this.rpc.listen();
      if (this.dir !== null) {
        // Bitcoin Core's cookie: readable by this user only, gone after a clean stop.
        this.cookiePath = join(this.dir, '.cookie');
        await writeFileAtomic(this.cookiePath, this.rpc.cookie, 0o600);
      }
    }
    if (o.stratumPort !== null && !key) {
      this.stratum = new StratumServer(
        {
          job: () => templateToStratum(this.template(this.minerAddress)),
          submitBlock: (job, coinbase, header) => this.submitFound(blockFromShare(job.context as BlockTemplate, coinbase, header)),
        },
        {
          host: o.stratumBind ?? '127.0.0.1',
          port: o.stratumPort ?? 17422,
          difficulty: o.stratumDifficulty ?? 1,
          ...(o.stratumMinDifficulty !== undefined ? { minDifficulty: o.stratumMinDifficulty } : {}),
          limits: L,
        },
      );
      this.stratum.on('error', (err: Error) => this.logger.warn(`stratum: ${err.message}`));
      this.stratum.on('disconnect', (d: { address: string; worker: string; reason: string }) =>
        this.logger.info(`stratum: disconnected ${d.address}${d.worker ? ` (${d.worker.slice(0, 40)})` : ''}: ${d.reason}`),
      );
      await this.stratum.listen();
    }
    if (o.mine) {
      this.miner = new LocalMiner(this.chain, this.mempool, {
        threads: o.threads ?? availableParallelism(),
        address: this.minerAddress,
        blockIntervalMs: o.blockIntervalMs,
        submit: (b) => this.submitFound(b),
        log: this.log,
      });
      this.miner.start();
    }
    for (const p of o.peers ?? []) this.network.addPeer(p);
  }

  /** A consortium chain: only validators and the configured observers may connect. */
  get usesValidatorAllowlist(): boolean {
    if (this.params.consensus !== 'bft') return false;
    return this.opts.validatorAllowlist ?? ((this.params.validatorSetModule ?? 'authority') === 'authority' && this.params.name !== 'bft-devnet');
  }

  private allowlistFor(set: ValidatorSet): string[] {
    return [...new Set([...set.validators.map((v) => peerIdOf(v.publicKey)), ...this.observers])];
  }

  /** A template paying `address`, with mempool transactions. */
  /**
   * A block template paying `address`. Building one runs the block on the tip (state and
   * receipts roots), so a template is reused while the tip, the mempool and the address are
   * the same, for at most TEMPLATE_REUSE_MS: a client asking for jobs in a loop costs a
   * lookup, not a block execution each. Callers treat templates as immutable.
   */
  template(address: Uint8Array): BlockTemplate {
    const key = `${this.chain.tip.key}:${this.mempool.revision}:${toHex(address)}`;
    const now = Date.now();
    const c = this.lastTemplate;
    if (c && c.key === key && now - c.at < TEMPLATE_REUSE_MS) return c.template;
    const template = createBlockTemplate(this.chain, this.mempool, { coinbaseTo: address, coinbasePayload: coinbasePayload() });
    this.lastTemplate = { key, at: now, template };
    return template;
  }

  /** A block from RPC, Stratum or the local miner. Resolves null when accepted, else the reason. */
  submitBlock(block: Block | Uint8Array): Promise<string | null> {
    // An uncommitted block must not become the tip: a bft chain's blocks come from decisions.
    if (this.bft) return Promise.resolve('bft-not-voted');
    return this.sync.acceptBlock(block);
  }

  /**
   * A block this node's miners found (local or Stratum): null only when it joined the active
   * chain, SIDE_CHAIN when valid but not the tip, else the reject reason.
   */
  async submitFound(block: Block): Promise<string | null> {
    const why = await this.submitBlock(block);
    if (why !== null) return why;
    return this.chain.isOnMainChain(blockHash(block.header)) ? null : SIDE_CHAIN;
  }

  private onTip(ev: TipChangeEvent): void {
    const show = (b: Block) => toHex(blockHash(b.header).slice().reverse());
    if (ev.disconnected.length) this.logger.warn(`reorg: ${ev.disconnected.length} block(s) disconnected, ${ev.connected.length} connected, tip ${this.chain.height}`);
    for (const b of ev.disconnected) this.logger.info(`block disconnected ${show(b)}`);
    for (const b of ev.connected) this.logger.info(`block connected ${show(b)} (${b.txs.length} tx)`);
    this.mempool.update(ev);
    // Transactions undone by a reorg are pending again: tell peers, whose mempools dropped them too.
    for (const b of ev.disconnected) for (const tx of b.txs) if (this.mempool.has(txid(tx))) this.sync.pushTx(tx);
    this.miner?.restart();
    void this.stratum?.newWork(true);
    this.emit('tip', ev);
  }

  status(): NodeStatus {
    return {
      chain: this.params.name,
      consensus: this.params.consensus ?? 'pow',
      height: this.chain.height,
      finalized: this.finalizedHeight(),
      round: this.bft?.state().round ?? 0,
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

  /** The highest final height: bft, the tip once its commit is known; pow, 0 (only genesis). */
  finalizedHeight(): number {
    return this.bft ? this.bft.finalizedHeight() : this.chain.consensus.finalizedHeight(this.chain.tip);
  }

  /** Stops everything; the last block commit finishes before the database closes. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.txRebroadcast) clearInterval(this.txRebroadcast);
      await this.bft?.stop();
      await this.miner?.stop();
      await this.stratum?.close();
      await this.rpc?.close();
      if (this.cookiePath) await rm(this.cookiePath, { force: true });
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
