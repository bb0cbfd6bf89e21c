// A written opinion poll (phiếu lấy ý kiến) from draft to report: the secretariat drafts it
// in the form and attaches a document, a second clerk approves and sends it (the document
// then fixed), a member reads the document on the tablet, two members answer and sign on a
// tablet and on a phone, "remind now" mails the third (a local SMTP server stands in for
// the mail system), the poll closes by itself at its deadline, and the report's PDF and
// XLSX carry the numbers the page shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readXlsxFile from 'read-excel-file/node';
import { launch, login, live, hasText, LARGE, PHONE, TABLET } from './support.mjs';
import { startSink } from './smtp.mjs';
import { pdf as makePdf } from './pdf.mjs';

let browser;
let sink;
before(async () => {
  browser = await launch();
  sink = await startSink(Number(process.env.ECABINET_SMTP_PORT ?? 2525));
});
after(async () => { await browser?.close(); await sink?.close(); });

const PIN = { bt05: '112233', bt06: '445566' };

async function ok(response, what) {
  assert.ok(response.ok(), `${what}: HTTP ${response.status()} ${await response.text()}`);
  return response.status() === 204 ? null : response.json();
}

/** Creates the member's signing key in the page and has the clerk approve it. */
async function enrol(m, clerk) {
  await m.page.goto('/devices');
  await live(m.page);
  await m.page.fill('[data-testid=pin]', PIN[m.user]);
  await m.page.fill('[data-testid=pin-again]', PIN[m.user]);
  const registered = m.page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/devices'));
  await m.page.locator('[data-testid=create-key]').tap();
  const device = await (await registered).json();
  await ok(await clerk.page.request.post(`/api/devices/${device.id}/approve`, { data: {} }), 'approve');
  await m.page.locator('[data-testid=this-tablet][data-state=approved]').waitFor();
}

/** "YYYY-MM-DDTHH:MM:SS" in the browser's (and this process's) local time. */
function localInput(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

test('a written poll is approved, answered on tablet and phone, reminded, closed and reported', async () => {
  const clerk = await login(browser, 'vanthu1', LARGE);
  const members = {};
  for (const [user, viewport] of [['bt05', TABLET], ['bt06', PHONE], ['bt07', TABLET]]) {
    members[user] = { user, ...(await login(browser, user, viewport)) };
    members[user].id = (await ok(await members[user].page.request.get('/api/me'), 'me')).id;
  }
  await enrol(members.bt05, clerk);
  await enrol(members.bt06, clerk);

  // The clerk drafts the poll in the form: three members asked, answers due in 100 s, and
  // silence deemed agreement.
  await clerk.page.goto('/opinions');
  await live(clerk.page);
  await clerk.page.locator('[data-testid=new-opinion]').tap();
  await clerk.page.fill('[data-testid=opinion-question-input]', 'Thông qua dự thảo Nghị định về quản lý đầu tư công?');
  await clerk.page.fill('[data-testid=opinion-draft-input]', 'Điều 1. Phạm vi điều chỉnh\nĐiều 2. Đối tượng áp dụng');
  const deadline = Date.now() + 120_000;
  await clerk.page.fill('[data-testid=opinion-deadline]', localInput(deadline));
  await clerk.page.locator('[data-testid=opinion-deemed]').check();
  const asked = new Set(Object.values(members).map((m) => String(m.id)));
  const boxes = clerk.page.locator('[data-testid=addressee]');
  await boxes.nth(26).waitFor();
  assert.equal(await boxes.count(), 27, 'every member and the chair are offered');
  for (let i = 0; i < 27; i += 1) {
    const box = boxes.nth(i);
    if (!asked.has(await box.getAttribute('data-user'))) await box.uncheck();
  }
  await clerk.page.locator('[data-testid=save-opinion]').tap();
  await clerk.page.waitForURL(/\/opinions\/\d+$/);
  const id = clerk.page.url().split('/').pop();
  await clerk.page.locator('[data-testid=opinion][data-status=draft]').waitFor();
  // Four eyes: whoever drafted it cannot send it.
  await clerk.page.locator('[data-testid=needs-approver]').waitFor();
  assert.equal(await clerk.page.locator('[data-testid=approve-send]').count(), 0);

  // The draft decision's submission goes with it, through the document pipeline; a file
  // that is not a PDF is refused in the queue. Only agenda-free fields are offered.
  const docs = clerk.page.locator('[data-testid=documents]');
  await docs.locator('[data-testid=no-documents]').waitFor();
  await docs.locator('[data-testid=file-input]').setInputFiles([
    { name: 'To_trinh_dau_tu_cong.pdf', mimeType: 'application/pdf', buffer: makePdf([['To trinh du thao Nghi dinh', 'Quan ly dau tu cong']]) },
    { name: 'ghi-chu.pdf', mimeType: 'application/pdf', buffer: Buffer.from('khong phai PDF') },
  ]);
  const queued = docs.locator('[data-testid=queued]');
  await queued.nth(1).waitFor();
  assert.equal(await docs.locator('[data-testid=queued-item]').count(), 0, 'a poll has no agenda');
  await queued.nth(0).locator('[data-testid=queued-title]').fill('Tờ trình dự thảo Nghị định');
  await docs.locator('[data-testid=upload-all]').tap();
  await queued.nth(0).locator('[data-testid=queued-ready]').waitFor();
  await queued.nth(1).locator('[data-testid=queued-error]').waitFor();
  await docs.locator('[data-testid=doc-row][data-status=ready]').waitFor();
  await docs.locator('[data-testid=queued]', { hasText: 'ghi-chu.pdf' }).locator('[data-testid=queued-remove]').tap();

  // Members see nothing of a draft; their inbox fills live once a second clerk sends it.
  for (const m of Object.values(members)) {
    await m.page.goto('/opinions');
    await live(m.page);
    await m.page.locator('[data-testid=no-opinions]').waitFor();
  }
  const second = await login(browser, 'vanthu2', LARGE);
  await second.page.goto(`/opinions/${id}`);
  await live(second.page);
  // The approver reads what goes out before approving it.
  await hasText(second.page.locator('[data-testid=documents] [data-testid=doc-link]'), 'Tờ trình dự thảo Nghị định');
  await second.page.locator('[data-testid=approve-send]').tap();
  await second.page.locator('[data-testid=opinion][data-status=open]').waitFor();
  // Sent, the documents are fixed: no more uploads, new versions or removal.
  await clerk.page.locator('[data-testid=opinion][data-status=open]').waitFor();
  await clerk.page.locator('[data-testid=documents] [data-testid=doc-row]').waitFor();
  for (const control of ['file-input', 'new-version', 'doc-remove']) {
    assert.equal(await clerk.page.locator(`[data-testid=documents] [data-testid=${control}]`).count(), 0, control);
  }
  for (const m of Object.values(members)) {
    const row = m.page.locator(`[data-testid=awaiting] [data-testid=opinion-row][data-id="${id}"]`);
    await row.waitFor();
    await hasText(row.locator('[data-testid=time-left]'), 'phút');
  }

  // bt05 agrees on the tablet, signing with the PIN.
  const bt05 = members.bt05.page;
  await bt05.locator(`[data-testid=opinion-row][data-id="${id}"] a`).tap();
  await bt05.waitForURL(new RegExp(`/opinions/${id}$`));
  await hasText(bt05.locator('[data-testid=draft-decision]'), 'Đối tượng áp dụng');
  // The attached submission opens in the viewer, page image and all, and leads back.
  await bt05.locator('[data-testid=documents] [data-testid=doc-link]').tap();
  await bt05.waitForURL(new RegExp(`/opinions/${id}/documents/\\d+$`));
  await hasText(bt05.locator('[data-testid=viewer] [data-testid=doc-title]'), 'Tờ trình dự thảo Nghị định');
  await bt05.waitForFunction(() => {
    const img = document.querySelector('[data-testid=page-image]');
    return img && img.complete && img.naturalWidth > 0;
  });
  await bt05.locator('[data-testid=viewer] a.button', { hasText: /Quay lại|Back/ }).first().tap();
  await bt05.waitForURL(new RegExp(`/opinions/${id}$`));
  await bt05.locator('[data-testid=answer-option][data-answer=Agree]').tap();
  await bt05.fill('[data-testid=answer-pin]', PIN.bt05);
  await bt05.locator('[data-testid=sign-answer]').tap();
  await bt05.locator('[data-testid=answer-recorded]').waitFor();
  await bt05.locator('[data-testid=my-answer][data-answer=Agree]').waitFor();

  // bt06, on a phone, gives an other opinion: without its text it is not sent.
  const bt06 = members.bt06.page;
  await bt06.locator(`[data-testid=opinion-row][data-id="${id}"] a`).tap();
  await bt06.waitForURL(new RegExp(`/opinions/${id}$`));
  await bt06.locator('[data-testid=answer-option][data-answer=Other]').tap();
  await bt06.fill('[data-testid=answer-pin]', PIN.bt06);
  await bt06.locator('[data-testid=sign-answer]').tap();
  await hasText(bt06.locator('[data-testid=answer-error]'), 'cần nêu nội dung');
  await bt06.fill('[data-testid=answer-text]', 'Đề nghị bổ sung Điều 3 về phân cấp');
  await bt06.fill('[data-testid=answer-pin]', PIN.bt06);
  await bt06.locator('[data-testid=sign-answer]').tap();
  await bt06.locator('[data-testid=answer-recorded]').waitFor();
  await hasText(bt06.locator('[data-testid=my-answer][data-answer=Other]'), 'phân cấp');
  const width = await bt06.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the phone page does not scroll sideways (${width}px)`);

  // The clerk sees two of three answered, and reminds the third now.
  await clerk.page.goto(`/opinions/${id}`);
  await live(clerk.page);
  await clerk.page.locator('[data-testid=report][data-agree="1"][data-other="1"][data-not-answered="1"]').waitFor();
  const bt07 = members.bt07.page;
  await bt07.goto(`/opinions/${id}`);
  await live(bt07);
  await clerk.page.fill('[data-testid=remind-message]', 'Đề nghị đồng chí cho ý kiến trước thời hạn');
  await clerk.page.locator('[data-testid=remind-now]').tap();
  await clerk.page.locator('[data-testid=reminded][data-count="1"]').waitFor();
  const mail = await sink.waitFor((m) => m.recipients.includes('bt07@ecabinet.local'));
  assert.match(mail.data, /Đề nghị đồng chí cho ý kiến trước thời hạn/);
  assert.match(mail.data, new RegExp(`/opinions/${id}`));
  assert.ok(!sink.mails.some((m) => m.recipients.includes('bt05@ecabinet.local')), 'who answered is not reminded');
  await hasText(bt07.locator('[data-testid=reminder]'), 'cho ý kiến trước thời hạn');

  // At the deadline the poll closes by itself, on every screen.
  const patience = { timeout: Math.max(deadline - Date.now(), 0) + 30_000 };
  await clerk.page.locator('[data-testid=opinion][data-status=closed]').waitFor(patience);
  await bt05.locator('[data-testid=opinion][data-status=closed]').waitFor(patience);
  assert.equal(await bt05.locator('[data-testid=answer-form]').count(), 0, 'no answering after the close');
  // One agrees and the silent one is deemed to: two of three, more than half.
  const report = clerk.page.locator('[data-testid=report][data-outcome=Passed]');
  await report.waitFor();
  await hasText(clerk.page.locator('[data-testid=report-outcome]'), 'Thông qua');
  const shown = {};
  for (const label of ['AnswerAgree', 'AnswerDisagree', 'AnswerOther', 'NotAnswered', 'InFavour']) {
    shown[label] = Number(await report.locator(`[data-testid=report-count][data-label=${label}]`).getAttribute('data-count'));
  }
  assert.deepEqual(shown, { AnswerAgree: 1, AnswerDisagree: 0, AnswerOther: 1, NotAnswered: 1, InFavour: 2 });

  // The downloads say what the page says.
  const xlsx = await clerk.page.request.get(await clerk.page.locator('[data-testid=report-xlsx]').getAttribute('href'));
  assert.equal(xlsx.status(), 200);
  const sheets = await readXlsxFile(await xlsx.body());
  const summary = sheets.find((s) => s.sheet === 'Tổng hợp').data;
  const cell = (label) => Number(summary.find((r) => r[0] === label)?.[1]);
  assert.deepEqual(
    [cell('Đồng ý'), cell('Không đồng ý'), cell('Ý kiến khác'), cell('Chưa trả lời'), cell('Tính là đồng ý')],
    [shown.AnswerAgree, shown.AnswerDisagree, shown.AnswerOther, shown.NotAnswered, shown.InFavour],
  );
  assert.equal(summary.find((r) => r[0] === 'Kết quả')?.[1], 'Thông qua');
  const lines = sheets.find((s) => s.sheet === 'Ý kiến').data.slice(1);
  assert.ok(lines.some((r) => r[3] === 'Ý kiến khác' && r[4] === 'Đề nghị bổ sung Điều 3 về phân cấp'), JSON.stringify(lines));

  const pdf = await clerk.page.request.get(await clerk.page.locator('[data-testid=report-pdf]').getAttribute('href'));
  assert.equal(pdf.status(), 200);
  const dir = mkdtempSync(join(tmpdir(), 'ecabinet-opinion-'));
  writeFileSync(join(dir, 'report.pdf'), await pdf.body());
  const text = spawnSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'report.pdf'), '-'], { encoding: 'utf8' });
  assert.equal(text.status, 0, text.stderr);
  for (const expected of [`Đồng ý: ${shown.AnswerAgree}`, `Ý kiến khác: ${shown.AnswerOther}`,
    `Chưa trả lời: ${shown.NotAnswered}`, `Tính là đồng ý: ${shown.InFavour}`, 'Kết quả: Thông qua', 'phân cấp']) {
    assert.ok(text.stdout.includes(expected), `${expected} not in the PDF:\n${text.stdout}`);
  }
});
