#!/usr/bin/env node
// The `hashlane` command. Each subcommand lives in its own file and registers in one line.
import { Command } from 'commander';
import { nodeCommand } from './node.js';
import { walletCommand } from './wallet.js';

const program = new Command('hashlane')
  .description('SHA-256d mining and Ed25519 batch verification in WebAssembly, and a proof-of-work chain around them')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .showSuggestionAfterError(true);

program.addCommand(nodeCommand());
program.addCommand(walletCommand());

await program.parseAsync(process.argv);
