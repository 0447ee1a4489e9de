// The module seam (Cosmos SDK's x/<module> picture): each concern of the chain is one
// folder under src/chain/modules/ that declares its transaction kinds (body codec,
// stateless check, apply), its state namespace, its genesis section, the calls it exports
// to other modules (its keeper), its RPC views and its CLI verbs. The chain core knows
// only the registry built from them.
//
// Undo is not written per module: every state write goes through the journal of
// JournaledState (state.ts), which records the previous value, so undoing a block (or
// reverting a nested frame) restores exactly what apply changed, whatever the module did.
import type { Reader, Writer } from './codec.js';
import { ChainError } from './errors.js';
import type { ChainParams } from './params.js';
import type { Transaction } from './tx.js';

/** Canonical codec of one kind's body: `read` must reject anything `write` would not produce. */
export interface BodyCodec<B> {
  write(w: Writer, body: B): void;
  read(r: Reader): B;
}

/**
 * A module's own slice of the state: keys are relative to its namespace, as bytes or (hot
 * paths) already in binKey form (one char per byte, src/chain/hex.ts).
 */
export interface ModuleStore {
  get(key: Uint8Array | string): Uint8Array | undefined;
  /** `undefined` deletes. Journaled: block undo and frame revert restore the old value. */
  set(key: Uint8Array | string, value: Uint8Array | undefined): void;
}

/** What a module sees while it runs. */
export interface ModuleContext {
  readonly params: ChainParams;
  /** Height of the block being applied (0: genesis). */
  readonly height: number;
  /** Header time (Unix seconds) of the block being applied (contracts read it). */
  readonly time: number;
  /** Hash of the parent block, internal order (all zero at genesis): the BFT LastCommit names it. */
  readonly prevHash: Uint8Array;
  /** This module's namespace, and nothing else. */
  readonly store: ModuleStore;
  /** The exported calls (keeper API) of another module. */
  call<K>(module: string): K;
  /**
   * Runs `fn` in a nested journal frame: if it throws, every write it made is reverted and
   * the error rethrown; otherwise its writes join the enclosing frame. For calls that may
   * fail without failing the block (contract calls keep their fee).
   */
  frame<T>(fn: () => T): T;
}

/** Extra context of the block-reward transaction. */
export interface RewardContext extends ModuleContext {
  /** New coins the consensus engine grants at this height. */
  readonly reward: bigint;
  /** Sum of the fees of the block's other transactions. */
  readonly fees: bigint;
}

/** Context of the end-of-block step. */
export interface EndBlockContext extends RewardContext {
  /** What the block's coinbase paid out of reward + fees; the rest is in no account (a staking module distributes it). */
  readonly claimed: bigint;
}

/** Read-only state access for RPC views and the mempool. */
export interface StateQuery {
  readonly params: ChainParams;
  read(namespace: string, key: Uint8Array | string): Uint8Array | undefined;
  call<K>(module: string): K;
}

export interface KindSpec<B = unknown> {
  /** The envelope's kind byte; unique in a registry. */
  readonly kind: number;
  /** Name in JSON views and errors. */
  readonly name: string;
  readonly codec: BodyCodec<B>;
  /**
   * The block-reward kind: exactly one, first in every block, unsigned (all-zero sender
   * and signature), nonce = height; applied after the other transactions.
   */
  readonly reward?: boolean;
  /** Relayed by the mempool (default true for signed kinds). */
  readonly relay?: boolean;
  /**
   * A system transaction the block producer places (the BFT engine's LastCommit): unsigned
   * (all-zero sender and signature, fee 0, nonce = height, the kind's `check` enforces it),
   * no envelope step and no access rule, never relayed by the mempool. Its kind's `check`
   * and `apply` are the whole rule.
   */
  readonly system?: boolean;
  /** Stateless rule checks (ValidationError with a reason code). */
  check(tx: Transaction<B>, params: ChainParams): void;
  /** Applies the body (the envelope's nonce and fee are already handled); may return receipt data. */
  apply(ctx: ModuleContext | RewardContext, tx: Transaction<B>): Uint8Array | void;
  /** Native coin this transaction takes from the sender besides the fee (mempool balance policy). */
  spend?(tx: Transaction<B>): bigint;
  /**
   * The envelope step takes `spend` from the sender together with the fee (one read and
   * one write of the sender instead of two each); `apply` then only credits.
   */
  readonly prepaid?: boolean;
  /** JSON fields of the body, merged into the transaction's JSON view. */
  toJson(body: B): Record<string, unknown>;
  /** Inverse of toJson (throws DecodeError). */
  fromJson(j: Record<string, unknown>): B;
}

/**
 * One RPC view: a read-only query over the state. `params` is the positional parameter
 * list as data (the node's RPC server validates it: 'hex' arrives as bytes, at most
 * maxBytes); the handler gets the parsed values.
 */
export interface RpcView {
  readonly description: string;
  readonly params: readonly { name: string; type: 'hex' | 'string' | 'int'; maxBytes?: number; optional?: boolean }[];
  handler(q: StateQuery, params: unknown[]): unknown;
}

/** A CLI verb as data: the CLI parses `args`, then asks the module to build a body. */
export interface CliVerb {
  readonly verb: string;
  readonly kind: number;
  readonly summary: string;
  readonly args: readonly { name: string; description: string; type: 'address' | 'amount' | 'hex' }[];
}

export interface ChainModule<K = unknown> {
  readonly name: string;
  /** State namespace: ASCII letters/digits/-, unique in a registry. */
  readonly namespace: string;
  readonly kinds: readonly KindSpec<never>[];
  /** The module's genesis section, applied once at height 0. */
  genesis?(ctx: ModuleContext): void;
  /**
   * Access rule for every signed transaction (not the reward or system kinds), checked
   * before the envelope step in blocks and at mempool admission: throw a ValidationError to
   * refuse it (the consortium's per-account send allowlist). `q` reads the state as it is
   * at that point of the block (or the tip, in the mempool).
   */
  admit?(q: StateQuery, tx: Transaction): void;
  /**
   * Runs once per block after every transaction and the block reward, in registry order:
   * epoch boundaries, reward accumulators, validator-set rotation. `reward` and `fees` are
   * the block's; what the coinbase did not claim of them (`reward + fees - claimed`) is in
   * no account unless a module credits it.
   */
  endBlock?(ctx: EndBlockContext): void;
  /** Calls other modules may make (read or write this module's state on its terms). */
  keeper?(ctx: { store: ModuleStore; params: ChainParams; call<T>(module: string): T }): K;
  /**
   * Envelope handling (nonce and fee) for every signed transaction: the accounts module
   * of the registry declares it (Cosmos's ante handler). Exactly one module does. `spend`
   * is what the body will take from the sender (KindSpec.spend), so that fee and spend
   * are checked against the balance together; with `prepaid` the spend is also debited.
   */
  ante?(ctx: ModuleContext, tx: Transaction, spend: bigint, prepaid: boolean): void;
  readonly rpc?: Readonly<Record<string, RpcView>>;
  readonly cli?: readonly CliVerb[];
}

const NAMESPACE_RE = /^[a-z0-9-]{1,24}$/;

/** The modules of one chain, indexed by kind and by name. */
export class ModuleRegistry {
  readonly modules: readonly ChainModule[];
  private readonly byKind = new Map<number, { spec: KindSpec; module: ChainModule }>();
  private readonly byName = new Map<string, ChainModule>();
  readonly ante: ChainModule;
  readonly rewardKind: KindSpec;
  /** Modules with an access rule (`admit`), in registry order. */
  readonly admitters: readonly ChainModule[];
  /** Modules with an end-of-block step (`endBlock`), in registry order. */
  readonly enders: readonly ChainModule[];

  constructor(modules: readonly ChainModule[]) {
    const bad = (m: string): never => {
      throw new ChainError('bad-modules', m);
    };
    this.modules = [...modules];
    let ante: ChainModule | undefined;
    let reward: KindSpec | undefined;
    const spaces = new Set<string>();
    for (const m of modules) {
      if (this.byName.has(m.name)) bad(`two modules are named ${m.name}`);
      if (!NAMESPACE_RE.test(m.namespace)) bad(`module ${m.name}: namespace ${JSON.stringify(m.namespace)} must match ${NAMESPACE_RE}`);
      if (spaces.has(m.namespace)) bad(`module ${m.name}: namespace ${m.namespace} is taken`);
      spaces.add(m.namespace);
      this.byName.set(m.name, m);
      if (m.ante) {
        if (ante) bad(`modules ${ante.name} and ${m.name} both handle the envelope (ante)`);
        ante = m;
      }
      for (const spec of m.kinds as readonly KindSpec[]) {
        if (!Number.isInteger(spec.kind) || spec.kind < 0 || spec.kind > 255) bad(`module ${m.name}: kind ${spec.kind} is not a byte`);
        const other = this.byKind.get(spec.kind);
        if (other) bad(`kind ${spec.kind} is claimed by ${other.module.name} and ${m.name}`);
        this.byKind.set(spec.kind, { spec, module: m });
        if (spec.reward && spec.system) bad(`kind ${spec.name} cannot be both the block-reward kind and a system kind`);
        if (spec.reward) {
          if (reward) bad(`kinds ${reward.name} and ${spec.name} are both the block-reward kind`);
          reward = spec;
        }
      }
    }
    if (!ante) bad('no module handles the envelope (ante): include the bank module');
    if (!reward) bad('no module declares the block-reward kind: include the bank module');
    this.ante = ante!;
    this.rewardKind = reward!;
    this.admitters = this.modules.filter((m) => m.admit);
    this.enders = this.modules.filter((m) => m.endBlock);
  }

  /** The spec of `kind`, or undefined when no module registered it. */
  spec(kind: number): KindSpec | undefined {
    return this.byKind.get(kind)?.spec;
  }

  moduleOf(kind: number): ChainModule | undefined {
    return this.byKind.get(kind)?.module;
  }

  module(name: string): ChainModule | undefined {
    return this.byName.get(name);
  }

  kindByName(name: string): KindSpec | undefined {
    for (const { spec } of this.byKind.values()) if (spec.name === name) return spec;
    return undefined;
  }

  get kinds(): KindSpec[] {
    return [...this.byKind.values()].map((v) => v.spec);
  }

  /** Every RPC view of every module, by method name (a clash is a registry error). */
  rpcViews(): Map<string, RpcView> {
    const out = new Map<string, RpcView>();
    for (const m of this.modules) {
      for (const [name, view] of Object.entries(m.rpc ?? {})) {
        if (out.has(name)) throw new ChainError('bad-modules', `RPC view ${name} is declared twice (module ${m.name})`);
        out.set(name, view);
      }
    }
    return out;
  }

  /** A registry with these modules added (engine modules, test modules). */
  with(...modules: ChainModule[]): ModuleRegistry {
    return new ModuleRegistry([...this.modules, ...modules]);
  }
}
