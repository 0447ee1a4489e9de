// `hashlane contract build|deploy|call|query|receipt`: AssemblyScript contracts compiled with
// the project's asc, deployed and called through a node's RPC with the keystore key of
// `hashlane wallet`, read-only queries and receipts.
import { Command } from 'commander';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { ready } from '../engine/index.js';
import { ContractKind, contractAddress, type CallBody, type DeployBody } from '../chain/modules/index.js';
import { encodeTx, signTx } from '../chain/tx.js';
import { sha256 } from '../hash/index.js';
import { AbiWriter } from '../contracts/abi.js';
import { ContractValidationError, instrument, loadInstrumenter } from '../contracts/instrument.js';
import { decryptKey, KeystoreError } from '../node/keystore.js';
import { readJson } from '../node/storage.js';
import { addRpcAuthOptions, type RpcClientOptions } from './rpc-client.js';
import { call } from './wallet.js';

interface Flags extends RpcClientOptions {
  keystore: string;
  passphraseFile?: string;
}

/** exit 2: the command line was wrong; exit 1: the operation failed. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
const usage = (what: string, expected: string) => new CliError(`${what}; expected ${expected}`, 2);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

function hexArg(name: string, v: string, len?: number): Uint8Array {
  if (!HEX_RE.test(v) || (len !== undefined && v.length !== 2 * len)) throw usage(`${name} ${JSON.stringify(v)} is not ${len ? `${len} bytes of ` : ''}hex`, len ? `${2 * len} hex digits` : 'hex digits');
  return new Uint8Array(Buffer.from(v, 'hex'));
}

function uintArg(name: string, v: string, max: bigint): bigint {
  if (!/^[0-9]{1,20}$/.test(v) || BigInt(v) > max) throw usage(`${name} ${JSON.stringify(v)} is not an integer in [0, ${max}]`, 'a decimal integer');
  return BigInt(v);
}

/**
 * Arguments in the contract encoding (contracts/sdk): `--arg type:value`, repeated, in
 * order; types u8 u32 u64 bool address bytes(hex) string, or `--args <hex>` as it is.
 */
function encodeArgs(args: string[] | undefined, raw: string | undefined): Uint8Array {
  if (raw !== undefined) {
    if (args?.length) throw usage('--args and --arg both given', 'one of them');
    return hexArg('--args', raw);
  }
  const w = new AbiWriter();
  for (const a of args ?? []) {
    const i = a.indexOf(':');
    const [type, v] = i < 0 ? [a, ''] : [a.slice(0, i), a.slice(i + 1)];
    switch (type) {
      case 'u8':
        w.u8(Number(uintArg(`--arg ${a}`, v, 255n)));
        break;
      case 'u32':
        w.u32(Number(uintArg(`--arg ${a}`, v, 0xffffffffn)));
        break;
      case 'u64':
        w.u64(uintArg(`--arg ${a}`, v, (1n << 64n) - 1n));
        break;
      case 'bool':
        if (v !== 'true' && v !== 'false') throw usage(`--arg ${a} is not a bool`, 'bool:true or bool:false');
        w.bool(v === 'true');
        break;
      case 'address':
        w.address(hexArg(`--arg ${a}`, v, 32));
        break;
      case 'bytes':
        w.bytes(hexArg(`--arg ${a}`, v));
        break;
      case 'string':
        w.string(v);
        break;
      default:
        throw usage(`--arg ${JSON.stringify(a)} has an unknown type`, 'type:value with type u8, u32, u64, bool, address, bytes or string');
    }
  }
  return w.finish();
}

const collect = (v: string, prev: string[] = []) => [...prev, v];


async function secretKey(f: Flags): Promise<{ secretKey: Uint8Array; publicKey: Uint8Array }> {
  const path = resolve(f.keystore);
  const file = await readJson(path);
  if (!file) throw new CliError(`no keystore at ${path}; expected one made by "hashlane wallet create" (or --keystore <file>)`);
  let pass = process.env.HASHLANE_PASSPHRASE;
  if (f.passphraseFile) pass = (await readFile(f.passphraseFile, 'utf8')).replace(/\r?\n$/, '');
  if (pass === undefined) throw new CliError('no passphrase; expected HASHLANE_PASSPHRASE or --passphrase-file <file>');
  return decryptKey(file, pass);
}

interface TxOpts {
  arg?: string[];
  args?: string;
  value: string;
  gas: string;
  gasPrice: string;
  fee?: string;
}

const gasOpts = (c: Command) =>
  c
    .option('--arg <type:value>', 'an argument (repeat, in order): u8|u32|u64|bool|address|bytes|string:value', collect)
    .option('--args <hex>', 'the encoded arguments as hex')
    .option('--value <n>', 'native coin to attach (base units)', '0')
    .option('--gas <n>', 'gas limit', '2000000')
    .option('--gas-price <n>', 'gas price (base units per gas)', '1')
    .option('--fee <n>', "the envelope fee, the miner's tip (default: 1 per byte of the transaction, the relay minimum)");

async function send(f: Flags, o: TxOpts, kind: number, body: (nonce: number, from: Uint8Array) => DeployBody | CallBody): Promise<{ txid: string; nonce: number; from: Uint8Array }> {
  const { secretKey: sk, publicKey } = await secretKey(f);
  await ready();
  const info = await call(f, 'getblockchaininfo', []);
  const acct = await call(f, 'getaccount', [hex(publicKey)]);
  const nonce = acct.nextnonce as number;
  const b = body(nonce, publicKey);
  const make = (fee: bigint) => signTx({ chainId: info.chainid, kind, from: publicKey, nonce, fee, body: b }, sk);
  // The fee is a fixed 8 bytes: the size does not depend on it.
  const tx = make(o.fee !== undefined ? uintArg('--fee', o.fee, (1n << 64n) - 1n) : BigInt(encodeTx(make(0n)).length));
  const txid = (await call(f, 'sendrawtransaction', [hex(encodeTx(tx))])) as string;
  return { txid, nonce, from: publicKey };
}

function action(fn: (f: Flags, ...args: any[]) => Promise<void>) {
  return async (...args: any[]) => {
    const cmd = args[args.length - 1] as Command;
    try {
      await fn(cmd.optsWithGlobals() as Flags, ...args.slice(0, -2), args[args.length - 2]);
    } catch (err) {
      if (err instanceof CliError || err instanceof KeystoreError || err instanceof ContractValidationError) {
        console.error(`hashlane contract: ${err.message}`);
        process.exitCode = err instanceof CliError ? err.exitCode : 1;
        return;
      }
      throw err;
    }
  };
}

const execFileP = promisify(execFile);

export function contractCommand(): Command {
  const c = new Command('contract')
    .description('smart contracts: build (AssemblyScript), deploy, call, query, receipt')
    .option('--keystore <file>', 'keystore of the signing key (hashlane wallet)', '.hashlane/wallet/keystore.json')
    .option('--rpc <url>', "the node's JSON-RPC URL", 'http://127.0.0.1:17420/')
    .option('--passphrase-file <file>', 'read the passphrase from a file (or set HASHLANE_PASSPHRASE)');
  addRpcAuthOptions(c);

  c.command('build')
    .description('compile an AssemblyScript contract to WASM and check it as a deploy would; prints the file, size and code hash')
    .argument('<source>', 'the contract (.ts), importing contracts/sdk')
    .option('-o, --out <file>', 'output file (default: the source with .wasm)')
    .action(
      action(async (_f, source: string, o: { out?: string }) => {
        if (!source.endsWith('.ts')) throw usage(`<source> ${JSON.stringify(source)} is not a .ts file`, 'an AssemblyScript source file');
        await stat(source).catch(() => {
          throw new CliError(`cannot read ${source}; expected an AssemblyScript source file`);
        });
        const out = o.out ?? source.replace(/\.ts$/, '.wasm');
        const asc = createRequire(import.meta.url).resolve('assemblyscript/bin/asc.js');
        try {
          await execFileP(process.execPath, [asc, source, '--runtime', 'stub', '--use', 'abort=', '--noAssert', '-O3', '--exportStart', '_initialize', '--config', 'none', '-o', out]);
        } catch (err) {
          throw new CliError(`asc failed: ${((err as { stderr?: string }).stderr ?? String(err)).trim()}`);
        }
        const code = new Uint8Array(await readFile(out));
        await ready();
        await loadInstrumenter();
        const r = instrument(code);
        console.log(`${out} ${code.length} bytes (instrumented ${r.wasm.length}), code hash ${hex(sha256(code))}`);
      }),
    );

  gasOpts(
    c
      .command('deploy')
      .description('deploy a contract (its init method runs with the arguments); prints the txid and the contract address')
      .argument('<wasm>', 'the contract module'),
  ).action(
    action(async (f, file: string, o: TxOpts) => {
      const code = new Uint8Array(await readFile(file).catch(() => {
        throw new CliError(`cannot read ${file}; expected a .wasm file`);
      }));
      const input = encodeArgs(o.arg, o.args);
      const u64 = (1n << 64n) - 1n;
      const r = await send(f, o, ContractKind.Deploy, () => ({ code, input, value: uintArg('--value', o.value, u64), gasLimit: uintArg('--gas', o.gas, u64), gasPrice: uintArg('--gas-price', o.gasPrice, u64) }));
      console.log(`${r.txid} ${hex(contractAddress(r.from, r.nonce))}`);
    }),
  );

  gasOpts(
    c
      .command('call')
      .description('call a method in a transaction; prints the txid (the receipt: hashlane contract receipt <txid>)')
      .argument('<address>', 'the contract (64 hex digits)')
      .argument('<method>', 'the method'),
  ).action(
    action(async (f, address: string, method: string, o: TxOpts) => {
      const contract = hexArg('<address>', address, 32);
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(method)) throw usage(`<method> ${JSON.stringify(method)} is not a method name`, '[A-Za-z_][A-Za-z0-9_]*');
      const input = encodeArgs(o.arg, o.args);
      const u64 = (1n << 64n) - 1n;
      const r = await send(f, o, ContractKind.Call, () => ({ contract, method, input, value: uintArg('--value', o.value, u64), gasLimit: uintArg('--gas', o.gas, u64), gasPrice: uintArg('--gas-price', o.gasPrice, u64) }));
      console.log(r.txid);
    }),
  );

  c.command('query')
    .description('run a method read-only on the node (callcontract); prints the receipt as JSON')
    .argument('<address>', 'the contract (64 hex digits)')
    .argument('<method>', 'the method')
    .option('--arg <type:value>', 'an argument (repeat, in order): u8|u32|u64|bool|address|bytes|string:value', collect)
    .option('--args <hex>', 'the encoded arguments as hex')
    .option('--caller <address>', 'the caller the contract sees (default: zeros)')
    .action(
      action(async (f, address: string, method: string, o: { arg?: string[]; args?: string; caller?: string }) => {
        hexArg('<address>', address, 32);
        if (o.caller !== undefined) hexArg('--caller', o.caller, 32);
        const input = encodeArgs(o.arg, o.args);
        const r = await call(f, 'callcontract', [address, method, hex(input), ...(o.caller ? [o.caller] : [])]);
        console.log(JSON.stringify(r, null, 2));
        if (r.status !== 'ok') process.exitCode = 1;
      }),
    );

  c.command('receipt')
    .description("a transaction's receipt (gettransactionreceipt) as JSON; exit 1 while it is not in a block")
    .argument('<txid>', 'the transaction id (64 hex digits)')
    .action(
      action(async (f, id: string) => {
        hexArg('<txid>', id, 32);
        const r = await call(f, 'gettransactionreceipt', [id]);
        if (r === null) throw new CliError(`no receipt for ${id} yet; expected a transaction in a block`);
        console.log(JSON.stringify(r, null, 2));
      }),
    );
  return c;
}
