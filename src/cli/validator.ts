// `hashlane validator key` and `hashlane genesis`: what each organisation of a consortium
// runs before the chain exists — make a key, hand its public half to whoever writes the
// genesis file, start the node with both.
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ready } from '../engine/index.js';
import { loadValidatorKey, peerIdOf } from '../node/validator-key.js';
import { writeFileAtomic } from '../node/storage.js';
import { encodeTx, type Transaction } from '../chain/tx.js';
import { ChainError } from '../chain/errors.js';
import { genesisJson, genesisPresets, type GenesisFile } from '../chain/genesis-file.js';
import { withValidators, type PremineAllocation } from '../chain/params.js';
import { dposParams, stakingParams } from '../chain/modules/staking/params.js';
import { formatAmountShort } from '../chain/amount.js';
import { createAccessVoteTx, createValidatorVoteTx, type SignedTxArgs } from '../chain/modules/bft/builders.js';
import { amountArg, intArg, keyArg } from './args.js';
import { DEFAULT_RPC_URL } from './rpc-client.js';
import { call } from './wallet.js';
import { CliError, exitWith, UsageError } from './format.js';

export interface ValidatorKeyInfo {
  /** The 32-byte Ed25519 public key: the validator's address in the genesis file and in votes. */
  publicKey: Uint8Array;
  /** libp2p peer id of the same key (the node's p2p identity), for --allow-peer lists. */
  peerId: string;
  created: boolean;
}

/** The validator key at `path` (the node's --validator-key file), created (0600) when absent. */
export async function loadOrCreateValidatorKey(path: string): Promise<ValidatorKeyInfo> {
  await ready();
  const created = !existsSync(path);
  let key: { publicKey: Uint8Array };
  try {
    key = await loadValidatorKey(path);
  } catch (err) {
    throw new CliError(`${(err as Error).message}; expected the key file "hashlane validator key" writes`);
  }
  return { publicKey: key.publicKey, peerId: peerIdOf(key.publicKey), created };
}

export interface GenesisValidator {
  name: string;
  publicKey: Uint8Array;
  power: bigint;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * The genesis file of a voting chain from a preset, checked by the chain code (defineParams:
 * duplicate keys, powers the set module does not allow...). The default time is now, so
 * that the first block's timestamp follows it and two chains started apart differ.
 */
export function consortiumGenesis(chain: string, validators: GenesisValidator[], o: { chainId?: number; genesisTime?: number; allow?: Uint8Array[]; premine?: PremineAllocation[] }): GenesisFile {
  const preset = genesisPresets[chain];
  if (!preset) throw new UsageError(`chain ${chain} has no genesis file; expected one of ${Object.keys(genesisPresets).join(', ')}`);
  try {
    return genesisJson(
      withValidators(preset, validators, {
        genesisTime: o.genesisTime ?? Math.floor(Date.now() / 1000),
        ...(o.chainId !== undefined ? { chainId: o.chainId } : {}),
        ...(o.allow ? { sendAllowlist: o.allow } : {}),
        ...(o.premine?.length ? { premine: o.premine } : {}),
      }),
    );
  } catch (err) {
    if (err instanceof ChainError) throw new UsageError(err.message);
    throw err;
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function validatorArg(value: string, previous: GenesisValidator[] = []): GenesisValidator[] {
  const m = /^([^=]*)=([0-9a-fA-F]*)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`--validator ${JSON.stringify(value.slice(0, 80))} is not name=key; expected e.g. org-a=<64 hex digits of the public key "hashlane validator key" printed>`);
  const [, name, key] = m as unknown as [string, string, string];
  if (!NAME.test(name)) throw new InvalidArgumentError(`--validator name ${JSON.stringify(name.slice(0, 80))} is not allowed; expected 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  if (key.length !== 64) throw new InvalidArgumentError(`--validator ${name}: the key has ${key.length} hex digits; expected a 32-byte Ed25519 public key as 64 hex digits`);
  const publicKey = new Uint8Array(Buffer.from(key, 'hex'));
  if (previous.some((v) => v.name === name)) throw new InvalidArgumentError(`--validator ${name} is given twice; expected each name once`);
  const same = previous.find((v) => hex(v.publicKey) === hex(publicKey));
  if (same) throw new InvalidArgumentError(`--validator ${name} has the same key as ${same.name}; expected one key per validator`);
  return [...previous, { name, publicKey, power: 1n }];
}

function allowArg(value: string, previous: Uint8Array[] = []): Uint8Array[] {
  if (!/^[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError(`--allow ${JSON.stringify(value.slice(0, 80))} is not an account; expected a 32-byte public key as 64 hex digits`);
  return [...previous, new Uint8Array(Buffer.from(value, 'hex'))];
}

/** `<left>=<amount in coins>` (repeatable): the left side as given, the amount in base units. */
function coinsArg(flag: string, left: string) {
  return (value: string, previous: { who: string; amount: bigint }[] = []): { who: string; amount: bigint }[] => {
    const at = value.lastIndexOf('=');
    if (at <= 0) throw new InvalidArgumentError(`${flag} ${JSON.stringify(value.slice(0, 80))} is not ${left}=<coins>; expected e.g. ${left}=1000`);
    return [...previous, { who: value.slice(0, at), amount: amountArg(`${flag} ${value.slice(0, at).slice(0, 20)}`)(value.slice(at + 1)) }];
  };
}

/** Base units of stake one unit of genesis power stands for (pos-devnet, dpos-devnet); null for the consortium rule. */
function stakePerPower(chain: string): bigint | null {
  const p = genesisPresets[chain]!;
  if (p.validatorSetModule === 'staking') return stakingParams(p.staking).genesisStakePerPower;
  if (p.validatorSetModule === 'dpos') return dposParams(p.dpos).genesisStakePerPower;
  return null;
}

/** Sets the power of the validators --stake names: stake / genesisStakePerPower, which must divide it. */
function applyStakes(chain: string, validators: GenesisValidator[], stakes: { who: string; amount: bigint }[]): GenesisValidator[] {
  const unit = stakePerPower(chain);
  if (unit === null) throw new UsageError(`--stake with --chain ${chain}; expected --chain pos-devnet or dpos-devnet (the consortium rule gives every validator power 1)`);
  const out = validators.map((v) => ({ ...v }));
  const seen = new Set<string>();
  for (const s of stakes) {
    if (seen.has(s.who)) throw new UsageError(`--stake ${s.who} is given twice; expected each validator's stake once`);
    seen.add(s.who);
    const v = out.find((x) => x.name === s.who);
    if (!v) throw new UsageError(`--stake ${s.who}=... names no --validator; expected the name of one (${out.map((x) => x.name).join(', ')})`);
    if (s.amount === 0n || s.amount % unit !== 0n) throw new UsageError(`--stake ${s.who}=${formatAmountShort(s.amount)} is not a positive multiple of ${formatAmountShort(unit)} coins; a genesis validator's stake is its power times the preset's genesisStakePerPower`);
    v.power = s.amount / unit;
  }
  return out;
}

function premineOf(funds: { who: string; amount: bigint }[]): PremineAllocation[] {
  return funds.map((f) => {
    if (!/^[0-9a-fA-F]{64}$/.test(f.who)) throw new UsageError(`--fund ${JSON.stringify(f.who.slice(0, 80))}: not an account; expected a 32-byte public key as 64 hex digits`);
    if (f.amount === 0n) throw new UsageError(`--fund ${f.who.slice(0, 16)}...=0: expected a positive amount`);
    return { publicKey: new Uint8Array(Buffer.from(f.who, 'hex')), amount: f.amount };
  });
}

interface GenesisFlags {
  chain: string;
  validator?: GenesisValidator[];
  stake?: { who: string; amount: bigint }[];
  fund?: { who: string; amount: bigint }[];
  allow?: Uint8Array[];
  chainId?: number;
  genesisTime?: number;
  out?: string;
}

export function genesisCommand(): Command {
  return new Command('genesis')
    .description('write the genesis file of a voting chain: its validators (consortium: equal power; pos/dpos: a genesis self-stake each) and, optionally, funded accounts and the accounts allowed to send')
    .addOption(new Option('--chain <name>', 'the chain preset').choices(Object.keys(genesisPresets)).default('consortium-devnet'))
    .option('--validator <name=pubkey>', 'a validator: a name and the public key "hashlane validator key" printed (repeatable, at least one)', validatorArg)
    .option('--stake <name=coins>', 'pos-devnet / dpos-devnet: the genesis self-stake (or self-vote) of a validator, a multiple of 1000 coins (default 1000; repeatable)', coinsArg('--stake', 'name'))
    .option('--fund <pubkey=coins>', 'an account the genesis gives coins to (repeatable), e.g. to stake or delegate with later', coinsArg('--fund', 'pubkey'))
    .option('--allow <pubkey>', 'an account allowed to send transactions (repeatable; with none, anyone may send; validators always may)', allowArg)
    .option('--chain-id <n>', 'the chain id (u32) signatures commit to; default: the preset\'s', intArg('--chain-id', 0, 0xffffffff))
    .option('--genesis-time <unix-seconds>', 'the genesis block time (default: now)', intArg('--genesis-time', 0, 0xffffffff))
    .option('--out <file>', 'write the file here (default: print it)')
    .action(async (f: GenesisFlags) => {
      try {
        if (!f.validator?.length) throw new UsageError('no --validator; expected at least one --validator <name>=<public key>');
        const validators = f.stake ? applyStakes(f.chain, f.validator, f.stake) : f.validator;
        const json = consortiumGenesis(f.chain, validators, { chainId: f.chainId, genesisTime: f.genesisTime, allow: f.allow, premine: premineOf(f.fund ?? []) });
        const text = JSON.stringify(json, null, 2) + '\n';
        if (f.out === undefined) process.stdout.write(text);
        else {
          await writeFileAtomic(resolve(f.out), text, 0o644);
          console.error(`wrote ${f.out}: ${f.chain}, ${f.validator.length} validator(s)${f.fund ? `, ${f.fund.length} funded account(s)` : ''}${f.allow ? `, ${f.allow.length} allowed sender(s)` : ''}`);
        }
      } catch (err) {
        exitWith('genesis', err);
      }
    });
}

interface VoteFlags {
  rpc: string;
  dataDir: string;
  chain: string;
  validatorKey?: string;
  rpcCookieFile?: string;
  fee?: bigint;
}

/** The flags every vote subcommand takes: where the node is and which key signs. */
function voteOptions(c: Command): Command {
  return c
    .option('--rpc <url>', "the node's JSON-RPC URL", DEFAULT_RPC_URL)
    .option('--data-dir <dir>', "the node's data directory (its RPC cookie and, by default, the validator key)", '.hashlane')
    .option('--chain <name>', "the node's chain", 'consortium-devnet')
    .option('--validator-key <file>', 'the voting validator\'s key (default <data-dir>/<chain>/validator.key)')
    .option('--rpc-cookie-file <file>', 'read the RPC cookie from this file instead')
    .option('--fee <amount>', 'fee in coins (default: 1 base unit per byte)', amountArg('--fee'));
}

/**
 * Signs one authority vote with the validator key and sends it through the node; prints the
 * txid. The vote counts once it is in a block; the change happens at the end of the block in
 * which more than 2/3 of the current validators have voted for it.
 */
async function sendVote(f: VoteFlags, make: (args: SignedTxArgs, sk: Uint8Array) => Transaction): Promise<string> {
  await ready();
  const keyPath = resolve(f.validatorKey ?? join(f.dataDir, f.chain, 'validator.key'));
  if (!existsSync(keyPath)) throw new CliError(`no validator key at ${keyPath}; expected the key this validator's node runs with (--validator-key)`);
  const key = await loadValidatorKey(keyPath);
  const info = await call(f, 'getblockchaininfo', []);
  if (info.consensus !== 'bft') throw new CliError(`the node at ${f.rpc} runs ${info.chain} (${info.consensus ?? 'pow'}); expected a bft chain, whose validators vote`);
  const acct = await call(f, 'getaccount', [hex(key.publicKey)]);
  const build = (fee: bigint) => make({ chainId: info.chainid, nonce: acct.nextnonce, fee }, key.secretKey);
  const fee = f.fee ?? BigInt(encodeTx(build(0n)).length);
  return call(f, 'sendrawtransaction', [hex(encodeTx(build(fee)))]);
}

/** `hashlane validator <name> <action> <subject>`: one signed authority vote. */
function voteCommand(
  parent: Command,
  v: {
    name: string;
    description: string;
    actions: string[];
    subject: [string, string];
    make: (action: string, subject: Uint8Array) => (args: SignedTxArgs, sk: Uint8Array) => Transaction;
    done: (action: string, subjectHex: string) => string;
  },
): void {
  voteOptions(
    parent
      .command(v.name)
      .description(v.description)
      .addArgument(new Argument('<action>', v.actions.join(' or ')).choices(v.actions))
      .argument(v.subject[0], v.subject[1], keyArg(v.subject[0])),
  ).action(async (action: string, subject: Uint8Array, f: VoteFlags) => {
    try {
      console.log(await sendVote(f, v.make(action, subject)));
      console.error(v.done(action, hex(subject)));
    } catch (err) {
      exitWith(`validator ${v.name}`, err);
    }
  });
}

export function validatorCommand(): Command {
  const cmd = new Command('validator').description('validator keys, and the votes of a consortium\'s validators on its validator set and send allowlist');
  cmd
    .command('key')
    .description('create the validator key if there is none, and print its public key (what goes into the genesis file)')
    .option('--data-dir <dir>', 'as `hashlane node --data-dir`', '.hashlane')
    .option('--chain <name>', 'as `hashlane node --chain`: the key is <data-dir>/<chain>/validator.key', 'consortium-devnet')
    .option('--out <file>', 'the key file (default: where the node looks for it)')
    .option('--peer-id', 'also print the libp2p peer id of the key (for --allow-peer lists)')
    .action(async (f: { dataDir: string; chain: string; out?: string; peerId?: boolean }) => {
      try {
        const path = resolve(f.out ?? join(f.dataDir, f.chain, 'validator.key'));
        const key = await loadOrCreateValidatorKey(path);
        console.error(`${key.created ? 'created' : 'using'} the validator key ${path}`);
        console.log(hex(key.publicKey));
        if (f.peerId) console.log(key.peerId);
      } catch (err) {
        exitWith('validator key', err);
      }
    });
  voteCommand(cmd, {
    name: 'vote',
    description: 'vote, as a current validator, to add or remove a validator (it changes once more than 2/3 of the validators have voted the same)',
    actions: ['add', 'remove'],
    subject: ['<pubkey>', 'the validator\'s public key (64 hex digits, what "hashlane validator key" printed)'],
    make: (action, subject) => (a, sk) => createValidatorVoteTx({ ...a, action: action as 'add' | 'remove', subject }, sk),
    done: (action, subject) => `voted to ${action} validator ${subject}; "hashlane rpc getproposals" shows the tally, "hashlane rpc getvalidators" the set`,
  });
  voteCommand(cmd, {
    name: 'access',
    description: 'vote, as a current validator, to allow an account to send transactions or revoke it (chains with a send allowlist)',
    actions: ['allow', 'revoke'],
    subject: ['<account>', "the account's public key (64 hex digits)"],
    make: (action, subject) => (a, sk) => createAccessVoteTx({ ...a, action: action as 'allow' | 'revoke', subject }, sk),
    done: (action, subject) => `voted to ${action} ${subject}; "hashlane rpc getallowlist" shows the list`,
  });
  return cmd;
}
