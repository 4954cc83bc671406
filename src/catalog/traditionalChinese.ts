/**
 * Traditional characters → their simplified forms, for the characters of the catalog's titles,
 * levels, suffixes and specialties (templates/catalog.json, resolveQualification.ts): a sheet
 * typed with a traditional-character input method (註冊建築師) names the same qualification. Pairs
 * as in 《通用规范汉字表》(国务院, 2013), 附件1《规范字与繁体字、异体字对照表》; 産, 衞 and 鄕 are
 * variants written in Hong Kong and Taiwan. Only the characters the catalog uses: any other
 * text is left as it is (and is not a title).
 */
const SIMPLIFIED_OF: Readonly<Record<string, string>> = {
  註: '注', 冊: '册', 鄉: '乡', 鄕: '乡', 規: '规', 劃: '划', 師: '师', 職: '职', 業: '业', 資: '资',
  測: '测', 繪: '绘', 級: '级', 築: '筑', 監: '监', 運: '运', 輸: '输', 價: '价', 裝: '装', 設: '设',
  計: '计', 驗: '验', 護: '护', 執: '执', 藥: '药', 會: '会', 經: '经', 濟: '济', 專: '专', 術: '术',
  環: '环', 響: '响', 評: '评', 機: '机', 動: '动', 車: '车', 檢: '检', 維: '维', 員: '员', 衛: '卫',
  衞: '卫', 審: '审', 備: '备', 統: '统', 譯: '译', 賣: '卖', 詢: '询', 產: '产', 産: '产', 紀: '纪',
  試: '试', 稅: '税', 務: '务', 銀: '银', 電: '电', 證: '证', 書: '书',
};

export const TRADITIONAL_CHARACTERS: readonly string[] = Object.keys(SIMPLIFIED_OF);

/** `text` with the traditional characters of SIMPLIFIED_OF in their simplified forms. */
export function toSimplified(text: string): string {
  let out = '';
  for (const c of text) out += SIMPLIFIED_OF[c] ?? c;
  return out;
}
