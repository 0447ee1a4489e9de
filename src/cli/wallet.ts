import { Command } from 'commander';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ready } from '../engine/index.js';
import { createTransfer, encodeTx } from '../chain/tx.js';
import { ed25519 } from '../sig/index.js';
import { DEFAULT_KDF, decryptKey, encryptKey, KeystoreError } from '../node/keystore.js';
import { readJson, writeFileAtomic } from '../node/storage.js';
import { amountArg, intArg, keyArg } from './args.js';
import { addRpcAuthOptions, RpcCallError, RpcClientError, rpcCall, type RpcClientOptions } from './rpc-client.js';

interface WalletFlags extends RpcClientOptions {
  keystore: string;
  rpc: string;
  passphraseFile?: string;
}

class CliError extends Error {}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function passphrase(f: WalletFlags, confirm = false): Promise<string> {
  if (f.passphraseFile) return (await readFile(f.passphraseFile, 'utf8')).replace(/\r?\n$/, '');
  if (process.env.HASHLANE_PASSPHRASE !== undefined) return process.env.HASHLANE_PASSPHRASE;
  if (!process.stdin.isTTY) throw new CliError('no passphrase: set HASHLANE_PASSPHRASE, use --passphrase-file, or run in a terminal');
  const first = await prompt('passphrase: ');
  if (confirm && (await prompt('again: ')) !== first) throw new CliError('the passphrases differ');
  return first;
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

async function call(f: WalletFlags, method: string, params: unknown[]): Promise<any> {
  try {
    return await rpcCall(f, method, params);
  } catch (err) {
    if (err instanceof RpcCallError) throw new CliError(`${method}: ${err.message} (code ${err.code})`);
    if (err instanceof RpcClientError) throw new CliError(err.message);
    throw err;
  }
}

async function loadPublicKey(f: WalletFlags): Promise<string> {
  const file = await readJson<{ publicKey?: string }>(resolve(f.keystore));
  if (!file?.publicKey) throw new CliError(`no keystore at ${resolve(f.keystore)}: run "hashlane wallet create" first`);
  return file.publicKey;
}

function run(fn: (f: WalletFlags, ...args: any[]) => Promise<void>) {
  return async (...args: any[]) => {
    const cmd = args[args.length - 1] as Command;
    const flags = cmd.optsWithGlobals() as WalletFlags;
    try {
      await fn(flags, ...args.slice(0, -1));
    } catch (err) {
      if (err instanceof CliError || err instanceof KeystoreError) {
        console.error(`hashlane wallet: ${err.message}`);
        process.exitCode = 1;
        return;
      }
      throw err;
    }
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
        const path = resolve(f.keystore);
        if (!o.force && (await readJson(path))) throw new CliError(`${path} exists; use --force to replace it (the old key is then lost)`);
        const pass = await passphrase(f, true);
        await ready();
        const sk = globalThis.crypto.getRandomValues(new Uint8Array(32));
        const pk = ed25519.getPublicKey(sk);
        await mkdir(dirname(path), { recursive: true });
        await writeFileAtomic(path, JSON.stringify(await encryptKey(sk, pk, pass, { ...DEFAULT_KDF, memoryKiB: o.kdfMemory * 1024, iterations: o.kdfIterations }), null, 2) + '\n');
        console.log(hex(pk));
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
        if (address !== undefined) keyArg('address')(address);
        const a = await call(f, 'getaccount', [address ?? (await loadPublicKey(f))]);
        console.log(`${a.balance} (nonce ${a.nonce}${a.pending ? `, ${a.pending} pending` : ''})`);
      }),
    );

  wallet
    .command('send')
    .description('sign a transfer with the keystore key and send it through the node; prints the txid')
    .argument('<to>', "recipient's public key (64 hex digits)")
    .argument('<amount>', 'amount in base units')
    .option('--fee <n>', 'fee in base units (default: 1 per byte of the transaction)')
    .option('--payload <hex>', 'payload bytes (hex)', '')
    .action(
      run(async (f, to: string, amountText: string, o: { fee?: string; payload: string }) => {
        const toKey = keyArg('<to>')(to);
        const amount = amountArg('<amount>')(amountText);
        if (!/^(?:[0-9a-fA-F]{2})*$/.test(o.payload)) throw new CliError('--payload must be hex');
        const info = await call(f, 'getblockchaininfo', []);
        const file = await readJson(resolve(f.keystore));
        if (!file) throw new CliError(`no keystore at ${resolve(f.keystore)}: run "hashlane wallet create" first`);
        const { secretKey, publicKey } = await decryptKey(file, await passphrase(f));
        await ready();
        const acct = await call(f, 'getaccount', [hex(publicKey)]);
        const payload = new Uint8Array(Buffer.from(o.payload, 'hex'));
        const make = (fee: bigint) => createTransfer({ chainId: info.chainid, to: toKey, amount, fee, nonce: acct.nextnonce, payload }, secretKey);
        const fee = o.fee !== undefined ? amountArg('--fee')(o.fee) : BigInt(encodeTx(make(0n)).length);
        const txid = await call(f, 'sendrawtransaction', [hex(encodeTx(make(fee)))]);
        console.log(txid);
      }),
    );
  return wallet;
}

/** Adds this command to the `hashlane` program (src/cli/main.ts). */
export function register(program: Command): void {
  program.addCommand(walletCommand());
}
