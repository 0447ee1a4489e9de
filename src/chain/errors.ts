/**
 * Typed errors of the chain core. Every rejection carries a short machine-readable
 * `reason` (Bitcoin Core style, e.g. `bad-txns-nonce`) and a message that says what was
 * wrong and what was expected.
 */
export class ChainError extends Error {
  override name = 'ChainError';
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(`${reason}: ${message}`);
    this.reason = reason;
  }
}

/** Bytes that are not a canonical encoding (truncated, trailing, non-minimal, oversize). */
export class DecodeError extends ChainError {
  override name = 'DecodeError';
}

/** A value that cannot be encoded (out of range, wrong length). */
export class EncodeError extends ChainError {
  override name = 'EncodeError';
}

/** A consensus rule failed (stateless, contextual or stateful). */
export class ValidationError extends ChainError {
  override name = 'ValidationError';
}

/** A mempool policy refused a transaction (fees, nonce gap, size cap, replacement). */
export class MempoolError extends ChainError {
  override name = 'MempoolError';
}
