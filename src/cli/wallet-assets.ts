// `hashlane wallet asset ...`: issued assets from the wallet key (the assets module,
// src/chain/modules/assets). Amounts are typed in the asset's own decimals; fees are paid
// in the native coin.
import { Command } from 'commander';
import { AmountError, parseAmount } from '../chain/amount.js';
import { fromHex, toHex } from '../chain/hex.js';
import { assetId, AssetKind, Power } from '../chain/modules/assets/index.js';
import { submitSigned } from '../swap/index.js';
import { intArg, keyArg } from './args.js';
import { CliError, UsageError } from './format.js';
import { RpcCallError, RpcClientError, type RpcClientOptions } from './rpc-client.js';
import { call, unlockKeystore } from './wallet.js';

interface Flags extends RpcClientOptions {
  keystore: string;
  passphraseFile?: string;
}

const ZERO = new Uint8Array(32);

function assetArg(v: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new UsageError(`<asset> ${JSON.stringify(v.slice(0, 70))} is not an asset id; expected 64 hex digits (as "wallet asset issue" prints)`);
  return fromHex(v.toLowerCase());
}

function units(text: string, decimals: number, what: string): bigint {
  try {
    return parseAmount(text, decimals, what);
  } catch (err) {
    if (err instanceof AmountError) throw new UsageError(err.message);
    throw err;
  }
}

function run(fn: (f: Flags, ...args: any[]) => Promise<void>) {
  return async (...args: any[]) => {
    const cmd = args[args.length - 1] as Command;
    await fn(cmd.optsWithGlobals() as Flags, ...args.slice(0, -1));
  };
}

async function send(f: Flags, kind: number, body: unknown): Promise<{ txid: string; nonce: number; from: Uint8Array }> {
  const { secretKey, publicKey } = await unlockKeystore(f);
  try {
    return { ...(await submitSigned(f, secretKey, kind, body)), from: publicKey };
  } catch (err) {
    if (err instanceof RpcCallError) throw new CliError(`sendrawtransaction: ${err.message} (code ${err.code})`);
    if (err instanceof RpcClientError) throw new CliError(err.message);
    throw err;
  }
}

function powersArg(v: string): number {
  let p = 0;
  for (const name of v.split(',').filter(Boolean)) {
    const bit = { mint: Power.Mint, burn: Power.Burn, freeze: Power.Freeze }[name];
    if (bit === undefined) throw new UsageError(`--powers ${JSON.stringify(v)} names ${JSON.stringify(name)}; expected a comma list of mint, burn, freeze`);
    p |= bit;
  }
  return p;
}

export function walletAssetCommand(): Command {
  const asset = new Command('asset').description('issued assets (stablecoins): issue, mint, burn, freeze, unfreeze, send, balance, info, list');

  asset
    .command('issue')
    .description('issue an asset; prints its id. Powers are chosen now and never granted later')
    .argument('<symbol>', 'ticker: 1..12 capital letters or digits')
    .argument('<name>', 'full name')
    .requiredOption('--decimals <n>', 'decimal places of the asset', intArg('--decimals', 0, 18))
    .option('--max-supply <amount>', 'cap on the supply (default: none)')
    .option('--initial <amount>', 'units created now for the issuer', '0')
    .option('--powers <list>', 'issuer powers kept: comma list of mint, burn, freeze', 'mint,burn,freeze')
    .action(
      run(async (f, symbol: string, name: string, o: { decimals: number; maxSupply?: string; initial: string; powers: string }) => {
        const body = { symbol, name, decimals: o.decimals, maxSupply: o.maxSupply ? units(o.maxSupply, o.decimals, '--max-supply') : 0n, powers: powersArg(o.powers), initialSupply: units(o.initial, o.decimals, '--initial') };
        const r = await send(f, AssetKind.Issue, body);
        console.log(toHex(assetId(r.from, r.nonce)));
        process.stderr.write(`issue sent (txid ${r.txid}); "hashlane wallet asset info <id>" shows it once mined\n`);
      }),
    );

  const amountVerb = (verb: 'mint' | 'send' | 'burn', kind: number, summary: string) => {
    const c = asset.command(verb).description(summary).argument('<asset>', 'asset id');
    if (verb !== 'burn') c.argument('<to>', 'recipient public key');
    c.argument('<amount>', "amount in the asset's decimals").action(
      run(async (f, ...a: string[]) => {
        const id = assetArg(a[0]!);
        const to = verb === 'burn' ? ZERO : keyArg('<to>')(a[1]!);
        const info = await call(f, 'getasset', [toHex(id)]);
        const amount = units(a[verb === 'burn' ? 1 : 2]!, info.decimals, '<amount>');
        const r = await send(f, kind, { asset: id, to, amount });
        console.log(r.txid);
      }),
    );
  };
  amountVerb('mint', AssetKind.Mint, 'mint units to <to> (issuer with the mint power; never above the max supply)');
  amountVerb('burn', AssetKind.Burn, "burn units from the issuer's own balance (issuer with the burn power)");
  amountVerb('send', AssetKind.Transfer, 'transfer units to <to> (the fee is paid in the native coin)');

  for (const [verb, kind] of [['freeze', AssetKind.Freeze], ['unfreeze', AssetKind.Unfreeze]] as const) {
    asset
      .command(verb)
      .description(`${verb} an account for this asset (issuer with the freeze power); a frozen account cannot send it`)
      .argument('<asset>', 'asset id')
      .argument('<account>', 'public key')
      .action(
        run(async (f, a: string, account: string) => {
          const r = await send(f, kind, { asset: assetArg(a), account: keyArg('<account>')(account) });
          console.log(r.txid);
        }),
      );
  }

  asset
    .command('balance')
    .description('balance of an asset (default: of the keystore key)')
    .argument('<asset>', 'asset id')
    .argument('[address]', 'public key')
    .action(
      run(async (f, a: string, address?: string) => {
        const id = toHex(assetArg(a));
        const who = address !== undefined ? toHex(keyArg('[address]')(address)) : (await unlockPublic(f));
        const b = await call(f, 'getassetbalance', [who, id]);
        console.log(`${b.balance} ${b.symbol}${b.frozen ? ' (frozen)' : ''}`);
      }),
    );

  asset
    .command('info')
    .description('an asset as the chain records it')
    .argument('<asset>', 'asset id')
    .action(run(async (f, a: string) => console.log(JSON.stringify(await call(f, 'getasset', [toHex(assetArg(a))]), null, 2))));

  asset
    .command('list')
    .description('assets in issue order')
    .option('--start <n>', 'first index', intArg('--start', 0, 0xffffffff), 0)
    .action(
      run(async (f, o: { start: number }) => {
        const r = await call(f, 'listassets', [o.start]);
        for (const x of r.assets) console.log(`${x.id} ${x.symbol} ${x.supply} (${x.name})`);
        if (r.total > o.start + r.assets.length) process.stderr.write(`${r.total} assets; more with --start ${o.start + r.assets.length}\n`);
      }),
    );
  return asset;
}

async function unlockPublic(f: Flags): Promise<string> {
  const { readJson } = await import('../node/storage.js');
  const { resolve } = await import('node:path');
  const file = await readJson<{ publicKey?: string }>(resolve(f.keystore)).catch(() => null);
  if (!file?.publicKey) throw new CliError(`no keystore at ${resolve(f.keystore)}: run "hashlane wallet create" first, or give [address]`);
  return file.publicKey;
}
