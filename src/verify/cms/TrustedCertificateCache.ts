/**
 * Parsed certificates that chained to a trust anchor, kept across verifications (the same
 * seal certificate signs every document of an issuer). Nothing an upload merely carries is
 * kept: an entry is added only after its chain was built, keyed by the SHA-256 of its DER,
 * holding a copy of the DER (never a slice that would pin the uploaded buffer), and the
 * oldest-used entry is dropped beyond `maxEntries` (../shared/reference/security.md,
 * "Memory").
 */
export class TrustedCertificateCache<T extends { der: Buffer }> {
  private readonly entries = new Map<string, T>();

  constructor(readonly maxEntries = 64) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry for this SHA-256 (hex), marked as the most recently used. */
  get(sha256: string): T | undefined {
    const e = this.entries.get(sha256);
    if (e) {
      this.entries.delete(sha256);
      this.entries.set(sha256, e);
    }
    return e;
  }

  /** Keep `make(copyOfDer)` under `sha256`; `make` must build its value from the copy it is given. */
  remember(sha256: string, der: Buffer, make: (copy: Buffer) => T): void {
    if (this.entries.has(sha256)) return void this.get(sha256);
    const copy = Buffer.allocUnsafeSlow(der.length); // its own memory, not a pool slab or the upload
    der.copy(copy);
    const value = make(copy);
    this.entries.set(sha256, value);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  has(sha256: string): boolean {
    return this.entries.has(sha256);
  }
}
