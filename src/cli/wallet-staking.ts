// `hashlane wallet stake|unstake|delegate|undelegate|redelegate|vote|rewards|claim|unjail`:
// the staking (PoS) and dpos (DPoS) modules from the wallet key. Which module the node's
// chain runs is asked once per command (getstakinginfo, else getdposinfo), so the same
// verbs serve a pos-devnet and a dpos-devnet node.
import { Command } from 'commander';
import { DEFAULT_DECIMALS, formatAmountShort } from '../chain/amount.js';
import { toHex } from '../chain/hex.js';
import { ModuleRegistry } from '../chain/module.js';
import { builtinModules } from '../chain/modules/index.js';
import { dpos, DposKind } from '../chain/modules/dpos/index.js';
import { staking, StakingKind } from '../chain/modules/staking/index.js';
import { encodeTx, signTx, type Transaction } from '../chain/tx.js';
import { ready } from '../engine/index.js';
import { amountArg, intArg, keyArg } from './args.js';
import { CliError, UsageError } from './format.js';
import { RpcCallError, RpcClientError, rpcCall, type RpcClientOptions } from './rpc-client.js';
import { call, unlockKeystore } from './wallet.js';

interface Flags extends RpcClientOptions {
  keystore: string;
  passphraseFile?: string;
}

// Signing needs the kinds' codecs; the node checks them against its own registry.
const registry = new ModuleRegistry([...builtinModules, staking, dpos]);
const METHOD_NOT_FOUND = -32601;

type Rule = 'staking' | 'dpos';

async function ruleOf(f: Flags): Promise<Rule> {
  for (const [method, rule] of [['getstakinginfo', 'staking'], ['getdposinfo', 'dpos']] as const) {
    try {
      await rpcCall(f, method, []);
      return rule;
    } catch (err) {
      if (err instanceof RpcCallError && err.code === METHOD_NOT_FOUND) continue;
      if (err instanceof RpcCallError) throw new CliError(`${method}: ${err.message} (code ${err.code})`);
      if (err instanceof RpcClientError) throw new CliError(err.message);
      throw err;
    }
  }
  throw new CliError('the node runs neither the staking nor the dpos module; expected a pos-devnet or dpos-devnet node (hashlane node --chain pos-devnet)');
}

function need(rule: Rule, want: Rule, verb: string): void {
  if (rule !== want) throw new UsageError(`"wallet ${verb}" is a ${want === 'staking' ? 'proof-of-stake (staking)' : 'DPoS (dpos)'} command; this node's chain uses the ${rule} module${rule === 'dpos' ? ' (use "wallet vote")' : ' (use "wallet delegate")'}`);
}

/** Signs one transaction of `kind` with the keystore key and sends it; prints the txid. */
async function send(f: Flags, kind: number, body: unknown): Promise<string> {
  const info = await call(f, 'getblockchaininfo', []);
  const { secretKey, publicKey } = await unlockKeystore(f);
  await ready();
  const acct = await call(f, 'getaccount', [toHex(publicKey)]);
  const make = (fee: bigint) => signTx({ chainId: info.chainid, kind, from: publicKey, nonce: acct.nextnonce, fee, body }, secretKey, registry) as Transaction;
  const fee = BigInt(encodeTx(make(0n), registry).length);
  const txid = await call(f, 'sendrawtransaction', [toHex(encodeTx(make(fee), registry))]);
  console.log(txid);
  return txid;
}

async function me(f: Flags): Promise<Uint8Array> {
  const { readJson } = await import('../node/storage.js');
  const { resolve } = await import('node:path');
  const file = await readJson<{ publicKey?: string }>(resolve(f.keystore)).catch(() => null);
  if (!file?.publicKey || !/^[0-9a-f]{64}$/.test(file.publicKey)) throw new CliError(`no keystore at ${resolve(f.keystore)}: run "hashlane wallet create" first`);
  return new Uint8Array(Buffer.from(file.publicKey, 'hex'));
}

function run(fn: (f: Flags, ...args: any[]) => Promise<void>) {
  return async (...args: any[]) => {
    const cmd = args[args.length - 1] as Command;
    await fn(cmd.optsWithGlobals() as Flags, ...args.slice(0, -1));
  };
}

const amountHelp = `amount in coins, up to ${DEFAULT_DECIMALS} decimals`;

/** Adds the staking verbs to `hashlane wallet`. */
export function addStakingCommands(wallet: Command): void {
  wallet
    .command('stake')
    .description('proof of stake: bond coins to your own validator (the first time registers it: --consensus-key needed); DPoS: lock coins to vote with')
    .argument('<amount>', amountHelp)
    .option('--consensus-key <hex>', "the validator's vote-signing key (its validator.key public key); registering only")
    .option('--commission <bp>', 'commission on delegators rewards, basis points (registering only)', intArg('--commission', 0, 10_000), 0)
    .action(
      run(async (f, amountText: string, o: { consensusKey?: string; commission: number }) => {
        const amount = amountArg('<amount>')(amountText);
        const rule = await ruleOf(f);
        if (rule === 'dpos') return void (await send(f, DposKind.Stake, { amount }));
        const self = await me(f);
        const view = await call(f, 'getstaking', [toHex(self)]);
        if (view.validator) return void (await send(f, StakingKind.Delegate, { validator: self, amount }));
        if (o.consensusKey === undefined) throw new UsageError(`${toHex(self).slice(0, 16)}... is not a validator yet: the first "wallet stake" registers it and needs --consensus-key <hex> (the public key of the node's validator key)`);
        await send(f, StakingKind.Register, { consensusKey: keyArg('--consensus-key')(o.consensusKey), commission: o.commission, amount });
      }),
    );

  wallet
    .command('unstake')
    .description('proof of stake: unbond from your own validator; DPoS: unlock staked coins. Released after the unbonding period')
    .argument('<amount>', amountHelp)
    .action(
      run(async (f, amountText: string) => {
        const amount = amountArg('<amount>')(amountText);
        if ((await ruleOf(f)) === 'dpos') return void (await send(f, DposKind.Unstake, { amount }));
        await send(f, StakingKind.Undelegate, { validator: await me(f), amount });
      }),
    );

  for (const [verb, kind, what] of [
    ['delegate', StakingKind.Delegate, 'bond coins to a validator (earns its reward share, minus its commission; slashed with it)'],
    ['undelegate', StakingKind.Undelegate, 'unbond coins from a validator (released after the unbonding period, slashable until then)'],
  ] as const) {
    wallet
      .command(verb)
      .description(`proof of stake: ${what}`)
      .argument('<validator>', "the validator's operator address (64 hex digits, as listvalidators shows)")
      .argument('<amount>', amountHelp)
      .action(
        run(async (f, validator: string, amountText: string) => {
          const v = keyArg('<validator>')(validator);
          const amount = amountArg('<amount>')(amountText);
          need(await ruleOf(f), 'staking', verb);
          await send(f, kind, { validator: v, amount });
        }),
      );
  }

  wallet
    .command('redelegate')
    .description('proof of stake: move bonded coins from one validator to another at once (the moved coins stay slashable for offences the validator left committed up to the move, and cannot be redelegated on until that window ends)')
    .argument('<from>', 'operator address of the validator to leave')
    .argument('<to>', 'operator address of the validator to join')
    .argument('<amount>', amountHelp)
    .action(
      run(async (f, from: string, to: string, amountText: string) => {
        const body = { from: keyArg('<from>')(from), to: keyArg('<to>')(to), amount: amountArg('<amount>')(amountText) };
        need(await ruleOf(f), 'staking', 'redelegate');
        await send(f, StakingKind.Redelegate, body);
      }),
    );

  wallet
    .command('vote')
    .description('DPoS: vote with your whole stake for up to M delegates (replaces your previous vote; no delegates: withdraw it)')
    .argument('[delegates...]', 'operator addresses of delegates (64 hex digits each, as listdelegates shows)')
    .action(
      run(async (f, delegates: string[]) => {
        const keys = delegates.map((d) => keyArg('<delegate>')(d));
        need(await ruleOf(f), 'dpos', 'vote');
        await send(f, DposKind.Vote, { delegates: keys });
      }),
    );

  wallet
    .command('rewards')
    .description('bonded stake, unbonding entries with their release heights, and pending rewards (default: of the keystore key)')
    .argument('[address]', 'a 64-hex-digit public key')
    .action(
      run(async (f, address?: string) => {
        const who = address !== undefined ? keyArg('[address]')(address) : await me(f);
        const rule = await ruleOf(f);
        const v = await call(f, rule === 'staking' ? 'getstaking' : 'getvoter', [toHex(who)]);
        const coins = (x: string) => formatAmountShort(BigInt(x));
        console.log(`bonded   ${coins(v.bonded)}`);
        for (const d of v.delegations ?? []) console.log(`  with ${d.validator}: ${coins(d.amount)} (pending ${coins(d.pendingreward)})`);
        for (const d of v.votes ?? []) console.log(`  voting for ${d.delegate} (pending ${coins(d.pendingreward)})`);
        for (const u of v.unbonding) console.log(`unbonding ${coins(u.amount)} released at height ${u.releaseheight}`);
        for (const r of v.redelegations ?? []) console.log(`redelegated ${coins(r.amount)} from ${r.validator} to ${r.to} at height ${r.beginheight} (slashable for offences of ${r.validator} up to then)`);
        console.log(`pending  ${coins(v.pendingrewards)} (claim with "hashlane wallet claim")`);
      }),
    );

  wallet
    .command('claim')
    .description('pay out your settled rewards (and a validator its commission)')
    .action(run(async (f) => void (await send(f, (await ruleOf(f)) === 'staking' ? StakingKind.Claim : DposKind.Claim, {}))));

  wallet
    .command('unjail')
    .description('bring your jailed validator (or delegate) back, once its jail delay has passed; it rejoins at the next epoch (never after a double-sign: it is tombstoned)')
    .action(run(async (f) => void (await send(f, (await ruleOf(f)) === 'staking' ? StakingKind.Unjail : DposKind.Unjail, {}))));
}
