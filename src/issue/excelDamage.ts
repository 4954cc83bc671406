import { excelSerialDate } from './excelSerialDate';
import { residentIdCheckChar } from './residentId';

/**
 * What Excel does to cells of a cohort sheet when a column is not formatted as Text, as rules
 * that recognise the damaged value and say how to repair the sheet. Checked by
 * validateIssueRequest.ts after the ordinary forms failed, so a value that is valid is never
 * second-guessed. Nothing is repaired silently: an altered ID number cannot be restored, and a
 * date serial is not converted (src/issue/excelSerialDate.ts says why).
 */
export type CellKind = 'resident-id' | 'id' | 'date' | 'month';

export interface ExcelDamage {
  rule: string;
  zh: string;
  en: string;
}

interface DamageRule {
  id: string;
  kinds: readonly CellKind[];
  /** A fact about the value when the rule recognises it (e.g. the date a serial stands for), else undefined. */
  test(value: string): string | undefined;
  zh(column: string, fact: string): string;
  en(column: string, fact: string): string;
}

const AS_TEXT = {
  zh: (column: string) => `请把“${column}”列设置单元格格式为“文本”，重新输入完整号码后另存为 CSV`,
  en: (column: string) => `In Excel set Format Cells to Text for the ${column} column, re-enter the full numbers and save as CSV again`,
};

export const EXCEL_DAMAGE_RULES: readonly DamageRule[] = [
  {
    // Excel shows a number of more than 11 digits in General format as 1.10105E+17
    id: 'scientific-notation',
    kinds: ['resident-id', 'id'],
    test: (v) => (/^\d+(?:\.\d+)?E\+?\d+$/i.test(v) ? v : undefined),
    zh: (c) => `Excel 把号码当成数字，显示为科学计数法，后几位已丢失。${AS_TEXT.zh(c)}`,
    en: (c) => `Excel stored it as a number in scientific notation; its last digits are lost. ${AS_TEXT.en(c)}`,
  },
  {
    // Excel keeps 15 significant digits (IEEE 754 double, as displayed): the 16th to 18th become 0
    id: 'lost-precision',
    kinds: ['resident-id'],
    test: (v) => (/^\d{15}000$/.test(v) && residentIdCheckChar(v.slice(0, 17)) !== v[17] ? v : undefined),
    zh: (c) => `末三位为 000 且校验位不符：Excel 把号码当成数字，只保留了前 15 位。${AS_TEXT.zh(c)}`,
    en: (c) => `ends in 000 with a wrong check digit: Excel stored it as a number and kept only 15 digits. ${AS_TEXT.en(c)}`,
  },
  {
    // GB 11643-1999: the check character X (value 10) is the one a number cell cannot hold
    id: 'lost-final-x',
    kinds: ['resident-id'],
    test: (v) => (/^\d{17}$/.test(v) && residentIdCheckChar(v) === 'X' ? v : undefined),
    zh: (c) => `只有 17 位，按 GB 11643-1999 第 18 位校验码应为 X：末尾的 X 丢失了（数字单元格存不下 X）。请补上 X，${AS_TEXT.zh(c)}`,
    en: (c) => `17 digits, and by GB 11643-1999 the check character is X: the final X was lost (a number cell cannot hold it). Add the X. ${AS_TEXT.en(c)}`,
  },
  {
    id: 'date-serial',
    kinds: ['date', 'month'],
    test: (v) => {
      const d = excelSerialDate(v);
      return d && d >= '1900-01-01' && d <= '2099-12-31' ? d : undefined;
    },
    zh: (c, d) => `这是 Excel 日期序列号（按 1900 日期系统为 ${d}），不是日期。请把“${c}”列设置单元格格式为“日期”或“文本”，核对后重新另存为 CSV；序列号不会自动换算`,
    en: (c, d) => `an Excel date serial number (${d} in Excel's 1900 date system), not a date. Set Format Cells to Date or Text for the ${c} column, check the dates and save as CSV again; serials are not converted`,
  },
];

/** The damage Excel did to a cell of this kind, explained with its column's name, or undefined. */
export function excelDamage(kind: CellKind, value: string, column: string): ExcelDamage | undefined {
  for (const rule of EXCEL_DAMAGE_RULES) {
    if (!rule.kinds.includes(kind) && !(kind === 'resident-id' && rule.kinds.includes('id'))) continue;
    const fact = rule.test(value.trim());
    if (fact !== undefined) return { rule: rule.id, zh: rule.zh(column, fact), en: rule.en(column, fact) };
  }
  return undefined;
}
