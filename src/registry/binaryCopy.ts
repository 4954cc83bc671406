/**
 * A field of a binary COPY row: text (UTF-8, the client encoding node-postgres sets), an int4
 * column's value, a bytea column's bytes, or NULL.
 */
export type CopyField = string | number | Buffer | null;

/** "PGCOPY\n\377\r\n\0", flags (no OIDs), header extension length 0. */
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** Fields at least this long go out as they are instead of being copied into the next chunk. */
const OWN_CHUNK_BYTES = 1024;

/**
 * Rows in PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html,
 * "Binary Format"): the header, then per row an int16 field count and per field an int32 byte
 * length (-1 for NULL) followed by the field in its type's binary form (int4 big-endian, text
 * and bytea as bytes), then the int16 trailer -1. Large Buffer fields (a certificate's PDF) are
 * yielded as chunks of their own, never copied: the small fields around them are gathered into
 * the chunks between.
 */
export function* binaryCopyChunks(rows: Iterable<readonly CopyField[]>): Generator<Buffer> {
  let pending: Buffer[] = [HEADER];
  for (const row of rows) {
    pending.push(int16(row.length));
    for (const f of row) {
      if (f === null) pending.push(int32(-1));
      else if (typeof f === 'number') {
        if (!Number.isInteger(f) || f < -0x80000000 || f > 0x7fffffff) throw new RangeError(`not an int4: ${f}`);
        pending.push(int32(4), int32(f));
      } else {
        const bytes = typeof f === 'string' ? Buffer.from(f, 'utf8') : f;
        pending.push(int32(bytes.length));
        if (bytes.length < OWN_CHUNK_BYTES) pending.push(bytes);
        else {
          yield Buffer.concat(pending);
          yield bytes;
          pending = [];
        }
      }
    }
  }
  pending.push(int16(-1));
  yield Buffer.concat(pending);
}

function int16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(n);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n);
  return b;
}
