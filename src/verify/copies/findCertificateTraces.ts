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
const URL_TOKEN = /\/v\/([0-9]{40,700}|[A-Za-z0-9_-]{10,200}\.[A-Za-z0-9_-]{10,1000}\.[A-Za-z0-9_-]{20,200})/i;

/**
 * Look through the raw bytes and every (Flate) stream of a file for our embedded certificate
 * JSON or a verification URL: a re-saved copy (qpdf, mutool, a viewer's "save as") usually keeps
 * the embedded file; a copy "printed to PDF" usually keeps neither. Never throws.
 */
export function findCertificateTraces(bytes: Buffer): CertificateTraces {
  const out: CertificateTraces = {};
  const look = (text: string) => {
    if (!out.data) {
      const at = text.indexOf(MARKER);
      if (at >= 0) {
        const start = text.lastIndexOf('{', at);
        const close = start >= 0 ? objectEnd(text, start) : -1;
        if (close > 0) out.data = parseEmbeddedData(text.slice(start, close));
      }
    }
    if (!out.token) out.token = URL_TOKEN.exec(text)?.[1];
  };
  try {
    look(bytes.toString('utf8'));
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
        look(text.toString('utf8'));
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
  for (let i = start; i < text.length && i < start + 64 * 1024; i++) {
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
