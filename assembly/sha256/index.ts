// Exports of the sha256 kernels (see assembly/index.ts).
