export type { RevocationData, RevocationSource } from './RevocationData';
export { createRevocationSource } from './createRevocationSource';
export { checkRevocation, ocspResponseNonce, type RevocationCheck, type RevocationResult } from './checkRevocation';
export { createDevelopmentCa, type DevelopmentCa, OCSP_STATUS, ocspError } from './developmentCa';
export { buildOcspRequest, certId } from './ocspRequest';
