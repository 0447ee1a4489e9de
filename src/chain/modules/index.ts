// The built-in modules and the default registry (what decodeBlock/decodeTx use when no
// registry is given). A chain with more modules passes its own registry to Chain.open.
import { ModuleRegistry } from '../module.js';
import { bank } from './bank/index.js';
import { contracts } from './contracts/index.js';

export { bank, decodeAccount, encodeAccount, queryAccount, TxKind } from './bank/index.js';
export type { Account, BankKeeper, CoinbaseBody, TransferBody } from './bank/index.js';

export { contracts, ContractKind, contractAddress, decodeReceipt, encodeReceipt, queryCall, receiptJson } from './contracts/index.js';
export type { CallBody, ContractReceipt, DeployBody } from './contracts/index.js';

export const builtinModules = [bank, contracts] as const;

export const defaultRegistry = new ModuleRegistry(builtinModules);
