/**
 * Data-mask selection of a QR code symbol (ISO/IEC 18004:2015 §7.8): the eight mask patterns
 * of Table 10 are tried and the one with the lowest penalty (§7.8.3, Table 11: N1 = 3, N2 = 3,
 * N3 = 40, N4 = 10) is kept, exactly as the `qrcode` package scores them, on flat byte arrays
 * with the per-version masks precomputed (the package's own search through BitMatrix
 * accessors was a third of the time of rendering a certificate). The format information
 * (§7.9: BCH(15,5), generator 0x537, XOR mask 0x5412) is written for each candidate, as the
 * package does, so the choice and the symbol are the same.
 */

/** Mask condition of Table 10 (i = row, j = column): true → the module is inverted. */
const PATTERNS: Array<(i: number, j: number) => boolean> = [
  (i, j) => (i + j) % 2 === 0,
  (i) => i % 2 === 0,
  (_i, j) => j % 3 === 0,
  (i, j) => (i + j) % 3 === 0,
  (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
  (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
  (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
  (i, j) => (((i * j) % 3) + ((i + j) % 2)) % 2 === 0,
];

/** Error-correction level indicators of §7.9.1 Table 12. */
const EC_BITS = { L: 1, M: 0, Q: 3, H: 2 } as const;

/** The 15 format-information bits for a level and mask (§7.9.1). */
export function formatBits(level: keyof typeof EC_BITS, mask: number): number {
  const data = (EC_BITS[level] << 3) | mask;
  let rem = data << 10;
  for (let d = 14; d >= 10; d--) if (rem & (1 << d)) rem ^= 0x537 << (d - 10);
  return ((data << 10) | rem) ^ 0x5412;
}

/** Index pairs (row·size + col) of the two copies of format bit i, i = 0..14 (the package's layout). */
function formatPositions(size: number): Array<[number, number]> {
  const at = (r: number, c: number) => r * size + c;
  return Array.from({ length: 15 }, (_, i) => {
    const v = i < 6 ? at(i, 8) : i < 8 ? at(i + 1, 8) : at(size - 15 + i, 8);
    const h = i < 8 ? at(8, size - i - 1) : i < 9 ? at(8, 15 - i - 1 + 1) : at(8, 15 - i - 1);
    return [v, h];
  });
}

const perSize = new Map<string, { masks: Uint8Array[]; format: Array<[number, number]> }>();

function tablesFor(size: number, reserved: Uint8Array) {
  const key = `${size}`;
  let t = perSize.get(key);
  if (!t) {
    const masks = PATTERNS.map((f) => {
      const m = new Uint8Array(size * size);
      for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) if (!reserved[i * size + j] && f(i, j)) m[i * size + j] = 1;
      return m;
    });
    t = { masks, format: formatPositions(size) };
    perSize.set(key, t);
  }
  return t;
}

/**
 * Given a symbol built with mask `applied` (modules and their reserved-module map, row-major),
 * return the modules under the best mask, with that mask's format information, and the mask.
 * Two buffers serve all eight candidates (the best so far and the one being scored).
 */
export function selectMask(modules: Uint8Array, reserved: Uint8Array, size: number, applied: number, level: keyof typeof EC_BITS): { modules: Uint8Array; mask: number } {
  const { masks, format } = tablesFor(size, reserved);
  const n = modules.length;
  const base = new Uint8Array(n);
  const undo = masks[applied];
  for (let k = 0; k < n; k++) base[k] = modules[k] ^ undo[k];
  let best = new Uint8Array(n);
  let cand = new Uint8Array(n);
  let bestMask = -1;
  let bestPenalty = Infinity;
  for (let p = 0; p < 8; p++) {
    const m = masks[p];
    for (let k = 0; k < n; k++) cand[k] = base[k] ^ m[k];
    const bits = formatBits(level, p);
    for (let i = 0; i < 15; i++) {
      const b = (bits >> i) & 1;
      cand[format[i][0]] = b;
      cand[format[i][1]] = b;
    }
    cand[(size - 8) * size + 8] = 1; // the dark module
    const penalty = penaltyOf(cand, size);
    if (penalty < bestPenalty) {
      bestPenalty = penalty;
      bestMask = p;
      [best, cand] = [cand, best];
    }
  }
  return { modules: best, mask: bestMask };
}

/**
 * N1 + N2 + N3 + N4 of §7.8.3 Table 11, as computed by the `qrcode` package: one pass along
 * the rows (N1, N3, the 2×2 blocks of N2 with the next row, the dark count of N4), one down
 * the columns (N1, N3).
 */
export function penaltyOf(d: Uint8Array, size: number): number {
  let points = 0;
  let finders = 0;
  let blocks = 0;
  let dark = 0;
  for (let r = 0; r < size; r++) {
    const k0 = r * size;
    const below = r < size - 1;
    let run = 0;
    let last = -1;
    let bits = 0;
    for (let c = 0; c < size; c++) {
      const k = k0 + c;
      const a = d[k];
      dark += a;
      // N1: runs of ≥ 5 same-colour modules score 3 + (run − 5)
      if (a === last) run++;
      else {
        if (run >= 5) points += run - 2;
        last = a;
        run = 1;
      }
      // N3: 1:1:3:1:1 with 4 light modules on either side, 40 each
      bits = ((bits << 1) & 0x7ff) | a;
      if (c >= 10 && (bits === 0x5d0 || bits === 0x05d)) finders++;
      // N2: 2×2 blocks of one colour, 3 each
      if (below && c < size - 1) {
        const s = a + d[k + 1] + d[k + size] + d[k + size + 1];
        if (s === 4 || s === 0) blocks++;
      }
    }
    if (run >= 5) points += run - 2;
  }
  for (let c = 0; c < size; c++) {
    let run = 0;
    let last = -1;
    let bits = 0;
    for (let r = 0, k = c; r < size; r++, k += size) {
      const a = d[k];
      if (a === last) run++;
      else {
        if (run >= 5) points += run - 2;
        last = a;
        run = 1;
      }
      bits = ((bits << 1) & 0x7ff) | a;
      if (r >= 10 && (bits === 0x5d0 || bits === 0x05d)) finders++;
    }
    if (run >= 5) points += run - 2;
  }
  points += finders * 40 + blocks * 3;
  // N4: dark proportion away from 50 %, 10 per 5 %
  points += Math.abs(Math.ceil((dark * 100) / d.length / 5) - 10) * 10;
  return points;
}
