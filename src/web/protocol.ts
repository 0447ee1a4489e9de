/**
 * The work protocol between the browser mining page and a hashlane node (browsers cannot
 * speak TCP Stratum, so the page gets work over a WebSocket).
 *
 * Transport: `hashlane node --web` serves the page (the files under {@link webPageUrl}) over
 * HTTP and accepts WebSocket upgrades at {@link WEB_WS_PATH} on the same host and port. One
 * JSON object per text frame, at most {@link MAX_WEB_MESSAGE} bytes; anything else is a
 * protocol error (the server answers `error` and may close).
 *
 * Conversation:
 *   client -> `hello`            first frame; optional `payTo` key for the coinbase
 *   server -> `welcome`          chain id and tip
 *   server -> `job`              right after `welcome`, on every new tip (`clean: true`) and when
 *                                the template changes (new transactions, `clean: false`)
 *   client -> `getjob`           asks for a fresh job now (e.g. the nonce space ran out)
 *   client -> `submit`           a header that meets the job's target
 *   server -> `result`           the node's verdict on that submit (accepted blocks are
 *                                validated, stored and gossiped like any other block)
 *   client -> `rate`             optional, informational hash rate of this page
 *   server -> `error`            a malformed or out-of-order client frame
 *
 * Byte conventions (DESIGN.md): hex is lowercase. `header` is the 80-byte header in wire order
 * (as hashed). `target` is the 256-bit target as 64 hex digits, big-endian (the number that a
 * hash read little-endian must not exceed, as Bitcoin compares). Block hashes (`tip`, `hash`)
 * are in display order (reversed).
 *
 * The server keeps each job's block body (coinbase + transactions) by `jobId`; a submit only
 * carries the 80-byte header. The client changes only the nonce (bytes 76..80) and may raise
 * the time field (bytes 68..72) to roll further; every other header byte must be the job's.
 * Jobs issued before the last `clean: true` job are stale: their submits are refused with
 * reason `stale`.
 */

export const WEB_PROTOCOL_VERSION = 1;
/** The WebSocket path on the node's web port. */
export const WEB_WS_PATH = '/ws';
/** Largest frame either side accepts, in bytes. */
export const MAX_WEB_MESSAGE = 4096;

/** The page's static files (index.html, app.js, worker, WASM), built by `npm run build`. */
export function webPageUrl(): URL {
  return new URL('./page/', import.meta.url);
}

export interface HelloMessage {
  type: 'hello';
  version: typeof WEB_PROTOCOL_VERSION;
  /** Free text naming the client, e.g. `hashlane-web/0.1.0`. */
  client: string;
  /** 32-byte Ed25519 public key (hex) the coinbase of this connection's jobs pays; default: the node's miner key. */
  payTo?: string;
}

export interface GetJobMessage {
  type: 'getjob';
}

export interface SubmitMessage {
  type: 'submit';
  jobId: string;
  /** The full 80-byte header (hex, wire order) with the winning nonce. */
  header: string;
}

export interface RateMessage {
  type: 'rate';
  /** Hashes per second over the last few seconds, all workers of the page together. */
  hashesPerSecond: number;
}

export type ClientMessage = HelloMessage | GetJobMessage | SubmitMessage | RateMessage;

export interface WelcomeMessage {
  type: 'welcome';
  version: typeof WEB_PROTOCOL_VERSION;
  /** The chain's id (e.g. `hashlane-devnet`). */
  chain: string;
  /** Height and hash (display order) of the node's current tip. */
  height: number;
  tip: string;
}

export interface JobMessage {
  type: 'job';
  /** Opaque, unique per connection for the lifetime of the connection. */
  jobId: string;
  /** Height the block of this job will have. */
  height: number;
  /** 80-byte header template (hex, wire order), nonce 0. */
  header: string;
  /** 64 hex digits, big-endian; equals the target the header's bits encode. */
  target: string;
  /** True when the tip changed: drop all earlier jobs at once. */
  clean: boolean;
}

export interface ResultMessage {
  type: 'result';
  jobId: string;
  accepted: boolean;
  /** The block's hash (display order), when the header parsed. */
  hash?: string;
  /** The block's height, when accepted. */
  height?: number;
  /** Why it was refused: `stale`, `unknown-job`, `high-hash`, `bad-header`, or a consensus reject reason. */
  reason?: string;
}

export interface ErrorMessage {
  type: 'error';
  message: string;
}

export type ServerMessage = WelcomeMessage | JobMessage | ResultMessage | ErrorMessage;

/** A frame that is not valid JSON or not a well-formed message of this protocol. */
export class WebProtocolError extends Error {
  override name = 'WebProtocolError';
}

const HEX = /^(?:[0-9a-f]{2})*$/;

function hexField(m: Record<string, unknown>, key: string, bytes: number | null, optional = false): void {
  const v = m[key];
  if (v === undefined && optional) return;
  if (typeof v !== 'string' || !HEX.test(v) || (bytes !== null && v.length !== 2 * bytes)) {
    throw new WebProtocolError(`${m.type}.${key} must be ${bytes === null ? 'lowercase hex' : `${bytes} bytes of lowercase hex`}, got ${JSON.stringify(v)?.slice(0, 80)}`);
  }
}

function field(m: Record<string, unknown>, key: string, kind: 'string' | 'boolean' | 'count' | 'rate'): void {
  const v = m[key];
  const ok =
    kind === 'string' ? typeof v === 'string' && v.length > 0 && v.length <= 1024
    : kind === 'boolean' ? typeof v === 'boolean'
    : kind === 'count' ? Number.isSafeInteger(v) && (v as number) >= 0
    : typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (!ok) throw new WebProtocolError(`${m.type}.${key} must be ${kind === 'count' ? 'a non-negative integer' : kind === 'rate' ? 'a finite non-negative number' : `a ${kind}`}, got ${JSON.stringify(v)?.slice(0, 80)}`);
}

function parseObject(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string') throw new WebProtocolError('a frame must be a JSON text frame');
  if (text.length > MAX_WEB_MESSAGE) throw new WebProtocolError(`a frame must be at most ${MAX_WEB_MESSAGE} bytes, got ${text.length}`);
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    throw new WebProtocolError('a frame must be one JSON object');
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m) || typeof (m as { type?: unknown }).type !== 'string') {
    throw new WebProtocolError('a frame must be a JSON object with a string "type"');
  }
  return m as Record<string, unknown>;
}

/** Parses and checks one frame from the page (the node's side). Throws WebProtocolError. */
export function parseClientMessage(text: unknown): ClientMessage {
  const m = parseObject(text);
  switch (m.type) {
    case 'hello':
      if (m.version !== WEB_PROTOCOL_VERSION) throw new WebProtocolError(`hello.version must be ${WEB_PROTOCOL_VERSION}, got ${JSON.stringify(m.version)}`);
      field(m, 'client', 'string');
      hexField(m, 'payTo', 32, true);
      break;
    case 'getjob':
      break;
    case 'submit':
      field(m, 'jobId', 'string');
      hexField(m, 'header', 80);
      break;
    case 'rate':
      field(m, 'hashesPerSecond', 'rate');
      break;
    default:
      throw new WebProtocolError(`unknown client message type ${JSON.stringify(m.type).slice(0, 40)}; expected hello, getjob, submit or rate`);
  }
  return m as unknown as ClientMessage;
}

/** Parses and checks one frame from the node (the page's side). Throws WebProtocolError. */
export function parseServerMessage(text: unknown): ServerMessage {
  const m = parseObject(text);
  switch (m.type) {
    case 'welcome':
      if (m.version !== WEB_PROTOCOL_VERSION) throw new WebProtocolError(`welcome.version must be ${WEB_PROTOCOL_VERSION}, got ${JSON.stringify(m.version)}`);
      field(m, 'chain', 'string');
      field(m, 'height', 'count');
      hexField(m, 'tip', 32);
      break;
    case 'job':
      field(m, 'jobId', 'string');
      field(m, 'height', 'count');
      hexField(m, 'header', 80);
      hexField(m, 'target', 32);
      field(m, 'clean', 'boolean');
      break;
    case 'result':
      field(m, 'jobId', 'string');
      field(m, 'accepted', 'boolean');
      hexField(m, 'hash', 32, true);
      if (m.height !== undefined) field(m, 'height', 'count');
      if (m.reason !== undefined) field(m, 'reason', 'string');
      break;
    case 'error':
      field(m, 'message', 'string');
      break;
    default:
      throw new WebProtocolError(`unknown server message type ${JSON.stringify(m.type).slice(0, 40)}; expected welcome, job, result or error`);
  }
  return m as unknown as ServerMessage;
}
