// The BFT gossip encoding, the batched gossip signature checks and the validator key file.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ready } from '../dist/index.js';
import { DecodeError } from '../dist/chain/errors.js';
import { PRECOMMIT, PREVOTE, proposalSignBytes, voteSignBytes, type Proposal, type Vote } from '../dist/bft/messages.js';
import { decodeBftMessage, encodeBftMessage, maxBftMessageBytes, WrongChainError, BFT_VOTE } from '../dist/node/net/bft-wire.js';
import { GossipVerifier } from '../dist/node/bft-verify.js';
import { libp2pKeyOf, loadValidatorKey, parseValidatorKey, peerIdOf, ValidatorKeyError } from '../dist/node/validator-key.js';
import { ed25519 } from '../dist/sig/index.js';
import type { SignedItem } from '../dist/sig/ed25519.js';

await ready();
const CHAIN = 0x686c6364;
const sk = new Uint8Array(32).fill(5);
const pk = ed25519.getPublicKey(sk);
const id = (b: number) => new Uint8Array(32).fill(b);

const vote = (type: 1 | 2, height: number, round: number, blockId: Uint8Array | null): Vote => ({
  type, height, round, blockId, validator: pk, signature: ed25519.sign(voteSignBytes(CHAIN, type, height, round, blockId), sk),
});

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('bft gossip encoding', () => {
  it('round-trips votes, proposals and decisions; the nonce changes the bytes, not the message', () => {
    const v = vote(PREVOTE, 7, 2, id(3));
    const nil = vote(PRECOMMIT, 7, 2, null);
    const value = new Uint8Array(300).fill(9);
    const p: Proposal = { height: 7, round: 1, polRound: 0, value, blockId: id(4), proposer: pk, signature: ed25519.sign(proposalSignBytes(CHAIN, 7, 1, 0, id(4)), sk) };
    const d = { height: 7, value, commit: { height: 7, round: 1, blockId: id(4), signatures: [{ index: 0, signature: v.signature }, { index: 3, signature: nil.signature }] } };
    for (const m of [{ kind: 'vote' as const, vote: v }, { kind: 'vote' as const, vote: nil }, { kind: 'proposal' as const, proposal: p }, { kind: 'decision' as const, decision: d }]) {
      const a = encodeBftMessage(CHAIN, m, 0, 1000);
      const b = encodeBftMessage(CHAIN, m, 12345, 1000);
      expect(a).not.toEqual(b);
      expect(decodeBftMessage(a, CHAIN, 1000)).toEqual(m);
      expect(decodeBftMessage(b, CHAIN, 1000)).toEqual(m);
    }
    expect(encodeBftMessage(CHAIN, { kind: 'vote', vote: v }).length).toBe(9 + 142);
  });

  it('refuses another chain, unknown tags, truncation, trailing bytes and oversize with typed errors', () => {
    const v = encodeBftMessage(CHAIN, { kind: 'vote', vote: vote(PREVOTE, 1, 0, id(1)) });
    expect(() => decodeBftMessage(v, CHAIN ^ 1, 1000)).toThrow(WrongChainError);
    expect(() => decodeBftMessage(v, CHAIN ^ 1, 1000)).toThrow(/bft message for chain 0x686c6364, this chain is 0x686c6365/);
    const bad = v.slice();
    bad[0] = 7;
    expect(() => decodeBftMessage(bad, CHAIN, 1000)).toThrow(/tag 7, expected 1 \(proposal\), 2 \(vote\) or 3 \(decision\)/);
    expect(() => decodeBftMessage(v.subarray(0, 100), CHAIN, 1000)).toThrow(/bft vote of 91 bytes, expected 142/);
    expect(() => decodeBftMessage(Uint8Array.from([...v, 0]), CHAIN, 1000)).toThrow(DecodeError);
    expect(() => decodeBftMessage(v.subarray(0, 5), CHAIN, 1000)).toThrow(/at least 9 expected/);
    // A proposal's value above the block size limit is refused before its body is read.
    const big = new Uint8Array(9 + 2000);
    big[0] = 1;
    new DataView(big.buffer).setUint32(1, CHAIN, true);
    expect(() => decodeBftMessage(big, CHAIN, 1000)).toThrow(/bft proposal of 2000 bytes, at most 1153/);
    const noncanonical = v.slice();
    noncanonical[9 + 13] = 0; // hasBlock 0 with a non-zero block id
    expect(() => decodeBftMessage(noncanonical, CHAIN, 1000)).toThrow(/nil vote must carry a zero block id/);
    expect(maxBftMessageBytes(4 << 20)).toBeGreaterThan(4 << 20);
    expect(maxBftMessageBytes(4 << 20)).toBeLessThan((4 << 20) + 80_000);
    expect(BFT_VOTE).toBe(2);
  });
});

describe('batched gossip signature checks', () => {
  it('one batch call for every message that arrives in a turn; a forgery fails only its own message; verified items are cached', async () => {
    const calls: number[] = [];
    const backend = {
      verifyBatch: (items: SignedItem[]) => (calls.push(items.length), ed25519.verifyBatch(items)),
      verifyBatchDetailed: (items: SignedItem[]) => ed25519.verifyBatchDetailed(items),
    };
    const ver = new GossipVerifier(backend);
    const items = Array.from({ length: 20 }, (_, i) => {
      const v = vote(PREVOTE, 3, i, id(i + 1));
      return { signature: v.signature, message: voteSignBytes(CHAIN, PREVOTE, 3, i, v.blockId), publicKey: pk };
    });
    const forged = { ...items[5]!, signature: items[6]!.signature };
    const results = await Promise.all([...items.map((it) => ver.verify([it])), ver.verify([forged])]);
    expect(results.slice(0, 20).every((r) => r === true)).toBe(true);
    expect(results[20]).toBe(false);
    expect(calls).toEqual([21]);
    // Cached: the machine's own check and a rebroadcast cost no verification.
    expect(ver.check([items[3]!])).toBe(true);
    expect(await ver.verify([items[4]!])).toBe(true);
    expect(calls).toEqual([21]);
    expect(ver.check([forged])).toBe(false);
    // A full queue answers null (not judged) instead of growing.
    const small = new GossipVerifier(backend, 2);
    const fresh = Array.from({ length: 3 }, (_, i) => {
      const v = vote(PRECOMMIT, 9, i, id(50 + i));
      return { signature: v.signature, message: voteSignBytes(CHAIN, PRECOMMIT, 9, i, v.blockId), publicKey: pk };
    });
    const r = await Promise.all(fresh.map((it) => small.verify([it])));
    expect(r).toEqual([true, true, null]);
  });
});

describe('validator key file', () => {
  it('is created 0600 when absent, read back the same, and is the libp2p identity', async () => {
    const d = await mkdtemp(join(tmpdir(), 'hl-vkey-'));
    dirs.push(d);
    const path = join(d, 'sub', 'validator.key');
    const lines: string[] = [];
    const k = await loadValidatorKey(path, (l) => lines.push(l));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(lines[0]).toMatch(/created the validator key .*validator\.key \(public key [0-9a-f]{64}\)/);
    const again = await loadValidatorKey(path);
    expect(again).toEqual(k);
    const json = JSON.parse(await readFile(path, 'utf8'));
    expect(json.publicKey).toBe(Buffer.from(k.publicKey).toString('hex'));
    const p2p = await libp2pKeyOf(k);
    expect(p2p.publicKey.raw).toEqual(k.publicKey);
    expect(peerIdOf(k.publicKey)).toMatch(/^12D3KooW/);
  });

  it('refuses a file that is not a key, or whose public key does not match', async () => {
    const d = await mkdtemp(join(tmpdir(), 'hl-vkey-'));
    dirs.push(d);
    expect(() => parseValidatorKey('nope')).toThrow(ValidatorKeyError);
    expect(() => parseValidatorKey('{"secretKey": "12"}')).toThrow(/secretKey must be 64 lowercase hex digits/);
    const wrong = JSON.stringify({ publicKey: 'ab'.repeat(32), secretKey: '01'.repeat(32) });
    expect(() => parseValidatorKey(wrong, 'k.json')).toThrow(/k\.json: publicKey does not belong to secretKey/);
    const path = join(d, 'bad.key');
    await writeFile(path, wrong);
    await expect(loadValidatorKey(path)).rejects.toThrow(/publicKey does not belong/);
  });
});
