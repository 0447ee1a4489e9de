// `hashlane rpc <method> [params…]`: bitcoin-cli for this node.
import { Command } from 'commander';
import { addRpcAuthOptions, DEFAULT_RPC_URL, RpcCallError, RpcClientError, rpcCall, type RpcClientOptions } from './rpc-client.js';

/**
 * Each argument as JSON where it parses (numbers, true, null, objects), else as the string
 * itself. A number that does not print back the same (a hash of decimal digits, "1.50",
 * 2^64) stays a string, so nothing is silently rounded.
 */
export function parseParam(text: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return text;
  }
  return typeof v === 'number' && String(v) !== text.trim() ? text : v;
}

/** Strings print bare (as bitcoin-cli does), null prints nothing, everything else as indented JSON. */
export function formatResult(result: unknown): string | null {
  if (result === null || result === undefined) return null;
  if (typeof result === 'string') return result;
  return JSON.stringify(result, null, 2);
}

export function rpcCommand(): Command {
  const cmd = new Command('rpc')
    .description("call the node's JSON-RPC (bitcoin-cli style); `hashlane rpc help` lists the methods")
    .argument('<method>', 'RPC method, e.g. getblockcount, getblock, help')
    .argument('[params...]', 'parameters: JSON where they parse (1, true, {"a":1}), strings otherwise')
    .option('--rpc <url>', "the node's JSON-RPC URL", DEFAULT_RPC_URL)
    // Everything after the method is a parameter, even "-1".
    .passThroughOptions()
    .allowExcessArguments(false)
    // Usage mistakes: one line in the CLI's style and exit code 2.
    .configureOutput({ outputError: (str, write) => write(`hashlane rpc: ${str.replace(/^error: /, '').trim()}; expected hashlane rpc [options] <method> [params...]\n`) })
    .exitOverride((err) => {
      process.exit(err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version' ? 0 : 2);
    });
  addRpcAuthOptions(cmd);
  return cmd.action(async (method: string, params: string[], flags: RpcClientOptions) => {
    try {
      const out = formatResult(await rpcCall(flags, method, params.map(parseParam)));
      if (out !== null) console.log(out);
    } catch (err) {
      if (err instanceof RpcCallError) console.error(`error code ${err.code}: ${err.message}`);
      else if (err instanceof RpcClientError) console.error(`hashlane rpc: ${err.message}`);
      else console.error(`hashlane rpc: ${(err as Error).message}`);
      process.exitCode = 1;
    }
  });
}
