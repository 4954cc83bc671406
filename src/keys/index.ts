export { generateKeyMaterial, keyMaterialExists, readKeyIndex, type SealKeySpec } from './generateKeyMaterial';
export { KeyStore, loadKeyStore } from './KeyStore';
