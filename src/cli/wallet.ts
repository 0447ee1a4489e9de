import { Command } from 'commander';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ready } from '../engine/index.js';
import { DEFAULT_DECIMALS, formatAmountShort } from '../chain/amount.js';
import { createTransfer, encodeTx } from '../chain/tx.js';
import { ed25519 } from '../sig/index.js';
import { DEFAULT_KDF, decryptKey, encryptKey, type KdfParams } from '../node/keystore.js';
import { chainDir, readJson, writeFileAtomic } from '../node/storage.js';
import { amountArg, intArg, keyArg } from './args.js';
import { addRpcAuthOptions, RpcCallError, RpcClientError, rpcCall, type RpcClientOptions } from './rpc-client.js';
import { CliError, UsageError } from './format.js';
import { walletAssetCommand } from './wallet-assets.js';
import { addStakingCommands } from './wallet-staking.js';

interface WalletFlags extends RpcClientOptions {
  keystore: string;
  rpc: string;
  passphraseFile?: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function passphrase(f: WalletFlags, confirm = false): Promise<string> {
  let pass: string;
  if (f.passphraseFile) {
    pass = (await readFile(f.passphraseFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new CliError(`cannot read --passphrase-file ${f.passphraseFile}: ${err.code ?? err.message}; expected a readable file holding the passphrase`);
    })).replace(/\r?\n$/, '');
  } else if (process.env.HASHLANE_PASSPHRASE !== undefined) pass = process.env.HASHLANE_PASSPHRASE;
  else if (!process.stdin.isTTY) throw new UsageError('no passphrase; expected HASHLANE_PASSPHRASE, --passphrase-file <file>, or a terminal to type it in');
  else {
    pass = await prompt('passphrase: ');
    if (pass && confirm && (await prompt('again: ')) !== pass) throw new UsageError('the passphrases differ; expected the same passphrase twice');
  }
  if (pass === '') throw new UsageError('the passphrase is empty; expected at least one character');
  return pass;
}

/** The KDF flags of create/import: memory in MiB. */
const kdfOf = (o: { kdfMemory: number; kdfIterations: number }): KdfParams => ({ ...DEFAULT_KDF, memoryKiB: o.kdfMemory * 1024, iterations: o.kdfIterations });

/** Seals a secret key into the keystore at `path` (refusing to overwrite one unless forced); prints the address. */
async function store(f: WalletFlags, path: string, sk: Uint8Array, kdf: KdfParams, force?: boolean): Promise<Uint8Array> {
  if (!force && (await readJson(path))) throw new CliError(`${path} exists; use --force to replace it (the old key is then lost)`);
  const pass = await passphrase(f, true);
  await ready();
  const pk = ed25519.getPublicKey(sk);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(await encryptKey(sk, pk, pass, kdf), null, 2) + '\n');
  return pk;
}

/** Reads a line from the terminal without echoing it. */
function prompt(question: string): Promise<string> {
  return new Promise((resolvePrompt, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let text = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolvePrompt(text);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new CliError('cancelled'));
          return;
        }
        if (ch === '\u007f') text = text.slice(0, -1);
        else text += ch;
      }
    };
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

/** One RPC call with the wallet's flags; node and transport errors become one-line CliErrors. */
export async function call(f: RpcClientOptions, method: string, params: unknown[]): Promise<any> {
  try {
    return await rpcCall(f, method, params);
  } catch (err) {
    if (err instanceof RpcCallError) throw new CliError(`${method}: ${err.message} (code ${err.code})`);
    if (err instanceof RpcClientError) throw new CliError(err.message);
    throw err;
  }
}

/** The keystore's secret key (asks for the passphrase as the wallet does): for commands that sign, as `hashlane swap`. */
export async function unlockKeystore(f: Pick<WalletFlags, 'keystore' | 'passphraseFile'>): Promise<{ secretKey: Uint8Array; publicKey: Uint8Array }> {
  const file = await readJson(resolve(f.keystore)).catch(() => null);
  if (!file) throw new CliError(`no keystore at ${resolve(f.keystore)}: run "hashlane wallet create" first`);
  return decryptKey(file, await passphrase(f as WalletFlags));
}

async function loadPublicKey(f: WalletFlags): Promise<string> {
  const file = await readJson<{ publicKey?: string }>(resolve(f.keystore)).catch(() => {
    throw new CliError(`${resolve(f.keystore)} is not JSON; expected a keystore written by "hashlane wallet create"`);
  });
  if (!file?.publicKey) throw new CliError(`no keystore at ${resolve(f.keystore)}: run "hashlane wallet create" first`);
  return file.publicKey;
}

/** An action with the wallet's flags first; its errors end in src/cli/main.ts as one line each. */
function run(fn: (f: WalletFlags, ...args: any[]) => Promise<void>) {
  return async (...args: any[]) => {
    const cmd = args[args.length - 1] as Command;
    await fn(cmd.optsWithGlobals() as WalletFlags, ...args.slice(0, -1));
  };
}

/** `hashlane wallet`: a key in an encrypted keystore, its balance, and transfers through a node's RPC. */
export function walletCommand(): Command {
  const wallet = new Command('wallet')
    .description('keys in an encrypted keystore (argon2id + AES-256-GCM), balance, and transfers via a node')
    .option('--keystore <file>', 'keystore file', '.hashlane/wallet/keystore.json')
    .option('--rpc <url>', "the node's JSON-RPC URL", 'http://127.0.0.1:17420/')
    .option('--passphrase-file <file>', 'read the passphrase from a file (or set HASHLANE_PASSPHRASE)');
  addRpcAuthOptions(wallet);

  wallet
    .command('create')
    .description('create a new key and store it encrypted')
    .option('--force', 'overwrite an existing keystore')
    .option('--kdf-memory <MiB>', 'argon2id memory cost (RFC 9106 recommends 64 MiB; lower only for tests)', intArg('--kdf-memory', 1, 4096), 64)
    .option('--kdf-iterations <n>', 'argon2id time cost', intArg('--kdf-iterations', 1, 100), DEFAULT_KDF.iterations)
    .action(
      run(async (f, o: { force?: boolean; kdfMemory: number; kdfIterations: number }) => {
        const sk = globalThis.crypto.getRandomValues(new Uint8Array(32));
        console.log(hex(await store(f, resolve(f.keystore), sk, kdfOf(o), o.force)));
      }),
    );

  wallet
    .command('import')
    .description("bring the key a node mines to (<data-dir>/<chain>/miner-key.json) into the encrypted keystore")
    .requiredOption('--from-miner-key', 'import the miner key the node made on its first start')
    // --data-dir and --chain are the wallet's own options (also where the RPC cookie is found).
    .option('--force', 'overwrite an existing keystore')
    .option('--kdf-memory <MiB>', 'argon2id memory cost (RFC 9106 recommends 64 MiB; lower only for tests)', intArg('--kdf-memory', 1, 4096), 64)
    .option('--kdf-iterations <n>', 'argon2id time cost', intArg('--kdf-iterations', 1, 100), DEFAULT_KDF.iterations)
    .action(
      run(async (f, opts: { force?: boolean; kdfMemory: number; kdfIterations: number }) => {
        const o = { ...opts, dataDir: f.dataDir ?? '.hashlane', chain: f.chain ?? 'devnet' };
        if (!/^[a-z0-9-]{1,32}$/.test(o.chain)) throw new UsageError(`--chain ${JSON.stringify(o.chain)} is not a chain name; expected devnet or regtest`);
        const keyPath = join(chainDir(resolve(o.dataDir), o.chain), 'miner-key.json');
        const file = await readJson<{ publicKey?: unknown; secretKey?: unknown }>(keyPath).catch(() => null);
        if (!file) throw new CliError(`no miner key at ${keyPath}; expected the file a node writes on its first start (run "hashlane node --mine${o.chain === 'devnet' ? '' : ` --chain ${o.chain}`}" once, or give --data-dir/--chain)`);
        if (typeof file.secretKey !== 'string' || !/^[0-9a-f]{64}$/.test(file.secretKey)) throw new CliError(`${keyPath} holds no 64-hex-digit secretKey; expected a miner key written by hashlane node`);
        const sk = new Uint8Array(Buffer.from(file.secretKey, 'hex'));
        await ready();
        if (file.publicKey !== hex(ed25519.getPublicKey(sk))) throw new CliError(`${keyPath}: its publicKey does not belong to its secretKey; expected a miner key written by hashlane node`);
        console.log(hex(await store(f, resolve(f.keystore), sk, kdfOf(o), o.force)));
        process.stderr.write(`imported into ${resolve(f.keystore)}; the node now mines to this wallet. ${keyPath} still holds the key unencrypted: delete it once you have a backup of the keystore and its passphrase.\n`);
      }),
    );

  wallet
    .command('address')
    .description("print the keystore's address (public key)")
    .action(
      run(async (f) => {
        console.log(await loadPublicKey(f));
      }),
    );

  wallet
    .command('balance')
    .description('balance and nonce of the address (or of the keystore key) from the node')
    .argument('[address]', 'a 64-hex-digit public key; default: the keystore key')
    .action(
      run(async (f, address?: string) => {
        if (address !== undefined) keyArg('[address]')(address);
        const a = await call(f, 'getaccount', [address ?? (await loadPublicKey(f))]);
        const unit = a.unit ?? '';
        const width = Math.max(String(a.balance).length, String(a.pendingbalance).length);
        console.log(`confirmed  ${String(a.balance).padStart(width)} ${unit}`);
        console.log(`pending    ${String(a.pendingbalance).padStart(width)} ${unit}${a.pending ? ` after ${a.pending} pending transaction${a.pending > 1 ? 's' : ''}` : ''}`);
        console.log(`nonce      ${a.nonce}`);
      }),
    );

  wallet
    .command('send')
    .description('sign a transfer with the keystore key and send it through the node; prints the txid')
    .argument('<to>', "recipient's public key (64 hex digits)")
    .argument('<amount>', `amount in coins, up to ${DEFAULT_DECIMALS} decimals (12.5)`)
    .option('--fee <amount>', `fee in coins (default: ${formatAmountShort(1n)} per byte of the transaction)`)
    .option('--payload <hex>', 'payload bytes (hex)', '')
    .action(
      run(async (f, to: string, amountText: string, o: { fee?: string; payload: string }) => {
        const toKey = keyArg('<to>')(to);
        const amount = amountArg('<amount>')(amountText);
        const feeGiven = o.fee !== undefined ? amountArg('--fee')(o.fee) : undefined;
        if (!/^(?:[0-9a-fA-F]{2})*$/.test(o.payload)) throw new UsageError(`--payload ${JSON.stringify(o.payload.slice(0, 40))} is not hex; expected an even number of hex digits`);
        const info = await call(f, 'getblockchaininfo', []);
        const file = await readJson(resolve(f.keystore));
        if (!file) throw new CliError(`no keystore at ${resolve(f.keystore)}: run "hashlane wallet create" first`);
        const { secretKey, publicKey } = await decryptKey(file, await passphrase(f));
        await ready();
        const acct = await call(f, 'getaccount', [hex(publicKey)]);
        const payload = new Uint8Array(Buffer.from(o.payload, 'hex'));
        const make = (fee: bigint) => createTransfer({ chainId: info.chainid, to: toKey, amount, fee, nonce: acct.nextnonce, payload }, secretKey);
        const fee = feeGiven ?? BigInt(encodeTx(make(0n)).length);
        const txid = await call(f, 'sendrawtransaction', [hex(encodeTx(make(fee)))]);
        console.log(txid);
        const unit = info.unit ? ` ${info.unit}` : '';
        process.stderr.write(`sent ${formatAmountShort(amount)}${unit} to ${to} (fee ${formatAmountShort(fee)}${unit}); "hashlane wallet tx ${txid}" shows when it is confirmed\n`);
      }),
    );

  wallet
    .command('tx')
    .description('where a transaction is: pending in the mempool, or confirmed in a block')
    .argument('<txid>', 'transaction id (64 hex digits, as send prints it)')
    .action(
      run(async (f, id: string) => {
        if (!/^[0-9a-fA-F]{64}$/.test(id)) throw new UsageError(`<txid> ${JSON.stringify(id.slice(0, 70))} is not a transaction id; expected 64 hex digits`);
        const t = await call(f, 'gettransaction', [id]);
        if (t.in_mempool) console.log(`pending: ${t.amount} to ${t.to}, fee ${t.fee}, in the mempool`);
        else console.log(`confirmed: ${t.amount} to ${t.to}, fee ${t.fee}, in block ${t.blockheight} (${t.confirmations} confirmation${t.confirmations === 1 ? '' : 's'})`);
      }),
    );
  wallet.addCommand(walletAssetCommand());
  addStakingCommands(wallet);
  return wallet;
}

/** Adds this command to the `hashlane` program (src/cli/main.ts). */
export function register(program: Command): void {
  program.addCommand(walletCommand());
}
