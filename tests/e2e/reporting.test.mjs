// Reporting in the browser: Hà Nội's officer uploads the month's report as an XLSX with
// one bad cell, sees the cell's problem and that nothing was stored, then a file past a
// limit and its reason, uploads it fixed, signs and submits with the PIN; the city's
// chairman approves; the dashboard open in another context (the Prime Minister's) draws
// the new number at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, login, live, hasText, LARGE, TABLET } from './support.mjs';
import { xlsx } from './xlsx.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const PIN = '246810';

/** The month being reported now in Hà Nội: the one before this one (UTC+7). */
function reportingPeriod() {
  const now = new Date(Date.now() + 7 * 3600 * 1000);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function workbook(period, cpi) {
  return xlsx([
    ['Báo cáo tình hình kinh tế - xã hội tháng'],
    [],
    ['Kỳ', 'Mã chỉ tiêu', 'Tên chỉ tiêu', 'Đơn vị tính', 'Giá trị'],
    [period, 'THU_NS', 'Thu ngân sách', 'tỷ đồng', 31234.5],
    [period, 'KH_VON', 'Kế hoạch vốn', 'tỷ đồng', 36000],
    [period, 'GIAI_NGAN', 'Giải ngân', 'tỷ đồng', 30000],
    [period, 'DN_MOI', 'Doanh nghiệp mới', 'doanh nghiệp', 2400],
    [period, 'CPI', 'CPI', '%', cpi],
  ]);
}

/** The SVG the chart image shows now. */
async function chart(page, id) {
  const src = await page.locator(`[data-testid=${id}]`).getAttribute('src');
  const r = await page.request.get(src);
  assert.equal(r.headers()['content-type'], 'image/svg+xml');
  return { src, svg: await r.text() };
}

test('an officer uploads a report with a bad cell, fixes it, submits; the approval reaches the dashboard live', async () => {
  const period = reportingPeriod();
  const clerk = await login(browser, 'vanthu1', LARGE);
  const officer = await login(browser, 'bchn', TABLET);

  // The officer's signing key, made on the tablet and approved by the office.
  await officer.page.goto('/devices');
  await live(officer.page);
  await officer.page.fill('[data-testid=pin]', PIN);
  await officer.page.fill('[data-testid=pin-again]', PIN);
  const registered = officer.page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/devices'));
  await officer.page.locator('[data-testid=create-key]').tap();
  const device = await (await registered).json();
  const approved = await clerk.page.request.post(`/api/devices/${device.id}/approve`, { data: {} });
  assert.ok(approved.ok(), await approved.text());

  // The Prime Minister watches the dashboard.
  const pm = await login(browser, 'thutuong', LARGE);
  await pm.page.goto('/dashboard');
  await live(pm.page);
  await pm.page.locator('[data-testid=chart-series]').waitFor();
  const before = await chart(pm.page, 'chart-series');
  assert.ok(before.svg.includes('Thu ngân sách'), 'the seeded history is drawn');
  assert.ok(!before.svg.includes('31234.50'), 'not yet');

  // The month's form; a workbook with one bad cell is refused, that cell named.
  await officer.page.goto('/reports');
  await live(officer.page);
  const form = officer.page.locator('[data-testid=report-form]');
  await hasText(form.locator('[data-testid=report-status]'), 'Chưa nhập');
  await officer.page.setInputFiles('[data-testid=upload]', { name: 'bao-cao.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: workbook(period, 'cao') });
  await hasText(form.locator('[data-testid=cell][data-code=CPI] [data-testid=cell-problem]'), 'Không phải là số');
  await hasText(form.locator('[data-testid=report-status]'), 'Chưa nhập');
  assert.equal(await form.locator('[data-testid=cell][data-code=THU_NS] [data-testid=cell-input]').inputValue(), '', 'nothing stored');

  // A file past a limit is refused before its rows are read, the reason and the limit
  // named in the reader's language.
  await officer.page.setInputFiles('[data-testid=upload]', { name: 'bao-cao.csv', mimeType: 'text/csv', buffer: Buffer.from(`Kỳ,Mã chỉ tiêu,Giá trị${',x'.repeat(100)}\n`) });
  await hasText(form.locator('[data-testid=row-problem]'), 'Dòng 1 có ô dữ liệu sau cột 64.');
  await hasText(form.locator('[data-testid=report-status]'), 'Chưa nhập');

  // Fixed and uploaded again: saved as a draft, the values in the cells.
  await officer.page.setInputFiles('[data-testid=upload]', { name: 'bao-cao.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: workbook(period, 3.4) });
  await hasText(form.locator('[data-testid=report-status]'), 'Đang nhập');
  assert.equal(await form.locator('[data-testid=cell][data-code=THU_NS] [data-testid=cell-input]').inputValue(), '31234,5');
  assert.equal(await form.locator('[data-testid=cell-problem]').count(), 0);

  // Signed with the PIN on the tablet and submitted.
  await form.locator('[data-testid=report-pin]').fill(PIN);
  await form.locator('[data-testid=submit]').tap();
  await hasText(form.locator('[data-testid=report-status]'), 'Đã gửi');

  // The city's chairman approves.
  const chair = await login(browser, 'khach1', TABLET);
  await chair.page.goto('/reports');
  await live(chair.page);
  const task = chair.page.locator('[data-testid=task][data-action=approve]');
  await task.locator('button').first().tap();
  await chair.page.locator('[data-testid=report-form] [data-testid=approve]').tap();
  await hasText(chair.page.locator('[data-testid=report-form] [data-testid=report-status]'), 'Đã duyệt');

  // The dashboard draws it without a reload.
  await pm.page.waitForFunction((old) => document.querySelector('[data-testid=chart-series]')?.getAttribute('src') !== old, before.src);
  const after = await chart(pm.page, 'chart-series');
  assert.ok(after.svg.includes('31234.50'), 'the approved number is on the chart');
  await hasText(officer.page.locator('[data-testid=report-form] [data-testid=report-status]'), 'Đã duyệt');

  // Every number links to its history: who entered it, when, from what to what.
  await pm.page.locator('[data-testid=compare-table] [data-testid=compare-value]', { hasText: '31234,5' }).tap();
  await pm.page.waitForURL(/\/reports\?/);
  const history = pm.page.locator('[data-testid=history]');
  await hasText(history, 'Cán bộ báo cáo Hà Nội');
  await hasText(history, '— → 31234,5');
  await hasText(history, 'approve');
  await pm.page.goBack();

  // Each view exports.
  const csv = await pm.page.request.get(await pm.page.locator('[data-testid=export-series-csv]').getAttribute('href'));
  assert.ok((await csv.text()).includes(`${period},31234.5,1`));
});
