import { Command, InvalidArgumentError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { LimitError, parseLimit, type Limits } from '../node/limits.js';
import { createLogger, isLogLevel, LOG_LEVELS } from '../node/log.js';
import { paramsFromGenesisJson } from '../chain/genesis-file.js';
import { bftDevnetParams, consortiumDevnetParams, defineParams, devnetParams, dposDevnetParams, posDevnetParams, regtestParams, type ChainParams } from '../chain/params.js';
import { HashlaneNode, type NodeOptions } from '../node/node.js';
import { DEFAULT_TIMEOUTS, type Timeouts } from '../bft/machine.js';
import { readJson } from '../node/storage.js';
import { bftTimeoutsArg, hostPortArg, intArg, keyArg, type BftTimeoutsFlag } from './args.js';
import { exitWith, LogLines, StatusLine } from './format.js';

export const CHAINS: Record<string, ChainParams> = {
  devnet: devnetParams,
  regtest: regtestParams,
  'bft-devnet': bftDevnetParams,
  'consortium-devnet': consortiumDevnetParams,
  // Without --genesis these start as bft-devnet does: one validator, the node's own key, bonded.
  'pos-devnet': posDevnetParams,
  'dpos-devnet': dposDevnetParams,
};

interface NodeFlags {
  dataDir: string;
  bind: string;
  rpcBind: string;
  stratumBind: string;
  webBind: string;
  rpcUser?: string;
  rpcPasswordFile?: string;
  rpcAllowIp?: string[];
  rpcAllowOrigin?: string[];
  rpcAllowHost?: string[];
  webAllowOrigin?: string[];
  webAllowHost?: string[];
  logLevel: string;
  stratumMinDifficulty: number;
  limit?: Partial<Limits>;
  p2pPort: number;
  rpcPort: number;
  stratumPort: number;
  stratum: boolean;
  peer?: string[];
  allowPeer?: string[];
  discoverLocal?: boolean;
  mine?: boolean;
  threads?: number;
  minerAddress?: Uint8Array;
  wallet?: string;
  chain: string;
  chainId?: number;
  genesis?: string;
  validatorKey?: string;
  bftTimeouts?: BftTimeoutsFlag;
  web?: boolean;
  webPort: number;
  blockInterval?: number;
  status: boolean;
  listen: boolean;
}

const PEER_ID = /^(?:12D3KooW|Qm)[1-9A-HJ-NP-Za-km-z]{30,60}$/;

function peerArg(value: string, previous: string[] = []): string[] {
  if (value.startsWith('/')) {
    if (!/^\/(?:ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d{1,5}(?:\/ws)?(?:\/p2p\/[1-9A-HJ-NP-Za-km-z]+)?$/.test(value)) {
      throw new InvalidArgumentError(`"${value.slice(0, 80)}" is not a peer multiaddr; expected e.g. /ip4/192.0.2.7/tcp/17421[/p2p/12D3KooW...]`);
    }
    return [...previous, value];
  }
  return hostPortArg(value, previous);
}

/** A peer id, or a file of peer ids (one a line, # comments). */
function allowPeerArg(value: string, previous: string[] = []): string[] {
  if (PEER_ID.test(value)) return [...previous, value];
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch {
    throw new InvalidArgumentError(`"${value.slice(0, 80)}" is neither a peer id (12D3KooW...) nor a readable file of peer ids`);
  }
  const ids = text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
  const bad = ids.find((id) => !PEER_ID.test(id));
  if (bad) throw new InvalidArgumentError(`${value}: "${bad.slice(0, 80)}" is not a peer id (expected 12D3KooW...)`);
  return [...previous, ...ids];
}

function formatRate(h: number): string {
  return h >= 1e6 ? `${(h / 1e6).toFixed(2)} MH/s` : h >= 1e3 ? `${(h / 1e3).toFixed(1)} kH/s` : `${Math.round(h)} H/s`;
}

/** The public key of the wallet's keystore (readable without the passphrase), or null when there is none. */
async function walletAddress(path: string): Promise<Uint8Array | null> {
  const file = await readJson<{ publicKey?: unknown }>(path).catch(() => null);
  if (!file) return null;
  if (typeof file.publicKey !== 'string' || !/^[0-9a-f]{64}$/.test(file.publicKey)) {
    throw new Error(`${path} is not a hashlane keystore (no 64-hex-digit publicKey); expected the file "hashlane wallet create" writes`);
  }
  return new Uint8Array(Buffer.from(file.publicKey, 'hex'));
}

/** `hashlane node`: runs a full node until Ctrl-C. */
export function nodeCommand(): Command {
  return new Command('node')
    .description('run a hashlane full node: chain on LevelDB, libp2p peers (Noise, gossipsub), JSON-RPC, Stratum server, optional miner')
    .option('--data-dir <dir>', 'data directory (a folder per chain inside)', '.hashlane')
    .addOption(new Option('--chain <name>', 'which chain (bft-devnet: one validator, this node; consortium-devnet: the validators of --genesis; pos-devnet / dpos-devnet: stake / votes choose the validators, the genesis set from --genesis or this node alone)').choices(Object.keys(CHAINS)).default('devnet'))
    .option('--genesis <file>', 'a bft chain\'s genesis file (JSON from "hashlane genesis": chain, chainId, genesisTime, validators, sendAllowlist, premine)')
    .option('--validator-key <file>', 'bft chains: the validator key, also the P2P identity (default <data-dir>/<chain>/validator.key, created if absent)')
    .option('--bft-timeouts <propose,prevote,precommit,commit>', "bft chains: this node's round timeouts propose,prevote,precommit,commit in ms (each 10..600000; commit is the pause after a block). Local, like CometBFT's config: the genesis and the other nodes are unaffected; the per-round increases stay the chain's", bftTimeoutsArg())
    .option('--chain-id <n>', 'regtest only: another chain id (u32), for a second independent regtest chain (atomic swap tests)', intArg('--chain-id', 1, 0xffffffff))
    .option('--bind <ip>', 'address the peer-to-peer listener binds to', ipArg('--bind'), '0.0.0.0')
    .option('--p2p-port <port>', 'peer-to-peer TCP port (libp2p; a WebSocket listener opens on a free port beside it)', intArg('--p2p-port', 0, 65535), 17421)
    .option('--no-listen', 'accept no inbound peers (outbound only)')
    .option('--rpc-bind <ip>', 'address JSON-RPC binds to (beyond loopback it needs --rpc-allow-ip)', ipArg('--rpc-bind'), '127.0.0.1')
    .option('--rpc-port <port>', 'JSON-RPC port (POST /)', intArg('--rpc-port', 0, 65535), 17420)
    .option('--rpc-user <name>', 'an RPC user besides the cookie; the password from --rpc-password-file or HASHLANE_RPC_PASSWORD')
    .option('--rpc-password-file <file>', "file holding --rpc-user's password (never on the command line)")
    .option('--rpc-allow-ip <ip[/bits]>', 'remote address or subnet allowed to use RPC (repeatable)', collect)
    .option('--rpc-allow-origin <origin>', 'a web origin (scheme://host:port) allowed to call RPC from a browser (repeatable)', collect)
    .option('--rpc-allow-host <name>', 'a Host header name accepted besides IP addresses and localhost (repeatable)', collect)
    .option('--stratum-bind <ip>', 'address the Stratum server binds to', ipArg('--stratum-bind'), '0.0.0.0')
    .option('--stratum-port <port>', 'Stratum V1 server port for external miners', intArg('--stratum-port', 0, 65535), 17422)
    .option('--no-stratum', 'do not run the Stratum server')
    .option('--stratum-min-difficulty <d>', 'lowest share difficulty mining.suggest_difficulty may set', positiveArg('--stratum-min-difficulty'), 0.001)
    .option('--peer <host:port|multiaddr>', 'connect to this peer and keep reconnecting (repeatable)', peerArg)
    .option('--allow-peer <peer-id|file>', 'accept and keep only these peer ids (repeatable; a file holds one per line)', allowPeerArg)
    .option('--discover-local', 'find peers on the local network with mDNS')
    .option('--mine', 'mine on this node')
    .option('--threads <n>', 'miner threads (default: all cores)', intArg('--threads', 1, 1024))
    .option('--miner-address <hex>', "public key the block rewards go to (default: the wallet's key, else a key kept in the data dir)", keyArg('--miner-address'))
    .option('--wallet <file>', 'the wallet keystore whose key is paid when mining (default: <data-dir>/wallet/keystore.json)')
    .option('--web', 'serve the browser mining page and its WebSocket work endpoint')
    .option('--web-bind <ip>', 'address the web page binds to', ipArg('--web-bind'), '127.0.0.1')
    .option('--web-port <port>', 'port of the web page', intArg('--web-port', 0, 65535), 17423)
    .option('--web-allow-origin <origin>', 'an origin (or *) whose pages may use /ws besides the page itself (repeatable)', collect)
    .option('--web-allow-host <name>', 'a Host name the page may be reached by besides IP addresses and localhost (repeatable)', collect)
    .addOption(new Option('--log-level <level>', 'what to log').choices([...LOG_LEVELS]).default('info'))
    .option('--limit <name=value>', 'override a connection limit (see README "Limits"; repeatable)', limitArg)
    .addOption(new Option('--block-interval <ms>', 'wait at least this long between locally mined blocks').argParser(intArg('--block-interval', 0, 3_600_000)).hideHelp())
    .option('--no-status', 'no live status line')
    .action(async (flags: NodeFlags, cmd: Command) => {
      try {
        await runNode(flags, cmd.getOptionValueSource('chain') !== 'default');
      } catch (err) {
        exitWith('node', err);
      }
    });
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function ipArg(name: string) {
  return (value: string): string => {
    if (!isIP(value)) throw new InvalidArgumentError(`${name} must be an IP address (e.g. 127.0.0.1, 0.0.0.0, ::), got "${value}".`);
    return value;
  };
}

function positiveArg(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^[0-9.eE+-]+$/.test(value) || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${value}".`);
    return n;
  };
}

function limitArg(value: string, previous: Partial<Limits> = {}): Partial<Limits> {
  try {
    return parseLimit(value, previous);
  } catch (err) {
    throw new InvalidArgumentError((err as LimitError).message);
  }
}

/** The bind address as it goes into a URL (0.0.0.0 stays: it says "every interface"). */
const hostOf = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.');

/** One line on stderr in the CLI's style, exit code 2 (usage). */
function usage(what: string, expected: string): void {
  console.error(`hashlane node: ${what}; expected ${expected}`);
  process.exitCode = 2;
}

/** The params of a --genesis file; a usage line (and null) when it cannot serve. */
function genesisParams(file: string, chain: string, chainGiven: boolean): ChainParams | null {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    usage(`--genesis ${file} ${code ? `cannot be read (${code})` : 'is not JSON'}`, 'the JSON file "hashlane genesis" writes');
    return null;
  }
  let params: ChainParams;
  try {
    params = paramsFromGenesisJson(json);
  } catch (err) {
    usage(`--genesis ${file}: ${(err as Error).message}`, 'a genesis file as "hashlane genesis" writes it');
    return null;
  }
  if (chainGiven && params.name !== chain) {
    usage(`--genesis ${file} is for chain ${params.name}, --chain says ${chain}`, `--chain ${params.name} or no --chain`);
    return null;
  }
  return params;
}

async function runNode(f: NodeFlags, chainGiven = true): Promise<void> {
  if (f.chainId !== undefined && f.chain !== 'regtest') return usage(`--chain-id with --chain ${f.chain}`, '--chain regtest (only regtest takes another chain id)');
  let params: ChainParams;
  if (f.genesis !== undefined) {
    const p = genesisParams(f.genesis, f.chain, chainGiven);
    if (!p) return;
    params = p;
  } else if (f.chain === 'consortium-devnet') {
    return usage('--chain consortium-devnet without --genesis', '--genesis <file> naming its validators (hashlane genesis writes one)');
  } else params = f.chainId === undefined ? CHAINS[f.chain]! : defineParams(CHAINS[f.chain]!, { chainId: f.chainId });
  const bft = params.consensus === 'bft';
  if (bft && f.mine) return usage(`--mine with a bft chain (${params.name})`, 'no --mine: validators propose and vote on the blocks, there is nothing to mine');
  if (bft && f.web) return usage(`--web with a bft chain (${params.name})`, 'no --web: the web page mines proof-of-work blocks, and a bft chain has none (its state is on RPC)');
  if (!bft && f.bftTimeouts !== undefined) return usage(`--bft-timeouts with --chain ${params.name}`, 'a bft chain (--chain bft-devnet, consortium-devnet, pos-devnet, dpos-devnet or --genesis <file>)');
  if (!bft && f.validatorKey !== undefined) return usage(`--validator-key with --chain ${params.name}`, 'a bft chain (--chain bft-devnet, consortium-devnet, pos-devnet, dpos-devnet or --genesis <file>)');
  const tty = !!process.stdout.isTTY;
  // Not a TTY: one status line every 10 s among the log lines, no escape codes.
  const status = new StatusLine(process.stdout, 10_000);
  const logs = new LogLines((line) => process.stdout.write(line + '\n'), status);
  const log = (line: string) => logs.line(line);
  if (!isLogLevel(f.logLevel)) return usage(`--log-level ${f.logLevel}`, LOG_LEVELS.join(', '));
  const logger = createLogger(log, f.logLevel);
  if (!isLoopback(f.rpcBind) && !f.rpcAllowIp?.length) {
    return usage(`--rpc-bind ${f.rpcBind} would expose RPC beyond this machine`, '--rpc-allow-ip <ip or subnet> naming who may connect');
  }
  let rpcUsers: NodeOptions['rpcUsers'];
  if (f.rpcUser !== undefined) {
    let password = process.env.HASHLANE_RPC_PASSWORD;
    if (f.rpcPasswordFile !== undefined) {
      try {
        password = readFileSync(f.rpcPasswordFile, 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        console.error(`hashlane node: cannot read --rpc-password-file ${f.rpcPasswordFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        process.exitCode = 1;
        return;
      }
    }
    if (!password) return usage(`--rpc-user ${f.rpcUser} has no password`, '--rpc-password-file <file> or HASHLANE_RPC_PASSWORD');
    if (f.rpcUser.includes(':')) return usage(`--rpc-user "${f.rpcUser}" contains ":"`, 'a user name without ":" (HTTP Basic)');
    rpcUsers = [{ user: f.rpcUser, password }];
  } else if (f.rpcPasswordFile !== undefined) return usage('--rpc-password-file without --rpc-user', '--rpc-user <name> too');
  if (!isLoopback(f.rpcBind)) logger.warn(`RPC listens on ${f.rpcBind}, reachable from ${f.rpcAllowIp!.join(', ')}: credentials travel unencrypted (HTTP Basic)`);
  let stopFn: ((why: string) => Promise<void>) | null = null;
  let stopAsked = false;
  // The rewards go where the user spends from: the wallet's key when there is a wallet.
  const walletPath = resolve(f.wallet ?? join(f.dataDir, 'wallet', 'keystore.json'));
  const fromWallet = f.minerAddress ? null : await walletAddress(walletPath);
  const opts: NodeOptions = {
    params,
    dataDir: resolve(f.dataDir),
    bind: f.bind,
    rpcBind: f.rpcBind,
    stratumBind: f.stratumBind,
    p2pPort: f.listen ? f.p2pPort : null,
    rpcPort: f.rpcPort,
    rpcUsers,
    rpcAllowIps: f.rpcAllowIp,
    rpcAllowOrigins: f.rpcAllowOrigin,
    rpcAllowHosts: f.rpcAllowHost,
    nodeLimits: f.limit,
    logger,
    // RPC `stop` may in principle arrive before `stop` below exists.
    onStopRequest: () => (stopFn ? void stopFn('RPC stop') : (stopAsked = true)),
    stratumPort: f.stratum ? f.stratumPort : null,
    stratumMinDifficulty: f.stratumMinDifficulty,
    peers: f.peer ?? [],
    allowPeers: f.allowPeer ?? [],
    discoverLocal: !!f.discoverLocal,
    mine: !!f.mine,
    threads: f.threads ?? availableParallelism(),
    minerAddress: f.minerAddress ?? fromWallet ?? undefined,
    blockIntervalMs: f.blockInterval,
    ...(bft ? { validatorKeyPath: resolve(f.validatorKey ?? join(f.dataDir, params.name, 'validator.key')) } : {}),
    // The driver's options, never the params: the params are the chain everyone shares.
    ...(f.bftTimeouts ? { bftTimeouts: withBaseTimeouts(params.bftTimeouts ?? DEFAULT_TIMEOUTS, f.bftTimeouts) } : {}),
  };
  const node = await HashlaneNode.start(opts);
  let web: { url: string; close(): Promise<void> } | null = null;
  if (f.web) {
    try {
      const { serveWeb } = await import('../node/web-server.js');
      web = await serveWeb(node, { host: f.webBind, port: f.webPort, allowOrigins: f.webAllowOrigin, allowHosts: f.webAllowHost });
    } catch (err) {
      logger.error(`web: ${(err as Error).message}`);
    }
  }
  // Handlers before the banner: whoever reads it may press Ctrl-C at once.
  let timer: ReturnType<typeof setInterval> | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      // LevelDB batches are atomic: even a forced exit leaves the data dir at a block boundary.
      process.exit(130);
    }
    stopping = true;
    if (timer) clearInterval(timer);
    log(`${signal}: stopping (Ctrl-C again to force)...`);
    await web?.close();
    await node.stop();
    log(`stopped at height ${node.chain.height}`);
    process.exit(0);
  };
  stopFn = stop;
  if (stopAsked) void stop('RPC stop');
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const s = node.status();
  log(
    `hashlane node on ${params.name}: data ${node.dir}, p2p ${s.p2pPort ? `${hostOf(f.bind)}:${s.p2pPort}` : 'off'}, rpc http://${hostOf(f.rpcBind)}:${s.rpcPort}/` +
      `${s.stratumPort ? `, stratum+tcp://${hostOf(f.stratumBind)}:${s.stratumPort}` : ''}${web ? `, web ${web.url}` : ''}` +
      `${node.miner ? `, mining with ${opts.threads} thread(s)` : ''}`,
  );
  if (opts.bftTimeouts) {
    const t = opts.bftTimeouts;
    log(`bft timeouts (--bft-timeouts, this node only): propose ${t.propose} ms, prevote ${t.prevote} ms, precommit ${t.precommit} ms, commit ${t.commit} ms`);
  }
  if (node.miner) {
    const to = Buffer.from(node.minerAddress).toString('hex');
    if (f.minerAddress) log(`block rewards go to ${to} (--miner-address)`);
    else if (fromWallet) log(`block rewards go to your wallet ${to} (${walletPath})`);
    else {
      log(`block rewards go to ${to}, the miner key in ${join(node.dir ?? '', 'miner-key.json')}: no wallet at ${walletPath}`);
      log(`  to spend them: hashlane wallet import --from-miner-key${f.chain !== 'devnet' ? ` --chain ${f.chain}` : ''}${f.dataDir !== '.hashlane' ? ` --data-dir ${f.dataDir}` : ''}`);
    }
  }
  const line = () => {
    const st = node.status();
    if (bft) return `height ${st.height} | round ${st.round} | finalized ${st.finalized} | peers ${st.peers} | mempool ${st.mempool}`;
    return `height ${st.height} | ${formatRate(st.hashesPerSecond)} | peers ${st.peers} | mempool ${st.mempool}${st.stratumPort && node.stratum!.clientCount ? ` | stratum ${node.stratum!.clientCount}` : ''}${web ? ` | web ${web.url}` : ''}`;
  };
  timer = f.status ? setInterval(() => status.update(line()), tty ? 1000 : 10_000) : null;
}

/** The chain's timeouts with the four base values of --bft-timeouts (the per-round deltas stay). */
export function withBaseTimeouts(chain: Timeouts, flag: BftTimeoutsFlag): Timeouts {
  return { ...chain, propose: flag.propose, prevote: flag.prevote, precommit: flag.precommit, commit: flag.commit };
}

/** Adds this command to the `hashlane` program (src/cli/main.ts). */
export function register(program: Command): void {
  program.addCommand(nodeCommand());
}
