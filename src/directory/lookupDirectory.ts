import { EcertError } from '../core/errors';
import type { DirectoryData, DirectoryEntry } from './Directory';

export type DirectoryAnswer = 'in-directory' | 'former-name' | 'not-in-directory' | 'named-fake' | 'removed' | 'suggestions';

export interface DirectoryMatch {
  name: string;
  category: DirectoryEntry['category'];
  categoryName: { zh: string; en: string };
  departments: string[];
  /** 'catalog' | 'unverified' | 'unknown': how far the departments can be relied on (templates/directory.json) */
  departmentsSource: DirectoryEntry['departmentsSource'];
  formerNames?: string[];
  jobs?: string[];
  /** This service issues e-certificates for it (and which catalog qualifications). */
  eCertificate: boolean;
  qualifications?: string[];
}

export interface DirectoryResult {
  query: string;
  inDirectory: boolean;
  answer: DirectoryAnswer;
  matches: DirectoryMatch[];
  /** The former name the query was recognised as (answer former-name). */
  formerName?: string;
  message: { zh: string; en: string };
  source: { title: string; date: string; url: string };
}

const MAX_QUERY = 60;
const MAX_MATCHES = 8;
/** Level words of the directory's titles and of skill levels (一级注册建筑师, 中级会计, 五级/初级工 …). */
const LEVELS = /(正高级|副高级|一级|二级|三级|四级|五级|初级|中级|高级|助理)/g;
/** Suffixes people add or drop, longest first. */
const SUFFIXES = ['职业资格证书', '资格证书', '证书', '专业技术人员职业资格', '专业人员职业资格', '专业技术资格', '从业人员资格', '从业资格', '执业资格', '职业资格', '专业资格', '资格证', '资格', '专业技术人员', '专业人员', '从业人员', '专业'];

/**
 * What people type, reduced to a comparable key: Unicode NFKC (full-width brackets and letters
 * become ASCII, UAX #15), no spaces or punctuation, no bracketed levels, no level words, and
 * none of the suffixes 资格 / 职业资格 / 证书 … .
 */
export function directoryKey(s: string): string {
  let k = s.normalize('NFKC').toUpperCase().replace(/[\s·・,，、;；:："“”'‘’]/g, '');
  k = k.replace(/\((一级|二级|三级|初级|中级|高级|初、中级|初级、中级)[^)]*\)/g, '').replace(LEVELS, '');
  k = k.replace(/[()\[\]【】]/g, '');
  for (let changed = true; changed; ) {
    changed = false;
    for (const suf of SUFFIXES) {
      if (k.length > suf.length + 1 && k.endsWith(suf)) {
        k = k.slice(0, -suf.length);
        changed = true;
      }
    }
  }
  return k;
}

/**
 * Look a qualification up in the 2021 national directory (issue 11): in it (category,
 * departments, whether this service issues it), under a former name (mapped to the current
 * one), removed, named by the authorities as a fake, or not in it. Exact keys first (names,
 * aliases, former names, jobs), then containment either way for keys of 2+ characters.
 */
export function lookupDirectory(query: unknown, d: DirectoryData): DirectoryResult {
  const q = typeof query === 'string' ? query.trim() : '';
  if (!q || q.length > MAX_QUERY) throw new EcertError('ERR_DIRECTORY_QUERY');
  const key = directoryKey(q);
  const source = { title: d.source.title, date: d.source.date, url: d.source.url };
  const base = { query: q, source };
  const match = (e: DirectoryEntry): DirectoryMatch => ({
    name: e.name,
    category: e.category,
    categoryName: d.categories[e.category]!,
    departments: e.departments,
    departmentsSource: e.departmentsSource,
    ...(e.formerNames ? { formerNames: e.formerNames } : {}),
    ...(e.jobs ? { jobs: e.jobs } : {}),
    eCertificate: e.ecertQualifications.length > 0,
    ...(e.ecertQualifications.length ? { qualifications: e.ecertQualifications } : {}),
  });
  const keysOf = (names: (string | undefined)[]) => names.filter((x): x is string => !!x).map(directoryKey).filter(Boolean);

  // 1. the titles the authorities named as fakes, and the entries removed since 2017
  const fake = d.namedFakes.find((f) => keysOf([f.name, ...(f.aliases ?? [])]).includes(key));
  if (fake) {
    return {
      ...base,
      inDirectory: false,
      answer: 'named-fake',
      matches: [],
      message: {
        zh: `“${fake.name}”不在国家职业资格目录中，主管部门已点名其为非国家职业资格（“山寨证书”）：此类证书不是国家职业资格证书。`,
        en: `“${fake.name}” is not in the national directory; the authorities named it as not a national qualification (a fake certificate).`,
      },
    };
  }
  const removed = d.removed.find((f) => keysOf([f.name, ...(f.aliases ?? [])]).includes(key));
  if (removed) {
    return {
      ...base,
      inDirectory: false,
      answer: 'removed',
      matches: [],
      message: {
        zh: `“${removed.name}”已于 2017 年起移出国家职业资格目录，现行目录（${d.source.date}）中没有此项。`,
        en: `“${removed.name}” was removed from the national directory in 2017; the current directory (${d.source.date}) does not list it.`,
      },
    };
  }

  // 2. former names, mapped to the current entry
  const renamed = d.entries.find((e) => keysOf(e.formerNames ?? []).includes(key) && !keysOf([e.name]).includes(key));
  if (renamed) {
    const former = renamed.formerNames!.find((f) => directoryKey(f) === key)!;
    return {
      ...base,
      inDirectory: true,
      answer: 'former-name',
      formerName: former,
      matches: [match(renamed)],
      message: {
        zh: `“${former}”是旧称，现为“${renamed.name}”，在国家职业资格目录中。`,
        en: `“${former}” is a former name; it is now “${renamed.name}”, which is in the national directory.`,
      },
    };
  }

  // 3. exact keys, then containment
  const exact = d.entries.filter((e) => keysOf([e.name, ...(e.aliases ?? []), ...(e.jobs ?? [])]).includes(key));
  const keysOfEntry = (e: DirectoryEntry) => keysOf([e.name, ...(e.aliases ?? []), ...(e.jobs ?? [])]);
  const partial = d.entries.filter((e) => !exact.includes(e) && keysOfEntry(e).some((k) => contains(k, key, 2 / 3) || contains(key, k, 2 / 3)));
  const found = [...exact, ...partial].slice(0, MAX_MATCHES);
  if (found.length) {
    const names = found.map((e) => e.name).join('、');
    return {
      ...base,
      inDirectory: true,
      answer: 'in-directory',
      matches: found.map(match),
      message: { zh: `在国家职业资格目录（2021年版）中：${names}。`, en: `In the national qualification directory (2021): ${found.map((e) => e.name).join(', ')}.` },
    };
  }
  // 4. only a fragment of names (监理, 工程师): suggestions, neither a yes nor a no
  const near = d.entries.filter((e) => keysOfEntry(e).some((k) => contains(k, key, 0) || contains(key, k, 0))).slice(0, MAX_MATCHES);
  if (near.length) {
    return {
      ...base,
      inDirectory: false,
      answer: 'suggestions',
      matches: near.map(match),
      message: {
        zh: `目录中没有与“${q}”完全对应的名称，相近的有：${near.map((e) => e.name).join('、')}。请按证书上的全称再查。`,
        en: `No directory entry is exactly “${q}”; close ones: ${near.map((e) => e.name).join(', ')}. Look up the full name printed on the certificate.`,
      },
    };
  }
  return {
    ...base,
    inDirectory: false,
    answer: 'not-in-directory',
    matches: [],
    message: {
      zh: `“${q}”不在国家职业资格目录（2021年版）中：以此为名的证书不是国家职业资格证书。目录之外一律不得许可和认定职业资格。`,
      en: `“${q}” is not in the national qualification directory (2021): a certificate under this name is not a national qualification certificate.`,
    },
  };
}

/** `outer` contains `inner` (2+ characters) and `inner` is at least `share` of it. */
function contains(outer: string, inner: string, share: number): boolean {
  return inner.length >= 2 && inner.length >= share * outer.length && outer.includes(inner);
}
