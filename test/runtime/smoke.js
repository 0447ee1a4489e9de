// The runtime smoke suite: known-answer checks of the built package, written in plain ESM with
// no Node-only API so that the SAME file runs under Node, Deno, Bun and in Chromium.
// A runner (smoke-cli.js for the command-line runtimes, smoke.html for the browser) imports the
// package, reads test/vectors its own way and calls runSmoke(lib, vectors).
//
// A check whose API is not exported by this build is reported as "skip" (the package grows part by
// part); any mismatch or exception is "fail". The vitest side (test/runtime.test.ts) requires no
// failure anywhere and the same set of passing checks in every runtime as in Node.

const enc = new TextEncoder();

export const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
export function unhex(s) {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
const reversed = (b) => Uint8Array.from(b).reverse();
const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
/** A little-endian 256-bit number, as Bitcoin compares a hash with its target. */
const le256 = (b) => BigInt('0x' + hex(reversed(b)));

class Mismatch extends Error {}
function expectEqual(what, got, want) {
  const g = got instanceof Uint8Array ? hex(got) : String(got);
  const w = want instanceof Uint8Array ? hex(want) : String(want);
  if (g !== w) throw new Mismatch(`${what}: got ${g}, expected ${w}`);
}
function expectTrue(what, cond) {
  if (!cond) throw new Mismatch(what);
}
class Skip extends Error {}
function need(lib, ...names) {
  for (const n of names) {
    let v = lib;
    for (const part of n.split('.')) v = v == null ? undefined : v[part];
    if (v === undefined) throw new Skip(`${n} is not exported by this build`);
  }
}

// FIPS 180-2 appendix B answers (the NIST "abc", two-block and million-"a" messages).
const NIST = [
  ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
];
const MILLION_A = 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0';

/** The checks, in the order the package grows. Each gets (lib, vectors) and throws on a mismatch. */
export const checks = [
  {
    name: 'engine',
    async run(lib) {
      // Both builds load from the package's own files in this runtime, each reporting its kind.
      const scalar = await lib.loadEngine({ backend: 'scalar' });
      expectEqual('scalar build reports simd()', scalar.exports.simd(), 0);
      if (lib.simdSupported()) expectEqual('SIMD build reports simd()', (await lib.loadEngine({ backend: 'simd' })).exports.simd(), 1);
    },
  },
  {
    name: 'hash',
    async run(lib, v) {
      need(lib, 'sha256', 'sha256d', 'createSha256');
      for (const [msg, want] of NIST) expectEqual(`sha256(${JSON.stringify(msg)})`, lib.sha256(enc.encode(msg)), unhex(want));
      // One million "a" streamed in uneven chunks: exercises every buffer boundary of the stream.
      const h = lib.createSha256();
      const chunk = enc.encode('a'.repeat(1000));
      for (let done = 0, i = 0; done < 1_000_000; i++) {
        const n = Math.min(1 + ((i * 97) % 1000), 1_000_000 - done);
        h.update(chunk.subarray(0, n));
        done += n;
      }
      expectEqual('streamed sha256 of 10^6 "a"', h.digest(), unhex(MILLION_A));
      for (const b of v.headers.headers) {
        expectEqual(`sha256d(header ${b.height})`, reversed(lib.sha256d(unhex(b.header_hex))), unhex(b.hash));
      }
    },
  },
  {
    name: 'batch',
    async run(lib, v) {
      need(lib, 'sha256Batch');
      // Two batch passes over real headers give their block hashes: sha256 of 80-byte messages,
      // then sha256 of the 32-byte digests.
      const hs = v.headers.headers;
      const first = lib.sha256Batch(concat(hs.map((b) => unhex(b.header_hex))), 80);
      expectEqual('first batch length', first.length, 32 * hs.length);
      const second = lib.sha256Batch(first, 32);
      hs.forEach((b, i) => expectEqual(`batch sha256d(header ${b.height})`, reversed(second.subarray(32 * i, 32 * i + 32)), unhex(b.hash)));
      // 64-byte lanes, a count that is not a multiple of 4, against the one-shot answers.
      const n = 7;
      const msgs = new Uint8Array(64 * n).map((_, i) => (i * 31 + 7) & 0xff);
      const out = lib.sha256Batch(msgs, 64);
      for (let i = 0; i < n; i++) expectEqual(`batch[${i}] of 64-byte messages`, out.subarray(32 * i, 32 * i + 32), lib.sha256(msgs.subarray(64 * i, 64 * i + 64)));
    },
  },
  {
    name: 'merkle',
    async run(lib, v) {
      need(lib, 'merkleRoot');
      for (const blk of v.merkle.blocks) {
        const leaves = concat(blk.txids.map((t) => reversed(unhex(t))));
        expectEqual(`merkle root of block ${blk.height}`, reversed(lib.merkleRoot(leaves)), unhex(blk.merkle_root));
      }
      const one = reversed(unhex(v.merkle.blocks[0].txids[0]));
      expectEqual('merkle root of one leaf', lib.merkleRoot(one), one);
    },
  },
  {
    name: 'scan',
    async run(lib, v) {
      need(lib, 'scanNonces');
      // The real nonce of a real block, found from a window that starts below it.
      const b = v.headers.headers.find((x) => x.height === 100000) ?? v.headers.headers[0];
      const header = unhex(b.header_hex);
      new DataView(header.buffer).setUint32(76, 0, true);
      const target = BigInt('0x' + b.target_hex);
      const start = Math.max(0, b.nonce - 4099);
      const r = lib.scanNonces(header, target, start, 8192);
      expectEqual(`scanNonces over block ${b.height}'s window`, r.nonce, b.nonce);
    },
  },
  {
    name: 'mine',
    async run(lib, v) {
      need(lib, 'mine', 'sha256d');
      // An easy target (about one hash in 2^14 meets it) split over 2 workers; the answer is
      // checked independently with the one-shot sha256d.
      const header = unhex(v.headers.headers[0].header_hex);
      new DataView(header.buffer).setUint32(76, 0, true);
      const target = (1n << 242n) - 1n;
      const found = await withTimeout(lib.mine(header, target, { threads: 2 }), 30_000, 'mine() with 2 workers');
      expectTrue('mine() with 2 workers found a nonce', found && typeof found.nonce === 'number');
      new DataView(header.buffer).setUint32(76, found.nonce, true);
      const h = lib.sha256d(header);
      expectTrue(`mined nonce ${found.nonce} meets the target`, le256(h) <= target);
      if (found.hash instanceof Uint8Array) expectTrue('mine() hash is the header hash (either byte order)', hex(found.hash) === hex(h) || hex(found.hash) === hex(reversed(h)));
    },
  },
  {
    name: 'ed25519',
    async run(lib, v) {
      need(lib, 'ed25519.verifyBatch', 'ed25519.verify');
      const vs = v.ed25519.rfc8032.vectors;
      const items = vs.map((t) => ({ publicKey: unhex(t.public), message: unhex(t.message), signature: unhex(t.signature) }));
      for (const it of items) expectTrue('RFC 8032 signature verifies', lib.ed25519.verify(it.signature, it.message, it.publicKey) === true);
      expectEqual('verifyBatch of the RFC 8032 vectors', await lib.ed25519.verifyBatch(items), true);
      const bad = items.map((it) => ({ ...it }));
      bad[1] = { ...bad[1], message: concat([bad[1].message, new Uint8Array([1])]) };
      expectEqual('verifyBatch with one altered message', await lib.ed25519.verifyBatch(bad), false);
    },
  },
  {
    name: 'state root',
    async run(lib) {
      need(lib, 'chain.ChainState', 'chain.applyBlock', 'chain.previewRoots', 'chain.withRoots', 'chain.createTransfer', 'chain.undoBlock');
      const { final, afterUndo, atTwo } = stateRootScenario(lib.chain, lib.ed25519);
      expectEqual('state root after a fixed sequence of 4 blocks (the constant computed in Node)', final, STATE_ROOT_4);
      expectEqual('state root after undoing blocks 4 and 3 equals the root after block 2', afterUndo, atTwo);
    },
  },
  {
    name: 'chain',
    async run(lib) {
      need(lib, 'Chain.open', 'Mempool', 'devnetParams', 'defineParams', 'createBlockTemplate', 'completeBlock', 'createTransfer', 'encodeHeader', 'mine', 'ed25519.getPublicKey');
      // The devnet preset (its real difficulty) with a premine, in memory: a block carrying a
      // signed transfer from the mempool, mined with 2 workers; a copy whose proof of work
      // fails is refused first.
      const secret = new Uint8Array(32).fill(7);
      const from = lib.ed25519.getPublicKey(secret);
      const to = lib.ed25519.getPublicKey(new Uint8Array(32).fill(8));
      const params = lib.defineParams(lib.devnetParams, { premine: [{ publicKey: from, amount: 1_000_000n }] });
      const chain = await lib.Chain.open({ params });
      const mempool = new lib.Mempool(chain);
      const tx = lib.createTransfer({ chainId: params.chainId, to, amount: 1000n, fee: 500n, nonce: chain.getAccount(from).nonce }, secret);
      mempool.add(tx);
      const t = lib.createBlockTemplate(chain, mempool, { coinbaseTo: to });
      expectEqual('transactions in the template (coinbase + transfer)', t.block.txs.length, 2);
      const found = await withTimeout(lib.mine(lib.encodeHeader(t.header), t.target, { threads: 2 }), 60_000, 'mining a devnet block');
      expectTrue('a nonce for the devnet block', found !== null);
      let bad = found.nonce;
      do bad = (bad + 1) >>> 0;
      while (le256(lib.sha256d(lib.encodeHeader({ ...t.header, nonce: bad }))) <= t.target);
      const refused = await chain.addBlock(lib.completeBlock(t, { nonce: bad })).then(() => null, (err) => err);
      expectTrue('a block above its target is refused with a ValidationError', refused instanceof lib.ValidationError);
      expectEqual('height after the refused block', chain.height, 0);
      const r = await chain.addBlock(lib.completeBlock(t, { nonce: found.nonce }));
      expectEqual('status of the mined block', r.status, 'connected');
      expectEqual('height', chain.height, 1);
      expectEqual('balance of the sender', chain.getAccount(from).balance, 1_000_000n - 1500n);
      expectTrue('the recipient got the transfer and the coinbase', chain.getAccount(to).balance > 1000n);
      await chain.close();
    },
  },
];

/**
 * A fixed block sequence applied to a fresh state: premined keys 7, 8, 9 send to each other
 * and to 10 in four blocks (each coinbase committing the roots), then blocks 4 and 3 are
 * undone and re-applied. Every runtime must reach the same root.
 */
export function stateRootScenario(C, ed25519) {
  const sk = [7, 8, 9, 10].map((n) => new Uint8Array(32).fill(n));
  const pk = sk.map((k) => ed25519.getPublicKey(k));
  const params = C.defineParams(C.regtestParams, { premine: pk.slice(0, 3).map((publicKey, i) => ({ publicKey, amount: 1_000_000n * BigInt(i + 1) })) });
  const engine = new C.ProofOfWork(params);
  const state = new C.ChainState(params);
  C.applyBlock(state, C.genesisBlock(params), 0, engine, { genesis: true });
  const nonces = [0, 0, 0, 0];
  const blocks = [];
  const undos = [];
  const roots = [];
  for (let h = 1; h <= 4; h++) {
    const txs = [];
    for (let i = 0; i < 3; i++) {
      const from = (h + i) % 3;
      const to = (from + 1 + (h % 2)) % 4;
      if (to === from) continue;
      txs.push(C.createTransfer({ chainId: params.chainId, to: pk[to], amount: BigInt(1000 * h + i), fee: 300n, nonce: nonces[from]++ }, sk[from]));
    }
    const cb = C.createCoinbase(params.chainId, h, pk[3], engine.blockReward(h) + 300n * BigInt(txs.length));
    const header = C.genesisBlock(params).header;
    const block = { header, txs: [C.withRoots(cb, C.previewRoots(state, { header, txs: [cb, ...txs] }, h, engine)), ...txs] };
    blocks.push(block);
    undos.push(C.applyBlock(state, block, h, engine).undo); // checks the committed roots
    roots.push(state.root());
  }
  C.undoBlock(state, undos.pop());
  C.undoBlock(state, undos.pop());
  const afterUndo = state.root();
  C.applyBlock(state, blocks[2], 3, engine);
  C.applyBlock(state, blocks[3], 4, engine);
  return { final: state.root(), afterUndo, atTwo: roots[1], roots };
}

/** The root stateRootScenario reaches, computed once in Node; every runtime must agree byte for byte. */
const STATE_ROOT_4 = 'ca729037da16962ea3461182810b294e8d2cbb2e58f8d587371f82bde19e649d';

async function withTimeout(p, ms, what) {
  let timer;
  const t = new Promise((_, rej) => {
    timer = setTimeout(() => rej(new Mismatch(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Which runtime this is, for the summary. */
export function runtimeName() {
  const g = globalThis;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.process?.versions?.node) return `node ${g.process.versions.node}`;
  if (g.navigator?.userAgent) return (g.navigator.userAgent.match(/(Headless)?Chrom(e|ium)\/[\d.]+/) ?? [g.navigator.userAgent])[0];
  return 'unknown';
}

/**
 * Runs every check against `lib` (the package namespace) with the parsed vectors
 * `{ headers, merkle, ed25519 }`. Returns `{ runtime, backend, ok, results }`; never throws.
 */
export async function runSmoke(lib, vectors) {
  const results = [];
  let backend = 'unknown';
  try {
    await lib.ready();
    backend = lib.simdSupported() ? 'simd' : 'scalar';
  } catch (err) {
    return { runtime: runtimeName(), backend, ok: false, results: [{ name: 'ready', status: 'fail', detail: String(err?.stack ?? err) }] };
  }
  for (const c of checks) {
    const t0 = Date.now();
    try {
      await c.run(lib, vectors);
      results.push({ name: c.name, status: 'pass', ms: Date.now() - t0 });
    } catch (err) {
      if (err instanceof Skip) results.push({ name: c.name, status: 'skip', detail: err.message });
      else results.push({ name: c.name, status: 'fail', detail: err instanceof Mismatch ? err.message : String(err?.stack ?? err), ms: Date.now() - t0 });
    }
  }
  return { runtime: runtimeName(), backend, ok: results.every((r) => r.status !== 'fail'), results };
}

/** A human summary, one line per check, and a last machine-readable line for the test runner. */
export function formatSummary(report) {
  const lines = [`hashlane smoke on ${report.runtime} (${report.backend} build)`];
  for (const r of report.results) {
    lines.push(`  ${r.status.padEnd(4)} ${r.name.padEnd(8)} ${r.ms !== undefined ? `${r.ms} ms` : ''}${r.detail ? `  ${r.detail}` : ''}`);
  }
  const count = (s) => report.results.filter((r) => r.status === s).length;
  // Not the "N passed, N failed" wording: CI reads that line from the test runner only.
  lines.push(`smoke totals: pass ${count('pass')} / fail ${count('fail')} / skip ${count('skip')}`);
  lines.push(`SMOKE-RESULT ${JSON.stringify(report)}`);
  return lines.join('\n');
}

export const VECTOR_FILES = { headers: 'bitcoin-headers.json', merkle: 'bitcoin-merkle.json', ed25519: 'ed25519-vectors.json' };

/** Loads the vectors with `readText(fileName) -> Promise<string>` (file system or fetch). */
export async function loadVectorsWith(readText) {
  const out = {};
  for (const [k, f] of Object.entries(VECTOR_FILES)) out[k] = JSON.parse(await readText(f));
  return out;
}
