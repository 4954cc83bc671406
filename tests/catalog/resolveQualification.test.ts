import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/loadCatalog';
import { resolveQualification } from '../../src/catalog/resolveQualification';

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
