#!/usr/bin/env node
// The `hashlane` command. Each command lives in its own module exporting
// `register(program)`; adding a command is one line in COMMANDS.
import { Command } from 'commander';

const COMMANDS: (() => Promise<{ register(program: Command): void }>)[] = [
  () => import('./mine.js'),
  () => import('./bench.js'),
  () => import('./node.js'),
  () => import('./wallet.js'),
];

const program = new Command('hashlane')
  .description('WebAssembly SIMD engine for SHA-256d mining and Ed25519 batch verification')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (str, write) => write(str) });
for (const load of COMMANDS) (await load()).register(program);
await program.parseAsync(process.argv);
