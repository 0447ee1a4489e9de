// Trade terms that execute themselves: the buyer (deployer) names the seller, an
// inspector, the price and a deadline (block height). The buyer deposits the price; the
// seller marks the goods shipped; the inspector (or the buyer) confirms delivery and the
// contract pays the seller; if nothing is confirmed by the deadline, the buyer may take
// the deposit back.
import { blockHeight, caller, emit, equal, input, Reader, require, ret, self, storage, transfer, value, balance, bytesOf, Writer } from "../sdk/index";

const TERMS = bytesOf("terms");
const STATE = bytesOf("state");
// States: 0 created, 1 funded, 2 shipped, 3 paid, 4 refunded.

class Terms {
  constructor(public buyer: Uint8Array, public seller: Uint8Array, public inspector: Uint8Array, public price: u64, public deadline: u64) {}
}

function terms(): Terms {
  const r = new Reader(storage.get(TERMS)!);
  return new Terms(r.address(), r.address(), r.address(), r.u64(), r.u64());
}

function state(): u64 {
  return storage.getU64(STATE);
}

function setState(s: u64, name: string): void {
  storage.setU64(STATE, s);
  emit(name, new Writer().u64(s).finish());
}

export function init(): void {
  const r = new Reader(input());
  const seller = r.address();
  const inspector = r.address();
  const price = r.u64();
  const deadline = r.u64();
  require(price > 0, "price must be positive");
  require(deadline > blockHeight(), "deadline must be in the future");
  storage.set(TERMS, new Writer().fixed(caller()).fixed(seller).fixed(inspector).u64(price).u64(deadline).finish());
}

export function deposit(): void {
  const t = terms();
  require(equal(caller(), t.buyer), "only the buyer deposits");
  require(state() == 0, "already funded");
  require(value() == t.price, "attach exactly the price");
  setState(1, "Funded");
}

export function ship(): void {
  const t = terms();
  require(equal(caller(), t.seller), "only the seller ships");
  require(state() == 1, "not funded");
  setState(2, "Shipped");
}

export function confirm(): void {
  const t = terms();
  const c = caller();
  require(equal(c, t.inspector) || equal(c, t.buyer), "only the inspector or the buyer confirms");
  require(state() == 2, "not shipped");
  setState(3, "Paid");
  transfer(t.seller, t.price);
}

export function refund(): void {
  const t = terms();
  const s = state();
  require(s == 1 || s == 2, "nothing to refund");
  require(blockHeight() > t.deadline, "the deadline has not passed");
  setState(4, "Refunded");
  transfer(t.buyer, t.price);
}

export function status(): void {
  const t = terms();
  ret(new Writer().u64(state()).u64(balance(self())).u64(t.deadline).finish());
}
