import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/loadCatalog';
import { resolveQualification, resolveSpecialty } from '../../src/catalog/resolveQualification';
import { TRADITIONAL_CHARACTERS, toSimplified } from '../../src/catalog/traditionalChinese';

const catalog = loadCatalog();
const code = (t: string) => resolveQualification(catalog, t).qualification?.code;
const suggested = (t: string) => resolveQualification(catalog, t).suggestions.map((q) => q.code);

describe('resolveQualification (templates/catalog.json)', () => {
  it('accepts every code and every catalog title, with or without the 职业资格 / 资格 / 证书 suffixes', () => {
    for (const q of catalog.list()) {
      expect(code(q.code)).toBe(q.code);
      expect(code(q.code.toUpperCase())).toBe(q.code);
      expect(code(q.title)).toBe(q.code);
      expect(code(`${q.title}证书`)).toBe(q.code);
      expect(code(`${q.title}电子证书`)).toBe(q.code);
      expect(code(` ${q.title} `)).toBe(q.code);
      if (q.level) {
        expect(code(`${q.name}（${q.level}）`)).toBe(q.code);
        expect(code(`${q.name}(${q.level})`)).toBe(q.code);
        expect(code(`${q.name}${q.level}`)).toBe(q.code);
      }
    }
    expect(code('税务师')).toBe('tax-adviser');
    expect(code('税务师职业资格证书')).toBe('tax-adviser');
    expect(code('护士执业资格')).toBe('nurse');
    expect(code('社会工作者职业资格（初级）')).toBe('social-worker-junior');
    expect(code('工程咨询（投资）专业技术人员职业资格')).toBe('engineering-consultant');
    expect(code('造价工程师(一级)')).toBe('cost-engineer-1');
  });

  it('reads titles and specialties written in traditional characters (a traditional-character input method)', () => {
    // written here by hand, as a sheet typed in traditional characters spells them
    const written: Array<[string, string]> = [
      ['一級註冊建築師', 'registered-architect-1'],
      ['註冊建築師（二級）', 'registered-architect-2'],
      ['註冊城鄉規劃師職業資格', 'urban-rural-planner'],
      ['稅務師職業資格證書', 'tax-adviser'],
      ['護士執業資格', 'nurse'],
      ['中級經濟專業技術資格', 'economics-intermediate'],
      ['機動車檢測維修專業技術人員職業資格', 'motor-vehicle-inspection'],
      ['環境影響評價工程師', 'eia-engineer'],
      ['資産評估師', 'asset-appraiser'], // 産: the variant written in Taiwan
    ];
    for (const [title, want] of written) expect(code(title), title).toBe(want);
    const supervising = catalog.get('supervising-engineer');
    expect(resolveSpecialty(supervising, ' 交通運輸工程 ')?.name).toBe('交通运输工程');
    expect(resolveSpecialty(supervising, '土木建築工程')?.name).toBe('土木建筑工程');
    expect(resolveSpecialty(supervising, '土木')).toBeUndefined();
    // the table is the catalog's: every traditional character it knows stands for one the catalog writes
    const catalogChars = new Set([...catalog.list().flatMap((q) => [q.title, q.name, q.level ?? '', ...(q.specialties ?? []).map((sp) => sp.name)]), '电子证书'].join(''));
    for (const c of TRADITIONAL_CHARACTERS) expect(catalogChars.has(toSimplified(c)), c).toBe(true);
    // and every title written with all of its traditional characters resolves to its entry
    const traditionalOf = new Map(TRADITIONAL_CHARACTERS.map((c) => [toSimplified(c), c]));
    for (const q of catalog.list()) expect(code(Array.from(q.title, (c) => traditionalOf.get(c) ?? c).join(''))).toBe(q.code);
  });

  it('resolves nothing by guess: a name without its level, a typo, a part of a name or a fake title get suggestions only', () => {
    expect(code('注册建筑师')).toBeUndefined();
    expect(suggested('注册建筑师').sort()).toEqual(['registered-architect-1', 'registered-architect-2']);
    expect(code('注册城乡规化师')).toBeUndefined();
    expect(suggested('注册城乡规化师')[0]).toBe('urban-rural-planner');
    expect(suggested('城乡规划')[0]).toBe('urban-rural-planner');
    expect(suggested('资产评估')[0]).toBe('asset-appraiser');
    expect(suggested('tax-advisor')[0]).toBe('tax-adviser');
    expect(suggested('监理工程')[0]).toBe('supervising-engineer');
    expect(code('设备点检师')).toBeUndefined(); // named by the authorities as a fake title (domain.md)
  });
});
