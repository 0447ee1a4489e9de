// `hashlane validator key` and `hashlane genesis`: what each organisation of a consortium
// runs before the chain exists — make a key, hand its public half to whoever writes the
// genesis file, start the node with both.
import { Command, InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ready } from '../engine/index.js';
import { loadValidatorKey, peerIdOf } from '../node/validator-key.js';
import { writeFileAtomic } from '../node/storage.js';
import { intArg } from './args.js';
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

/** The genesis file of a voting chain (the layout of docs in src/chain/genesis-file.ts). */
export function consortiumGenesis(chain: string, validators: GenesisValidator[], o: { chainId?: number; genesisTime?: number; allow?: Uint8Array[] }): object {
  return {
    chain,
    ...(o.chainId !== undefined ? { chainId: o.chainId } : {}),
    genesisTime: o.genesisTime ?? Math.floor(Date.now() / 1000),
    validators: validators.map((v) => ({ name: v.name, publicKey: hex(v.publicKey), power: v.power.toString() })),
    ...(o.allow ? { sendAllowlist: o.allow.map(hex) } : {}),
  };
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

interface GenesisFlags {
  chain: string;
  validator?: GenesisValidator[];
  allow?: Uint8Array[];
  chainId?: number;
  genesisTime?: number;
  out?: string;
}

export function genesisCommand(): Command {
  return new Command('genesis')
    .description('write the genesis file of a consortium chain: its validators (equal power) and, optionally, the accounts allowed to send')
    .addOption(new Option('--chain <name>', 'the chain preset').choices(['consortium-devnet']).default('consortium-devnet'))
    .option('--validator <name=pubkey>', 'a validator: a name and the public key "hashlane validator key" printed (repeatable, at least one)', validatorArg)
    .option('--allow <pubkey>', 'an account allowed to send transactions (repeatable; with none, anyone may send; validators always may)', allowArg)
    .option('--chain-id <n>', 'the chain id (u32) signatures commit to; default: the preset\'s', intArg('--chain-id', 0, 0xffffffff))
    .option('--genesis-time <unix-seconds>', 'the genesis block time (default: now)', intArg('--genesis-time', 0, 0xffffffff))
    .option('--out <file>', 'write the file here (default: print it)')
    .action(async (f: GenesisFlags) => {
      try {
        if (!f.validator?.length) throw new UsageError('no --validator; expected at least one --validator <name>=<public key>');
        const json = consortiumGenesis(f.chain, f.validator, { chainId: f.chainId, genesisTime: f.genesisTime, allow: f.allow });
        const text = JSON.stringify(json, null, 2) + '\n';
        if (f.out === undefined) process.stdout.write(text);
        else {
          await writeFileAtomic(resolve(f.out), text, 0o644);
          console.error(`wrote ${f.out}: ${f.chain}, ${f.validator.length} validator(s)${f.allow ? `, ${f.allow.length} allowed sender(s)` : ''}`);
        }
      } catch (err) {
        exitWith('genesis', err);
      }
    });
}

export function validatorCommand(): Command {
  const cmd = new Command('validator').description('validator keys');
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
  return cmd;
}
