// The genesis file of a bft chain: what `hashlane genesis` writes and `hashlane node
// --genesis F` reads, so that every organisation of a consortium starts the same chain.
//
//   { "chain": "consortium-devnet", "chainId": <u32>, "genesisTime": <unix s>,
//     "validators": [{ "name": "org-a", "publicKey": "<hex32>", "power": "1" }],
//     "sendAllowlist": ["<hex32>"],                        (optional)
//     "premine": [{ "publicKey": "<hex32>", "amount": "<base units>" }] }   (optional)
//
// For pos-devnet / dpos-devnet a validator's power is its genesis self-stake (staking) or
// self-vote (dpos) in units of the preset's genesisStakePerPower; the premine funds
// accounts that stake, delegate or vote once the chain runs.
//
// Everything else comes from the named preset. The file is input from elsewhere: every
// field is checked (DecodeError naming the field), unknown fields are refused, and the
// result goes through defineParams (ChainError 'bad-params' for duplicate keys, powers the
// set module does not allow, ...).
import { DecodeError } from './errors.js';
import { fromHex, toHex } from './hex.js';
import { bftDevnetParams, consortiumDevnetParams, defineParams, dposDevnetParams, MAX_MONEY, posDevnetParams, type ChainParams, type GenesisValidator, type PremineAllocation } from './params.js';

/** Presets a genesis file may name (issue 16 adds pos-devnet / dpos-devnet here). */
export const genesisPresets: Readonly<Record<string, ChainParams>> = {
  'consortium-devnet': consortiumDevnetParams,
  'bft-devnet': bftDevnetParams,
  'pos-devnet': posDevnetParams,
  'dpos-devnet': dposDevnetParams,
};

export interface GenesisFile {
  chain: string;
  chainId: number;
  genesisTime: number;
  validators: { name?: string; publicKey: string; power: string }[];
  sendAllowlist?: string[];
  premine?: { publicKey: string; amount: string }[];
}

/** Largest genesis file text accepted. */
export const MAX_GENESIS_JSON = 1 << 20;
const FIELDS = ['chain', 'chainId', 'genesisTime', 'validators', 'sendAllowlist', 'premine'];
const VALIDATOR_FIELDS = ['name', 'publicKey', 'power'];
const PREMINE_FIELDS = ['publicKey', 'amount'];
/** Most premine allocations a genesis file may list (each is a genesis transaction). */
export const MAX_GENESIS_PREMINE = 4096;

const bad = (message: string): never => {
  throw new DecodeError('decode-bad-genesis', `genesis file: ${message}`);
};

function key(v: unknown, field: string): Uint8Array {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) bad(`${field} must be a 32-byte Ed25519 public key as 64 hex digits, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return fromHex(v as string);
}

function object(v: unknown, field: string, allowed: string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(`${field} must be an object`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${field} has an unknown field ${JSON.stringify(k).slice(0, 40)} (allowed: ${allowed.join(', ')})`);
  return o;
}

/** Checked params from a genesis file (its parsed JSON, or its text). */
export function paramsFromGenesisJson(json: unknown): ChainParams {
  if (typeof json === 'string') {
    if (json.length > MAX_GENESIS_JSON) bad(`the text is ${json.length} bytes, at most ${MAX_GENESIS_JSON}`);
    try {
      json = JSON.parse(json);
    } catch (e) {
      bad(`not JSON (${(e as Error).message})`);
    }
  }
  const o = object(json, 'the top level', FIELDS);
  const chain = o.chain;
  if (typeof chain !== 'string' || !Object.hasOwn(genesisPresets, chain)) bad(`chain must name a preset (${Object.keys(genesisPresets).join(', ')}), got ${JSON.stringify(chain)?.slice(0, 40)}`);
  const preset = genesisPresets[chain as string];
  if (!Number.isInteger(o.chainId) || (o.chainId as number) < 0 || (o.chainId as number) > 0xffffffff) bad(`chainId must be an integer in [0, 2^32), got ${JSON.stringify(o.chainId)?.slice(0, 40)}`);
  if (!Number.isInteger(o.genesisTime) || (o.genesisTime as number) < 0 || (o.genesisTime as number) > 0xffffffff) bad(`genesisTime must be Unix seconds in [0, 2^32), got ${JSON.stringify(o.genesisTime)?.slice(0, 40)}`);
  if (!Array.isArray(o.validators) || o.validators.length === 0 || o.validators.length > 1024) bad('validators must be an array of 1 to 1024 entries');
  const validators: GenesisValidator[] = (o.validators as unknown[]).map((v, i) => {
    const e = object(v, `validators[${i}]`, VALIDATOR_FIELDS);
    if (typeof e.power !== 'string' || !/^[1-9][0-9]{0,18}$/.test(e.power)) bad(`validators[${i}].power must be a positive decimal string, got ${JSON.stringify(e.power)?.slice(0, 40)}`);
    if (e.name !== undefined && (typeof e.name !== 'string' || e.name.length > 64)) bad(`validators[${i}].name must be a string of at most 64 characters`);
    const out: GenesisValidator = { publicKey: key(e.publicKey, `validators[${i}].publicKey`), power: BigInt(e.power as string) };
    if (e.name !== undefined) out.name = e.name as string;
    return out;
  });
  let sendAllowlist: Uint8Array[] | undefined;
  if (o.sendAllowlist !== undefined) {
    if (!Array.isArray(o.sendAllowlist) || o.sendAllowlist.length > 4096) bad('sendAllowlist must be an array of at most 4096 keys');
    sendAllowlist = (o.sendAllowlist as unknown[]).map((k, i) => key(k, `sendAllowlist[${i}]`));
  }
  let premine: PremineAllocation[] | undefined;
  if (o.premine !== undefined) {
    if (!Array.isArray(o.premine) || o.premine.length > MAX_GENESIS_PREMINE) bad(`premine must be an array of at most ${MAX_GENESIS_PREMINE} allocations`);
    premine = (o.premine as unknown[]).map((v, i) => {
      const e = object(v, `premine[${i}]`, PREMINE_FIELDS);
      if (typeof e.amount !== 'string' || !/^[1-9][0-9]{0,19}$/.test(e.amount) || BigInt(e.amount) > MAX_MONEY) bad(`premine[${i}].amount must be a positive decimal string of base units below 2^64, got ${JSON.stringify(e.amount)?.slice(0, 40)}`);
      return { publicKey: key(e.publicKey, `premine[${i}].publicKey`), amount: BigInt(e.amount as string) };
    });
  }
  return defineParams(preset, { chainId: o.chainId as number, genesisTime: o.genesisTime as number, validators, ...(sendAllowlist ? { sendAllowlist } : {}), ...(premine ? { premine } : {}) });
}

/** The genesis file of `params` (a bft chain built from a preset). */
export function genesisJson(params: ChainParams): GenesisFile {
  if (!Object.hasOwn(genesisPresets, params.name)) bad(`params name ${JSON.stringify(params.name)} is not a preset a genesis file can name (${Object.keys(genesisPresets).join(', ')})`);
  if (params.consensus !== 'bft' || !params.validators?.length) bad('only a bft chain with its validators has a genesis file');
  const out: GenesisFile = {
    chain: params.name,
    chainId: params.chainId,
    genesisTime: params.genesisTime,
    validators: params.validators!.map((v) => ({ ...(v.name !== undefined ? { name: v.name } : {}), publicKey: toHex(v.publicKey), power: v.power.toString() })),
  };
  if (params.sendAllowlist) out.sendAllowlist = params.sendAllowlist.map(toHex);
  if (params.premine.length) out.premine = params.premine.map((a) => ({ publicKey: toHex(a.publicKey), amount: a.amount.toString() }));
  return out;
}
