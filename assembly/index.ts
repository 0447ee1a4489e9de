// The one WASM module of each build (SIMD and scalar, same sources; kernels pick their
// backend at compile time with ASC_FEATURE_SIMD). Every kernel takes pointers into the
// host's arena, which starts at heapBase().

export function heapBase(): usize {
  return __heap_base;
}

export function simd(): bool {
  return ASC_FEATURE_SIMD;
}

export * from "./sha256/index";
export * from "./mine/index";
export * from "./ed25519/index";
