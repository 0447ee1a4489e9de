import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { BlockList, isIP, type AddressInfo, type Socket } from 'node:net';
import { remoteAddress, resolveLimits, Slots, type Limits } from './limits.js';
import { TokenBucket } from './rate.js';
import { checkParams, type ParamSpec } from './rpc-params.js';
import { RpcError, RpcCode } from './rpc-errors.js';

/** One RPC method: its parameter list (validated before the handler runs) and the handler. */
export interface RpcMethod {
  params: readonly ParamSpec[];
  /** One line for `help`. */
  help: string;
  handler(args: unknown[]): unknown | Promise<unknown>;
}

export interface RpcCredential {
  user: string;
  password: string;
}

export interface RpcServerOptions {
  host?: string;
  port?: number;
  /**
   * Accepted HTTP Basic credentials besides the cookie. The server always makes a random
   * cookie credential (`__cookie__:<64 hex>`, see `cookie`); there is no way to turn auth off.
   */
  users?: RpcCredential[];
  /** Origins (scheme://host:port) whose requests are accepted; any other Origin header: 403. */
  allowOrigins?: string[];
  /** Host header names accepted besides IP literals and localhost (DNS rebinding). */
  allowHosts?: string[];
  /** Remote addresses or CIDR subnets allowed besides loopback. */
  allowIps?: string[];
  /** Largest request body accepted, in bytes (default: limits.rpcMaxBodyBytes). */
  maxBodyBytes?: number;
  /** Largest JSON-RPC batch accepted. */
  maxBatch?: number;
  limits?: Partial<Limits>;
}

interface Request {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
}

type Response =
  | { jsonrpc: '2.0'; id: unknown; result: unknown }
  | { jsonrpc: '2.0'; id: unknown; error: { code: number; message: string; data?: unknown } };

export const COOKIE_USER = '__cookie__';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * JSON-RPC 2.0 over HTTP: POST to `/`, single requests and batches, notifications
 * (no `id`) answered with nothing. Errors are error objects, never a crashed process;
 * transport problems (auth, size, verb, origin) also get an HTTP status.
 *
 * Security as Bitcoin Core: HTTP Basic with the cookie or a configured user, compared in
 * constant time; only `Content-Type: application/json` (a cross-origin page can send
 * text/plain without a preflight, never application/json); any `Origin` not allowed is
 * refused (CSRF); `Host` must be an IP literal, localhost or an allowed name (DNS
 * rebinding); remote addresses outside loopback and `allowIps` are refused.
 */
export class RpcServer {
  readonly methods = new Map<string, RpcMethod>();
  /** `__cookie__:<64 hex>`: what the node writes to `<datadir>/<chain>/.cookie`. */
  readonly cookie = `${COOKIE_USER}:${randomBytes(32).toString('hex')}`;
  private server: Server | null = null;
  private readonly opts: RpcServerOptions & { maxBodyBytes: number; maxBatch: number };
  private readonly limits: Limits;
  private readonly credentials: Buffer[];
  private readonly allowIps = new BlockList();
  private readonly slots: Slots;
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(opts: RpcServerOptions = {}) {
    this.limits = resolveLimits(opts.limits);
    this.opts = { host: '127.0.0.1', port: 0, maxBatch: 1000, ...opts, maxBodyBytes: opts.maxBodyBytes ?? this.limits.rpcMaxBodyBytes };
    this.credentials = [this.cookie, ...(opts.users ?? []).map((u) => `${u.user}:${u.password}`)].map(digest);
    this.allowIps.addSubnet('127.0.0.0', 8, 'ipv4');
    this.allowIps.addAddress('::1', 'ipv6');
    for (const spec of opts.allowIps ?? []) addAllowed(this.allowIps, spec);
    this.slots = new Slots(this.limits.rpcMaxConnections, this.limits.rpcMaxPerAddress);
    this.register('help', {
      params: [{ name: 'method', type: 'string', optional: true }],
      help: 'help [method] — lists the methods, or describes one',
      handler: ([name]) => {
        if (name === undefined) return [...this.methods.values()].map((m) => m.help).sort().join('\n');
        const m = this.methods.get(name as string);
        if (!m) throw new RpcError(RpcCode.METHOD_NOT_FOUND, `method not found: ${String(name)}`);
        return m.help;
      },
    });
  }

  /** The `Authorization` header value for the cookie (tests and in-process callers). */
  get authorization(): string {
    return `Basic ${Buffer.from(this.cookie).toString('base64')}`;
  }

  register(name: string, method: RpcMethod): void {
    this.methods.set(name, method);
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(): Promise<number> {
    const L = this.limits;
    const server = createServer(
      // Node checks headersTimeout/requestTimeout only every connectionsCheckingInterval.
      { headersTimeout: L.rpcHeadersTimeoutMs, requestTimeout: L.rpcRequestTimeoutMs, connectionsCheckingInterval: Math.min(1000, L.rpcHeadersTimeoutMs), keepAliveTimeout: L.rpcIdleMs },
      (req, res) => {
        this.onHttp(req, res).catch((err) => {
          // onHttp answers every error itself; this only runs if writing the answer failed.
          res.destroy(err as Error);
        });
      },
    );
    server.maxConnections = L.rpcMaxConnections;
    server.on('connection', (socket: Socket) => {
      const addr = remoteAddress(socket.remoteAddress);
      if (!this.allowIps.check(addr, addr.includes(':') ? 'ipv6' : 'ipv4')) {
        socket.destroy();
        return;
      }
      const release = this.slots.take(addr);
      if (!release) {
        socket.destroy();
        return;
      }
      socket.once('close', release);
    });
    server.on('clientError', (err: Error & { code?: string }, socket) => {
      // Malformed HTTP: answer 400 if we can. Timeouts (slowloris) and everything else: drop at
      // once — end() would wait for a FIN the client may never send.
      const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT';
      if (!timeout && socket.writable) socket.write('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      socket.destroy();
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => {});
    return (server.address() as AddressInfo).port;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Open HTTP connections (all addresses). */
  get connectionCount(): number {
    return this.slots.size;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Handles one parsed JSON-RPC payload (a request or a batch); used by HTTP and by tests. */
  async handle(payload: unknown): Promise<Response | Response[] | null> {
    if (Array.isArray(payload)) {
      if (payload.length === 0) return reply(null, new RpcError(RpcCode.INVALID_REQUEST, 'empty batch: expected at least one request'));
      if (payload.length > this.opts.maxBatch) {
        return reply(null, new RpcError(RpcCode.INVALID_REQUEST, `batch of ${payload.length} requests exceeds the limit of ${this.opts.maxBatch}`));
      }
      const out: Response[] = [];
      for (const item of payload) {
        const r = await this.handleOne(item);
        if (r) out.push(r);
      }
      return out.length ? out : null;
    }
    return this.handleOne(payload);
  }

  private async handleOne(raw: unknown): Promise<Response | null> {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return reply(null, new RpcError(RpcCode.INVALID_REQUEST, 'a request must be a JSON object'));
    }
    const req = raw as Request;
    const id = req.id;
    const validId = id === undefined || id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
    if (!validId) return reply(null, new RpcError(RpcCode.INVALID_REQUEST, 'id must be a string, a number or null'));
    const isNotification = !('id' in req);
    const respond = (r: Response): Response | null => (isNotification ? null : r);
    // Bitcoin Core clients send jsonrpc "1.0" or nothing; accept those, reject anything else.
    if (req.jsonrpc !== undefined && req.jsonrpc !== '2.0' && req.jsonrpc !== '1.0') {
      return respond(reply(id ?? null, new RpcError(RpcCode.INVALID_REQUEST, 'jsonrpc must be "2.0"')));
    }
    if (typeof req.method !== 'string') {
      return respond(reply(id ?? null, new RpcError(RpcCode.INVALID_REQUEST, 'method must be a string')));
    }
    const method = this.methods.get(req.method);
    if (!method) return respond(reply(id ?? null, new RpcError(RpcCode.METHOD_NOT_FOUND, `method not found: ${req.method.slice(0, 64)}`)));
    try {
      const args = checkParams(req.method, method.params, req.params);
      const result = await method.handler(args);
      return respond({ jsonrpc: '2.0', id: id ?? null, result: result === undefined ? null : result });
    } catch (err) {
      return respond(reply(id ?? null, err));
    }
  }

  private authorized(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    if (!h.startsWith('Basic ')) return false;
    const given = digest(Buffer.from(h.slice(6).trim(), 'base64').toString('utf8'));
    // Compare against every credential so the time taken does not say which one (or none) matched.
    let ok = false;
    for (const c of this.credentials) ok = timingSafeEqual(given, c) || ok;
    return ok;
  }

  /** Why this request is refused before auth (CSRF, DNS rebinding, content type); null if fine. */
  private refused(req: IncomingMessage): [number, string] | null {
    const origin = req.headers.origin;
    if (origin !== undefined && !(this.opts.allowOrigins ?? []).includes(origin)) {
      return [403, `requests from origin ${origin.slice(0, 100)} are refused; expected no Origin header or one allowed with --rpc-allow-origin`];
    }
    const host = req.headers.host;
    if (host === undefined || !hostAllowed(host, this.opts.allowHosts ?? [])) {
      return [403, `Host ${String(host).slice(0, 100)} is refused; expected an IP address, localhost, or a name allowed with --rpc-allow-host`];
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return [415, `Content-Type ${type || '(none)'} is refused; expected application/json`];
    return null;
  }

  private rateOk(req: IncomingMessage): boolean {
    const addr = remoteAddress(req.socket.remoteAddress);
    let b = this.buckets.get(addr);
    if (!b) {
      if (this.buckets.size > 4096) this.buckets.clear();
      this.buckets.set(addr, (b = new TokenBucket(this.limits.rpcRate, this.limits.rpcBurst)));
    }
    return b.take(1);
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      if (res.headersSent || res.destroyed) return;
      const text = body === null ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
      res.end(text);
    };
    const fail = (status: number, code: number, msg: string, extra: Record<string, string> = {}) => {
      // The body of a refused request is never read: close so it cannot sit in our buffers.
      if (!req.complete) res.setHeader('connection', 'close');
      send(status, reply(null, new RpcError(code, msg)), extra);
    };
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/') return fail(404, RpcCode.INVALID_REQUEST, `no such path ${path!.slice(0, 100)}: POST JSON-RPC to /`);
      if (req.method !== 'POST') return fail(405, RpcCode.INVALID_REQUEST, `HTTP ${req.method} not allowed: POST JSON-RPC to /`, { allow: 'POST' });
      const refused = this.refused(req);
      if (refused) return fail(refused[0], RpcCode.INVALID_REQUEST, refused[1]);
      if (!this.authorized(req)) {
        return fail(401, RpcCode.UNAUTHORIZED, 'missing or wrong credentials: send HTTP Basic auth with the cookie (<datadir>/<chain>/.cookie) or --rpc-user', {
          'www-authenticate': 'Basic realm="jsonrpc"',
        });
      }
      if (!this.rateOk(req)) return fail(429, RpcCode.INVALID_REQUEST, `over ${this.limits.rpcRate} requests per second from this address; slow down`);
      const body = await readBody(req, this.opts.maxBodyBytes);
      if (body === null) return fail(413, RpcCode.INVALID_REQUEST, `request body exceeds ${this.opts.maxBodyBytes} bytes`);
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch (e) {
        return send(200, reply(null, new RpcError(RpcCode.PARSE_ERROR, `parse error: ${(e as Error).message}`)));
      }
      const out = await this.handle(payload);
      if (out === null) {
        res.writeHead(204);
        res.end();
        return;
      }
      send(200, out);
    } catch (err) {
      send(500, reply(null, err));
    }
  }
}

/** IP literals and localhost are safe Host values: a rebinding attack needs a DNS name. */
export function hostAllowed(host: string, names: string[]): boolean {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:]+)(?::[0-9]{1,5})?$/.exec(host);
  if (!m) return false;
  const name = m[1]!.toLowerCase();
  if (name.startsWith('[')) return isIP(name.slice(1, -1)) === 6;
  return isIP(name) === 4 || name === 'localhost' || names.map((n) => n.toLowerCase()).includes(name);
}

function addAllowed(list: BlockList, spec: string): void {
  const [ip, bits] = spec.split('/');
  const family = isIP(ip ?? '');
  if (!family) throw new RpcError(RpcCode.INVALID_PARAMETER, `--rpc-allow-ip: "${spec}" is not an IP address or subnet; expected e.g. 10.0.0.0/8 or 192.168.1.5`);
  const type = family === 6 ? 'ipv6' : 'ipv4';
  if (bits === undefined) list.addAddress(ip!, type);
  else {
    const n = Number(bits);
    if (!/^[0-9]{1,3}$/.test(bits) || n > (family === 6 ? 128 : 32)) throw new RpcError(RpcCode.INVALID_PARAMETER, `--rpc-allow-ip: bad prefix length in "${spec}"`);
    list.addSubnet(ip!, n, type);
  }
}

function reply(id: unknown, err: unknown): Response {
  if (err instanceof RpcError) {
    const e: { code: number; message: string; data?: unknown } = { code: err.code, message: err.message };
    if (err.data !== undefined) e.data = err.data;
    return { jsonrpc: '2.0', id, error: e };
  }
  // A typed error from a lower layer (decode, validation) is the caller's fault; say what it was.
  const e = err as Error;
  const code = e && typeof e === 'object' && 'rpcCode' in e && typeof (e as { rpcCode: unknown }).rpcCode === 'number' ? (e as unknown as { rpcCode: number }).rpcCode : RpcCode.INTERNAL_ERROR;
  return { jsonrpc: '2.0', id, error: { code, message: e instanceof Error ? `${e.name}: ${e.message}` : String(err) } };
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) {
      req.resume();
      resolve(null);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    // An aborted or timed-out upload: nobody is left to answer, but the promise must settle.
    req.on('close', () => {
      if (!req.complete) resolve(null);
    });
    req.on('error', reject);
  });
}
