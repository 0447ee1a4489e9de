// Provenance registry: items with a custody chain. The admin (deployer) registers
// inspectors; anyone registers an item and holds it; only the current holder transfers
// custody; only registered inspectors attach certificates (a 32-byte document hash).
import { blockHeight, caller, concat, emit, equal, input, Reader, require, ret, storage, bytesOf, Writer } from "../sdk/index";

const ADMIN = bytesOf("admin");

function inspectorKey(a: Uint8Array): Uint8Array {
  return concat(bytesOf("i"), a);
}
function itemKey(id: Uint8Array): Uint8Array {
  return concat(bytesOf("h"), id);
}
function countKey(prefix: string, id: Uint8Array): Uint8Array {
  return concat(bytesOf(prefix + "#"), id);
}
function entryKey(prefix: string, id: Uint8Array, n: u64): Uint8Array {
  return concat(concat(bytesOf(prefix), id), new Writer().u64(n).finish());
}
function append(prefix: string, id: Uint8Array, entry: Uint8Array): u64 {
  const n = storage.getU64(countKey(prefix, id));
  storage.set(entryKey(prefix, id, n), entry);
  storage.setU64(countKey(prefix, id), n + 1);
  return n;
}

export function init(): void {
  storage.set(ADMIN, caller());
}

export function addInspector(): void {
  require(equal(storage.get(ADMIN)!, caller()), "only the admin adds inspectors");
  const a = new Reader(input()).address();
  storage.set(inspectorKey(a), bytesOf("1"));
  emit("Inspector", a);
}

export function register(): void {
  const r = new Reader(input());
  const id = r.fixed(32);
  const description = r.bytes();
  require(storage.get(itemKey(id)) == null, "item already registered");
  const c = caller();
  storage.set(itemKey(id), c);
  storage.set(concat(bytesOf("d"), id), description);
  append("c", id, new Writer().fixed(c).u64(blockHeight()).finish());
  emit("Registered", id);
}

export function transferCustody(): void {
  const r = new Reader(input());
  const id = r.fixed(32);
  const to = r.address();
  const holder = storage.get(itemKey(id));
  require(holder != null, "no such item");
  require(equal(holder!, caller()), "only the current holder transfers custody");
  storage.set(itemKey(id), to);
  append("c", id, new Writer().fixed(to).u64(blockHeight()).finish());
  emit("Custody", new Writer().fixed(id).fixed(to).finish());
}

export function certify(): void {
  const r = new Reader(input());
  const id = r.fixed(32);
  const doc = r.fixed(32);
  require(storage.get(itemKey(id)) != null, "no such item");
  const c = caller();
  require(storage.get(inspectorKey(c)) != null, "only registered inspectors certify");
  append("x", id, new Writer().fixed(c).fixed(doc).u64(blockHeight()).finish());
  emit("Certified", new Writer().fixed(id).fixed(doc).finish());
}

/** holder, custody count, custody entries (holder, height)..., certificate count, (inspector, doc, height)... */
export function history(): void {
  const id = new Reader(input()).fixed(32);
  const holder = storage.get(itemKey(id));
  require(holder != null, "no such item");
  const w = new Writer().fixed(holder!);
  const nc = storage.getU64(countKey("c", id));
  w.u64(nc);
  for (let i: u64 = 0; i < nc; i++) w.fixed(storage.get(entryKey("c", id, i))!);
  const nx = storage.getU64(countKey("x", id));
  w.u64(nx);
  for (let i: u64 = 0; i < nx; i++) w.fixed(storage.get(entryKey("x", id, i))!);
  ret(w.finish());
}
