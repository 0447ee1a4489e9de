/**
 * The peer protocol: one JSON object per WebSocket text frame, `t` naming the message.
 * Hashes are hex in internal byte order (not display order); blocks, transactions and
 * headers are hex of their canonical encodings. Every field is checked here, so the
 * code behind `parseMessage` only ever sees well-formed messages.
 */
export const PROTOCOL_VERSION = 1;
export const MAX_INV = 1000;
export const MAX_HEADERS = 2000;
export const MAX_LOCATOR = 64;

export type InvKind = 'block' | 'tx';

export interface Hello {
  t: 'hello';
  version: number;
  chainId: string;
  /** Genesis block hash, internal order hex. */
  genesis: string;
  height: number;
  /** Cumulative chain work as a hex number. */
  work: string;
  agent: string;
  /** The port this peer accepts connections on (0: none), for reconnecting to it. */
  listenPort: number;
  /** Random per process; a hello carrying our own nonce is a connection to ourselves. */
  nonce: string;
}

export type Message =
  | Hello
  | { t: 'ping'; n: number }
  | { t: 'pong'; n: number }
  | { t: 'inv'; kind: InvKind; hashes: string[] }
  | { t: 'getdata'; kind: InvKind; hashes: string[] }
  | { t: 'notfound'; kind: InvKind; hashes: string[] }
  | { t: 'block'; data: string }
  | { t: 'tx'; data: string }
  | { t: 'getheaders'; locator: string[] }
  | { t: 'headers'; headers: string[] }
  | { t: 'getmempool' };

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

const HASH = /^[0-9a-f]{64}$/;
const HEADER = /^[0-9a-f]{160}$/;
const HEXDATA = /^(?:[0-9a-f]{2})+$/;

function need(cond: boolean, what: string): asserts cond {
  if (!cond) throw new ProtocolError(what);
}

function hashList(v: unknown, max: number, what: string): string[] {
  need(Array.isArray(v) && v.length <= max, `${what} must be an array of at most ${max} hashes`);
  for (const h of v as unknown[]) need(typeof h === 'string' && HASH.test(h), `${what} must hold 64-digit lowercase hex hashes`);
  return v as string[];
}

const kinds: readonly string[] = ['block', 'tx'];

/** Parses and checks one frame; throws ProtocolError on anything malformed. */
export function parseMessage(text: string): Message {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ProtocolError('frame is not JSON');
  }
  need(m !== null && typeof m === 'object' && !Array.isArray(m), 'frame must be a JSON object');
  switch (m.t) {
    case 'hello':
      need(Number.isSafeInteger(m.version) && (m.version as number) >= 1, 'hello.version must be a positive integer');
      need(typeof m.chainId === 'string' && (m.chainId as string).length <= 64, 'hello.chainId must be a short string');
      need(typeof m.genesis === 'string' && HASH.test(m.genesis as string), 'hello.genesis must be a 64-digit hex hash');
      need(Number.isSafeInteger(m.height) && (m.height as number) >= 0, 'hello.height must be a non-negative integer');
      need(typeof m.work === 'string' && /^[0-9a-f]{1,80}$/.test(m.work as string), 'hello.work must be hex');
      need(typeof m.agent === 'string' && (m.agent as string).length <= 128, 'hello.agent must be a short string');
      need(Number.isSafeInteger(m.listenPort) && (m.listenPort as number) >= 0 && (m.listenPort as number) <= 65535, 'hello.listenPort must be 0..65535');
      need(typeof m.nonce === 'string' && /^[0-9a-f]{16}$/.test(m.nonce as string), 'hello.nonce must be 16 hex digits');
      return m as unknown as Hello;
    case 'ping':
    case 'pong':
      need(Number.isSafeInteger(m.n), `${m.t}.n must be an integer`);
      return { t: m.t, n: m.n as number };
    case 'inv':
    case 'getdata':
    case 'notfound':
      need(typeof m.kind === 'string' && kinds.includes(m.kind), `${m.t}.kind must be "block" or "tx"`);
      return { t: m.t, kind: m.kind as InvKind, hashes: hashList(m.hashes, MAX_INV, `${m.t}.hashes`) };
    case 'block':
    case 'tx':
      need(typeof m.data === 'string' && HEXDATA.test(m.data as string), `${m.t}.data must be non-empty lowercase hex`);
      return { t: m.t, data: m.data as string };
    case 'getheaders':
      return { t: 'getheaders', locator: hashList(m.locator, MAX_LOCATOR, 'getheaders.locator') };
    case 'headers': {
      const hs = m.headers;
      need(Array.isArray(hs) && hs.length <= MAX_HEADERS, `headers.headers must be an array of at most ${MAX_HEADERS}`);
      for (const h of hs as unknown[]) need(typeof h === 'string' && HEADER.test(h), 'headers.headers must hold 80-byte hex headers');
      return { t: 'headers', headers: hs as string[] };
    }
    case 'getmempool':
      return { t: 'getmempool' };
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(m.t)?.slice(0, 32)}`);
  }
}
