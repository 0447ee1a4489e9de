// hashlane mine: a given header and target on every core, or a Stratum V1 pool.
import type { Command } from 'commander';
import { ready } from '../engine/loader.js';
import { defaultThreads } from '../engine/workers.js';
import { bitsToTarget } from '../pow/compact.js';
import { hexToBytes, toDisplayHex, bytesToHex } from '../pow/display.js';
import { headerBits } from '../pow/header.js';
import { mine } from '../pow/miner.js';
import { StratumClient, parseStratumUrl } from '../pow/stratum.js';
import { LogLines, StatusLine, UsageError, elapsed, exitWith, rate } from './format.js';
import { tcpTransport } from './stratum-tcp.js';

interface MineFlags {
  header?: string;
  target?: string;
  bits?: string;
  start?: string;
  url?: string;
  user?: string;
  pass?: string;
  threads?: string;
  status?: boolean;
}

export function register(program: Command): void {
  program
    .command('mine')
    .description('mine an 80-byte header against a target, or a Stratum V1 pool, on every core')
    .option('--header <hex>', '80-byte block header, 160 hex digits in wire order (its nonce is ignored)')
    .option('--target <hex>', 'target as a big-endian hex number (up to 64 digits)')
    .option('--bits <hex>', 'compact target, 8 hex digits (default: the header\'s bits)')
    .option('--start <nonce>', 'first nonce to try (default 0)')
    .option('-o, --url <url>', 'pool URL, stratum+tcp://host:port')
    .option('-u, --user <user>', 'pool user (worker name)')
    .option('-p, --pass <pass>', 'pool password', 'x')
    .option('-t, --threads <n>', 'worker threads (default: all cores)')
    .option('--no-status', 'no live status line')
    .addHelpText(
      'after',
      '\nExamples:\n  hashlane mine --header 0100…7c2bac1d --bits 1d00ffff\n  hashlane mine -o stratum+tcp://127.0.0.1:3333 -u worker.1 -p x -t 2',
    )
    .action(async (flags: MineFlags) => {
      try {
        await run(flags);
      } catch (err) {
        exitWith('mine', err);
      }
    });
}

function parseThreads(s: string | undefined, cores: number): number {
  if (s === undefined) return cores;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new UsageError(`--threads must be a positive integer, got ${JSON.stringify(s)}`);
  return n;
}

async function run(flags: MineFlags): Promise<void> {
  const threads = parseThreads(flags.threads, await defaultThreads());
  if (flags.url !== undefined) {
    if (flags.header !== undefined) throw new UsageError('give either --header (solo) or -o (pool), not both');
    if (!flags.user) throw new UsageError('-o needs a pool user: -u <user>');
    try {
      parseStratumUrl(flags.url);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    await ready();
    return pool(flags, threads);
  }
  if (flags.header === undefined) throw new UsageError('nothing to mine: give --header <hex> (with --target or --bits) or -o stratum+tcp://host:port -u <user>');
  if (flags.target !== undefined && flags.bits !== undefined) throw new UsageError('give --target or --bits, not both');
  let header: Uint8Array;
  try {
    header = hexToBytes(flags.header.trim(), '--header');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (header.length !== 80) throw new UsageError(`--header must be 80 bytes (160 hex digits), got ${header.length} bytes`);
  let target: bigint;
  if (flags.target !== undefined) {
    if (!/^(0x)?[0-9a-fA-F]{1,64}$/.test(flags.target)) throw new UsageError(`--target must be up to 64 hex digits, got ${JSON.stringify(flags.target)}`);
    target = BigInt('0x' + flags.target.replace(/^0x/, ''));
  } else {
    let bits: number;
    if (flags.bits !== undefined) {
      if (!/^(0x)?[0-9a-fA-F]{1,8}$/.test(flags.bits)) throw new UsageError(`--bits must be up to 8 hex digits, got ${JSON.stringify(flags.bits)}`);
      bits = parseInt(flags.bits.replace(/^0x/, ''), 16);
    } else bits = headerBits(header);
    try {
      target = bitsToTarget(bits);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  const start = flags.start === undefined ? 0 : Number(flags.start);
  if (!Number.isInteger(start) || start < 0 || start >= 2 ** 32) throw new UsageError(`--start must be a nonce in [0, 2^32), got ${JSON.stringify(flags.start)}`);

  await ready();
  const ac = new AbortController();
  const status = new StatusLine();
  const began = Date.now();
  const onSig = () => ac.abort(new Error('stopped by signal'));
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  process.stderr.write(`mining on ${threads} thread${threads > 1 ? 's' : ''}, target ${target.toString(16).padStart(64, '0')}\n`);
  try {
    const found = await mine(header, target, {
      threads,
      signal: ac.signal,
      startNonce: start,
      onProgress: flags.status === false
        ? undefined
        : (p) =>
            status.update(
              `${elapsed(p.elapsedMs)}  ${rate(p.hashesPerSecond)} total  [${p.perThread.map(rate).join(', ')}]  ${(p.hashes / 1e6).toFixed(1)} M hashes`,
            ),
    });
    status.done();
    if (!found) {
      process.stderr.write(`no nonce in [${start}, 2^32) meets the target (${elapsed(Date.now() - began)})\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write(
      JSON.stringify({ nonce: found.nonce, hash: toDisplayHex(found.hash), header: bytesToHex(found.header) }, null, 2) + '\n',
    );
  } catch (err) {
    status.done();
    if (ac.signal.aborted) {
      process.stderr.write(`stopped after ${elapsed(Date.now() - began)}\n`);
      process.exitCode = 130;
      return;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

async function pool(flags: MineFlags, threads: number): Promise<void> {
  const status = new StatusLine();
  const began = Date.now();
  const show = flags.status !== false;
  const stamp = () => new Date().toISOString().slice(11, 19);
  const logs = new LogLines((line) => process.stderr.write(`${stamp()} ${line}\n`), status);
  const client = new StratumClient({
    url: flags.url!,
    user: flags.user!,
    pass: flags.pass,
    transport: tcpTransport,
    threads,
    onStatus: (s) => {
      if (!show) return;
      status.update(
        `${elapsed(Date.now() - began)}  ${rate(s.hashesPerSecond)} total  [${s.perThread.map(rate).join(', ')}]  ` +
          `shares ${s.accepted} accepted / ${s.rejected} rejected  diff ${s.difficulty}  ${s.connected ? `job ${s.jobId ?? '-'}` : 'disconnected'}`,
      );
    },
    onLog: (line) => logs.line(line),
    onShare: (s) => logs.line(`share job ${s.jobId} nonce ${s.nonce} diff ${s.difficulty >= 10 ? s.difficulty.toFixed(0) : s.difficulty.toPrecision(3)}: ${s.accepted ? 'accepted' : 'rejected'}`),
  });
  let signals = 0;
  const onSig = () => {
    if (++signals > 1) process.exit(130);
    void client.stop();
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  await client.start();
  status.done();
  process.off('SIGINT', onSig);
  process.off('SIGTERM', onSig);
  const s = client.stats;
  process.stderr.write(`stopped after ${elapsed(Date.now() - began)}: ${s.accepted} accepted, ${s.rejected} rejected\n`);
  if (signals) process.exitCode = 130;
}
