import { deflateSync, type ZlibOptions } from 'node:zlib';

/**
 * FlateDecode (ISO 32000-1 §7.4.4, RFC 1950/1951) for the streams written per certificate:
 * zlib level 2, a 16 KiB window and memLevel 6. Level 2 is zlib's fast match search (levels
 * 1–3, deflate_fast): the page content (≈ 9 KB, most of it the QR code's rectangles, which
 * give the lazy search of level 6 long hash chains) takes ~38 µs instead of ~113 µs and is
 * ~360 bytes larger (2.65 KB against 2.30 KB); the other streams are as small either way.
 * The window and memLevel are smaller than zlib's 32 KiB / 8 because setting up zlib's state
 * is most of the cost of compressing a few hundred bytes, and every stream deflated per
 * certificate (the content, the seal's form, the holder's font subset) fits them.
 */
const FLATE: ZlibOptions = { level: 2, windowBits: 14, memLevel: 6 };
/**
 * Streams shorter than this are written as they are: each deflateSync call costs a fixed
 * ~12 µs (~30 µs inside a render, zlib's state set up and torn down) however small its input,
 * and a certificate's short streams (the embedded data ≈ 450 B, the holder's ToUnicode CMap
 * ≈ 400 B) would shrink by ~150 B each.
 */
const MIN_DEFLATE_BYTES = 1024;
/** For streams compressed once and cached (the fixed text's font subsets): smallest output. */
const FLATE_ONCE: ZlibOptions = { level: 9 };

export function deflate(data: Buffer, once = false): Buffer {
  return deflateSync(data, once ? FLATE_ONCE : FLATE);
}

/**
 * A minimal, fast writer for single-revision PDF files (ISO 32000-1 §7.5: header, body,
 * cross-reference table, trailer). Objects are numbered up front (`reserve`) so they can
 * reference each other before their bodies are known. Bodies are PDF syntax in latin1,
 * streams carry raw bytes.
 *
 * The writer keeps the byte offset of every object so that a caller (the signer) can find
 * a placeholder inside a known object without searching the whole file.
 */
export class PdfWriter {
  private readonly bodies: Array<Buffer | undefined> = [undefined];
  /** The cached payloads written by `deflatedStream`: object number, offset in its body, bytes. */
  private readonly cached: Array<{ num: number; at: number; bytes: Buffer }> = [];

  /** Reserve an object number whose body is set later with `set`. */
  reserve(): number {
    this.bodies.push(undefined);
    return this.bodies.length - 1;
  }

  set(num: number, body: string | Buffer): void {
    if (num <= 0 || num >= this.bodies.length) throw new RangeError(`object ${num} was not reserved`);
    this.bodies[num] = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  }

  /** Add an object and return its number. */
  add(body: string | Buffer): number {
    const num = this.reserve();
    this.set(num, body);
    return num;
  }

  /**
   * A stream object (§7.3.8). `dict` holds the dictionary's entries without `<< >>` and
   * without /Length or /Filter, which are written here. Compressed with FlateDecode unless
   * `compress` is false, the stream is shorter than MIN_DEFLATE_BYTES or compression would
   * not make it smaller.
   */
  stream(dict: string, data: Buffer | string, compress = true, num = this.reserve()): number {
    const raw = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
    let payload = raw;
    let filter = '';
    if (compress && raw.length >= MIN_DEFLATE_BYTES) {
      const z = deflate(raw);
      if (z.length < raw.length) {
        payload = z;
        filter = '/Filter /FlateDecode ';
      }
    }
    const head = Buffer.from(`<< ${filter}/Length ${payload.length}${dict ? ' ' + dict : ''} >>\nstream\n`, 'latin1');
    this.set(num, Buffer.concat([head, payload, Buffer.from('\nendstream', 'latin1')]));
    return num;
  }

  /** A stream whose data is already FlateDecode-compressed (cached static parts). */
  deflatedStream(dict: string, deflated: Buffer, num = this.reserve()): number {
    const head = Buffer.from(`<< /Filter /FlateDecode /Length ${deflated.length}${dict ? ' ' + dict : ''} >>\nstream\n`, 'latin1');
    this.set(num, Buffer.concat([head, deflated, Buffer.from('\nendstream', 'latin1')]));
    this.cached.push({ num, at: head.length, bytes: deflated });
    return num;
  }

  /**
   * Serialise the file. Returns the bytes, the offset of each object's body (after
   * `N 0 obj\n`) indexed by object number, and where each `deflatedStream` payload (the same
   * bytes in every file that uses the cached part) lies in the file.
   */
  finish(trailer: { root: number; info?: number; id: Buffer }, opts: { last?: number } = {}): { bytes: Buffer; bodyOffsets: number[]; cachedSpans: Array<{ offset: number; bytes: Buffer }> } {
    const chunks: Buffer[] = [];
    // §7.5.2: a comment line with at least four bytes > 127 marks the file as binary.
    chunks.push(Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n', 'latin1'));
    let offset = chunks[0].length;
    // objects in number order, `last` after all others (the cross-reference table locates each one, §7.5.4)
    if (opts.last !== undefined && !(opts.last > 0 && opts.last < this.bodies.length)) throw new RangeError(`object ${opts.last} was not reserved`);
    const order = Array.from({ length: this.bodies.length - 1 }, (_, i) => i + 1).filter((n) => n !== opts.last);
    if (opts.last !== undefined) order.push(opts.last);
    const objOffsets: number[] = [0];
    const bodyOffsets: number[] = [0];
    for (const n of order) {
      const body = this.bodies[n];
      if (!body) throw new Error(`object ${n} reserved but never written`);
      const head = Buffer.from(`${n} 0 obj\n`, 'latin1');
      objOffsets[n] = offset;
      bodyOffsets[n] = offset + head.length;
      chunks.push(head, body, ENDOBJ);
      offset += head.length + body.length + ENDOBJ.length;
    }
    const size = this.bodies.length;
    // §7.5.4: each entry is exactly 20 bytes: 10-digit offset, 5-digit generation, type, EOL.
    let xref = `xref\n0 ${size}\n0000000000 65535 f\r\n`;
    for (let n = 1; n < size; n++) xref += `${String(objOffsets[n]).padStart(10, '0')} 00000 n\r\n`;
    const idHex = trailer.id.toString('hex').toUpperCase();
    xref +=
      `trailer\n<< /Size ${size} /Root ${trailer.root} 0 R${trailer.info ? ` /Info ${trailer.info} 0 R` : ''}` +
      ` /ID [<${idHex}> <${idHex}>] >>\nstartxref\n${offset}\n%%EOF\n`;
    chunks.push(Buffer.from(xref, 'latin1'));
    const cachedSpans = this.cached.map((c) => ({ offset: bodyOffsets[c.num] + c.at, bytes: c.bytes }));
    return { bytes: Buffer.concat(chunks), bodyOffsets, cachedSpans };
  }
}

const ENDOBJ = Buffer.from('\nendobj\n', 'latin1');

/** PDF text string (§7.9.2.2): UTF-16BE with BOM, written as a hex string. */
export function pdfTextString(s: string): string {
  const buf = Buffer.alloc(2 + s.length * 2);
  buf[0] = 0xfe;
  buf[1] = 0xff;
  for (let i = 0; i < s.length; i++) buf.writeUInt16BE(s.charCodeAt(i), 2 + i * 2);
  return `<${buf.toString('hex').toUpperCase()}>`;
}

/** PDF date (§7.9.4) in UTC: `D:YYYYMMDDHHmmSSZ`. */
export function pdfDate(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

/** A number for content streams: at most 3 decimals, no exponent, no trailing zeros. */
export function num(n: number): string {
  const r = Math.round(n * 1000) / 1000;
  return Object.is(r, -0) ? '0' : String(r);
}
