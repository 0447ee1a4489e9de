// The assets module: tokens issued on the chain (stablecoins, vouchers), next to the native
// coin that keeps paying every fee. An issuer chooses at issue time which powers it keeps
// (mint, burn, freeze) and an optional max supply; nobody can grant them later, so holders
// can read from `getasset` what the issuer may ever do.
//
// State (namespace "assets"):
//   i/<asset id 32>            -> asset record (see encodeAsset)
//   b/<asset id 32><account 32> -> balance u64 (absent when 0)
//   f/<asset id 32><account 32> -> 0x01 while frozen
//   n                          -> number of assets u32; l/<index u32 BE> -> asset id (listassets)
// The asset id is sha256("hashlane/asset\0" | issuer | issue nonce u64 LE): known before
// the issue transaction is mined, and never the same for two issues.
//
// Failures that depend on the state (no such asset, frozen, not enough balance, a power the
// issuer did not keep) do not invalidate the block: the mempool checks only what a
// transaction says, so a block must be able to carry a transaction that fails. Such a
// transaction pays its fee, changes nothing else, and its receipt says why (outcome()).
import { sha256 } from '../../../hash/index.js';
import { Reader, U64_MAX, Writer } from '../../codec.js';
import { DecodeError, ValidationError } from '../../errors.js';
import { binKey, bytesEqual, fromHex, toHex } from '../../hex.js';
import { formatAmount } from '../../amount.js';
import type { ChainModule, KindSpec, ModuleContext, ModuleStore, StateQuery } from '../../module.js';
import type { Transaction } from '../../tx.js';

export const AssetKind = { Issue: 0x30, Mint: 0x31, Burn: 0x32, Freeze: 0x33, Unfreeze: 0x34, Transfer: 0x35 } as const;

/** Issuer powers chosen at issue (bit flags of the issue body). */
export const Power = { Mint: 1, Burn: 2, Freeze: 4 } as const;
const ALL_POWERS = Power.Mint | Power.Burn | Power.Freeze;

export const MAX_SYMBOL = 12;
export const MAX_NAME = 64;
export const MAX_ASSET_DECIMALS = 18;
const SYMBOL_RE = /^[A-Z][A-Z0-9]{0,11}$/;

export interface AssetIssueBody {
  symbol: string;
  name: string;
  decimals: number;
  /** 0: no cap. */
  maxSupply: bigint;
  powers: number;
  /** Units created at issue, paid to the issuer (a fixed-supply asset has only these). */
  initialSupply: bigint;
}
export interface AssetAmountBody {
  asset: Uint8Array;
  /** Recipient (mint, transfer); ignored by burn, which burns from the issuer's balance. */
  to: Uint8Array;
  amount: bigint;
}
export interface AssetAccountBody {
  asset: Uint8Array;
  account: Uint8Array;
}

export interface Asset {
  id: Uint8Array;
  issuer: Uint8Array;
  symbol: string;
  name: string;
  decimals: number;
  maxSupply: bigint;
  powers: number;
  /** Units in existence: minted (initial supply included) minus burned. */
  supply: bigint;
  minted: bigint;
  burned: bigint;
  issuedAt: number;
}

/** What other modules may do with assets (the HTLC module escrows through it). */
export interface AssetsKeeper {
  asset(id: Uint8Array): Asset | undefined;
  balance(id: Uint8Array, account: Uint8Array): bigint;
  frozen(id: Uint8Array, account: Uint8Array): boolean;
  /** Moves units; throws ValidationError (unknown asset, frozen sender, insufficient balance). */
  transfer(id: Uint8Array, from: Uint8Array, to: Uint8Array, amount: bigint): void;
}

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ID_DOMAIN = te.encode('hashlane/asset\0');

export function assetId(issuer: Uint8Array, nonce: number): Uint8Array {
  const w = new Writer(64).raw(ID_DOMAIN).fixed(issuer, 32, 'issuer').u64(BigInt(nonce), 'nonce');
  return sha256(w.finish());
}

const fail = (reason: string, message: string): never => {
  throw new ValidationError(reason, message);
};

// Receipt data: 0x00 | text when the body took effect, 0x01 | "reason: message" when it
// failed on the state (fee paid, nothing else changed).
export function outcome(ctx: ModuleContext, fn: () => string): Uint8Array {
  try {
    return new Uint8Array([0, ...te.encode(ctx.frame(fn))]);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return new Uint8Array([1, ...te.encode(`${e.reason}: ${e.message}`)]);
  }
}

/** Decodes receipt data written by outcome(): { ok, text }. */
export function readOutcome(data: Uint8Array): { ok: boolean; text: string } {
  return { ok: data[0] === 0, text: new TextDecoder().decode(data.subarray(1)) };
}

const sk = (prefix: string, ...parts: Uint8Array[]) => prefix + parts.map(binKey).join('');

export function encodeAsset(a: Asset): Uint8Array {
  return new Writer(200)
    .fixed(a.issuer, 32, 'asset.issuer')
    .u8(a.decimals, 'asset.decimals')
    .u8(a.powers, 'asset.powers')
    .u64(a.maxSupply, 'asset.maxSupply')
    .u64(a.supply, 'asset.supply')
    .u64(a.minted, 'asset.minted')
    .u64(a.burned, 'asset.burned')
    .u32(a.issuedAt, 'asset.issuedAt')
    .varbytes(te.encode(a.symbol), MAX_SYMBOL, 'asset.symbol')
    .varbytes(te.encode(a.name), MAX_NAME * 4, 'asset.name')
    .finish();
}

export function decodeAsset(id: Uint8Array, bytes: Uint8Array): Asset {
  const r = new Reader(bytes, 'asset');
  const a: Asset = {
    id,
    issuer: r.fixed(32, 'asset.issuer'),
    decimals: r.u8('asset.decimals'),
    powers: r.u8('asset.powers'),
    maxSupply: r.u64('asset.maxSupply'),
    supply: r.u64('asset.supply'),
    minted: r.u64('asset.minted'),
    burned: r.u64('asset.burned'),
    issuedAt: r.u32('asset.issuedAt'),
    symbol: td.decode(r.varbytes('asset.symbol', MAX_SYMBOL)),
    name: td.decode(r.varbytes('asset.name', MAX_NAME * 4)),
  };
  r.end();
  return a;
}

function u64(v: Uint8Array | undefined): bigint {
  if (!v) return 0n;
  const r = new Reader(v, 'balance');
  const n = r.u64('balance');
  r.end();
  return n;
}

type Get = Pick<ModuleStore, 'get'>;

function readAsset(store: Get, id: Uint8Array): Asset | undefined {
  const v = store.get(sk('i', id));
  return v ? decodeAsset(id, v) : undefined;
}
const readBalance = (store: Get, id: Uint8Array, acct: Uint8Array) => u64(store.get(sk('b', id, acct)));
const isFrozen = (store: Get, id: Uint8Array, acct: Uint8Array) => store.get(sk('f', id, acct)) !== undefined;

function writeBalance(store: ModuleStore, id: Uint8Array, acct: Uint8Array, v: bigint): void {
  store.set(sk('b', id, acct), v === 0n ? undefined : new Writer(8).u64(v, 'balance').finish());
}

function needAsset(store: Get, id: Uint8Array): Asset {
  return readAsset(store, id) ?? fail('bad-asset-unknown', `no asset ${toHex(id)} on this chain`);
}

function credit(store: ModuleStore, a: Asset, to: Uint8Array, amount: bigint): void {
  const b = readBalance(store, a.id, to);
  // Supply never exceeds u64, and a balance is part of the supply: this cannot overflow.
  writeBalance(store, a.id, to, b + amount);
}

function move(store: ModuleStore, id: Uint8Array, from: Uint8Array, to: Uint8Array, amount: bigint): Asset {
  const a = needAsset(store, id);
  if (isFrozen(store, id, from)) fail('bad-asset-frozen', `account ${toHex(from).slice(0, 16)}... is frozen for ${a.symbol}; a frozen account cannot send`);
  const b = readBalance(store, id, from);
  if (b < amount) fail('bad-asset-insufficient', `moving ${formatAmount(amount, a.decimals)} ${a.symbol} needs that much; the sender has ${formatAmount(b, a.decimals)}`);
  writeBalance(store, id, from, b - amount);
  credit(store, a, to, amount);
  return a;
}

function issuerOnly(a: Asset, tx: Transaction, power: number, what: string): void {
  if (!bytesEqual(a.issuer, tx.from)) fail('bad-asset-not-issuer', `only the issuer of ${a.symbol} may ${what}`);
  if ((a.powers & power) === 0) fail('bad-asset-no-power', `the issuer of ${a.symbol} did not keep the power to ${what} when issuing it`);
}

function mintInto(store: ModuleStore, a: Asset, to: Uint8Array, amount: bigint): void {
  const cap = a.maxSupply === 0n ? U64_MAX : a.maxSupply;
  if (a.supply + amount > cap) fail('bad-asset-max-supply', `minting ${formatAmount(amount, a.decimals)} ${a.symbol} would take the supply to ${formatAmount(a.supply + amount, a.decimals)}, above the max ${formatAmount(cap, a.decimals)}`);
  if (a.minted + amount > U64_MAX) fail('bad-asset-max-supply', `${a.symbol} has minted 2^64 - 1 units in total`);
  a.supply += amount;
  a.minted += amount;
  store.set(sk('i', a.id), encodeAsset(a));
  credit(store, a, to, amount);
}

// ---- codecs ----

const ZERO32 = new Uint8Array(32);

const issue: KindSpec<AssetIssueBody> = {
  kind: AssetKind.Issue,
  name: 'asset-issue',
  codec: {
    write(w, b) {
      w.varbytes(te.encode(b.symbol), MAX_SYMBOL, 'asset-issue.symbol')
        .varbytes(te.encode(b.name), MAX_NAME * 4, 'asset-issue.name')
        .u8(b.decimals, 'asset-issue.decimals')
        .u64(b.maxSupply, 'asset-issue.maxSupply')
        .u8(b.powers, 'asset-issue.powers')
        .u64(b.initialSupply, 'asset-issue.initialSupply');
    },
    read(r) {
      const text = (field: string, max: number) => {
        try {
          return td.decode(r.varbytes(field, max));
        } catch (e) {
          if (e instanceof TypeError) throw new DecodeError('decode-bad-utf8', `${field} is not UTF-8`);
          throw e;
        }
      };
      return {
        symbol: text('asset-issue.symbol', MAX_SYMBOL),
        name: text('asset-issue.name', MAX_NAME * 4),
        decimals: r.u8('asset-issue.decimals'),
        maxSupply: r.u64('asset-issue.maxSupply'),
        powers: r.u8('asset-issue.powers'),
        initialSupply: r.u64('asset-issue.initialSupply'),
      };
    },
  },
  check(tx) {
    const b = tx.body;
    if (!SYMBOL_RE.test(b.symbol)) fail('bad-asset-symbol', `symbol ${JSON.stringify(b.symbol)} must be 1..12 capital letters or digits, starting with a letter`);
    if (b.name.length === 0 || [...b.name].length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(b.name)) fail('bad-asset-name', `name must be 1..${MAX_NAME} printable characters`);
    if (b.decimals > MAX_ASSET_DECIMALS) fail('bad-asset-decimals', `decimals is ${b.decimals}, at most ${MAX_ASSET_DECIMALS} allowed`);
    if ((b.powers & ~ALL_POWERS) !== 0) fail('bad-asset-powers', `powers 0x${b.powers.toString(16)} has unknown bits; expected a combination of mint 1, burn 2, freeze 4`);
    if (b.maxSupply !== 0n && b.initialSupply > b.maxSupply) fail('bad-asset-max-supply', `initial supply ${b.initialSupply} is above the max supply ${b.maxSupply}`);
    if (b.initialSupply === 0n && (b.powers & Power.Mint) === 0) fail('bad-asset-empty', 'an asset without initial supply needs the mint power, or it can never exist');
  },
  apply(ctx, tx) {
    return outcome(ctx, () => {
      const b = tx.body;
      const id = assetId(tx.from, tx.nonce);
      const a: Asset = { id, issuer: tx.from, symbol: b.symbol, name: b.name, decimals: b.decimals, maxSupply: b.maxSupply, powers: b.powers, supply: 0n, minted: 0n, burned: 0n, issuedAt: ctx.height };
      ctx.store.set(sk('i', id), encodeAsset(a));
      const n = u32Of(ctx.store.get('n'));
      ctx.store.set('l' + binKey(be32(n)), id);
      ctx.store.set('n', be32(n + 1));
      if (b.initialSupply > 0n) mintInto(ctx.store, a, tx.from, b.initialSupply);
      return `issued ${toHex(id)}`;
    });
  },
  toJson: (b) => ({ symbol: b.symbol, name: b.name, decimals: b.decimals, maxSupply: b.maxSupply.toString(), powers: b.powers, powernames: powerNames(b.powers), initialSupply: b.initialSupply.toString() }),
  fromJson: (j) => ({
    symbol: str(j.symbol, 'symbol'),
    name: str(j.name, 'name'),
    decimals: int(j.decimals, 'decimals', 255),
    maxSupply: units(j.maxSupply ?? '0', 'maxSupply'),
    powers: typeof j.powers === 'number' ? int(j.powers, 'powers', 255) : powersOf(j.powers),
    initialSupply: units(j.initialSupply ?? '0', 'initialSupply'),
  }),
};

const be32 = (n: number) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const u32Of = (v: Uint8Array | undefined) => (v ? ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]) >>> 0 : 0);

export function powerNames(p: number): string[] {
  return Object.entries(Power)
    .filter(([, bit]) => (p & bit) !== 0)
    .map(([n]) => n.toLowerCase());
}
function powersOf(v: unknown): number {
  if (!Array.isArray(v)) throw new DecodeError('decode-bad-json', 'powers must be an array of "mint", "burn", "freeze"');
  let p = 0;
  for (const x of v) {
    const bit = { mint: Power.Mint, burn: Power.Burn, freeze: Power.Freeze }[String(x)];
    if (bit === undefined) throw new DecodeError('decode-bad-json', `unknown power ${JSON.stringify(x)}; expected mint, burn or freeze`);
    p |= bit;
  }
  return p;
}
function str(v: unknown, name: string): string {
  if (typeof v !== 'string') throw new DecodeError('decode-bad-json', `${name} must be a string`);
  return v;
}
function int(v: unknown, name: string, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new DecodeError('decode-bad-json', `${name} must be an integer in [0, ${max}]`);
  return v;
}
export function units(v: unknown, name: string): bigint {
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]*)$/.test(v)) throw new DecodeError('decode-bad-json', `${name} must be a decimal string of base units, got ${JSON.stringify(v)?.slice(0, 40)}`);
  const n = BigInt(v);
  if (n > U64_MAX) throw new DecodeError('decode-bad-json', `${name} is above 2^64 - 1`);
  return n;
}
export function hex32(v: unknown, name: string): Uint8Array {
  if (typeof v !== 'string' || !/^[0-9a-fA-F]{64}$/.test(v)) throw new DecodeError('decode-bad-json', `${name} must be 32 bytes of hex (64 digits), got ${JSON.stringify(v)?.slice(0, 80)}`);
  return fromHex(v);
}

function amountKind(kind: number, name: string, verb: string, apply: (ctx: ModuleContext, tx: Transaction<AssetAmountBody>) => string, toMatters: boolean): KindSpec<AssetAmountBody> {
  return {
    kind,
    name,
    codec: {
      write(w, b) {
        w.fixed(b.asset, 32, `${name}.asset`).fixed(b.to, 32, `${name}.to`).u64(b.amount, `${name}.amount`);
      },
      read(r) {
        return { asset: r.fixed(32, `${name}.asset`), to: r.fixed(32, `${name}.to`), amount: r.u64(`${name}.amount`) };
      },
    },
    check(tx) {
      if (tx.body.amount === 0n) fail('bad-asset-amount-zero', `${verb} needs a positive amount`);
      // One representation per meaning: burn has no recipient.
      if (!toMatters && !bytesEqual(tx.body.to, ZERO32)) fail('bad-asset-burn-to', 'an asset-burn carries an all-zero recipient');
      if (toMatters && name === 'asset-transfer' && bytesEqual(tx.from, tx.body.to)) fail('bad-asset-self-transfer', 'sender and recipient are the same account');
    },
    apply: (ctx, tx) => outcome(ctx, () => apply(ctx, tx)),
    toJson: (b) => ({ asset: toHex(b.asset), to: toHex(b.to), amount: b.amount.toString() }),
    fromJson: (j) => ({ asset: hex32(j.asset, 'asset'), to: j.to === undefined && !toMatters ? new Uint8Array(32) : hex32(j.to, 'to'), amount: units(j.amount, 'amount') }),
  };
}

const mint = amountKind(AssetKind.Mint, 'asset-mint', 'minting', (ctx, tx) => {
  const a = needAsset(ctx.store, tx.body.asset);
  issuerOnly(a, tx, Power.Mint, 'mint');
  mintInto(ctx.store, a, tx.body.to, tx.body.amount);
  return `minted ${formatAmount(tx.body.amount, a.decimals)} ${a.symbol}`;
}, true);

const burn = amountKind(AssetKind.Burn, 'asset-burn', 'burning', (ctx, tx) => {
  const { asset, amount } = tx.body;
  const a = needAsset(ctx.store, asset);
  issuerOnly(a, tx, Power.Burn, 'burn');
  const b = readBalance(ctx.store, asset, tx.from);
  if (b < amount) fail('bad-asset-insufficient', `burning ${formatAmount(amount, a.decimals)} ${a.symbol}; the issuer holds ${formatAmount(b, a.decimals)}`);
  writeBalance(ctx.store, asset, tx.from, b - amount);
  a.supply -= amount;
  a.burned += amount;
  ctx.store.set(sk('i', asset), encodeAsset(a));
  return `burned ${formatAmount(amount, a.decimals)} ${a.symbol}`;
}, false);

const transfer = amountKind(AssetKind.Transfer, 'asset-transfer', 'a transfer', (ctx, tx) => {
  const a = move(ctx.store, tx.body.asset, tx.from, tx.body.to, tx.body.amount);
  return `moved ${formatAmount(tx.body.amount, a.decimals)} ${a.symbol}`;
}, true);

function freezeKind(kind: number, name: string, frozen: boolean): KindSpec<AssetAccountBody> {
  return {
    kind,
    name,
    codec: {
      write(w, b) {
        w.fixed(b.asset, 32, `${name}.asset`).fixed(b.account, 32, `${name}.account`);
      },
      read(r) {
        return { asset: r.fixed(32, `${name}.asset`), account: r.fixed(32, `${name}.account`) };
      },
    },
    check(tx) {
      if (frozen && bytesEqual(tx.from, tx.body.account)) fail('bad-asset-freeze-self', 'an issuer cannot freeze its own account');
    },
    apply: (ctx, tx) =>
      outcome(ctx, () => {
        const a = needAsset(ctx.store, tx.body.asset);
        issuerOnly(a, tx, Power.Freeze, frozen ? 'freeze' : 'unfreeze');
        if (frozen && bytesEqual(tx.body.account, HTLC_ESCROW)) fail('bad-asset-freeze-escrow', 'the HTLC escrow cannot be frozen: it would break every open lock');
        ctx.store.set(sk('f', tx.body.asset, tx.body.account), frozen ? new Uint8Array([1]) : undefined);
        return `${frozen ? 'froze' : 'unfroze'} ${toHex(tx.body.account)}`;
      }),
    toJson: (b) => ({ asset: toHex(b.asset), account: toHex(b.account) }),
    fromJson: (j) => ({ asset: hex32(j.asset, 'asset'), account: hex32(j.account, 'account') }),
  };
}

/**
 * The account holding locked HTLC funds. It is a hash, not a key anyone derived: nobody can
 * sign for it, so only the HTLC module's calls move what it holds.
 */
// Written out because module load runs before the engine is ready: sha256("hashlane/htlc/escrow") (a test recomputes it).
export const HTLC_ESCROW = fromHex('50c3b2340036d79faa58922ae5c77c9dfeaaa1b652aaad7039eb210adfab74ea');

// ---- views ----

export function assetJson(a: Asset) {
  return {
    id: toHex(a.id),
    symbol: a.symbol,
    name: a.name,
    decimals: a.decimals,
    issuer: toHex(a.issuer),
    powers: powerNames(a.powers),
    maxsupply: a.maxSupply === 0n ? null : formatAmount(a.maxSupply, a.decimals),
    supply: formatAmount(a.supply, a.decimals),
    minted: formatAmount(a.minted, a.decimals),
    burned: formatAmount(a.burned, a.decimals),
    issuedat: a.issuedAt,
  };
}

/** A 32-byte RPC parameter (bytes from the RPC server, or hex). */
export const bytesParam = (v: unknown, what: string): Uint8Array => {
  if (v instanceof Uint8Array && v.length === 32) return v;
  if (typeof v === 'string' && /^[0-9a-fA-F]{64}$/.test(v)) return fromHex(v);
  throw new DecodeError('decode-bad-json', `${what} must be 32 bytes (64 hex digits)`);
};
const queryStore = (q: Pick<StateQuery, 'read'>): Get => ({ get: (k) => q.read('assets', k) });

/** An asset by id through any state query (RPC, wallet). */
export function queryAsset(q: Pick<StateQuery, 'read'>, id: Uint8Array): Asset | undefined {
  return readAsset(queryStore(q), id);
}

const MAX_LIST = 100;

export const assets: ChainModule<AssetsKeeper> = {
  name: 'assets',
  namespace: 'assets',
  kinds: [issue, mint, burn, freezeKind(AssetKind.Freeze, 'asset-freeze', true), freezeKind(AssetKind.Unfreeze, 'asset-unfreeze', false), transfer] as unknown as readonly KindSpec<never>[],
  keeper: (ctx) => ({
    asset: (id) => readAsset(ctx.store, id),
    balance: (id, acct) => readBalance(ctx.store, id, acct),
    frozen: (id, acct) => isFrozen(ctx.store, id, acct),
    transfer: (id, from, to, amount) => void move(ctx.store, id, from, to, amount),
  }),
  rpc: {
    getasset: {
      description: 'getasset assetid — an issued asset: symbol, name, decimals, issuer, powers, max supply, supply, minted, burned (amounts in its decimals)',
      params: [{ name: 'assetid', type: 'hex', maxBytes: 32 }],
      handler(q, [id]) {
        const a = queryAsset(q, bytesParam(id, 'assetid'));
        if (!a) throw new ValidationError('bad-asset-unknown', `no asset ${toHex(bytesParam(id, 'assetid'))} on this chain`);
        return assetJson(a);
      },
    },
    listassets: {
      description: `listassets [start=0] [count=${MAX_LIST}] — assets in issue order (at most ${MAX_LIST} per call) and the total`,
      params: [
        { name: 'start', type: 'int', optional: true },
        { name: 'count', type: 'int', optional: true },
      ],
      handler(q, [start, count]) {
        const s = queryStore(q);
        const total = u32Of(s.get('n'));
        const from = Math.max(0, Number(start ?? 0));
        const n = Math.min(MAX_LIST, Math.max(0, Number(count ?? MAX_LIST)));
        const out = [];
        for (let i = from; i < Math.min(total, from + n); i++) {
          const id = s.get('l' + binKey(be32(i)));
          const a = id && readAsset(s, id);
          if (a) out.push(assetJson(a));
        }
        return { total, assets: out };
      },
    },
    getassetbalance: {
      description: "getassetbalance address assetid — an account's balance of an asset (in its decimals) and whether it is frozen",
      params: [
        { name: 'address', type: 'hex', maxBytes: 32 },
        { name: 'assetid', type: 'hex', maxBytes: 32 },
      ],
      handler(q, [addr, id]) {
        const pk = bytesParam(addr, 'address');
        const aid = bytesParam(id, 'assetid');
        const s = queryStore(q);
        const a = readAsset(s, aid);
        if (!a) throw new ValidationError('bad-asset-unknown', `no asset ${toHex(aid)} on this chain`);
        const units = readBalance(s, aid, pk);
        return { address: toHex(pk), asset: toHex(aid), symbol: a.symbol, balance: formatAmount(units, a.decimals), units: units.toString(), frozen: isFrozen(s, aid, pk) };
      },
    },
  },
  cli: [
    { verb: 'wallet asset issue', kind: AssetKind.Issue, summary: 'wallet asset issue <symbol> <name> --decimals n [--max-supply a] [--initial a] [--powers mint,burn,freeze]', args: [] },
    { verb: 'wallet asset mint', kind: AssetKind.Mint, summary: 'wallet asset mint <asset> <to> <amount> (issuer with the mint power)', args: [{ name: 'asset', description: 'asset id', type: 'hex' }, { name: 'to', description: 'recipient', type: 'address' }, { name: 'amount', description: "amount in the asset's decimals", type: 'amount' }] },
    { verb: 'wallet asset burn', kind: AssetKind.Burn, summary: "wallet asset burn <asset> <amount> (issuer with the burn power, from its own balance)", args: [{ name: 'asset', description: 'asset id', type: 'hex' }, { name: 'amount', description: "amount in the asset's decimals", type: 'amount' }] },
    { verb: 'wallet asset freeze', kind: AssetKind.Freeze, summary: 'wallet asset freeze <asset> <account> (issuer with the freeze power)', args: [{ name: 'asset', description: 'asset id', type: 'hex' }, { name: 'account', description: 'account to freeze', type: 'address' }] },
    { verb: 'wallet asset unfreeze', kind: AssetKind.Unfreeze, summary: 'wallet asset unfreeze <asset> <account>', args: [{ name: 'asset', description: 'asset id', type: 'hex' }, { name: 'account', description: 'account to unfreeze', type: 'address' }] },
    { verb: 'wallet asset send', kind: AssetKind.Transfer, summary: 'wallet asset send <asset> <to> <amount>: a transfer of an issued asset (the fee is paid in the native coin)', args: [{ name: 'asset', description: 'asset id', type: 'hex' }, { name: 'to', description: 'recipient', type: 'address' }, { name: 'amount', description: "amount in the asset's decimals", type: 'amount' }] },
  ],
};
