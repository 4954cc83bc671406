import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Independent tools (poppler, zbar) on a PDF in a temp dir. */
export function tmpFile(name: string, bytes: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecert-tool-'));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Render page 1 to PNG at `dpi` with pdftoppm; returns the PNG path. */
export function renderPng(pdf: Buffer, dpi = 150): string {
  const path = tmpFile('doc.pdf', pdf);
  execFileSync('pdftoppm', ['-png', '-r', String(dpi), '-singlefile', path, path.replace(/\.pdf$/, '')]);
  return path.replace(/\.pdf$/, '.png');
}

/** Decode the QR code(s) of a PNG with zbarimg (exit 4: no symbol found). */
export function zbar(pngPath: string): string[] {
  try {
    return execFileSync('zbarimg', ['--quiet', '--raw', pngPath], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch (e) {
    const { status, stderr } = e as { status?: number; stderr?: string };
    throw new Error(`zbarimg ${pngPath}: exit ${status}${stderr ? `: ${stderr.trim()}` : ''}`);
  }
}

export function pdftotext(pdf: Buffer): string {
  const path = tmpFile('doc.pdf', pdf);
  return execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
}

export function readPng(path: string): Buffer {
  return readFileSync(path);
}
