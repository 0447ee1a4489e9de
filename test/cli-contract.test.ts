// `hashlane contract build|deploy|call|query|receipt` end to end against a mining regtest
// node: the example token built, deployed, minted, queried; usage errors exit 2.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cli, MAIN } from './support/cli.js';
import { spawnNode, type NodeProcess } from './support/hostile.js';

const run = promisify(execFile);
const env = { env: { HASHLANE_PASSPHRASE: 'contract test passphrase' } };
let n: NodeProcess;
let tmp: string;
let pk: string;
let base: string[];

async function receipt(txid: string): Promise<any> {
  for (let i = 0; i < 120; i++) {
    const r = await cli([...base, 'receipt', txid], env);
    if (r.code === 0) return JSON.parse(r.stdout);
    expect(r.stderr).toMatch(/no receipt/);
    await new Promise((ok) => setTimeout(ok, 250));
  }
  throw new Error(`no receipt for ${txid}`);
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hashlane-cli-contract-'));
  const keystore = join(tmp, 'keystore.json');
  const created = await cli(['wallet', 'create', '--keystore', keystore, '--kdf-memory', '1', '--kdf-iterations', '1'], env);
  expect(created.code).toBe(0);
  pk = created.stdout.trim();
  n = await spawnNode(['--mine', '--threads', '1', '--miner-address', pk, '--block-interval', '200']);
  base = ['contract', '--keystore', keystore, '--rpc', `http://127.0.0.1:${n.ports.rpc}/`, '--data-dir', n.dir, '--chain', 'regtest'];
  // Wait for the first block rewards.
  for (let i = 0; i < 100; i++) {
    const b = await cli(['wallet', 'balance', pk, '--rpc', `http://127.0.0.1:${n.ports.rpc}/`, '--data-dir', n.dir, '--chain', 'regtest'], env);
    if (b.code === 0 && /^confirmed +[1-9]/.test(b.stdout)) break;
    await new Promise((ok) => setTimeout(ok, 250));
  }
}, 60_000);

afterAll(async () => {
  await n?.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe('hashlane contract', () => {
  it('build compiles an AssemblyScript contract and checks it as a deploy would', async () => {
    const out = join(tmp, 'token.wasm');
    const { stdout } = await run(process.execPath, [MAIN, 'contract', 'build', 'contracts/examples/token.ts', '-o', out], { timeout: 120_000 });
    expect(stdout).toMatch(new RegExp(`^${out.replace(/[.]/g, '\\.')} \\d+ bytes \\(instrumented \\d+\\), code hash [0-9a-f]{64}\\n$`));
  }, 130_000);

  it('deploys the token, mints through a call, reads the balance with a query', async () => {
    const dep = await cli([...base, 'deploy', 'build/contracts/token.wasm', '--gas', '3000000'], env);
    expect(dep.stderr).toBe('');
    expect(dep.code).toBe(0);
    const [txid, address] = dep.stdout.trim().split(' ');
    expect(address).toMatch(/^[0-9a-f]{64}$/);
    const r1 = await receipt(txid);
    expect(r1).toMatchObject({ status: 'ok', contract: address });

    const mint = await cli([...base, 'call', address, 'mint', '--arg', `address:${pk}`, '--arg', 'u64:1000'], env);
    expect(mint.code).toBe(0);
    const r2 = await receipt(mint.stdout.trim());
    expect(r2.status).toBe('ok');
    expect(r2.events).toHaveLength(1);

    const q = await cli([...base, 'query', address, 'balanceOf', '--arg', `address:${pk}`], env);
    expect(q.code).toBe(0);
    expect(JSON.parse(q.stdout)).toMatchObject({ status: 'ok', data: 'e803000000000000' });
    const bad = await cli([...base, 'query', address, 'mint', '--arg', `address:${pk}`, '--arg', 'u64:1'], env);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ status: 'revert', reason: 'only the issuer may do this' });
  }, 90_000);

  it('usage errors exit 2 with what was wrong and what was expected', async () => {
    const a = await cli([...base, 'call', 'zz', 'mint'], env);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe('hashlane contract: <address> "zz" is not 32 bytes of hex; expected 64 hex digits\n');
    const b = await cli([...base, 'query', '00'.repeat(32), 'x', '--arg', 'f64:1.5'], env);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^hashlane contract: --arg "f64:1.5" has an unknown type; expected type:value/);
  });
});
