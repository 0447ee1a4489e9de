import { Command, Option } from 'commander';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { devnetParams, regtestParams, type ChainParams } from '../chain/params.js';
import { HashlaneNode, type NodeOptions } from '../node/node.js';
import { readJson } from '../node/storage.js';
import { hostPortArg, intArg, keyArg } from './args.js';
import { exitWith, LogLines, StatusLine } from './format.js';

const CHAINS: Record<string, ChainParams> = { devnet: devnetParams, regtest: regtestParams };

interface NodeFlags {
  dataDir: string;
  host: string;
  p2pPort: number;
  rpcPort: number;
  stratumPort: number;
  stratum: boolean;
  peer?: string[];
  mine?: boolean;
  threads?: number;
  minerAddress?: Uint8Array;
  wallet?: string;
  chain: string;
  web?: boolean;
  webPort: number;
  rpcToken?: string;
  blockInterval?: number;
  status: boolean;
  listen: boolean;
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
    .description('run a hashlane full node: chain on LevelDB, WebSocket peers, JSON-RPC, Stratum server, optional miner')
    .option('--data-dir <dir>', 'data directory (a folder per chain inside)', '.hashlane')
    .addOption(new Option('--chain <name>', 'which chain').choices(Object.keys(CHAINS)).default('devnet'))
    .option('--host <ip>', 'address the servers bind to', '127.0.0.1')
    .option('--p2p-port <port>', 'peer-to-peer WebSocket port', intArg('--p2p-port', 0, 65535), 17421)
    .option('--no-listen', 'accept no inbound peers (outbound only)')
    .option('--rpc-port <port>', 'JSON-RPC port (POST /)', intArg('--rpc-port', 0, 65535), 17420)
    .option('--rpc-token <token>', 'require "Authorization: Bearer <token>" on RPC (or set HASHLANE_RPC_TOKEN)')
    .option('--stratum-port <port>', 'Stratum V1 server port for external miners', intArg('--stratum-port', 0, 65535), 17422)
    .option('--no-stratum', 'do not run the Stratum server')
    .option('--peer <host:port>', 'connect to this peer and keep reconnecting (repeatable)', hostPortArg)
    .option('--mine', 'mine on this node')
    .option('--threads <n>', 'miner threads (default: all cores)', intArg('--threads', 1, 1024))
    .option('--miner-address <hex>', "public key the block rewards go to (default: the wallet's key, else a key kept in the data dir)", keyArg('--miner-address'))
    .option('--wallet <file>', 'the wallet keystore whose key is paid when mining (default: <data-dir>/wallet/keystore.json)')
    .option('--web', 'serve the browser mining page and its WebSocket work endpoint')
    .option('--web-port <port>', 'port of the web page', intArg('--web-port', 0, 65535), 17423)
    .addOption(new Option('--block-interval <ms>', 'wait at least this long between locally mined blocks').argParser(intArg('--block-interval', 0, 3_600_000)).hideHelp())
    .option('--no-status', 'no live status line')
    .action(async (flags: NodeFlags) => {
      try {
        await runNode(flags);
      } catch (err) {
        exitWith('node', err);
      }
    });
}

async function runNode(f: NodeFlags): Promise<void> {
  const params = CHAINS[f.chain]!;
  const tty = !!process.stdout.isTTY;
  // Not a TTY: one status line every 10 s among the log lines, no escape codes.
  const status = new StatusLine(process.stdout, 10_000);
  const logs = new LogLines((line) => process.stdout.write(line + '\n'), status);
  const log = (line: string) => logs.line(line);
  // The rewards go where the user spends from: the wallet's key when there is a wallet.
  const walletPath = resolve(f.wallet ?? join(f.dataDir, 'wallet', 'keystore.json'));
  const fromWallet = f.minerAddress ? null : await walletAddress(walletPath);
  const opts: NodeOptions = {
    params,
    dataDir: resolve(f.dataDir),
    host: f.host,
    p2pPort: f.listen ? f.p2pPort : null,
    rpcPort: f.rpcPort,
    rpcToken: f.rpcToken ?? process.env.HASHLANE_RPC_TOKEN,
    stratumPort: f.stratum ? f.stratumPort : null,
    peers: f.peer ?? [],
    mine: !!f.mine,
    threads: f.threads ?? availableParallelism(),
    minerAddress: f.minerAddress ?? fromWallet ?? undefined,
    blockIntervalMs: f.blockInterval,
    log,
  };
  const node = await HashlaneNode.start(opts);
  let web: { url: string; close(): Promise<void> } | null = null;
  if (f.web) {
    try {
      const { serveWeb } = await import('../node/web-server.js');
      web = await serveWeb(node, { host: f.host, port: f.webPort });
    } catch (err) {
      log(`web: ${(err as Error).message}`);
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
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const s = node.status();
  log(
    `hashlane node on ${params.name}: data ${node.dir}, p2p ${s.p2pPort ? `${f.host}:${s.p2pPort}` : 'off'}, rpc http://${f.host}:${s.rpcPort}/` +
      `${s.stratumPort ? `, stratum+tcp://${f.host}:${s.stratumPort}` : ''}${web ? `, web ${web.url}` : ''}` +
      `${node.miner ? `, mining with ${opts.threads} thread(s)` : ''}`,
  );
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
    return `height ${st.height} | ${formatRate(st.hashesPerSecond)} | peers ${st.peers} | mempool ${st.mempool}${st.stratumPort && node.stratum!.clientCount ? ` | stratum ${node.stratum!.clientCount}` : ''}${web ? ` | web ${web.url}` : ''}`;
  };
  timer = f.status ? setInterval(() => status.update(line()), tty ? 1000 : 10_000) : null;
}

/** Adds this command to the `hashlane` program (src/cli/main.ts). */
export function register(program: Command): void {
  program.addCommand(nodeCommand());
}
