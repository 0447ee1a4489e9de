#!/usr/bin/env node
// The `hashlane` command. Each command lives in its own module; adding one is one line in
// COMMANDS, under the command's name (a module exports `register(program)` or a factory
// returning its Command).
//
// Every mistake ends as one line "hashlane <command>: <what was wrong>; expected <what>" on
// stderr: exit code 2 for usage errors (commander's and UsageError), 1 for failures.
import { Command, CommanderError } from 'commander';
import { exitWith, UsageError } from './format.js';

const COMMANDS: Record<string, (program: Command) => Promise<unknown>> = {
  mine: async (p) => (await import('./mine.js')).register(p),
  bench: async (p) => (await import('./bench.js')).register(p),
  node: async (p) => p.addCommand((await import('./node.js')).nodeCommand()),
  wallet: async (p) => p.addCommand((await import('./wallet.js')).walletCommand()),
  rpc: async (p) => p.addCommand((await import('./rpc.js')).rpcCommand()),
  modules: async (p) => p.addCommand((await import('./modules.js')).modulesCommand()),
  contract: async (p) => p.addCommand((await import('./contract.js')).contractCommand()),
  swap: async (p) => p.addCommand((await import('./swap.js')).swapCommand()),
  testnet: async (p) => p.addCommand((await import('./testnet.js')).testnetCommand()),
  genesis: async (p) => p.addCommand((await import('./validator.js')).genesisCommand()),
  validator: async (p) => p.addCommand((await import('./validator.js')).validatorCommand()),
};

const program = new Command('hashlane')
  .description('WebAssembly SIMD engine for SHA-256d mining and Ed25519 batch verification')
  .version('0.1.0')
  // `hashlane rpc` passes everything after the method through as parameters (even "-1").
  .enablePositionalOptions();
// Only the command asked for is loaded (the node's network stack alone takes a second to
// import); help, --version and unknown commands load them all to list them.
const asked = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (asked !== undefined && Object.hasOwn(COMMANDS, asked)) await COMMANDS[asked]!(program);
else for (const add of Object.values(COMMANDS)) await add(program);

/** "wallet send" for the send subcommand of wallet. */
const pathOf = (c: Command): string => {
  const names: string[] = [];
  for (let x: Command | null = c; x && x !== program; x = x.parent) names.unshift(x.name());
  return names.join(' ');
};

// Commander reports its own usage errors through outputError and then exits; both are taken
// over on every command (addCommand does not pass settings down), so that its message is
// reworded into our one line.
let failed = null as { command: Command; message: string } | null;
const adopt = (c: Command) => {
  c.exitOverride();
  c.configureOutput({ outputError: (message) => (failed ??= { command: c, message }) });
  c.commands.forEach(adopt);
};
adopt(program);

let current: Command = program;
program.hook('preAction', (_top, action) => {
  current = action;
});

/** Commander's "error: option '--fee <n>' argument 'abc' is invalid. <ours>" -> "<ours>", and so on. */
function reword(c: Command, message: string): string {
  const text = message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim();
  const choices = /^option '([^']*)' argument '([^']*)' is invalid\. Allowed choices are (.*?)\.?$/.exec(text);
  if (choices) return `${choices[1]!.split(' ')[0]} ${JSON.stringify(choices[2])} is not allowed; expected one of: ${choices[3]}`;
  const argChoice = /^command-argument value '([^']*)' is invalid for argument '([^']*)'\. Allowed choices are (.*?)\.?$/.exec(text);
  if (argChoice) return `<${argChoice[2]}> ${JSON.stringify(argChoice[1])} is not allowed; expected one of: ${argChoice[3]}`;
  const invalid = /is invalid(?: for argument '[^']*')?\.\s+(.*)$/.exec(text);
  if (invalid) return invalid[1]!;
  const plain = text.replace(/\.$/, '');
  if (/^unknown command/.test(plain)) return `${plain}; expected one of: ${c.commands.map((x) => x.name()).join(', ')}`;
  return `${plain}; expected: hashlane ${pathOf(c) ? `${pathOf(c)} ` : ''}${c.usage()} (see --help)`;
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here too, successfully.
    if (err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exitCode = 0;
    // An argument parser (src/cli/args.ts) called inside an action: the message is already ours.
    else if (!failed && err.code === 'commander.invalidArgument') exitWith(pathOf(current), new UsageError(err.message));
    else {
      const c = failed?.command ?? current;
      exitWith(pathOf(c), new UsageError(reword(c, failed?.message ?? err.message)));
    }
  } else exitWith(pathOf(current), err);
}
