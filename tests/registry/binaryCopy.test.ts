import { describe, expect, it } from 'vitest';
import { binaryCopyChunks } from '../../src/registry/binaryCopy';

// The layout of https://www.postgresql.org/docs/current/sql-copy.html ("Binary Format"),
// written out by hand; the PostgreSQL store contract (storeContract.ts) sends such rows to a server.
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const i16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const i32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('binaryCopyChunks', () => {
  it('writes the header, each field with its length (UTF-8 text, int4, NULL, bytes) and the trailer', () => {
    const out = Buffer.concat([...binaryCopyChunks([['管理号', -5, null, Buffer.from([0, 1, 2])], ['', 7, 'a', Buffer.alloc(0)]])]);
    const text = Buffer.from('管理号', 'utf8');
    expect(out).toEqual(
      Buffer.concat([
        SIGNATURE, i32(0), i32(0),
        i16(4), i32(text.length), text, i32(4), i32(-5), i32(-1), i32(3), Buffer.from([0, 1, 2]),
        i16(4), i32(0), i32(4), i32(7), i32(1), Buffer.from('a'), i32(0),
        i16(-1),
      ]),
    );
  });

  it('yields a large field as its own chunk, the very buffer given, with the small fields gathered around it', () => {
    const pdf = Buffer.alloc(40_000, 7);
    const chunks = [...binaryCopyChunks([['M1', 1, pdf, '2025-08-15T02:00:00.000Z'], ['M2', 1, pdf, 'x']])];
    expect(chunks.length).toBe(5);
    expect(chunks[1]).toBe(pdf);
    expect(chunks[3]).toBe(pdf);
    expect(chunks[0].subarray(-4).readInt32BE()).toBe(40_000);
    expect(Buffer.concat(chunks)).toEqual(
      Buffer.concat([
        SIGNATURE, i32(0), i32(0),
        i16(4), i32(2), Buffer.from('M1'), i32(4), i32(1), i32(40_000), pdf, i32(24), Buffer.from('2025-08-15T02:00:00.000Z'),
        i16(4), i32(2), Buffer.from('M2'), i32(4), i32(1), i32(40_000), pdf, i32(1), Buffer.from('x'),
        i16(-1),
      ]),
    );
  });

  it('refuses a number that is not an int4', () => {
    for (const n of [1.5, 2 ** 31, -(2 ** 31) - 1, NaN]) expect(() => [...binaryCopyChunks([[n]])]).toThrow(RangeError);
  });
});
