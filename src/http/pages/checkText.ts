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
};
