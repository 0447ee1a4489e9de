import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** test/vectors: byte-identical copies of the reference data (provenance in its README). */
export const vectorsDir = fileURLToPath(new URL('../vectors/', import.meta.url));

/** Reads a JSON file from test/vectors. */
export function loadVectors<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
