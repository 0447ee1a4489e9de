// Hostile clients for the hardening tests: raw sockets that never read, raw WebSocket
// frames written by hand (the `ws` client always reads), and the node's memory from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN } from './cli.js';

/** A client-to-server WebSocket text frame (mask key 0: payload bytes unchanged, still a valid masked frame). */
export function wsFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, 0x80 | n]) : n < 65536 ? Buffer.from([0x81, 0x80 | 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), bigLen(n)]);
  return Buffer.concat([head, Buffer.alloc(4), payload]);
}

function bigLen(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** A TCP connection from `localAddress` (any 127.x.y.z works on Linux) that never reads. */
export function deafSocket(port: number, localAddress = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, localAddress });
    s.on('error', () => {});
    s.once('connect', () => {
      s.pause();
      resolve(s);
    });
    s.once('close', () => reject(new Error('closed before connecting')));
  });
}

/** Opens a WebSocket by hand on a socket that then never reads what the server sends. */
export async function deafWebSocket(port: number, path: string, localAddress = '127.0.0.1', headers: Record<string, string> = {}): Promise<Socket> {
  const s = await deafSocket(port, localAddress);
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`);
  return s;
}

/** Writes `chunk` `times` times, respecting the socket's own backpressure; stops when it closes. */
export async function pour(s: Socket, chunk: Buffer, times: number): Promise<number> {
  let sent = 0;
  for (; sent < times && !s.destroyed; sent++) {
    if (!s.write(chunk)) {
      const ok = await new Promise<boolean>((r) => {
        const t = setTimeout(() => r(false), 3000);
        s.once('drain', () => (clearTimeout(t), r(true)));
        s.once('close', () => (clearTimeout(t), r(false)));
      });
      if (!ok) break;
    }
  }
  return sent;
}

/** Resident set size of a process in MB (Linux /proc). */
export function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) / 1024;
}

export interface NodeProcess {
  child: ChildProcess;
  dir: string;
  ports: { p2p: number; rpc: number; stratum: number; web: number };
  authorization: string;
  output(): string;
  stop(): Promise<void>;
}

/** `hashlane node --web` on regtest in a child process, every service on 127.0.0.1 and a free port. */
export async function spawnNode(extra: string[] = []): Promise<NodeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'hashlane-hostile-'));
  const args = [MAIN, 'node', '--chain', 'regtest', '--data-dir', dir, '--bind', '127.0.0.1', '--stratum-bind', '127.0.0.1', '--p2p-port', '0', '--rpc-port', '0', '--stratum-port', '0', '--web', '--web-port', '0', '--no-status', ...extra];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports = await new Promise<NodeProcess['ports']>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`no banner within 20 s:\n${out}`)), 20_000);
      const look = () => {
        const m = /p2p [\d.]+:(\d+), rpc http:\/\/[\d.]+:(\d+)\/, stratum\+tcp:\/\/[\d.]+:(\d+), web http:\/\/[\d.]+:(\d+)\//.exec(out);
        if (m) {
          clearTimeout(timer);
          ok({ p2p: Number(m[1]), rpc: Number(m[2]), stratum: Number(m[3]), web: Number(m[4]) });
        }
      };
      child.stdout!.on('data', look);
      child.once('exit', (code) => fail(new Error(`node exited with ${code}:\n${out}`)));
    });
    const cookie = readFileSync(join(dir, 'regtest', '.cookie'), 'utf8');
    return { child, dir, ports, authorization: `Basic ${Buffer.from(cookie).toString('base64')}`, output: () => out, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** One line-delimited JSON Stratum exchange on a fresh connection: the first answer to `line`. */
export function stratumAsk(port: number, lines: string[], wantId: number, ms = 5000): Promise<any> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let buf = '';
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`no Stratum answer with id ${wantId} within ${ms} ms`));
    }, ms);
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on('data', (d) => {
      buf += d;
      for (const l of buf.split('\n').slice(0, -1)) {
        const m = JSON.parse(l);
        if (m.id === wantId) {
          clearTimeout(t);
          s.destroy();
          resolve(m);
        }
      }
    });
    s.write(lines.map((l) => l + '\n').join(''));
  });
}
