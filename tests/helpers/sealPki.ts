import { generateKeyPairSync } from 'node:crypto';
import { makeCertificate } from '../../src/keys/x509';
import { LocalKeySigner } from '../../src/sign/LocalKeySigner';

/** A throw-away root and seal signer (keys generated here, nothing committed). */
export function makeSealSigner(alg: 'rsa' | 'ecdsa' = 'ecdsa') {
  const root = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rootName = { cn: 'TSP Test Seal Root', c: 'CN' };
  const notBefore = new Date(Date.now() - 86400_000);
  const rootCert = makeCertificate({ subject: rootName, publicKey: root.publicKey, issuerKey: root.privateKey, serial: Buffer.from([1]), notBefore, notAfter: new Date('2050-01-01T00:00:00Z'), ca: true });
  const seal = alg === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sealCert = makeCertificate({ subject: { cn: '时间戳测试专用章', o: '测试', c: 'CN' }, issuer: rootName, publicKey: seal.publicKey, issuerKey: root.privateKey, issuerPublicKey: root.publicKey, serial: Buffer.from([0x42, 0x18]), notBefore, notAfter: new Date('2045-01-01T00:00:00Z'), ca: false });
  return { rootCert, signer: new LocalKeySigner(sealCert, seal.privateKey) };
}
