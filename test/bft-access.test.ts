// The send allowlist of a consortium chain through the CLI: `hashlane genesis --allow`
// names who may send besides the validators, `hashlane validator access allow|revoke`
// changes it by vote. One validator (it alone is more than 2/3), one node process.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import { createTransfer, encodeTx } from '../dist/chain/tx.js';
import { ed25519 } from '../dist/sig/index.js';
import { sha256 } from '../dist/hash/index.js';
import { cli, startCli, type RunningCli } from './support/cli.js';
import { cookieCall, until } from './support/testnet.js';

await ready();
const dir = mkdtempSync(join(tmpdir(), 'hashlane-access-'));
let node: RunningCli;
let rpc: string;
const cookie = join(dir, 'solo', 'consortium-devnet', '.cookie');

const call = (method: string, params: unknown[] = []) => cookieCall(rpc, cookie, method, params, 'the node');

const account = (seed: number) => {
  const sk = sha256(new Uint8Array([seed, 0x15]));
  return { sk, pk: ed25519.getPublicKey(sk), hex: Buffer.from(ed25519.getPublicKey(sk)).toString('hex') };
};
const listed = account(1);
const other = account(2);
let validator: { sk: Uint8Array; pk: Uint8Array; hex: string };
let chainId: number;

/** Sends `amount` base units from `from` to `to`; the txid, or throws the node's refusal. */
async function send(from: { sk: Uint8Array; hex: string }, to: Uint8Array, amount: bigint): Promise<string> {
  const { nextnonce } = await call('getaccount', [from.hex]);
  const make = (fee: bigint) => createTransfer({ chainId, to, amount, fee, nonce: nextnonce, payload: new Uint8Array(0) }, from.sk);
  return call('sendrawtransaction', [Buffer.from(encodeTx(make(BigInt(encodeTx(make(0n)).length)))).toString('hex')]);
}
const confirmed = (who: { hex: string }) => until(`${who.hex.slice(0, 8)}'s transactions in a block`, async () => (await call('getaccount', [who.hex])).pending === 0, 30_000);

beforeAll(async () => {
  const key = await cli(['validator', 'key', '--data-dir', 'solo'], { cwd: dir });
  expect(key.code, key.stderr).toBe(0);
  const g = await cli(['genesis', '--validator', `solo=${key.stdout.trim()}`, '--allow', listed.hex, '--out', 'genesis.json'], { cwd: dir });
  expect(g.code, g.stderr).toBe(0);
  const file = JSON.parse(readFileSync(join(dir, 'solo', 'consortium-devnet', 'validator.key'), 'utf8'));
  validator = { sk: Buffer.from(file.secretKey, 'hex'), pk: Buffer.from(file.publicKey, 'hex'), hex: file.publicKey };
  node = startCli(['node', '--chain', 'consortium-devnet', '--genesis', 'genesis.json', '--data-dir', 'solo', '--bind', '127.0.0.1', '--p2p-port', '0', '--rpc-port', '0'], { cwd: dir });
  rpc = (await node.waitFor(/rpc (http:\/\/127\.0\.0\.1:\d+\/)/, 60_000))[1]!;
  chainId = (await until('the node RPC', () => call('getblockchaininfo').catch(() => null), 30_000)).chainid;
  // The validator's block rewards pay for everything below.
  await until('the validator to have coins', async () => Number((await call('getaccount', [validator.hex])).balance) > 1, 60_000);
}, 120_000);
afterAll(async () => {
  await node?.stop('SIGINT');
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('the send allowlist of a consortium chain', () => {
  it('lets validators and listed accounts send, refuses the others, and changes by access votes', async () => {
    expect(await call('getallowlist')).toEqual({ enabled: true, accounts: [listed.hex] });
    // Validators always send: fund both accounts.
    await send(validator, listed.pk, 10_000_000n);
    await send(validator, other.pk, 10_000_000n);
    await confirmed(validator);
    expect(await send(listed, validator.pk, 1000n)).toMatch(/^[0-9a-f]{64}$/);
    await expect(send(other, validator.pk, 1000n)).rejects.toThrow(/bft-not-allowed|may not send transactions on this chain/);

    const allow = await cli(['validator', 'access', 'allow', other.hex, '--rpc', rpc, '--data-dir', 'solo'], { cwd: dir });
    expect(allow.code, allow.stderr).toBe(0);
    expect(allow.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    await until('the access vote to take effect', async () => (await call('getallowlist')).accounts.includes(other.hex), 30_000);
    expect(await send(other, validator.pk, 1000n)).toMatch(/^[0-9a-f]{64}$/);
    await confirmed(other);

    const revoke = await cli(['validator', 'access', 'revoke', listed.hex, '--rpc', rpc, '--data-dir', 'solo'], { cwd: dir });
    expect(revoke.code, revoke.stderr).toBe(0);
    await until('the revocation to take effect', async () => !(await call('getallowlist')).accounts.includes(listed.hex), 30_000);
    await confirmed(listed);
    await expect(send(listed, validator.pk, 1000n)).rejects.toThrow(/bft-not-allowed|may not send transactions on this chain/);
  }, 120_000);

  it('says what is wrong with a vote it cannot send', async () => {
    const bad = await cli(['validator', 'vote', 'add', 'abc', '--rpc', rpc, '--data-dir', 'solo'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/<pubkey> "abc" is not a public key; expected a 32-byte Ed25519 public key as 64 hex digits/);
    const verb = await cli(['validator', 'vote', 'promote', validator.hex, '--rpc', rpc, '--data-dir', 'solo'], { cwd: dir });
    expect(verb.code).toBe(2);
    expect(verb.stderr).toBe('hashlane validator vote: <action> "promote" is not allowed; expected one of: add, remove\n');
    const nokey = await cli(['validator', 'vote', 'add', other.hex, '--rpc', rpc, '--data-dir', 'nobody'], { cwd: dir });
    expect(nokey.code).toBe(1);
    expect(nokey.stderr).toMatch(/^hashlane validator vote: no validator key at .*nobody.*validator\.key/);
    // Not a member: the node refuses the vote at admission, and the CLI says so in one line.
    expect((await cli(['validator', 'key', '--out', 'x.key'], { cwd: dir })).code).toBe(0);
    const outsider = await cli(['validator', 'vote', 'add', other.hex, '--rpc', rpc, '--data-dir', 'solo', '--validator-key', join(dir, 'x.key')], { cwd: dir });
    expect(outsider.code).toBe(1);
    expect(outsider.stderr).toMatch(/^hashlane validator vote: sendrawtransaction: .*is not a current validator; only validators vote.*\n$/);
  }, 60_000);
});
