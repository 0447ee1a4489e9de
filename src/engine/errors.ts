/** Thrown when a kernel is called before `ready()` has resolved. */
export class EngineNotReadyError extends Error {
  override name = 'EngineNotReadyError';
  constructor() {
    super('hashlane engine is not loaded yet: await ready() before calling it');
  }
}

/** Thrown when the WASM bytes cannot be found, fetched or instantiated. */
export class EngineLoadError extends Error {
  override name = 'EngineLoadError';
}

/** Checks that `value` is a Uint8Array, else throws a TypeError naming the argument. */
export function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    const got = value === null ? 'null' : typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value;
    throw new TypeError(`${name} must be a Uint8Array, got ${got}`);
  }
}

/** Checks a Uint8Array of an exact length, else throws (TypeError / RangeError). */
export function assertBytesLength(value: unknown, length: number, name: string): asserts value is Uint8Array {
  assertBytes(value, name);
  if (value.length !== length) {
    throw new RangeError(`${name} must be ${length} bytes, got ${value.length}`);
  }
}
