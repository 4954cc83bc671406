/**
 * Hostile inputs of issue #10 ("limits before work"), made here in each run: a classic PDF
 * whose cross-reference table has `entries` entries, every one pointing at a real object
 * (ISO 32000-1 §7.5.4; offsets exact), so the reader has to check them all.
 */
export function pdfWithXrefEntries(entries: number): Buffer {
  const parts: string[] = ['%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'];
  let size = parts[0].length;
  const offsets: number[] = [0];
  const add = (num: number, body: string) => {
    offsets[num] = size;
    const s = `${num} 0 obj\n${body}\nendobj\n`;
    parts.push(s);
    size += s.length;
  };
  add(1, '<< /Type /Catalog /Pages 2 0 R >>');
  add(2, '<< /Type /Pages /Kids [] /Count 0 >>');
  for (let n = 3; n < entries; n++) add(n, 'null');
  const xrefAt = size;
  let xref = `xref\n0 ${entries}\n0000000000 65535 f\r\n`;
  for (let n = 1; n < entries; n++) xref += `${String(offsets[n]).padStart(10, '0')} 00000 n\r\n`;
  xref += `trailer\n<< /Size ${entries} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  parts.push(xref);
  return Buffer.from(parts.join(''), 'latin1');
}
