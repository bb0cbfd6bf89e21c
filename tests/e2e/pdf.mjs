// Minimal PDFs for the browser tests, written by hand (A4 pages, Helvetica text), so that
// the tests need no PDF tool. `padding` adds an unused stream, to make an upload take time.

/** A PDF with one page per entry of `pages` (each a list of text lines). */
export function pdf(pages, padding = 0) {
  const objects = [];
  const kids = pages.map((_, i) => `${4 + 2 * i} 0 R`).join(' ');
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(`<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`);
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  pages.forEach((lines, i) => {
    const escaped = lines.map((l) => `(${l.replace(/[\\()]/g, (c) => '\\' + c)}) '`).join('\n');
    const content = `BT /F1 22 Tf 72 790 Td 30 TL\n${escaped}\nET`;
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`);
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  });
  if (padding > 0) {
    // Printable filler, not referenced by any page.
    const filler = 'ecabinet '.repeat(Math.ceil(padding / 9)).slice(0, padding);
    objects.push(`<< /Length ${filler.length} >>\nstream\n${filler}\nendstream`);
  }
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** `n` pages, page k saying "Trang k" and, where given, the lines of `extra[k]`. */
export function numbered(n, extra = {}, padding = 0) {
  return pdf(Array.from({ length: n }, (_, i) => [`Trang ${i + 1}`, ...(extra[i + 1] ?? [])]), padding);
}
