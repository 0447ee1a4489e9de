export { GpuScanner, GpuResultError, GpuUnavailableError, defaultAdapter, describeAdapter, probeAdapter, sharedGpuScanner } from './scanner.js';
export type { GpuAdapterInfo, GpuScanOptions, GpuScannerOptions, GpuWindow, GpuWindowResult } from './scanner.js';
