import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Font files read once per process into shared memory: the CJK font is about 15 MB, and every
 * render thread holding its own copy cost that much resident memory per thread. The main
 * thread reads them (FontSet), render threads adopt the same bytes from their workerData.
 */
const shared = new Map<string, SharedArrayBuffer>();

/** The bytes of the font file at `path`, read on first use (into shared memory). */
export function fontBytes(path: string): Buffer {
  let sab = shared.get(path);
  if (!sab) {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      sab = new SharedArrayBuffer(size);
      const view = new Uint8Array(sab);
      for (let at = 0; at < size; ) {
        const n = readSync(fd, view, at, size - at, at);
        if (!n) throw new Error(`${path}: file shorter than its size`);
        at += n;
      }
    } finally {
      closeSync(fd);
    }
    shared.set(path, sab);
  }
  return Buffer.from(sab);
}

/** The files read so far, to hand to a worker thread (shared, not copied). */
export function sharedFontBytes(): Record<string, SharedArrayBuffer> {
  return Object.fromEntries(shared);
}

/** In a worker thread: use the bytes another thread read. */
export function adoptFontBytes(bytes: Record<string, SharedArrayBuffer> | undefined): void {
  for (const [path, sab] of Object.entries(bytes ?? {})) if (!shared.has(path)) shared.set(path, sab);
}
