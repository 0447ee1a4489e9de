import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { blockHash } from '../chain/block.js';
import { bytesEqual, fromHex, toDisplayHex, toHex } from '../chain/hex.js';
import { completeBlock, type BlockTemplate } from '../chain/template.js';
import { decodeHeader, encodeHeader, hashToBigInt } from '../pow/index.js';
import { MAX_WEB_MESSAGE, parseClientMessage, WEB_PROTOCOL_VERSION, WEB_WS_PATH, webPageUrl, WebProtocolError, type ServerMessage } from '../web/protocol.js';
import type { HashlaneNode } from './node.js';
import { sha256d } from '../hash/index.js';
import { remoteAddress, resolveLimits, Slots, type Limits } from './limits.js';
import { TokenBucket } from './rate.js';
import { hostAllowed } from './rpc-server.js';
import type { Socket } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

interface Conn {
  ws: WebSocket;
  payTo: Uint8Array | null;
  jobs: Map<string, BlockTemplate>;
  seq: number;
  /** Jobs below this sequence number were issued before the last clean job: stale. */
  cleanFrom: number;
  hello: boolean;
  address: string;
  bucket: TokenBucket;
  timer: ReturnType<typeof setTimeout> | null;
}

export interface WebServerOptions {
  host?: string;
  port?: number;
  root?: string;
  /** Origins whose pages may open /ws besides the page's own; "*" allows any. */
  allowOrigins?: string[];
  /** Host names accepted besides IP literals and localhost (DNS rebinding). */
  allowHosts?: string[];
  limits?: Partial<Limits>;
}

/**
 * `hashlane node --web`: serves the browser mining page (src/web, built into
 * dist/web/page) over HTTP and its work protocol (src/web/protocol.ts) over a WebSocket
 * at /ws on the same port. Blocks found in the page go through the same path as any
 * other block: validated, stored and gossiped.
 */
export async function serveWeb(node: HashlaneNode, opts: WebServerOptions = {}): Promise<{ url: string; port: number; connections(): number; close(): Promise<void> }> {
  const root = opts.root ?? fileURLToPath(webPageUrl());
  const L = resolveLimits(opts.limits ?? node.limits);
  const http = createServer(
    { headersTimeout: L.webHeadersTimeoutMs, requestTimeout: L.webRequestTimeoutMs, connectionsCheckingInterval: Math.min(1000, L.webHeadersTimeoutMs), keepAliveTimeout: 5_000 },
    (req, res) => {
      serveStatic(root, req, res).catch(() => res.destroy());
    },
  );
  const httpSlots = new Slots(L.webMaxConnections * 2, L.webMaxPerAddress * 2);
  const wsSlots = new Slots(L.webMaxConnections, L.webMaxPerAddress);
  http.on('connection', (socket: Socket) => {
    const release = httpSlots.take(remoteAddress(socket.remoteAddress));
    if (!release) socket.destroy();
    else socket.once('close', release);
  });
  http.on('clientError', (_err, socket) => socket.destroy());
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WEB_MESSAGE });
  const conns = new Set<Conn>();
  const refuse = (socket: import('node:stream').Duplex, status: string) => {
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    socket.destroy();
  };
  http.on('upgrade', (req, socket, head) => {
    if ((req.url ?? '').split('?')[0] !== WEB_WS_PATH) return refuse(socket, '404 Not Found');
    if (!wsAllowed(req, opts)) return refuse(socket, '403 Forbidden');
    const release = wsSlots.take(remoteAddress(req.socket.remoteAddress));
    if (!release) return refuse(socket, '503 Service Unavailable');
    socket.once('close', release);
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, remoteAddress(req.socket.remoteAddress)));
  });

  const send = (c: Conn, m: ServerMessage) => {
    if (c.ws.readyState !== 1) return;
    c.ws.send(JSON.stringify(m));
    // A page that does not read would make us buffer jobs without end.
    if (c.ws.bufferedAmount > L.webMaxOutBytes) drop(c, `over ${L.webMaxOutBytes} bytes unread`);
  };
  const drop = (c: Conn, reason: string) => {
    if (c.ws.readyState === 3) return;
    node.logger.info(`web: /ws ${c.address} disconnected: ${reason}`);
    c.ws.terminate();
  };
  const arm = (c: Conn) => {
    if (c.timer) clearTimeout(c.timer);
    c.timer = setTimeout(() => drop(c, c.hello ? 'idle' : 'no hello in time'), c.hello ? L.webIdleMs : L.webHandshakeMs);
    c.timer.unref?.();
  };

  const sendJob = (c: Conn, clean: boolean) => {
    let t: BlockTemplate;
    try {
      t = node.template(c.payTo ?? node.minerAddress);
    } catch (err) {
      send(c, { type: 'error', message: `no work: ${(err as Error).message}` });
      return;
    }
    const id = (++c.seq).toString(36);
    if (clean) {
      c.cleanFrom = c.seq;
      c.jobs.clear();
    }
    c.jobs.set(id, t);
    if (c.jobs.size > 32) c.jobs.delete(c.jobs.keys().next().value!);
    send(c, { type: 'job', jobId: id, height: t.height, header: toHex(encodeHeader(t.header)), target: t.target.toString(16).padStart(64, '0'), clean });
  };

  const onTip = () => {
    for (const c of conns) if (c.hello) sendJob(c, true);
  };
  node.on('tip', onTip);

  function onConnection(ws: WebSocket, address: string): void {
    const c: Conn = { ws, address, payTo: null, jobs: new Map(), seq: 0, cleanFrom: 0, hello: false, bucket: new TokenBucket(L.webRate, L.webBurst), timer: null };
    conns.add(c);
    arm(c);
    ws.on('close', () => {
      if (c.timer) clearTimeout(c.timer);
      conns.delete(c);
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      if (!c.bucket.take(1)) return drop(c, `over ${L.webRate} messages per second`);
      arm(c);
      try {
        onMessage(c, data, isBinary);
      } catch (err) {
        send(c, { type: 'error', message: `internal error: ${(err as Error).message}` });
      }
    });
  }

  function onMessage(c: Conn, data: unknown, isBinary: boolean): void {
    let m;
    try {
      if (isBinary) throw new WebProtocolError('binary frames are not part of the protocol');
      m = parseClientMessage(Buffer.from(data as Buffer).toString('utf8'));
    } catch (err) {
      send(c, { type: 'error', message: (err as Error).message });
      return;
    }
    if (m.type !== 'hello' && !c.hello) {
      send(c, { type: 'error', message: `${m.type} before hello` });
      return;
    }
    switch (m.type) {
      case 'hello':
        if (c.hello) {
          send(c, { type: 'error', message: 'second hello' });
          return;
        }
        c.hello = true;
        c.payTo = m.payTo ? fromHex(m.payTo) : null;
        send(c, { type: 'welcome', version: WEB_PROTOCOL_VERSION, chain: node.params.name, height: node.chain.height, tip: toDisplayHex(node.chain.tip.hash) });
        sendJob(c, true);
        return;
      case 'getjob':
        sendJob(c, false);
        return;
      case 'rate':
        return;
      case 'submit':
        onSubmit(c, m.jobId, fromHex(m.header)).catch((err) => send(c, { type: 'result', jobId: m.jobId, accepted: false, reason: `internal error: ${(err as Error).message}` }));
    }
  }

  async function onSubmit(c: Conn, jobId: string, header: Uint8Array): Promise<void> {
    const t = c.jobs.get(jobId);
    const seq = parseInt(jobId, 36);
    if (!t) {
      send(c, { type: 'result', jobId, accepted: false, reason: Number.isFinite(seq) && seq > 0 && seq <= c.seq ? 'stale' : 'unknown-job' });
      return;
    }
    const hash = sha256d(header);
    const display = toDisplayHex(hash);
    const expect = encodeHeader(t.header);
    // Only the time (68..72) and the nonce (76..80) may differ from the job.
    const same = bytesEqual(header.subarray(0, 68), expect.subarray(0, 68)) && bytesEqual(header.subarray(72, 76), expect.subarray(72, 76));
    const h = decodeHeader(header);
    if (!same || h.time < t.header.time) {
      send(c, { type: 'result', jobId, accepted: false, hash: display, reason: 'bad-header' });
      return;
    }
    if (hashToBigInt(hash) > t.target) {
      send(c, { type: 'result', jobId, accepted: false, hash: display, reason: 'high-hash' });
      return;
    }
    const block = completeBlock(t, h);
    const why = await node.submitBlock(block);
    const e = node.chain.getEntry(blockHash(block.header));
    if (why === null) send(c, { type: 'result', jobId, accepted: true, hash: display, height: e?.height ?? t.height });
    else send(c, { type: 'result', jobId, accepted: false, hash: display, reason: why === 'duplicate' ? 'duplicate' : why });
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 17423, opts.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  http.on('error', () => {});
  const port = (http.address() as { port: number }).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}/`,
    port,
    /** Open /ws connections. */
    connections: () => conns.size,
    async close() {
      node.off('tip', onTip);
      for (const c of conns) c.ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

async function serveStatic(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  let path: string;
  try {
    path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: the path is not valid percent-encoded UTF-8\n');
    return;
  }
  if (path.includes('\0')) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: NUL in the path\n');
    return;
  }
  if (path.endsWith('/')) path += 'index.html';
  const file = normalize(join(root, path));
  if (!file.startsWith(normalize(root + sep)) && file !== normalize(root)) {
    res.writeHead(403).end();
    return;
  }
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a file');
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': st.size, 'cache-control': 'no-cache' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path.slice(0, 200)}\n`);
  }
}

/**
 * A browser always sends Origin on a WebSocket: it must be the page's own origin (the Host it
 * asked for) or an allowed one, and Host must not be a DNS name an attacker controls.
 */
function wsAllowed(req: IncomingMessage, opts: WebServerOptions): boolean {
  const host = req.headers.host;
  if (host === undefined || !hostAllowed(host, opts.allowHosts ?? [])) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const allowed = opts.allowOrigins ?? [];
  return allowed.includes('*') || allowed.includes(origin) || origin === `http://${host}`;
}
