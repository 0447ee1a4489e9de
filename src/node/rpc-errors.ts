/**
 * JSON-RPC error codes: the spec's (-32xxx) and, where one fits, Bitcoin Core's
 * application codes (rpc/protocol.h) so that tools built for it read ours the same way.
 */
export const RpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Not in Bitcoin Core (it answers 401 with no body); ours also carries a JSON body. */
  UNAUTHORIZED: -32001,
  MISC_ERROR: -1,
  TYPE_ERROR: -3,
  INVALID_ADDRESS_OR_KEY: -5,
  INVALID_PARAMETER: -8,
  CLIENT_NODE_ALREADY_ADDED: -23,
  CLIENT_INVALID_IP_OR_SUBNET: -30,
  DESERIALIZATION_ERROR: -22,
  VERIFY_ERROR: -25,
  VERIFY_REJECTED: -26,
  VERIFY_ALREADY_IN_CHAIN: -27,
  IN_WARMUP: -28,
} as const;

/** An error that reaches the client as `{ code, message, data? }`. */
export class RpcError extends Error {
  override name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}
