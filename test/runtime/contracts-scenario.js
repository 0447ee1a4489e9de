// One block of contract calls, the same in every runtime: a token (the AssemblyScript
// example) and the adversarial modules run against an in-memory host; the result is a
// hash of the final storage and every call's status and gas used. test/contracts-runtime.test.ts
// compares it byte for byte across Node, Deno, Bun and Chromium.
// `lib` is the package (dist/index.js or the browser bundle); `code` maps a name to the
// instrumented module bytes (instrumented once, in Node, by the test).
export async function runContractScenario(lib, code) {
  await lib.ready();
  const { callContract, AbiWriter } = lib.contracts;
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const storage = new Map();
  const balances = new Map();
  const modules = new Map();
  const host = {
    height: 42,
    time: 1_800_000_000,
    module: (a) => modules.get(hex(a)),
    storageGet: (c, k) => storage.get(hex(c) + hex(k)),
    storageSet: (c, k, v) => (v ? storage.set(hex(c) + hex(k), v) : storage.delete(hex(c) + hex(k))),
    balance: (a) => balances.get(hex(a)) ?? 0n,
    transfer(f, t, n) {
      const fb = balances.get(hex(f)) ?? 0n;
      if (fb < n) throw new Error('short');
      balances.set(hex(f), fb - n);
      balances.set(hex(t), (balances.get(hex(t)) ?? 0n) + n);
    },
    frame(fn) {
      const s = new Map(storage);
      const b = new Map(balances);
      try {
        return fn();
      } catch (e) {
        storage.clear();
        for (const [k, v] of s) storage.set(k, v);
        balances.clear();
        for (const [k, v] of b) balances.set(k, v);
        throw e;
      }
    },
  };
  const addr = (n) => new Uint8Array(32).fill(n);
  for (const [i, name] of ['token', 'spin', 'recurse'].entries()) modules.set(hex(addr(0xa0 + i)), new WebAssembly.Module(code[name]));
  const token = addr(0xa0);
  const users = [1, 2, 3, 4, 5].map(addr);
  const calls = [];
  const call = (caller, contract, method, input = new Uint8Array(0), gasLimit = 1_000_000n) => {
    const r = callContract(host, { caller, contract, method, input, value: 0n, gasLimit });
    calls.push(`${method}:${r.status}:${r.gasUsed}:${r.events.length}`);
  };
  call(users[0], token, 'init');
  call(users[0], token, 'mint', new AbiWriter().address(users[1]).u64(1_000_000n).finish());
  for (let i = 0; i < 60; i++) {
    const from = users[1 + (i % 4)];
    const to = users[1 + ((i * 7 + 3) % 4)];
    call(from, token, 'transfer', new AbiWriter().address(to).u64(BigInt((i * 7919) % 50_000)).finish());
  }
  call(users[2], token, 'mint', new AbiWriter().address(users[2]).u64(1n).finish());
  call(users[0], addr(0xa1), 'spin', new Uint8Array(0), 200_000n);
  call(users[0], addr(0xa2), 'go', new Uint8Array(0), 50_000_000n);
  const entries = [...storage].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${hex(v)}`);
  const digest = hex(lib.sha256(new TextEncoder().encode(entries.join('\n') + '\n' + calls.join('\n'))));
  return { digest, calls };
}
