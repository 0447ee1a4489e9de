// A validator restarted from its data dir (LevelDB, FileWal, stored commit) rejoins a
// halted chain and never signs two different votes for one height/round/step.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HashlaneNode } from '../dist/node/node.js';
import { decodeBftMessage } from '../dist/node/net/bft-wire.js';
import { encodeVote, PRECOMMIT, PREVOTE, voteSignBytes, type Vote } from '../dist/bft/messages.js';
import { WAL_SIGNED_VOTE } from '../dist/bft/wal.js';
import { FileWal } from '../dist/node/bft-wal.js';
import { ed25519 } from '../dist/sig/index.js';
import { bftParams, hashAt, keyOf, startValidator } from './support/bft-node.js';
import { until } from './support/node.js';

const nodes: HashlaneNode[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Records every vote a node receives over gossip (what the others actually sent). */
function recordVotes(n: HashlaneNode, into: Vote[]): void {
  const bft = n.bft!;
  const orig = bft.onGossip.bind(bft);
  bft.onGossip = (peer, data) => {
    try {
      const m = decodeBftMessage(data, n.params.chainId, n.params.maxBlockSize);
      if (m.kind === 'vote') into.push(m.vote);
    } catch {
      /* judged by the driver */
    }
    return orig(peer, data);
  };
}

describe('a validator restarted from its WAL', () => {
  it('rejoins a chain that halted without it and never equivocates', async () => {
    const keys = [0, 1, 2, 3].map((i) => keyOf(`restart ${i}`));
    const params = bftParams(keys);
    for (let i = 0; i < 4; i++) dirs.push(await mkdtemp(join(tmpdir(), 'hashlane-bft-')));
    const start = (i: number, peers: HashlaneNode[]) =>
      startValidator(params, keys[i]!, { dataDir: dirs[i]!, validatorKey: undefined, validatorKeyPath: undefined, peers: peers.map((n) => `127.0.0.1:${n.network.listenPort}`) });
    // Key files in the data dirs: the node reads them (created here from the test keys).
    const { writeFile, mkdir } = await import('node:fs/promises');
    for (let i = 0; i < 4; i++) {
      await mkdir(join(dirs[i]!, params.name), { recursive: true });
      await writeFile(join(dirs[i]!, params.name, 'validator.key'), JSON.stringify({ publicKey: Buffer.from(keys[i]!.pk).toString('hex'), secretKey: Buffer.from(keys[i]!.sk).toString('hex') }), { mode: 0o600 });
    }
    const v: HashlaneNode[] = [];
    for (let i = 0; i < 4; i++) v.push(await start(i, v));
    nodes.push(...v);
    const seen: Vote[] = [];
    recordVotes(v[0]!, seen);
    recordVotes(v[1]!, seen);
    await until(() => v.every((n) => n.chain.height >= 3), 60_000, 'three blocks');

    // v3 leaves for good; v2 stops too: two of four cannot decide, the chain halts.
    await v[3]!.stop();
    await v[2]!.stop();
    const halted = Math.max(v[0]!.chain.height, v[1]!.chain.height);
    await new Promise((r) => setTimeout(r, 3000));
    expect(Math.max(v[0]!.chain.height, v[1]!.chain.height)).toBe(halted);
    // The WAL and the tip's commit are files in its chain dir (both fsynced).
    expect((await stat(join(dirs[2]!, params.name, 'bft-wal.bin'))).isFile()).toBe(true);
    expect((await stat(join(dirs[2]!, params.name, 'bft-commits.bin'))).size).toBeGreaterThan(64);

    // Its WAL as a crash could have left it: votes signed for the height being decided, in
    // rounds 1 and 2 (it stopped in round 0 at the latest), for blocks that exist nowhere. Whatever it does after the restart, it
    // must never sign another vote for those steps (they count as sent: any other is a conflict).
    const wal = new FileWal(join(dirs[2]!, params.name, 'bft-wal.bin'));
    for (const round of [1, 2]) {
      for (const type of [PREVOTE, PRECOMMIT] as const) {
        const blockId = ed25519.randomSecretKey();
        const vote: Vote = { type, height: halted + 1, round, blockId, validator: keys[2]!.pk, signature: ed25519.sign(voteSignBytes(params.chainId, type, halted + 1, round, blockId), keys[2]!.sk) };
        wal.append({ tag: WAL_SIGNED_VOTE, height: halted + 1, payload: encodeVote(vote) });
        seen.push(vote);
      }
    }
    wal.close();

    // v2 comes back from its data dir: its stored commit lets it propose, its WAL keeps its votes.
    const back = await start(2, [v[0]!, v[1]!]);
    nodes.push(back);
    recordVotes(back, seen);
    await until(() => [v[0]!, v[1]!, back].every((n) => n.chain.height >= halted + 3), 90_000, 'the chain resumes with the restarted validator');
    for (let h = 1; h <= halted + 3; h++) expect(new Set([v[0]!, v[1]!, back].map((n) => hashAt(n, h))).size).toBe(1);

    // No key signed two different votes for one (height, round, step).
    const byStep = new Map<string, string>();
    let mine = 0;
    for (const vote of seen) {
      const k = `${Buffer.from(vote.validator).toString('hex')}/${vote.height}/${vote.round}/${vote.type}`;
      const id = vote.blockId ? Buffer.from(vote.blockId).toString('hex') : 'nil';
      if (Buffer.from(vote.validator).equals(Buffer.from(keys[2]!.pk))) mine++;
      const had = byStep.get(k);
      if (had !== undefined) expect(id, `conflicting votes at ${k}`).toBe(had);
      byStep.set(k, id);
    }
    expect(mine).toBeGreaterThan(4);
  }, 240_000);
});
