import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalog, validateCatalog } from '../../src/catalog/loadCatalog';

const raw = () => JSON.parse(readFileSync(new URL('../../templates/catalog.json', import.meta.url), 'utf8'));

describe('catalog', () => {
  const c = loadCatalog();
  it('holds the 31 qualifications of the notice, every level its own entry (24 style 1 → 33 entries, 7 style 2)', () => {
    expect(c.list().filter((q) => q.style === 1)).toHaveLength(33);
    expect(c.list().filter((q) => q.style === 2)).toHaveLength(7);
    expect(new Set(c.list().map((q) => q.name)).size).toBe(31);
    expect(c.list().map((q) => q.title)).toEqual(expect.arrayContaining(['一级注册建筑师职业资格', '二级注册建筑师职业资格', '高级社会工作者职业资格', '护士执业资格', '翻译专业资格']));
  });

  it('style 1 uses the MOHRSS seal, each style 2 body its own', () => {
    const mohrss = c.seal(c.list().find((q) => q.style === 1)!.sealId);
    expect(mohrss.fullName).toBe('中华人民共和国人力资源和社会保障部专业技术人员职业资格证书专用章');
    const s2 = c.list().filter((q) => q.style === 2);
    expect(new Set(s2.map((q) => q.sealId)).size).toBe(7);
    expect(c.body(c.get('tax-adviser').issuingBody).name).toBe('中国注册税务师协会');
  });

  it('keeps the department order per qualification (税务师: 人力资源社会保障部、国家税务总局)', () => {
    expect(c.departmentsFor('tax-adviser')).toEqual(['人力资源社会保障部', '国家税务总局']);
  });

  it('gives the departments of the holder’s specialty for 监理工程师 and 造价工程师（一级）', () => {
    expect(c.departmentsFor('supervising-engineer', '交通运输工程')).toEqual(['交通运输部', '人力资源社会保障部']);
    expect(c.departmentsFor('supervising-engineer', 'water')).toEqual(['水利部', '人力资源社会保障部']);
    expect(c.departmentsFor('cost-engineer-1', '安装工程')).toEqual(['住房和城乡建设部', '人力资源社会保障部']);
    expect(() => c.departmentsFor('cost-engineer-1')).toThrow(expect.objectContaining({ code: 'ERR_SPECIALTY_REQUIRED' }));
    expect(() => c.departmentsFor('cost-engineer-1', '电子工程')).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_SPECIALTY' }));
    expect(() => c.departmentsFor('tax-adviser', '土木建筑工程')).toThrow(expect.objectContaining({ code: 'ERR_SPECIALTY_NOT_ALLOWED' }));
  });

  it('serves the contract view', () => {
    const v = c.publicView();
    expect(v).toHaveLength(40);
    expect(v[0]).toMatchObject({ code: expect.any(String), name: expect.any(String), style: 1, sealId: expect.any(String), issuingBody: { code: expect.any(String), name: expect.any(String) } });
  });

  it('refuses a malformed catalog naming the entry and the field', () => {
    const bad = raw();
    bad.qualifications[5].specialties[0].departments = [];
    expect(() => validateCatalog(bad)).toThrow(/qualifications\[5\] \(supervising-engineer\)\.specialties\[0\] \(civil\)\.departments/);
    const dup = raw();
    dup.qualifications[3].serial = dup.qualifications[2].serial;
    expect(() => validateCatalog(dup)).toThrow(/qualifications\[3\]: duplicate/);
    const seal = raw();
    seal.qualifications[35].sealId = 'mohrss';
    expect(() => validateCatalog(seal)).toThrow(expect.objectContaining({ code: 'ERR_CATALOG_INVALID' }));
    const s2 = raw();
    delete s2.qualifications[33].competence;
    expect(() => validateCatalog(s2)).toThrow(/qualifications\[33\] \(auctioneer\)\.competence/);
  });
});
