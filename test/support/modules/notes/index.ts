// A tiny example module, registered only by the tests: it shows that a new transaction
// kind is one folder. Kind 0x40 "note" stores a short note under the sender's key and
// burns a deposit of 1 unit per stored byte through the bank's exported calls (never by
// touching the bank's namespace).
import * as C from '../../../../dist/chain/index.js';
import { ed25519 } from '../../../../dist/sig/index.js';

export const NOTE_KIND = 0x40;
const MAX_KEY = 32;
const MAX_VALUE = 256;

export interface NoteBody {
  key: Uint8Array;
  value: Uint8Array;
}

const deposit = (b: NoteBody) => BigInt(b.key.length + b.value.length);

function noteKey(from: Uint8Array, key: Uint8Array): Uint8Array {
  return new Uint8Array([...from, ...key]);
}

const note: C.KindSpec<NoteBody> = {
  kind: NOTE_KIND,
  name: 'note',
  codec: {
    write(w, b) {
      w.varbytes(b.key, MAX_KEY, 'note.key').varbytes(b.value, MAX_VALUE, 'note.value');
    },
    read(r) {
      return { key: r.varbytes('note.key', MAX_KEY), value: r.varbytes('note.value', MAX_VALUE) };
    },
  },
  check(tx) {
    if (tx.body.key.length === 0) throw new C.ValidationError('bad-note-key', 'a note needs a non-empty key');
  },
  apply(ctx, tx) {
    ctx.call<C.BankKeeper>('bank').burn(tx.from, deposit(tx.body));
    ctx.store.set(noteKey(tx.from, tx.body.key), tx.body.value.length ? tx.body.value : undefined);
    return new TextEncoder().encode(`stored ${tx.body.value.length}`);
  },
  spend: (tx) => deposit(tx.body),
  toJson: (b) => ({ key: C.toHex(b.key), value: C.toHex(b.value) }),
  fromJson: (j) => ({ key: C.fromHex(String(j.key ?? '')), value: C.fromHex(String(j.value ?? '')) }),
};

export const notes: C.ChainModule = {
  name: 'notes',
  namespace: 'notes',
  kinds: [note] as unknown as readonly C.KindSpec<never>[],
  rpc: {
    getnote: {
      description: 'getnote address key — the stored note (hex) or null',
      params: [
        { name: 'address', type: 'hex', maxBytes: 32 },
        { name: 'key', type: 'hex', maxBytes: MAX_KEY },
      ],
      handler(q, [addr, key]) {
        const bytes = (v: unknown) => (v instanceof Uint8Array ? v : C.fromHex(String(v)));
        const v = q.read('notes', noteKey(bytes(addr), bytes(key)));
        return v ? C.toHex(v) : null;
      },
    },
  },
};

export function createNote(chainId: number, nonce: number, fee: bigint, body: NoteBody, sk: Uint8Array, registry: C.ModuleRegistry): C.Transaction<NoteBody> {
  const from = ed25519.getPublicKey(sk);
  return C.signTx<NoteBody>({ chainId, kind: NOTE_KIND, from, nonce, fee, body }, sk, registry);
}
