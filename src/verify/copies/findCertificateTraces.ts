import { inflateSync } from 'node:zlib';
import type { CertificateData } from '../../core/types';
import { EMBEDDED_DATA_FORMAT, parseEmbeddedData } from '../embeddedData';

/** What a file that is not the sealed original still tells about the certificate it copies. */
export interface CertificateTraces {
  /** Our embedded certificate data (src/render/renderCertificate), untrusted: only a pointer. */
  data?: CertificateData;
  /** A QR token found in a `…/v/<token>` URL in the file. */
  token?: string;
}

/** Bounds: a hostile file must not make this scan expensive. */
const MAX_STREAMS = 400;
const MAX_INFLATED = 256 * 1024;
/** Total inflated bytes looked at per file (a zip-bomb-like file costs at most this). */
const MAX_TOTAL_INFLATED = 4 * 1024 * 1024;
const MARKER = `"format":"${EMBEDDED_DATA_FORMAT}"`;
const MAX_JSON_BYTES = 64 * 1024;
/** The compact QR's URL is upper case (alphanumeric mode), the JWS form's lower case. */
const URL_MARKS = ['/v/', '/V/'];
/** `/v/` occurrences looked at per buffer, and the bytes after each (the longest token fits). */
const MAX_URL_MARKS = 1000;
const URL_WINDOW = 1400;
const URL_TOKEN = /^\/v\/([0-9]{40,700}|[A-Za-z0-9_-]{10,200}\.[A-Za-z0-9_-]{10,1000}\.[A-Za-z0-9_-]{20,200})/i;

/**
 * Look through the raw bytes and every (Flate) stream of a file for our embedded certificate
 * JSON or a verification URL: a re-saved copy (qpdf, mutool, a viewer's "save as") usually keeps
 * the embedded file; a copy "printed to PDF" usually keeps neither. Never throws.
 */
export function findCertificateTraces(bytes: Buffer): CertificateTraces {
  const out: CertificateTraces = {};
  // searched as bytes, decoding only small windows: a large hostile file costs no more than its
  // length in memchr-like scans (issue 10, "limits before work")
  const look = (b: Buffer) => {
    if (!out.data) {
      const at = b.indexOf(MARKER, 0, 'latin1');
      const start = at >= 0 ? b.lastIndexOf('{', at, 'latin1') : -1;
      if (start >= 0) {
        const text = b.subarray(start, start + MAX_JSON_BYTES).toString('utf8');
        const close = objectEnd(text, 0);
        if (close > 0) out.data = parseEmbeddedData(text.slice(0, close));
      }
    }
    for (const mark of URL_MARKS) {
      for (let at = b.indexOf(mark, 0, 'latin1'), n = 0; !out.token && at >= 0 && n < MAX_URL_MARKS; at = b.indexOf(mark, at + 3, 'latin1'), n++) {
        out.token = URL_TOKEN.exec(b.subarray(at, at + URL_WINDOW).toString('latin1'))?.[1];
      }
    }
  };
  try {
    look(bytes);
    let from = 0;
    let budget = MAX_TOTAL_INFLATED;
    for (let i = 0; i < MAX_STREAMS && budget > 0 && !(out.data && out.token); i++) {
      const s = bytes.indexOf('stream', from, 'latin1');
      if (s < 0) break;
      let p = s + 6;
      if (bytes[p] === 0x0d) p++;
      if (bytes[p] === 0x0a) p++;
      const e = bytes.indexOf('endstream', p, 'latin1');
      if (e < 0) break;
      from = e + 9;
      if (bytes[s - 1] === 0x64 /* "endstream" itself */) continue;
      try {
        const text = inflateSync(bytes.subarray(p, e), { maxOutputLength: Math.min(MAX_INFLATED, budget) });
        budget -= text.length;
        look(text);
      } catch {
        // not Flate, or truncated: ignore
      }
    }
  } catch {
    // a trace is a courtesy: never fail the verification over it
  }
  return out;
}

/** Index after the JSON object starting at `start` (braces balanced outside strings), or -1. */
function objectEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i + 1;
  }
  return -1;
}
