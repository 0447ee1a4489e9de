// Exports of the mine kernels (see assembly/index.ts).
