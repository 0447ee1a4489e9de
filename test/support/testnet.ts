// Runs `hashlane testnet` as a user would (ephemeral ports), and talks to its nodes over RPC:
// kill one (by the pid it printed), restart it with the arguments it wrote into testnet.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestnetNode } from '../../dist/cli/testnet.js';
import { MAIN, startCli, type RunningCli } from './cli.js';

/** One JSON line of `hashlane testnet` (what it also keeps in testnet.json, less the restart arguments). */
export type NodeLine = Omit<TestnetNode, 'args' | 'log'>;

/** One JSON-RPC call with the cookie a node wrote; throws on a JSON-RPC error (message and code) or no answer. */
export async function cookieCall(rpc: string, cookie: string, method: string, params: unknown[] = [], what = rpc): Promise<any> {
  const auth = Buffer.from(readFileSync(cookie, 'utf8').trim()).toString('base64');
  const res = await fetch(rpc, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${auth}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
  if (body.error) throw Object.assign(new Error(`${method} on ${what}: ${body.error.message}`), { code: body.error.code });
  return body.result;
}

export interface Testnet {
  dir: string;
  cli: RunningCli;
  nodes: NodeLine[];
  /** One RPC call on node i; throws on a JSON-RPC error (message and code) or no answer. */
  call(i: number, method: string, params?: unknown[]): Promise<any>;
  /** call() that resolves null instead of throwing (a node that is down). */
  tryCall(i: number, method: string, params?: unknown[]): Promise<any>;
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts node i again (after kill) with the arguments the testnet used; resolves once its RPC answers. */
  restart(i: number): Promise<void>;
  /** Stops the testnet and every node it or restart() started; removes the data dir unless `keepDir`. */
  stop(keepDir?: boolean): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const gone = new Promise((ok) => c.once('exit', ok));
  c.kill('SIGINT');
  const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(t);
}

export async function until<T>(what: string, probe: () => Promise<T | null | false | undefined> | T | null | false | undefined, ms = 60_000, every = 200): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(every);
  }
}

export async function startTestnet(args: string[], opts: { nodes: number; dir?: string; readyMs?: number }): Promise<Testnet> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'hashlane-testnet-'));
  // Ephemeral ports and a temporary data dir, in place of whatever the arguments say.
  const given = [...args];
  for (const [flag, value] of [['--data-dir', dir], ['--base-port', '0'], ['--nodes', String(opts.nodes)]] as const) {
    const at = given.indexOf(flag);
    if (at >= 0) given.splice(at, 2, flag, value);
    else given.push(flag, value);
  }
  const cli = startCli(['testnet', ...given]);
  const extra: ChildProcess[] = [];
  const lines = new RegExp(`(?:^\\{"node":.*\\n){${opts.nodes}}`, 'm');
  let nodes: NodeLine[];
  try {
    const m = await cli.waitFor(lines, opts.readyMs ?? 90_000);
    nodes = m[0].trim().split('\n').map((l) => JSON.parse(l) as NodeLine);
  } catch (err) {
    await cli.stop('SIGINT');
    throw err;
  }
  const pids = nodes.map((n) => n.pid);
  const call = (i: number, method: string, params: unknown[] = []) => cookieCall(nodes[i]!.rpc, nodes[i]!.cookie, method, params, `node ${i}`);
  const net: Testnet = {
    dir,
    cli,
    nodes,
    call,
    tryCall: (i, method, params) => call(i, method, params).catch(() => null),
    async kill(i, signal = 'SIGKILL') {
      const pid = pids[i]!;
      if (!alive(pid)) return;
      process.kill(pid, signal);
      await until(`node ${i} (pid ${pid}) to exit`, () => !alive(pid), 20_000, 50);
    },
    async restart(i) {
      const saved = JSON.parse(readFileSync(join(dir, 'testnet.json'), 'utf8')) as { nodes: { args: string[] }[] };
      // Appends to the node's log as the testnet's own child did, so the log is its whole life.
      const fd = openSync(join(dir, `node-${i}`, 'node.log'), 'a');
      const child = spawn(process.execPath, [MAIN, ...saved.nodes[i]!.args], { stdio: ['ignore', fd, fd] });
      closeSync(fd);
      pids[i] = child.pid!;
      extra.push(child);
      await until(`node ${i} RPC after restart`, () => net.tryCall(i, 'getblockcount').then((h) => h !== null), 90_000);
    },
    async stop(keepDir = false) {
      await cli.stop('SIGINT', 30_000);
      await Promise.all(extra.map((c) => stopChild(c)));
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  return net;
}

/** getblockchaininfo of every node that answers (null for one that is down). */
export async function chainInfos(net: Testnet, which = net.nodes.map((n) => n.node)): Promise<({ blocks: number; finalized: number; finalizedhash: string; bestblockhash: string; consensus: string } | null)[]> {
  return Promise.all(which.map((i) => net.tryCall(i, 'getblockchaininfo')));
}

/** Waits until every listed node has finalized at least `height`; returns their infos. */
export async function finalizedAll(net: Testnet, height: number, which = net.nodes.map((n) => n.node), ms = 60_000) {
  return until(`nodes ${which.join(',')} to finalize height ${height}`, async () => {
    const infos = await chainInfos(net, which);
    return infos.every((x) => x && x.finalized >= height) ? infos : null;
  }, ms);
}

/**
 * The block hashes 1..upTo of each listed node; throws when two nodes differ at any height
 * (a fork of the finalized prefix), naming it.
 */
export async function samePrefix(net: Testnet, upTo: number, which = net.nodes.map((n) => n.node)): Promise<string[]> {
  const chains = await Promise.all(which.map(async (i) => Promise.all(Array.from({ length: upTo }, (_, h) => net.call(i, 'getblockhash', [h + 1]) as Promise<string>))));
  for (let h = 0; h < upTo; h++) {
    const hs = new Set(chains.map((c) => c[h]));
    if (hs.size !== 1) throw new Error(`nodes ${which.join(',')} disagree at height ${h + 1}: ${[...hs].join(' vs ')}`);
  }
  return chains[0]!;
}
