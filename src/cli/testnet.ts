// `hashlane testnet`: N local nodes as child processes, wired to each other, for trying a
// consensus out and for the multi-process tests. Each child is an ordinary `hashlane node`
// in its own data dir; the parent only starts, watches and stops them, so what a test sees
// is what an operator running N nodes by hand would see.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { LOG_LEVELS } from '../node/log.js';
import { writeFileAtomic } from '../node/storage.js';
import { bftTimeoutsArg, formatBftTimeouts, intArg, type BftTimeoutsFlag } from './args.js';
import { CliError, exitWith, UsageError } from './format.js';
import { rpcCall } from './rpc-client.js';
import { CHAINS } from './node.js';
import { consortiumGenesis, loadOrCreateValidatorKey } from './validator.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));
const CONSENSUS = ['pow', 'bft', 'pos', 'dpos'] as const;
type Consensus = (typeof CONSENSUS)[number];
/** Ports per node: p2p, rpc, stratum. */
const PORTS_PER_NODE = 3;
const MAX_NODES = 64;
/** What a pos/dpos testnet's genesis gives each validator's account besides its stake: 10,000 coins. */
export const TESTNET_FUNDS = 10_000n * 100_000_000n;

interface TestnetFlags {
  consensus: Consensus;
  nodes: number;
  dataDir: string;
  basePort: number;
  keepGoing?: boolean;
  miners: number;
  blockInterval: number;
  logLevel: string;
  readyTimeout: number;
  bftTimeouts?: BftTimeoutsFlag;
}

/** What `hashlane testnet` prints per node (one JSON line) and keeps in <data-dir>/testnet.json. */
export interface TestnetNode {
  node: number;
  rpc: string;
  cookie: string;
  p2p: string;
  peerid: string;
  pid: number;
  /** The arguments after `hashlane` that start this node again (a test restarts a killed node with them). */
  args: string[];
  log: string;
}

interface Plan {
  chain: string;
  /** Extra `hashlane node` arguments for node i. */
  extra(i: number): string[];
}

/** The chain preset a consensus runs on. */
function chainFor(consensus: Consensus): string {
  if (consensus === 'pow') return 'regtest';
  if (consensus === 'bft') return 'consortium-devnet';
  return `${consensus}-devnet`;
}

async function plan(f: TestnetFlags, dir: string): Promise<Plan> {
  const chain = chainFor(f.consensus);
  if (f.consensus === 'pow') {
    // Regtest work is a few hashes: the interval, not the difficulty, paces the blocks.
    return { chain, extra: (i) => ['--chain', chain, ...(i < f.miners ? ['--mine', '--threads', '1', '--block-interval', String(f.blockInterval)] : [])] };
  }
  // Voting chains: every node is a validator of equal power, named by its index.
  const keyPath = (i: number) => join(dir, `node-${i}`, 'validator.key');
  const genesisPath = join(dir, 'genesis.json');
  const keys = [];
  for (let i = 0; i < f.nodes; i++) keys.push(await loadOrCreateValidatorKey(keyPath(i)));
  // An existing genesis file is the chain these data dirs hold: a second run resumes it,
  // provided it names exactly these nodes' keys.
  if (existsSync(genesisPath)) {
    const named = ((JSON.parse(await readFile(genesisPath, 'utf8')) as { validators?: { publicKey?: string }[] }).validators ?? []).map((v) => v.publicKey);
    const ours = keys.map((k) => Buffer.from(k.publicKey).toString('hex'));
    if (named.length !== ours.length || named.some((k, i) => k !== ours[i])) {
      throw new UsageError(`${genesisPath} names ${named.length} validator(s), not the keys of these ${f.nodes} node(s); expected the --nodes of the run that made it, or a new --data-dir`);
    }
  } else {
    // pos/dpos: each validator key is also its operator account, bonded (self-voting) with the
    // preset's genesis stake and funded, so that stake can move (delegate, redelegate, vote)
    // and evidence fees be paid from the keys in the data dirs.
    const funded = f.consensus === 'pos' || f.consensus === 'dpos';
    const premine = funded ? keys.map((k) => ({ publicKey: k.publicKey, amount: TESTNET_FUNDS })) : [];
    const json = consortiumGenesis(chain, keys.map((k, i) => ({ name: `node-${i}`, publicKey: k.publicKey, power: 1n })), { premine });
    await writeFileAtomic(genesisPath, JSON.stringify(json, null, 2) + '\n', 0o644);
  }
  // The genesis file names the chain; --chain only where the node has the preset as a choice.
  // Timeouts are each node's own setting (not in the genesis): every node gets the same.
  const timeouts = f.bftTimeouts ? ['--bft-timeouts', formatBftTimeouts(f.bftTimeouts)] : [];
  return { chain, extra: (i) => [...(CHAINS[chain] ? ['--chain', chain] : []), '--genesis', genesisPath, '--validator-key', keyPath(i), ...timeouts] };
}

/** Ports of node i: fixed from --base-port, or 0 (ephemeral) with --base-port 0. */
function portsOf(f: TestnetFlags, i: number): { p2p: number; rpc: number; stratum: number } {
  if (f.basePort === 0) return { p2p: 0, rpc: 0, stratum: 0 };
  const b = f.basePort + PORTS_PER_NODE * i;
  return { p2p: b, rpc: b + 1, stratum: b + 2 };
}

function nodeArgs(f: TestnetFlags, dir: string, p: Plan, i: number, ports: { p2p: number; rpc: number; stratum: number }, peers: string[]): string[] {
  return [
    'node',
    '--data-dir', join(dir, `node-${i}`),
    '--bind', '127.0.0.1',
    '--p2p-port', String(ports.p2p),
    '--rpc-port', String(ports.rpc),
    ...(f.consensus === 'pow' ? ['--stratum-bind', '127.0.0.1', '--stratum-port', String(ports.stratum)] : ['--no-stratum']),
    '--no-status',
    '--log-level', f.logLevel,
    ...peers.flatMap((a) => ['--peer', a]),
    ...p.extra(i),
  ];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

/** The RPC port a node on an ephemeral port announced in its banner line (its log from `offset` on). */
async function bannerRpcPort(log: string, offset: number, child: ChildProcess, end: number): Promise<number> {
  while (Date.now() < end) {
    const text = (await readFile(log)).subarray(offset).toString('utf8');
    const m = /^hashlane node on .*?, rpc http:\/\/[^ ]*?:(\d+)\//m.exec(text);
    if (m) return Number(m[1]);
    if (exited(child)) throw new CliError(`exited (${child.exitCode ?? child.signalCode}) before it started`);
    await sleep(100);
  }
  throw new CliError('printed no banner line (hashlane node on ...) in time');
}

/** Polls the node's RPC until it answers (cookie written, server listening); its p2p address and peer id. */
async function whenUp(rpc: string, cookie: string, child: ChildProcess, end: number): Promise<{ p2p: string; peerid: string; p2pPort: number }> {
  let last = 'no answer yet';
  while (Date.now() < end) {
    if (exited(child)) throw new CliError(`exited (${child.exitCode ?? child.signalCode}) before its RPC answered`);
    if (existsSync(cookie)) {
      try {
        const info = (await rpcCall({ rpc, rpcCookieFile: cookie }, 'getnetworkinfo')) as { peerid: string; listenaddrs: string[] };
        const tcp = info.listenaddrs.find((a) => a.includes('/tcp/') && !a.includes('/ws')) ?? '';
        const port = Number(/\/tcp\/(\d+)/.exec(tcp)?.[1] ?? 0);
        return { peerid: info.peerid, p2p: tcp.includes('/p2p/') ? tcp : `${tcp}/p2p/${info.peerid}`, p2pPort: port };
      } catch (err) {
        last = (err as Error).message;
      }
    }
    await sleep(100);
  }
  throw new CliError(`RPC ${rpc} did not answer in time (${last})`);
}

async function runTestnet(f: TestnetFlags): Promise<void> {
  if (f.basePort !== 0 && f.basePort < 1024) throw new UsageError(`--base-port ${f.basePort} is a privileged port; expected 1024..65535, or 0 for ephemeral ports`);
  if (f.basePort + PORTS_PER_NODE * f.nodes - 1 > 65535) throw new UsageError(`--base-port ${f.basePort} with --nodes ${f.nodes} runs past port 65535; expected a base port <= ${65536 - PORTS_PER_NODE * f.nodes}`);
  if (f.consensus !== 'pow' && f.miners !== 1) throw new UsageError(`--miners with --consensus ${f.consensus}; expected --consensus pow (validators, not miners, make the blocks)`);
  if (f.consensus === 'pow' && f.bftTimeouts) throw new UsageError('--bft-timeouts with --consensus pow; expected --consensus bft, pos or dpos (proof of work has no rounds)');
  if (f.miners > f.nodes) throw new UsageError(`--miners ${f.miners} is more than --nodes ${f.nodes}; expected at most ${f.nodes}`);
  const dir = resolve(f.dataDir);
  mkdirSync(dir, { recursive: true });
  const p = await plan(f, dir);
  const children: ChildProcess[] = [];
  const infos: TestnetNode[] = [];
  let stopping = false;

  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((ok) => {
            if (exited(c)) return ok();
            const timer = setTimeout(() => c.kill('SIGKILL'), 15_000);
            c.once('exit', () => {
              clearTimeout(timer);
              ok();
            });
            c.kill('SIGINT');
          }),
      ),
    );
    process.exit(code);
  };
  process.on('SIGINT', () => void (stopping ? process.exit(130) : (console.error('hashlane testnet: SIGINT: stopping the nodes...'), stopAll(0))));
  process.on('SIGTERM', () => void (stopping ? process.exit(143) : stopAll(0)));

  // Fixed ports: every node dials the others from the start. Ephemeral ports: the addresses
  // are known only once the nodes run, so they are wired through RPC addnode afterwards.
  const fixedPeers = (i: number) => (f.basePort === 0 ? [] : Array.from({ length: f.nodes }, (_, j) => j).filter((j) => j !== i).map((j) => `127.0.0.1:${portsOf(f, j).p2p}`));
  const offsets: number[] = [];
  for (let i = 0; i < f.nodes; i++) {
    const args = nodeArgs(f, dir, p, i, portsOf(f, i), fixedPeers(i));
    mkdirSync(join(dir, `node-${i}`), { recursive: true });
    const log = join(dir, `node-${i}`, 'node.log');
    const fd = openSync(log, 'a');
    offsets.push(fstatSync(fd).size);
    // Own process group: a Ctrl-C in the terminal reaches only this parent, which stops each
    // node once (a second SIGINT would make a node skip its clean shutdown).
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    children.push(child);
    child.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`hashlane testnet: node ${i} exited unexpectedly (${signal ?? `code ${code}`}); its log: ${log}`);
      if (!f.keepGoing) void stopAll(1);
    });
    const rpcPort = portsOf(f, i).rpc;
    infos.push({ node: i, rpc: rpcPort ? `http://127.0.0.1:${rpcPort}/` : '', cookie: join(dir, `node-${i}`, p.chain, '.cookie'), p2p: '', peerid: '', pid: child.pid ?? 0, args, log });
  }
  const p2pPorts: number[] = [];
  try {
    const end = Date.now() + f.readyTimeout;
    await Promise.all(
      infos.map(async (n, i) => {
        try {
          if (!n.rpc) n.rpc = `http://127.0.0.1:${await bannerRpcPort(n.log, offsets[i]!, children[i]!, end)}/`;
          const up = await whenUp(n.rpc, n.cookie, children[i]!, end);
          n.p2p = up.p2p;
          n.peerid = up.peerid;
          p2pPorts[i] = up.p2pPort;
        } catch (err) {
          throw new CliError(`node ${i} ${(err as Error).message}; its log: ${n.log}`);
        }
      }),
    );
    if (f.basePort === 0) {
      for (const n of infos) {
        const others = infos.filter((m) => m !== n).map((m) => `127.0.0.1:${p2pPorts[m.node]}`);
        for (const o of others) await rpcCall({ rpc: n.rpc, rpcCookieFile: n.cookie }, 'addnode', [o, 'add']);
        // What starts this node again as it runs now: the same ports, every other node a peer.
        n.args = nodeArgs(f, dir, p, n.node, { p2p: p2pPorts[n.node]!, rpc: Number(new URL(n.rpc).port), stratum: 0 }, others);
      }
    }
  } catch (err) {
    if (stopping) return;
    exitWith('testnet', err);
    await stopAll(1);
  }
  await writeFileAtomic(join(dir, 'testnet.json'), JSON.stringify({ consensus: f.consensus, chain: p.chain, nodes: infos }, null, 2) + '\n', 0o644);
  for (const n of infos) console.log(JSON.stringify({ node: n.node, rpc: n.rpc, cookie: n.cookie, p2p: n.p2p, peerid: n.peerid, pid: n.pid }));
  console.error(`hashlane testnet: ${f.nodes} ${f.consensus} node(s) on ${p.chain} running (logs in ${dir}/node-*/node.log); Ctrl-C stops them`);
}

/** Reads <data-dir>/testnet.json, as a running `hashlane testnet` wrote it. */
export async function readTestnet(dataDir: string): Promise<{ consensus: Consensus; chain: string; nodes: TestnetNode[] }> {
  return JSON.parse(await readFile(join(resolve(dataDir), 'testnet.json'), 'utf8'));
}

export function testnetCommand(): Command {
  return new Command('testnet')
    .description('start N local nodes as child processes wired to each other (validators of one genesis for bft), print one JSON line per node, stop them on Ctrl-C')
    .addOption(new Option('--consensus <kind>', 'pow: regtest nodes, the first --miners mine; bft: a consortium chain, every node a validator; pos/dpos: pos-devnet / dpos-devnet, every node a validator with a genesis stake (self-vote) of 1000 coins and 10000 more in its account').choices([...CONSENSUS]).makeOptionMandatory())
    .option('--nodes <n>', 'how many nodes', intArg('--nodes', 1, MAX_NODES), 4)
    .option('--data-dir <dir>', 'a folder node-<i> per node inside (and genesis.json for bft); reused on the next run', '.hashlane-testnet')
    .option('--base-port <port>', 'node i listens on p2p base+3i, rpc base+3i+1, stratum base+3i+2; 0: ephemeral ports (see the JSON lines)', intArg('--base-port', 0, 65535), 18400)
    .option('--keep-going', 'when a node dies, say so and keep the others running (default: stop all, exit 1)')
    .option('--miners <n>', 'pow: how many nodes mine', intArg('--miners', 0, MAX_NODES), 1)
    .option('--block-interval <ms>', 'pow: at least this long between mined blocks', intArg('--block-interval', 0, 3_600_000), 1000)
    .option('--bft-timeouts <propose,prevote,precommit,commit>', "bft/pos/dpos: every node's --bft-timeouts (ms, each 10..600000; local to the nodes, not in the genesis)", bftTimeoutsArg())
    .addOption(new Option('--log-level <level>', "the nodes' --log-level").choices([...LOG_LEVELS]).default('info'))
    .addOption(new Option('--ready-timeout <ms>', 'how long each node may take to answer RPC').argParser(intArg('--ready-timeout', 1000, 600_000)).default(60_000).hideHelp())
    .action(async (flags: TestnetFlags) => {
      try {
        await runTestnet(flags);
      } catch (err) {
        exitWith('testnet', err);
      }
    });
}
