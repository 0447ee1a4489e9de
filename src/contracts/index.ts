// The contract VM (validation, instrumentation, execution) and the caller-side encoding.
export { instrument, loadInstrumenter, instrumenterLoaded, ContractValidationError, GAS_TABLE, LIMITS, STACK_LIMIT, INSTRUMENT_VERSION, HOST_MODULE } from './instrument.js';
export type { InstrumentResult } from './instrument.js';
export { callContract, ABI_VERSION, HOST_GAS, MAX_CALL_DEPTH } from './vm.js';
export type { CallRequest, CallResult, CallStatus, ContractEvent, ContractHost } from './vm.js';
export { AbiReader, AbiWriter, AbiError } from './abi.js';
