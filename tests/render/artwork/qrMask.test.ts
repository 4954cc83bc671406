import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { formatBits, selectMask } from '../../../src/render/artwork/qrMask';

describe('QR mask selection (ISO/IEC 18004 §7.8)', () => {
  it('format information matches the published table (§7.9.1, Annex C: M + mask 0 = 101010000010010)', () => {
    expect(formatBits('M', 0).toString(2).padStart(15, '0')).toBe('101010000010010');
    expect(formatBits('L', 0).toString(2).padStart(15, '0')).toBe('111011111000100');
    expect(formatBits('H', 7).toString(2).padStart(15, '0')).toBe('000100000111011');
  });

  it('chooses the same mask and produces the same symbol as the qrcode package’s own search, over 200 random URLs of every length', () => {
    for (let k = 0; k < 200; k++) {
      const text = `https://verify.example/v/${randomBytes(20 + (k % 300)).toString('base64url')}`;
      const segments = [{ data: Buffer.from(text, 'utf8'), mode: 'byte' as const }];
      const reference = QRCode.create(segments, { errorCorrectionLevel: 'M' });
      const built = QRCode.create(segments, { errorCorrectionLevel: 'M', maskPattern: 0 });
      const ours = selectMask(built.modules.data, (built.modules as unknown as { reservedBit: Uint8Array }).reservedBit, built.modules.size, 0, 'M');
      expect(ours.mask, text).toBe(reference.maskPattern);
      expect(Buffer.from(ours.modules).equals(Buffer.from(reference.modules.data)), text).toBe(true);
    }
  });
});
