// `hashlane modules`: what the chain's module registry holds — each module's namespace,
// transaction kinds, RPC views and CLI verbs, read from the modules' own declarations.
import { Command } from 'commander';
import { defaultRegistry } from '../chain/modules/index.js';
import type { ModuleRegistry } from '../chain/module.js';

export function describeModules(registry: ModuleRegistry): string {
  const lines: string[] = [];
  for (const m of registry.modules) {
    lines.push(`${m.name} (state namespace "${m.namespace}"${m.ante ? ', handles the envelope: nonce and fee' : ''})`);
    for (const k of m.kinds) lines.push(`  kind ${k.kind} ${k.name}${k.reward ? ' (block reward, first in every block)' : ''}`);
    for (const [name, view] of Object.entries(m.rpc ?? {})) lines.push(`  rpc ${name}: ${view.description}`);
    for (const v of m.cli ?? []) lines.push(`  verb ${v.verb} (kind ${v.kind}): ${v.summary}; args ${v.args.map((a) => `<${a.name}> ${a.description}`).join(', ')}`);
  }
  return lines.join('\n');
}

export function modulesCommand(): Command {
  return new Command('modules').description("lists the chain's modules: state namespaces, transaction kinds, RPC views, CLI verbs").action(() => {
    console.log(describeModules(defaultRegistry));
  });
}
