// Signed-digit recodings of 256-bit little-endian scalars.
const WORDS: usize = memory.data(48, 16);

/** Erases the copy of the last scalar recoded (radix64 recodes secret scalars). */
export function recode_wipe(): void {
  memory.fill(WORDS, 0, 48);
}

/**
 * Width-w NAF into 256 i8 digits: every non-zero digit is odd, |d| < 2^(w-1), and any w
 * consecutive digits hold at most one non-zero. Needs the scalar < 2^255. Variable time.
 */
export function wnaf(out: usize, scalar: usize, w: i32): void {
  memory.copy(WORDS, scalar, 32);
  memory.fill(WORDS + 32, 0, 16);
  memory.fill(out, 0, 256);
  const width: u64 = <u64>1 << <u64>w;
  const mask: u64 = width - 1;
  const half: u64 = width >> 1;
  let carry: u64 = 0;
  let pos: i32 = 0;
  while (pos < 256) {
    const idx = <usize>(pos >> 6);
    const bi = <u64>(pos & 63);
    let buf = load<u64>(WORDS + (idx << 3)) >> bi;
    if (bi > 64 - <u64>w) buf |= load<u64>(WORDS + ((idx + 1) << 3)) << (64 - bi);
    const window = carry + (buf & mask);
    if ((window & 1) == 0) {
      pos += 1;
      continue;
    }
    if (window < half) {
      carry = 0;
      store<i8>(out + <usize>pos, <i8>window);
    } else {
      carry = 1;
      store<i8>(out + <usize>pos, <i8>(<i64>window - <i64>width));
    }
    pos += w;
  }
}

/**
 * Signed radix-2^c digits (c <= 15) into i16 out[0..nwin): digits in [-2^(c-1), 2^(c-1)],
 * scalar = sum d_j 2^(c j); needs c * nwin >= 256 + 1 for scalars < 2^255. Variable time.
 */
export function radix2c(out: usize, scalar: usize, c: i32, nwin: i32): void {
  memory.copy(WORDS, scalar, 32);
  memory.fill(WORDS + 32, 0, 16);
  const mask: u64 = (<u64>1 << <u64>c) - 1;
  const half: i64 = <i64>1 << <i64>(c - 1);
  let carry: i64 = 0;
  for (let j = 0; j < nwin; j++) {
    const pos = j * c;
    let v: i64 = 0;
    if (pos < 256) {
      const idx = <usize>(pos >> 6);
      const bi = <u64>(pos & 63);
      let buf = load<u64>(WORDS + (idx << 3)) >> bi;
      if (bi > 64 - <u64>c) buf |= load<u64>(WORDS + ((idx + 1) << 3)) << (64 - bi);
      v = <i64>(buf & mask);
    }
    v += carry;
    carry = (v + half) >> <i64>c;   // digit in [-half, half)
    store<i16>(out + (<usize>j << 1), <i16>(v - (carry << <i64>c)));
  }
}

/**
 * Signed radix-64 digits e[0..43) in [-32, 32] with scalar = sum e_i 64^i; scalar < 2^253.
 * Branch-free (signing uses it on secrets).
 */
export function radix64(out: usize, scalar: usize): void {
  memory.copy(WORDS, scalar, 32);
  memory.fill(WORDS + 32, 0, 16);
  let carry: i32 = 0;
  for (let i = 0; i < 43; i++) {
    const bit = i * 6;
    const idx = <usize>(bit >> 6);
    const bi = <u64>(bit & 63);
    // bits straddling two words: the high word shifted by 64 - bi (bi > 58 only).
    let v = load<u64>(WORDS + (idx << 3)) >> bi;
    v |= (load<u64>(WORDS + ((idx + 1) << 3)) << (63 - bi)) << 1;
    const e = <i32>(v & 63) + carry;
    carry = (e + 32) >> 6;
    store<i8>(out + <usize>i, <i8>(e - (carry << 6)));
  }
}
