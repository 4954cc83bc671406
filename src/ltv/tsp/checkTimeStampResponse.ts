import { EcertError } from '../../core/errors';
import { children, readTlv, slice } from '../../sign/der';
import { examineTimeStampToken, MAX_TOKEN_BYTES, TokenFault, type TokenCheck } from './examineTimeStampToken';

/** Why a time-stamp response was refused: `details.reason` of ERR_TSA_UNAVAILABLE. */
export type TsaFailureReason = 'STATUS' | 'NONCE' | 'IMPRINT' | 'ESS_CERT_ID' | 'EKU' | 'CHAIN' | 'SIGNATURE' | 'GEN_TIME' | 'NETWORK' | 'FORMAT' | 'ALGORITHM' | 'SIZE';

/** Largest TimeStampResp read from a TSA. */
export const MAX_RESPONSE_BYTES = MAX_TOKEN_BYTES + 4096;
/** How far genTime may be from our clock. */
export const GEN_TIME_WINDOW_MS = 5 * 60_000;

const MESSAGES: Record<TsaFailureReason, { zh: string; en: string }> = {
  STATUS: { zh: '时间戳服务拒绝了请求', en: 'the TSA refused the request' },
  NONCE: { zh: '应答中的随机数与请求不符（可能是重放的应答）', en: 'the response nonce is not ours (a replayed response?)' },
  IMPRINT: { zh: '时间戳所盖的摘要与请求不符', en: 'the token stamps another digest than the one requested' },
  ESS_CERT_ID: { zh: '时间戳未以 ESS 签名证书属性标明其签名证书', en: 'the token’s ESS signing-certificate does not identify its signer certificate' },
  EKU: { zh: '时间戳服务证书缺少关键的 timeStamping 扩展密钥用途', en: 'the TSA certificate lacks the critical timeStamping extended key usage' },
  CHAIN: { zh: '时间戳服务证书不能在时间戳时刻链接到受信任的根证书', en: 'the TSA certificate does not chain to a trusted root at the time of the token' },
  SIGNATURE: { zh: '时间戳签名无效', en: 'the token signature does not verify' },
  GEN_TIME: { zh: '时间戳时间与本机时钟相差超过 5 分钟', en: 'the token time is more than 5 minutes from our clock' },
  NETWORK: { zh: '无法连接时间戳服务或其应答无效', en: 'the TSA could not be reached or did not answer properly' },
  FORMAT: { zh: '时间戳应答格式错误', en: 'the time-stamp response is malformed' },
  ALGORITHM: { zh: '时间戳使用了不被接受的算法或密钥', en: 'the token uses an algorithm or key size we do not accept' },
  SIZE: { zh: '时间戳令牌大于文件中为其预留的空间，请重试', en: 'the token is larger than the room kept for it in the document; retry' },
};

/** ERR_TSA_UNAVAILABLE (HTTP 503) naming what failed. */
export function tsaFailure(reason: TsaFailureReason, detail?: string, cause?: unknown): EcertError {
  const m = MESSAGES[reason];
  return new EcertError('ERR_TSA_UNAVAILABLE', { zh: m.zh, en: detail ? `${m.en} (${detail})` : m.en, details: { reason }, ...(cause !== undefined ? { cause } : {}) });
}

/**
 * The client's checks of every TimeStampResp (RFC 3161 §2.4.2), for the development TSA and
 * an outside one alike: status granted (0) or grantedWithMods (1); then the token
 * (examineTimeStampToken.ts): our nonce, the message imprint, id-ct-TSTInfo in a SignedData,
 * the ESS signing-certificate (RFC 2634 / RFC 5816), the TSA certificate's critical
 * id-kp-timeStamping EKU (RFC 3161 §2.3), its chain to one of `trustAnchors` at genTime, the
 * CMS signature (node:crypto); and genTime within ±5 minutes of `now`. Returns the token DER;
 * any failure throws ERR_TSA_UNAVAILABLE with `details.reason`.
 */
export function checkTimeStampResponse(args: { response: Buffer; imprint: Buffer; nonce: Buffer; trustAnchors: Buffer[]; now: Date }): { token: Buffer; genTime: Date; checks: TokenCheck[] } {
  const { response } = args;
  if (response.length > MAX_RESPONSE_BYTES) throw tsaFailure('FORMAT', 'response too large');
  // TimeStampResp { status PKIStatusInfo { status PKIStatus, statusString?, failInfo? }, timeStampToken? } (RFC 3161 §2.4.2)
  let token: Buffer | undefined;
  let status: number;
  let statusText = '';
  try {
    const top = readTlv(response, 0);
    if (top.tag !== 0x30 || top.end !== response.length) throw new Error('not one SEQUENCE');
    const [statusInfo, tokenTlv, ...more] = children(response, top);
    if (!statusInfo || statusInfo.tag !== 0x30 || more.length) throw new Error('not a TimeStampResp');
    const [st, ...rest] = children(response, statusInfo);
    if (st?.tag !== 0x02 || st.end - st.contentStart !== 1) throw new Error('bad PKIStatus');
    status = response[st.contentStart];
    if (rest[0]?.tag === 0x30) statusText = children(response, rest[0]).map((s) => response.subarray(s.contentStart, s.end).toString('utf8')).join('; ').slice(0, 200);
    if (tokenTlv) {
      if (tokenTlv.tag !== 0x30) throw new Error('timeStampToken is not a ContentInfo');
      token = Buffer.from(slice(response, tokenTlv));
    }
  } catch (e) {
    throw tsaFailure('FORMAT', (e as Error).message);
  }
  if (status !== 0 && status !== 1) throw tsaFailure('STATUS', `PKIStatus ${status}${statusText ? `: ${statusText}` : ''}`);
  if (!token) throw tsaFailure('FORMAT', 'granted without a token');
  const checks: TokenCheck[] = [];
  let genTime: Date;
  try {
    genTime = examineTimeStampToken({ token, imprint: args.imprint, trustAnchors: args.trustAnchors, validAt: [], nonce: args.nonce, checks }).genTime;
  } catch (e) {
    if (e instanceof TokenFault) throw tsaFailure(e.reason, e.detail);
    throw tsaFailure('FORMAT', (e as Error).message?.slice(0, 80), e);
  }
  const skew = genTime.getTime() - args.now.getTime();
  if (Math.abs(skew) > GEN_TIME_WINDOW_MS) throw tsaFailure('GEN_TIME', `genTime ${genTime.toISOString()}, our clock ${args.now.toISOString()}`);
  checks.push({ id: 'tst-gen-time', passed: true, detail: `genTime ${genTime.toISOString()} within 5 minutes of our clock` });
  return { token, genTime, checks };
}
