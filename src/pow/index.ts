export * from './compact.js';
export * from './display.js';
export * from './errors.js';
export * from './header.js';
export { scanNonces, scanNoncesWith, headerHash, headerHashWith } from './scan.js';
export type { ScanResult } from './scan.js';
export { mine } from './miner.js';
export type { MineOptions, MineProgress, MineResult } from './miner.js';
