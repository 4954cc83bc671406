import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/loadCatalog';
import { generateKeyMaterial, keyMaterialExists, loadKeyStore } from '../../src/keys';
import { buildCertificateDocument } from '../../src/issue/buildCertificateDocument';
import { validateIssueRequest } from '../../src/issue/validateIssueRequest';
import { verifyPdf } from '../../src/verify/verifyPdf';
import { issueBody } from '../helpers/holders';

const catalog = loadCatalog();
const seals = catalog.seals.map((s) => ({ id: s.id, name: s.fullName, bodyName: catalog.body(s.bodyCode).name }));

describe('key material', () => {
  it('makes a root, one seal certificate per seal (digitalSignature + nonRepudiation), a QR key; encrypted at rest with a passphrase', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecert-k-'));
    expect(keyMaterialExists(dir)).toBe(false);
    await generateKeyMaterial({ dir, alg: 'ecdsa', seals, now: new Date(), passphrase: 'correct horse' });
    expect(keyMaterialExists(dir)).toBe(true);
    const keyFiles = ['roots', 'qr', ...catalog.seals.map((s) => join('seals', s.id))].flatMap((d) => readdirSync(join(dir, d)).filter((f) => f.endsWith('.key.pem')).map((f) => join(dir, d, f)));
    expect(keyFiles.length).toBe(2 + catalog.seals.length);
    // PKCS#8 EncryptedPrivateKeyInfo PEM label (RFC 7468 §11)
    for (const f of keyFiles) expect(readFileSync(f, 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE[ ]KEY-----/);
    expect(() => loadKeyStore(dir, { passphrase: 'wrong one!' })).toThrow(expect.objectContaining({ code: 'ERR_KEYS_MISSING' }));
    const store = loadKeyStore(dir, { passphrase: 'correct horse' });
    expect(store.trustAnchors).toHaveLength(1);
    const root = new X509Certificate(store.trustAnchors[0]);
    expect(root.ca).toBe(true);
    expect(root.subject).toContain('NOT FOR PRODUCTION');
    for (const s of catalog.seals) {
      const cert = new X509Certificate(store.signerFor(s.id).certificate);
      expect(cert.subject).toContain(`CN=${s.fullName}`);
      expect(cert.checkIssued(root)).toBe(true);
      expect(cert.ca).toBe(false);
    }
    expect(store.jwks().keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: store.qrKey.kid });
    expect(JSON.stringify(store.jwks())).not.toContain('"d"');
  });

  it('rotates: new current keys, old anchors and QR keys kept, documents sealed before still verify', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecert-k-'));
    await generateKeyMaterial({ dir, alg: 'rsa', seals, now: new Date() });
    const before = loadKeyStore(dir);
    const q = catalog.list()[0];
    const req = validateIssueRequest(issueBody(q.code, 1, q.specialties ? { specialty: q.specialties[0].name } : {}), { catalog, now: new Date() });
    const old = await buildCertificateDocument(req, { managementNo: '202500100000019', version: 1, signingTime: new Date() }, { catalog, keys: before, publicUrl: 'http://x' });
    const beforeKid = before.qrKey.kid;
    await generateKeyMaterial({ dir, alg: 'ecdsa', seals, now: new Date(), force: true });
    const after = loadKeyStore(dir);
    // a store opened before the rotation follows it (keys/current.json changed): no restart needed
    expect(before.qrKey.kid).toBe(after.qrKey.kid);
    expect(before.signerFor(q.sealId).keyType).toBe('ec');
    expect(after.trustAnchors).toHaveLength(2);
    expect(after.jwks().keys).toHaveLength(2);
    expect(after.qrKey.kid).not.toBe(beforeKid);
    expect(after.signerFor(q.sealId).keyType).toBe('ec');
    const r = await verifyPdf(old.pdf, { trustAnchors: after.trustAnchors, catalog, clock: () => new Date() });
    expect(r.checks.find((c) => c.id === 'certificate-chain')?.passed).toBe(true);
    expect(r.indication).toBe('INDETERMINATE'); // offline: signature fine, registry not consulted
  });
});
