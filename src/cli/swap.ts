// `hashlane swap`: atomic swaps between two chains over HTLCs, in the style of decred's
// atomicswap tools (initiate, participate, audit, redeem, refund, extract-secret) plus
// `watch`, which redeems as soon as the secret shows and refunds at the timeout. The flow
// and its safety rules are in src/swap/index.ts; this file parses and prints. Every command
// prints one JSON object on stdout; explanations go to stderr.
import { Command, InvalidArgumentError } from 'commander';
import { AmountError, parseAmount } from '../chain/amount.js';
import { toHex } from '../chain/hex.js';
import * as swap from '../swap/index.js';
import { addRpcAuthOptions, RpcCallError, RpcClientError, rpcCall, type RpcClientOptions } from './rpc-client.js';
import { CliError, UsageError } from './format.js';
import { intArg, keyArg } from './args.js';
import { unlockKeystore } from './wallet.js';
import { writeFileAtomic } from '../node/storage.js';

interface SwapFlags extends RpcClientOptions {
  keystore: string;
  passphraseFile?: string;
  otherRpc?: string;
  otherDataDir?: string;
  otherChain?: string;
  otherRpcCookieFile?: string;
}

const HEX32 = /^[0-9a-fA-F]{64}$/;
const hex32 = (name: string) => (v: string) => {
  if (!HEX32.test(v)) throw new InvalidArgumentError(`${name} ${JSON.stringify(v.slice(0, 70))} is not 32 bytes of hex; expected 64 hex digits`);
  return v.toLowerCase();
};

const thisChain = (f: SwapFlags): swap.ChainEndpoint => ({ rpc: f.rpc, dataDir: f.dataDir, chain: f.chain, rpcCookieFile: f.rpcCookieFile, rpcUser: f.rpcUser, rpcPasswordFile: f.rpcPasswordFile, label: `this chain (${f.rpc ?? 'default RPC'})` });
function otherChain(f: SwapFlags): swap.ChainEndpoint {
  if (!f.otherRpc) throw new UsageError('no --other-rpc; expected the JSON-RPC URL of a node of the other chain');
  return { rpc: f.otherRpc, dataDir: f.otherDataDir ?? f.dataDir, chain: f.otherChain ?? f.chain, rpcCookieFile: f.otherRpcCookieFile, label: `the other chain (${f.otherRpc})` };
}

/** An amount in the decimals of the asset (or of the native coin) as the node reports them. */
async function amountOn(c: swap.ChainEndpoint, text: string, asset: string | undefined, what: string): Promise<bigint> {
  const decimals = asset ? ((await rpcCall(c, 'getasset', [asset])) as { decimals: number }).decimals : ((await rpcCall(c, 'getblockchaininfo')) as { decimals: number }).decimals;
  try {
    return parseAmount(text, decimals, what);
  } catch (err) {
    if (err instanceof AmountError) throw new UsageError(err.message);
    throw err;
  }
}

const print = (o: unknown) => console.log(JSON.stringify(o, null, 2));

function run(fn: (f: SwapFlags, ...args: any[]) => Promise<void>) {
  return async (...args: any[]) => {
    const cmd = args[args.length - 1] as Command;
    try {
      await fn(cmd.optsWithGlobals() as SwapFlags, ...args.slice(0, -1));
    } catch (err) {
      if (err instanceof swap.SwapError) throw new CliError(err.message);
      if (err instanceof RpcCallError) throw new CliError(`${err.message} (code ${err.code})`);
      if (err instanceof RpcClientError) throw new CliError(err.message);
      throw err;
    }
  };
}

const otherOptions = (c: Command) =>
  c
    .option('--other-rpc <url>', "JSON-RPC URL of a node of the other chain")
    .option('--other-data-dir <dir>', "that node's data directory (its cookie); default: --data-dir")
    .option('--other-chain <name>', "that node's chain folder; default: --chain")
    .option('--other-rpc-cookie-file <file>', "that node's cookie file");

export function swapCommand(): Command {
  const cmd = new Command('swap')
    .description('atomic swaps between two chains (hash-time-locked contracts): initiate, participate, audit, redeem, refund, extract-secret, watch')
    .option('--keystore <file>', 'keystore file (as hashlane wallet)', '.hashlane/wallet/keystore.json')
    .option('--rpc <url>', "JSON-RPC URL of a node of this command's chain", 'http://127.0.0.1:17420/')
    .option('--passphrase-file <file>', 'read the passphrase from a file (or set HASHLANE_PASSPHRASE)');
  addRpcAuthOptions(cmd);

  cmd
    .command('initiate')
    .description('make a secret and lock <amount> for <recipient> on this chain; prints the secret, its hashlock and the HTLC id')
    .argument('<recipient>', "the participant's public key on this chain", keyArg('<recipient>'))
    .argument('<amount>', 'amount in the decimals of the coin or --asset')
    .option('--asset <id>', 'lock an issued asset instead of the native coin', hex32('--asset'))
    .option('--timeout-blocks <n>', 'blocks until the lock may be refunded (the participant gets at most half)', intArg('--timeout-blocks', 4, 1_000_000), 48)
    .option('--secret-file <file>', 'also write the secret to this file')
    .action(
      run(async (f, recipient: Uint8Array, amountText: string, o: { asset?: string; timeoutBlocks: number; secretFile?: string }) => {
        const c = thisChain(f);
        const amount = await amountOn(c, amountText, o.asset, '<amount>');
        const { secretKey } = await unlockKeystore(f);
        const { secret, hashlock } = await swap.newSecret();
        if (o.secretFile) await writeFileAtomic(o.secretFile, secret + '\n');
        const h = await swap.height(c);
        const timeout = h + o.timeoutBlocks;
        const r = await swap.lock(c, secretKey, { recipient: toHex(recipient), amount, asset: o.asset, hashlock, timeout });
        print({ secret, hashlock, htlc: r.htlc, txid: r.txid, timeout, height: h });
        process.stderr.write(`locked; keep the secret to yourself until the participant's lock is audited. Give the participant: hashlock ${hashlock}, htlc ${r.htlc}\n`);
      }),
    );

  otherOptions(
    cmd
      .command('participate')
      .description("audit the initiator's lock on the other chain, then lock <amount> for <recipient> on this chain with the same hashlock and at most half the initiator's time left")
      .argument('<recipient>', "the initiator's public key on this chain", keyArg('<recipient>'))
      .argument('<amount>', 'amount to lock here, in the decimals of the coin or --asset')
      .argument('<hashlock>', "the initiator's hashlock", hex32('<hashlock>'))
      .requiredOption('--initiator-htlc <id>', "the initiator's HTLC id on the other chain", hex32('--initiator-htlc'))
      .requiredOption('--expect-amount <amount>', 'what the initiator must have locked for you (decimals of that chain or --expect-asset)')
      .option('--expect-asset <id>', 'the asset the initiator must have locked (default: the native coin)', hex32('--expect-asset'))
      .option('--asset <id>', 'lock an issued asset here instead of the native coin', hex32('--asset'))
      .option('--confirmations <n>', "confirmations the initiator's lock needs first", intArg('--confirmations', 0, 10_000), 1)
      .option('--timeout-blocks <n>', "blocks until this lock may be refunded (default and maximum: half the initiator's blocks left)", intArg('--timeout-blocks', 2, 1_000_000)),
  ).action(
    run(async (f, recipient: Uint8Array, amountText: string, hashlock: string, o: { initiatorHtlc: string; expectAmount: string; expectAsset?: string; asset?: string; confirmations: number; timeoutBlocks?: number }) => {
      const here = thisChain(f);
      const there = otherChain(f);
      const { secretKey, publicKey } = await unlockKeystore(f);
      const expectAmount = await amountOn(there, o.expectAmount, o.expectAsset, '--expect-amount');
      const amount = await amountOn(here, amountText, o.asset, '<amount>');
      const a = await swap.audit(there, o.initiatorHtlc, { amount: expectAmount, asset: o.expectAsset, recipient: toHex(publicKey), hashlock, minRemaining: 4, confirmations: o.confirmations });
      const h = await swap.height(here);
      const timeout = swap.participantTimeout(a.remaining, h, o.timeoutBlocks);
      const r = await swap.lock(here, secretKey, { recipient: toHex(recipient), amount, asset: o.asset, hashlock, timeout });
      print({ htlc: r.htlc, txid: r.txid, timeout, height: h, initiator: { htlc: o.initiatorHtlc, height: a.height, timeout: a.htlc.timeout, remaining: a.remaining, confirmations: a.confirmations } });
    }),
  );

  cmd
    .command('audit')
    .description("check a counterparty's lock on this chain: amount, recipient, hashlock, blocks left before the timeout, confirmations (exit 1 when any fails)")
    .argument('<htlc>', 'HTLC id', hex32('<htlc>'))
    .requiredOption('--amount <amount>', 'the amount it must lock')
    .option('--asset <id>', 'the asset it must lock (default: the native coin)', hex32('--asset'))
    .requiredOption('--recipient <key>', 'who it must pay (your key)', hex32('--recipient'))
    .option('--hashlock <h>', 'the hashlock it must carry', hex32('--hashlock'))
    .option('--min-remaining <n>', 'blocks that must remain before its timeout', intArg('--min-remaining', 0, 1_000_000), 2)
    .option('--confirmations <n>', 'confirmations it must have', intArg('--confirmations', 0, 10_000), 1)
    .action(
      run(async (f, id: string, o: { amount: string; asset?: string; recipient: string; hashlock?: string; minRemaining: number; confirmations: number }) => {
        const c = thisChain(f);
        const r = await swap.audit(c, id, { amount: await amountOn(c, o.amount, o.asset, '--amount'), asset: o.asset, recipient: o.recipient, hashlock: o.hashlock, minRemaining: o.minRemaining, confirmations: o.confirmations });
        print({ ok: true, htlc: r.htlc.id, amount: await swap.describeAmount(c, r.htlc), hashlock: r.htlc.hashlock, height: r.height, timeout: r.htlc.timeout, remaining: r.remaining, confirmations: r.confirmations });
      }),
    );

  cmd
    .command('redeem')
    .description('claim an HTLC on this chain with the 32-byte secret (checked first: size, hash, recipient, timeout)')
    .argument('<htlc>', 'HTLC id', hex32('<htlc>'))
    .argument('<secret>', 'the secret (64 hex digits)')
    .action(
      run(async (f, id: string, secret: string) => {
        const c = thisChain(f);
        const { secretKey } = await unlockKeystore(f);
        const r = await swap.redeem(c, secretKey, id, secret);
        print({ txid: r.txid, height: await swap.height(c) });
      }),
    );

  cmd
    .command('refund')
    .description('take back your own HTLC on this chain once its timeout height is reached')
    .argument('<htlc>', 'HTLC id', hex32('<htlc>'))
    .action(
      run(async (f, id: string) => {
        const c = thisChain(f);
        const { secretKey } = await unlockKeystore(f);
        const r = await swap.refund(c, secretKey, id);
        print({ txid: r.txid, height: await swap.height(c) });
      }),
    );

  cmd
    .command('extract-secret')
    .description('the secret a claim revealed on this chain for <hashlock> (exit 1 while none did)')
    .argument('<hashlock>', 'the hashlock', hex32('<hashlock>'))
    .action(
      run(async (f, hashlock: string) => {
        const secret = await swap.extractSecret(thisChain(f), hashlock);
        if (!secret) throw new CliError(`no claim on this chain revealed the secret of ${hashlock} yet; expected a claimed HTLC with that hashlock`);
        print({ secret, hashlock });
      }),
    );

  otherOptions(
    cmd
      .command('watch')
      .description('run your side until settled: redeem the other lock as soon as the secret is known (yours, or revealed by the claim of your lock), refund your lock at its timeout')
      .requiredOption('--own-htlc <id>', 'your lock, on this chain', hex32('--own-htlc'))
      .requiredOption('--other-htlc <id>', "the counterparty's lock for you, on the other chain", hex32('--other-htlc'))
      .requiredOption('--expect-amount <amount>', 'what the other lock must hold for you')
      .option('--expect-asset <id>', 'its asset (default: the native coin)', hex32('--expect-asset'))
      .option('--secret <hex>', 'the secret (initiator); without it, it is read from the claim of your lock')
      .option('--confirmations <n>', 'confirmations the other lock needs before redeeming', intArg('--confirmations', 0, 10_000), 1)
      .option('--poll-ms <n>', 'poll interval', intArg('--poll-ms', 10, 60_000), 500)
      .option('--deadline <s>', 'give up after this many seconds', intArg('--deadline', 1, 30 * 86_400), 86_400),
  ).action(
    run(async (f, o: { ownHtlc: string; otherHtlc: string; expectAmount: string; expectAsset?: string; secret?: string; confirmations: number; pollMs: number; deadline: number }) => {
      const own = thisChain(f);
      const other = otherChain(f);
      const { secretKey } = await unlockKeystore(f);
      const amount = await amountOn(other, o.expectAmount, o.expectAsset, '--expect-amount');
      const ownLock = await swap.getHtlc(own, o.ownHtlc);
      if (!ownLock) throw new CliError(`this chain has no HTLC ${o.ownHtlc}; expected your lock`);
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const r = await swap.watch({
        sk: secretKey,
        own: { chain: own, htlc: o.ownHtlc },
        other: { chain: other, htlc: o.otherHtlc, expect: { amount, asset: o.expectAsset, hashlock: ownLock.hashlock, minRemaining: 0, confirmations: o.confirmations } },
        secret: o.secret,
        pollMs: o.pollMs,
        deadlineMs: o.deadline * 1000,
        log: (l) => process.stderr.write(l + '\n'),
        signal: abort.signal,
      });
      print(r);
    }),
  );
  return cmd;
}
