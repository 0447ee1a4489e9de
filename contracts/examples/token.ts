// A stablecoin: a fungible token whose issuer (the deployer) mints, burns and freezes
// accounts. Frozen accounts can neither send nor receive.
import { caller, emit, input, Reader, require, ret, storage, bytesOf, concat, equal, Writer } from "../sdk/index";

const ISSUER = bytesOf("issuer");
const SUPPLY = bytesOf("supply");

function balanceKey(a: Uint8Array): Uint8Array {
  return concat(bytesOf("b"), a);
}
function frozenKey(a: Uint8Array): Uint8Array {
  return concat(bytesOf("f"), a);
}
function onlyIssuer(): void {
  const issuer = storage.get(ISSUER);
  require(issuer != null && equal(issuer, caller()), "only the issuer may do this");
}
function notFrozen(a: Uint8Array): void {
  require(storage.get(frozenKey(a)) == null, "account is frozen");
}

export function init(): void {
  storage.set(ISSUER, caller());
}

export function mint(): void {
  onlyIssuer();
  const r = new Reader(input());
  const to = r.address();
  const amount = r.u64();
  const supply = storage.getU64(SUPPLY);
  require(supply + amount >= supply, "supply overflow");
  storage.setU64(SUPPLY, supply + amount);
  storage.setU64(balanceKey(to), storage.getU64(balanceKey(to)) + amount);
  emit("Mint", new Writer().fixed(to).u64(amount).finish());
}

export function burn(): void {
  onlyIssuer();
  const r = new Reader(input());
  const from = r.address();
  const amount = r.u64();
  const bal = storage.getU64(balanceKey(from));
  require(bal >= amount, "burn exceeds balance");
  storage.setU64(balanceKey(from), bal - amount);
  storage.setU64(SUPPLY, storage.getU64(SUPPLY) - amount);
  emit("Burn", new Writer().fixed(from).u64(amount).finish());
}

export function freeze(): void {
  onlyIssuer();
  const a = new Reader(input()).address();
  storage.set(frozenKey(a), bytesOf("1"));
  emit("Freeze", a);
}

export function unfreeze(): void {
  onlyIssuer();
  const a = new Reader(input()).address();
  storage.remove(frozenKey(a));
  emit("Unfreeze", a);
}

export function transfer(): void {
  const r = new Reader(input());
  const to = r.address();
  const amount = r.u64();
  const from = caller();
  notFrozen(from);
  notFrozen(to);
  const fb = storage.getU64(balanceKey(from));
  require(fb >= amount, "insufficient balance");
  storage.setU64(balanceKey(from), fb - amount);
  storage.setU64(balanceKey(to), storage.getU64(balanceKey(to)) + amount);
  emit("Transfer", new Writer().fixed(from).fixed(to).u64(amount).finish());
}

export function balanceOf(): void {
  const a = new Reader(input()).address();
  ret(new Writer().u64(storage.getU64(balanceKey(a))).finish());
}

export function totalSupply(): void {
  ret(new Writer().u64(storage.getU64(SUPPLY)).finish());
}
