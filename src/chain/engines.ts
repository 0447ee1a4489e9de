// The engine a chain's params name (params.consensus): proof of work, or the BFT engine
// with the validator-set module params.validatorSetModule names. Chain.open uses it when
// no engine is given, so a node gets the right engine from its params alone.
import { BftEngine } from '../bft/engine.js';
import { ProofOfWork, type ConsensusEngine } from './consensus.js';
import { ChainError } from './errors.js';
import type { ChainModule } from './module.js';
import { authority } from './modules/authority/index.js';
import type { ChainParams } from './params.js';

export interface ValidatorSetModuleEntry {
  module: ChainModule;
  /** False when the module distributes reward + fees itself (templates then claim 0). */
  claimsReward: boolean;
}

/** The validator-set modules a bft chain may name (issue 16 adds staking and dpos here). */
export const validatorSetModules: Readonly<Record<string, ValidatorSetModuleEntry>> = {
  authority: { module: authority, claimsReward: true },
};

export function engineFor(params: ChainParams): ConsensusEngine {
  if ((params.consensus ?? 'pow') === 'pow') return new ProofOfWork(params);
  const name = params.validatorSetModule ?? 'authority';
  const entry = Object.hasOwn(validatorSetModules, name) ? validatorSetModules[name] : undefined;
  if (!entry) throw new ChainError('bad-params', `validatorSetModule ${JSON.stringify(name)} is not a known validator-set module (known: ${Object.keys(validatorSetModules).join(', ')})`);
  return new BftEngine(params, { setModule: entry.module, claimsReward: entry.claimsReward });
}
