// Exports of the ed25519 kernels (see assembly/index.ts).
