import { describe, expect, it } from 'vitest';
import { loadDirectory } from '../../src/directory/Directory';
import { directoryKey, lookupDirectory } from '../../src/directory/lookupDirectory';
import { loadCatalog } from '../../src/catalog/loadCatalog';

const d = loadDirectory();
const look = (q: string) => lookupDirectory(q, d);

describe('the 国家职业资格目录 (2021) data', () => {
  it('has the 72 entries: 33 准入类 + 26 水平评价类 professional, 13 skilled; source and date; every e-certificate qualification of the catalog mapped once', () => {
    expect(d.entries).toHaveLength(72);
    expect(d.entries.filter((e) => e.category === 'professional-access')).toHaveLength(33);
    expect(d.entries.filter((e) => e.category === 'professional-level')).toHaveLength(26);
    expect(d.entries.filter((e) => e.category === 'skilled-access')).toHaveLength(13);
    expect(d.source).toMatchObject({ date: '2021-12-02', url: expect.stringContaining('content_5655553') });
    const mapped = d.entries.flatMap((e) => e.ecertQualifications).sort();
    expect(mapped).toEqual(loadCatalog().list().map((q) => q.code).sort());
    // departments unknown are said to be unknown, never left blank silently
    for (const e of d.entries) expect(e.departments.length > 0).toBe(e.departmentsSource !== 'unknown');
  });
});

describe('directory look-up', () => {
  it('finds what people type: levels, full-width brackets, missing 资格/职业资格', () => {
    for (const [q, name] of [
      ['一级建造师', '建造师'],
      ['二级注册建筑师', '注册建筑师'],
      ['注册建筑师（一级）', '注册建筑师'],
      ['工程咨询(投资)', '工程咨询（投资）专业技术人员职业资格'],
      ['中国委托公证人资格(香港、澳门)', '中国委托公证人资格（香港、澳门）'],
      ['社会工作者', '社会工作者职业资格'],
      ['中级经济专业技术资格', '经济专业技术资格'],
      ['翻译专业资格证书', '翻译专业资格'],
      ['ＣＡＴＴＩ', '翻译专业资格'],
      ['税务师', '税务师'],
      ['保安员', '保安员'],
      ['执业医师', '医生资格'],
      ['初级会计', '会计专业技术资格'],
    ]) {
      const r = look(q);
      expect(r.inDirectory, q).toBe(true);
      expect(r.matches.map((m) => m.name), q).toContain(name);
    }
    expect(directoryKey('注册建筑师（一级）')).toBe(directoryKey('一级注册建筑师'));
  });

  it('answers category, departments and whether this service issues the e-certificate', () => {
    const tax = look('税务师').matches[0];
    expect(tax).toMatchObject({ category: 'professional-level', departments: ['人力资源社会保障部', '国家税务总局'], eCertificate: true, qualifications: ['tax-adviser'] });
    const lawyer = look('法律职业资格').matches[0];
    expect(lawyer).toMatchObject({ category: 'professional-access', eCertificate: false });
  });

  it('maps former names to the current entry', () => {
    for (const [q, now] of [['注册设备监理师', '设备监理师'], ['专利代理人', '专利代理师'], ['土地登记代理人', '不动产登记代理专业人员职业资格'], ['证券期货业从业人员资格', '证券期货基金业从业人员资格']]) {
      const r = look(q);
      expect(r, q).toMatchObject({ inDirectory: true, answer: 'former-name', matches: [{ name: now }] });
      expect(r.message.zh).toContain(now);
    }
  });

  it('says the named fakes, removed titles and unknown titles are not national qualifications', () => {
    for (const q of ['设备点检师', '计量工程师', '造价计量工程师', '衡器工程师', '特种设备管理工程师', '锅炉运行工程师', '锅炉工程师', 'JYPC注册职业资格证书']) {
      expect(look(q), q).toMatchObject({ inDirectory: false, answer: 'named-fake', matches: [] });
    }
    expect(look('注册机械工程师')).toMatchObject({ inDirectory: false, answer: 'removed' });
    expect(look('乡村兽医')).toMatchObject({ inDirectory: false, answer: 'removed' });
    const r = look('高级区块链架构师');
    expect(r).toMatchObject({ inDirectory: false, answer: 'not-in-directory', matches: [] });
    expect(r.message.zh).toContain('不是国家职业资格证书');
    // a fragment is neither a yes nor a no: suggestions
    expect(look('工程师')).toMatchObject({ inDirectory: false, answer: 'suggestions' });
    expect(look('监理').matches.map((m) => m.name)).toContain('监理工程师');
  });

  it('refuses an empty or over-long query with ERR_DIRECTORY_QUERY', () => {
    expect(() => look('')).toThrow(expect.objectContaining({ code: 'ERR_DIRECTORY_QUERY' }));
    expect(() => look('建'.repeat(61))).toThrow(expect.objectContaining({ code: 'ERR_DIRECTORY_QUERY' }));
    expect(() => lookupDirectory(['x'], d)).toThrow(expect.objectContaining({ code: 'ERR_DIRECTORY_QUERY' }));
  });
});
