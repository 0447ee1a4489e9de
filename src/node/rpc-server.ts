import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { checkParams, type ParamSpec } from './rpc-params.js';
import { RpcError, RpcCode } from './rpc-errors.js';

/** One RPC method: its parameter list (validated before the handler runs) and the handler. */
export interface RpcMethod {
  params: readonly ParamSpec[];
  /** One line for `help`. */
  help: string;
  handler(args: unknown[]): unknown | Promise<unknown>;
}

export interface RpcServerOptions {
  host?: string;
  port?: number;
  /** When set, every request must carry `Authorization: Bearer <token>` (or Basic with it as password). */
  token?: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Largest JSON-RPC batch accepted. */
  maxBatch?: number;
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

/**
 * JSON-RPC 2.0 over HTTP: POST to `/`, single requests and batches, notifications
 * (no `id`) answered with nothing. Errors are error objects, never a crashed process;
 * transport problems (auth, size, verb) also get an HTTP status.
 */
export class RpcServer {
  readonly methods = new Map<string, RpcMethod>();
  private server: Server | null = null;
  private readonly opts: Required<Omit<RpcServerOptions, 'token'>> & { token?: string };

  constructor(opts: RpcServerOptions = {}) {
    this.opts = { host: '127.0.0.1', port: 0, maxBodyBytes: 8 << 20, maxBatch: 1000, ...opts };
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

  register(name: string, method: RpcMethod): void {
    this.methods.set(name, method);
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  async listen(): Promise<number> {
    const server = createServer((req, res) => void this.onHttp(req, res));
    server.keepAliveTimeout = 5_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
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
    if (!method) return respond(reply(id ?? null, new RpcError(RpcCode.METHOD_NOT_FOUND, `method not found: ${req.method}`)));
    try {
      const args = checkParams(req.method, method.params, req.params);
      const result = await method.handler(args);
      return respond({ jsonrpc: '2.0', id: id ?? null, result: result === undefined ? null : result });
    } catch (err) {
      return respond(reply(id ?? null, err));
    }
  }

  private authorized(req: IncomingMessage): boolean {
    const token = this.opts.token;
    if (!token) return true;
    const h = req.headers.authorization ?? '';
    let given = '';
    if (h.startsWith('Bearer ')) given = h.slice(7).trim();
    else if (h.startsWith('Basic ')) {
      const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
      given = decoded.slice(decoded.indexOf(':') + 1);
    }
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown, extra: Record<string, string> = {}) => {
      if (res.headersSent) return;
      const text = body === null ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
      res.end(text);
    };
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/') return send(404, reply(null, new RpcError(RpcCode.INVALID_REQUEST, `no such path ${path}: POST JSON-RPC to /`)));
      if (req.method !== 'POST') {
        return send(405, reply(null, new RpcError(RpcCode.INVALID_REQUEST, `HTTP ${req.method} not allowed: POST JSON-RPC to /`)), { allow: 'POST' });
      }
      if (!this.authorized(req)) {
        return send(401, reply(null, new RpcError(RpcCode.UNAUTHORIZED, 'missing or wrong auth token: send Authorization: Bearer <token>')), {
          'www-authenticate': 'Bearer',
        });
      }
      const body = await readBody(req, this.opts.maxBodyBytes);
      if (body === null) {
        res.setHeader('connection', 'close');
        return send(413, reply(null, new RpcError(RpcCode.INVALID_REQUEST, `request body exceeds ${this.opts.maxBodyBytes} bytes`)));
      }
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
    req.on('error', reject);
  });
}
