// Tendermint BFT consensus: messages, validator sets with proposer priority, commits,
// evidence, the write-ahead log and the state machine. No I/O: drivers live elsewhere.
export * from './messages.js';
export * from './validators.js';
export * from './commit.js';
export * from './evidence.js';
export * from './wal.js';
export * from './machine.js';
export * from './engine.js';
