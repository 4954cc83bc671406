/**
 * The verification report (contract.md "Verification report"), after ETSI EN 319 102-1
 * §5.1.3: a main indication, a sub-indication naming the rule that decided it, and every
 * individual check with its outcome. Never a bare boolean.
 */
export type Indication = 'TOTAL_PASSED' | 'TOTAL_FAILED' | 'INDETERMINATE';

export type SubIndication =
  // ETSI EN 319 102-1 §5.1.3
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'REVOKED'
  | 'REVOKED_NO_POE'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'CRYPTO_CONSTRAINTS_FAILURE'
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'TRY_LATER'
  // registry outcomes (ours)
  | 'UNKNOWN_CERTIFICATE'
  | 'SUPERSEDED'
  | 'REGISTRY_MISMATCH';

export interface Check {
  id: string;
  passed: boolean;
  detail: string;
}

export interface ReportCertificate {
  managementNo: string;
  version?: number;
  qualification: string;
  qualificationTitle?: string;
  holderName: string;
  idNumberMasked: string;
  approvalDate: string;
  issueDate: string;
  issuer: string;
  status: 'valid' | 'revoked' | 'superseded' | 'unknown';
  revokedAt?: string;
  revocationReason?: string;
}

export interface VerificationReport {
  indication: Indication;
  subIndication?: SubIndication;
  certificate?: ReportCertificate;
  signer?: { subject: string; organization?: string; issuer: string; serial: string; signingTime?: string };
  checks: Check[];
  message: { zh: string; en: string };
  verifiedAt: string;
}

const MESSAGES: Record<Indication | SubIndication, { zh: string; en: string }> = {
  TOTAL_PASSED: { zh: '验证通过：证书真实有效，内容未被修改。', en: 'Passed: the certificate is genuine, unaltered and valid.' },
  TOTAL_FAILED: { zh: '验证失败。', en: 'Verification failed.' },
  INDETERMINATE: { zh: '无法确认证书状态，请稍后重试。', en: 'The certificate status cannot be confirmed; try again later.' },
  FORMAT_FAILURE: { zh: '验证失败：文件结构不符合电子证书签名规则，可能被篡改或伪造。', en: 'Failed: the file does not have the structure of a signed e-certificate; it may have been altered or forged.' },
  HASH_FAILURE: { zh: '验证失败：文件内容在签章后被修改。', en: 'Failed: the content was changed after it was sealed.' },
  SIG_CRYPTO_FAILURE: { zh: '验证失败：电子签名无效。', en: 'Failed: the digital signature is invalid.' },
  REVOKED: { zh: '证书已撤销。', en: 'The certificate has been revoked.' },
  // issue 13: the seal key was marked compromised before the registry recorded this document
  REVOKED_NO_POE: { zh: '验证失败：签章所用的印章密钥已被声明泄露，且此文件登记于泄露日期之后。', en: 'Failed: the seal key was declared compromised and this document was registered after the compromise date.' },
  NO_CERTIFICATE_CHAIN_FOUND: { zh: '验证失败：签章证书不是由受信任的机构签发，印章不可信。', en: 'Failed: the seal certificate does not chain to a trusted root; the seal is not trusted.' },
  NO_SIGNING_CERTIFICATE_FOUND: { zh: '验证失败：未找到签章证书。', en: 'Failed: the signing certificate is missing.' },
  CRYPTO_CONSTRAINTS_FAILURE: { zh: '验证失败：签名算法或密钥强度不被接受。', en: 'Failed: the signature algorithm or key size is not accepted.' },
  SIG_CONSTRAINTS_FAILURE: { zh: '验证失败：签名属性不符合要求。', en: 'Failed: the signature attributes do not meet the policy.' },
  OUT_OF_BOUNDS_NO_POE: { zh: '验证失败：签章时签章证书不在有效期内。', en: 'Failed: the seal certificate was not valid at signing time.' },
  TRY_LATER: { zh: '签名有效，但暂时无法查询证书登记库，请稍后重试。', en: 'The signature is valid but the registry cannot be reached; try again later.' },
  UNKNOWN_CERTIFICATE: { zh: '验证失败：登记库中没有这份证书。', en: 'Failed: this certificate is not in the registry.' },
  SUPERSEDED: { zh: '此文件已被更正后的新版本取代，请使用最新版本。', en: 'This document has been superseded by a corrected version.' },
  REGISTRY_MISMATCH: { zh: '验证失败：文件与登记库中签发的证书不一致。', en: 'Failed: the file differs from the certificate issued in the registry.' },
};

export function messageFor(indication: Indication, sub?: SubIndication): { zh: string; en: string } {
  return MESSAGES[sub ?? indication];
}

export function makeReport(
  indication: Indication,
  sub: SubIndication | undefined,
  checks: Check[],
  now: Date,
  extra: Pick<VerificationReport, 'certificate' | 'signer'> = {},
): VerificationReport {
  return {
    indication,
    ...(sub ? { subIndication: sub } : {}),
    ...extra,
    checks,
    message: messageFor(indication, sub),
    verifiedAt: now.toISOString(),
  };
}
