/**
 * What each check of a report means, in Chinese (the report's `detail` is English): shown
 * with the failed check on the verdict pages, so a verifier reads the reason in both languages.
 */
export const CHECK_ZH: Record<string, string> = {
  // issue 15 (加注)
  'registry-annotation': '登记库中没有这份加注件',
  'annotation-status': '加注件已过期或已撤回',
  'pdf-structure': '文件结构无法按电子证书读取',
  'sealed-original': '此文件不是加盖电子印章的原件，无法检查印章',
  'single-revision': '签章之后文件又被修改或追加了内容',
  'signature-count': '文件中没有或不止一个电子印章签名',
  'sub-filter': '签名格式不是电子证书使用的格式',
  'byte-range-shape': '签名覆盖范围的格式不正确',
  'contents-position': '签名覆盖范围与签名位置不符',
  'byte-range-covers-file': '签名没有覆盖整个文件',
  'contents-padding': '签名值之后有多余内容',
  'no-extra-annotations': '文件中有印章以外的附加注释',
  'no-modification-permissions': '文件声明了修改权限',
  // issue 14: long-term validation updates (src/verify/pdf/checkUpdates.ts)
  revisions: '文件的修订结构不完整或不一致',
  'ltv-update-xref': '长期验证更新的交叉引用或文件尾不符合要求（释放了对象、偏移越界或改动了文件尾）',
  'ltv-update-objects': '长期验证更新改动了签章时已有的对象或加入了无关对象',
  'ltv-update-catalog': '长期验证更新改动了文档目录中 DSS、AcroForm、Extensions 以外的内容',
  'ltv-update-acroform': '长期验证更新没有保留原有表单域或加入了多个新域',
  'ltv-update-field': '新增的签名域不是不可见的文档时间戳',
  'ltv-update-dss': '长期验证数据（DSS）的结构不符合要求',
  'ltv-update-dss-der': '长期验证数据（DSS）中有无法解析的证书、OCSP 响应或 CRL',
  'document-timestamp': '文档时间戳没有完整覆盖其所在的修订',
  'no-update-after-last-timestamp': '最后一个文档时间戳之后文件又被追加了内容',
  // issue 14: proof of existence (src/verify/timestamps/); `document-timestamp-N` share one text
  'document-timestamp-n': '文档时间戳无效，或其时间戳服务不受信任、已过期，不能证明文件当时已存在',
  'signature-timestamp': '签章时间戳无效，或其时间戳服务不受信任、已过期，不能证明签章时间',
  'seal-revocation': '签章证书在签章时间之前已被撤销',
  'cms-structure': '签名数据无法读取',
  'cms-algorithms': '签名算法不被接受',
  'signed-attributes': '签名属性不符合要求',
  'message-digest': '签章后文件内容被修改（摘要不一致）',
  signature: '电子签名无效',
  'signer-certificate': '未找到签章证书',
  'certificate-chain': '签章证书不是由受信任的机构签发',
  'certificate-validity': '签章时签章证书不在有效期内',
  'key-strength': '签名密钥强度不足',
  'certificate-data': '文件中没有有效的证书数据',
  'seal-matches-issuer': '印章不是该职业资格发证机构的印章',
  'registry-reachable': '暂时无法连接证书登记库',
  'registry-record': '登记库中没有这份证书',
  'registry-document': '此文件不是登记库中以该管理号签发的文件',
  'registry-fields': '信息与登记库不一致',
  'registry-current-version': '这是较早的版本，已被更正后的新版本取代',
  'registry-status': '证书已撤销',
  'token-signature': '二维码签名无效或不是本系统签发',
  // issue 12 (src/verify/sampleOutcome.ts)
  'not-a-sample': '这是样本，不是证书（样本标记或样本号段的管理号）',
  'sample-not-registered': '登记库错误：登记库中有样本号段的管理号',
};

/** The Chinese text of a check id; numbered ids (`document-timestamp-2`) share the `-n` entry. */
export function checkZh(id: string): string | undefined {
  return CHECK_ZH[id] ?? CHECK_ZH[id.replace(/-\d+$/, '-n')];
}
