#!/usr/bin/env node
// The `hashlane` command. Each command lives in its own module; adding one is one line in
// COMMANDS (a module exports `register(program)` or a factory returning its Command).
import { Command } from 'commander';

const COMMANDS: ((program: Command) => Promise<unknown>)[] = [
  async (p) => (await import('./mine.js')).register(p),
  async (p) => (await import('./bench.js')).register(p),
  async (p) => p.addCommand((await import('./node.js')).nodeCommand()),
  async (p) => p.addCommand((await import('./wallet.js')).walletCommand()),
  async (p) => p.addCommand((await import('./rpc.js')).rpcCommand()),
  async (p) => p.addCommand((await import('./modules.js')).modulesCommand()),
  async (p) => p.addCommand((await import('./contract.js')).contractCommand()),
];

const program = new Command('hashlane')
  .description('WebAssembly SIMD engine for SHA-256d mining and Ed25519 batch verification')
  .version('0.1.0')
  // `hashlane rpc` passes everything after the method through as parameters (even "-1").
  .enablePositionalOptions()
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (str, write) => write(str) });
for (const add of COMMANDS) await add(program);
await program.parseAsync(process.argv);
