import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { DevTsa } from '../../../src/ltv/tsp/DevTsa';
import { loadOrCreateDevTsa } from '../../../src/ltv/tsp/devTsaMaterial';

/** A second reading of the development TSA's responses with pkijs (RFC 3161 classes): structure, TSTInfo fields, CMS signature and chain. */
describe('development TSA responses read by pkijs', () => {
  it('TimeStampResp parses, TSTInfo carries our imprint and nonce, and pkijs verifies the token against the TSA root', async () => {
    const material = loadOrCreateDevTsa({ keysDir: mkdtempSync(join(tmpdir(), 'ecert-pkijs-')), now: new Date() });
    const dev = new DevTsa(material, () => new Date());
    const data = randomBytes(100);
    const imprint = createHash('sha256').update(data).digest();
    const nonce = Buffer.from([0x12, 0x34, 0x56]);
    const resp = pkijs.TimeStampResp.fromBER(new Uint8Array(dev.respond(imprint, nonce, new Date())));
    expect(resp.status.status).toBe(pkijs.PKIStatus.granted);
    const signed = new pkijs.SignedData({ schema: resp.timeStampToken!.content });
    const tst = pkijs.TSTInfo.fromBER(new Uint8Array(signed.encapContentInfo.eContent!.valueBlock.valueHexView));
    expect(Buffer.from(tst.messageImprint.hashedMessage.valueBlock.valueHexView).equals(imprint)).toBe(true);
    expect(Buffer.from(tst.nonce!.valueBlock.valueHexView).equals(nonce)).toBe(true);
    expect(Math.abs(tst.genTime.getTime() - Date.now())).toBeLessThan(60_000);
    const ok = await tst.verify({ data: new Uint8Array(data).buffer });
    expect(ok).toBe(true);
    const root = pkijs.Certificate.fromBER(new Uint8Array(material.root));
    // pkijs checks the TSTInfo imprint against the stamped data itself
    const v = await signed.verify({ signer: 0, data: new Uint8Array(data).buffer, trustedCerts: [root], checkChain: true, extendedMode: true });
    expect(v.signatureVerified).toBe(true);
  });
});
