import type { IdType } from '../core/types';

/**
 * How spreadsheets and forms write a holder's sex and ID document type, as tables: each
 * spelling (compared after NFKC, without white space, case-insensitive) → the request's value.
 * Only spellings that can mean one thing: anything else is refused with the accepted forms.
 * Used for the JSON API and CSV cells alike (validateIssueRequest.ts).
 */
const SEX_FORMS: Readonly<Record<string, '男' | '女'>> = {
  男: '男',
  女: '女',
  男性: '男',
  女性: '女',
  m: '男',
  f: '女',
  male: '男',
  female: '女',
  // GB/T 2261.1-2003 人的性别代码: 1 男性, 2 女性 (0 未知的性别 and 9 未说明的性别 are refused:
  // a certificate states the holder's sex, and a resident ID's 17th digit must agree with it)
  '1': '男',
  '2': '女',
};

const ID_TYPE_FORMS: Readonly<Record<string, IdType>> = {
  'resident-id': 'resident-id',
  居民身份证: 'resident-id',
  身份证: 'resident-id',
  二代身份证: 'resident-id',
  第二代居民身份证: 'resident-id',
  中华人民共和国居民身份证: 'resident-id',
  passport: 'passport',
  护照: 'passport',
  'hk-macao-permit': 'hk-macao-permit',
  港澳居民来往内地通行证: 'hk-macao-permit',
  回乡证: 'hk-macao-permit', // its common name
  'taiwan-permit': 'taiwan-permit',
  台湾居民来往大陆通行证: 'taiwan-permit',
  台胞证: 'taiwan-permit', // its common name
  'foreign-permanent-resident': 'foreign-permanent-resident',
  外国人永久居留身份证: 'foreign-permanent-resident',
  中华人民共和国外国人永久居留身份证: 'foreign-permanent-resident',
  外国人永久居留证: 'foreign-permanent-resident', // its name before the 2017 card
  other: 'other',
  其他: 'other',
};

const key = (text: string) => text.normalize('NFKC').replace(/\s+/g, '').toLowerCase();

/** 男 or 女 for a spelling of SEX_FORMS; undefined for anything else. */
export function normaliseSex(text: string): '男' | '女' | undefined {
  return SEX_FORMS[key(text)];
}

/** The IdType for a spelling of ID_TYPE_FORMS (codes and Chinese names); undefined for anything else. */
export function normaliseIdType(text: string): IdType | undefined {
  return ID_TYPE_FORMS[key(text)];
}
