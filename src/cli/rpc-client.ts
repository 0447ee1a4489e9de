// The CLI side of JSON-RPC: finds the node's credentials the way `hashlane node` stores them
// and makes one call. Used by `hashlane rpc` and `hashlane wallet`.
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface RpcClientOptions {
  /** The node's JSON-RPC URL (default http://127.0.0.1:17420/). */
  rpc?: string;
  /** As `hashlane node --data-dir` (default .hashlane) and `--chain` (default devnet): where the cookie is. */
  dataDir?: string;
  chain?: string;
  /** Explicit cookie file (default <dataDir>/<chain>/.cookie). */
  rpcCookieFile?: string;
  /** A configured RPC user; the password from rpcPasswordFile or HASHLANE_RPC_PASSWORD. */
  rpcUser?: string;
  rpcPasswordFile?: string;
}

export const DEFAULT_RPC_URL = 'http://127.0.0.1:17420/';

/** The node answered with a JSON-RPC error object. */
export class RpcCallError extends Error {
  override name = 'RpcCallError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** No answer, no credentials, or an answer that is not JSON-RPC. */
export class RpcClientError extends Error {
  override name = 'RpcClientError';
}

/** Adds the flags rpcCall reads (--data-dir, --chain, --rpc-cookie-file, --rpc-user, --rpc-password-file). */
export function addRpcAuthOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data-dir <dir>', "the node's data directory (where its RPC cookie is)").default('.hashlane'))
    .addOption(new Option('--chain <name>', "the node's chain (the cookie is in <data-dir>/<chain>/.cookie)").default('devnet'))
    .option('--rpc-cookie-file <file>', 'read the RPC cookie from this file instead')
    .option('--rpc-user <name>', 'authenticate as this RPC user instead of the cookie')
    .option('--rpc-password-file <file>', "file with --rpc-user's password (or set HASHLANE_RPC_PASSWORD)");
}

async function credentials(o: RpcClientOptions): Promise<string> {
  if (o.rpcUser !== undefined) {
    let password = process.env.HASHLANE_RPC_PASSWORD;
    if (o.rpcPasswordFile !== undefined) {
      try {
        password = (await readFile(o.rpcPasswordFile, 'utf8')).replace(/\r?\n$/, '');
      } catch (err) {
        throw new RpcClientError(`cannot read --rpc-password-file ${o.rpcPasswordFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    if (!password) throw new RpcClientError(`--rpc-user ${o.rpcUser} has no password; expected --rpc-password-file <file> or HASHLANE_RPC_PASSWORD`);
    return `${o.rpcUser}:${password}`;
  }
  const path = resolve(o.rpcCookieFile ?? join(o.dataDir ?? '.hashlane', o.chain ?? 'devnet', '.cookie'));
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RpcClientError(
      code === 'ENOENT'
        ? `no RPC cookie at ${path}; expected a running node with this --data-dir and --chain, or --rpc-user with --rpc-password-file`
        : `cannot read the RPC cookie ${path}: ${code ?? (err as Error).message}`,
    );
  }
}

/** One JSON-RPC call; resolves the result, throws RpcCallError (the node's error) or RpcClientError. */
export async function rpcCall(o: RpcClientOptions, method: string, params: unknown[] = []): Promise<unknown> {
  const url = o.rpc ?? DEFAULT_RPC_URL;
  const auth = Buffer.from(await credentials(o)).toString('base64');
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${auth}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
  } catch (err) {
    const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
    throw new RpcClientError(`cannot reach the node at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}; expected a running hashlane node`);
  }
  const text = await res.text().catch(() => '');
  type Body = { result?: unknown; error?: { code?: unknown; message?: unknown } | null };
  let body: Body | null = null;
  try {
    body = JSON.parse(text) as Body | null;
  } catch {
    /* reported below */
  }
  if (res.status === 401) throw new RpcClientError(`the node at ${url} refused the credentials (HTTP 401); expected its current cookie or a configured --rpc-user`);
  if (body === null || typeof body !== 'object') throw new RpcClientError(`the node at ${url} answered HTTP ${res.status} without JSON-RPC`);
  if (body.error) throw new RpcCallError(typeof body.error.code === 'number' ? body.error.code : 0, String(body.error.message));
  return body.result ?? null;
}
