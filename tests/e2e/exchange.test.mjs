// Document exchange between two agencies in the browser: the Government Office's clerk
// drafts an official document, its minister seals it with the PIN on a tablet, the clerk
// sends it; the Ministry's clerk registers it, its leader assigns it, the handler finishes
// it; the sender's register shows each status move live; then the office replaces it
// and revokes it from the same screen. The letter's pages are read in
// the document viewer by the signer before sealing and by the receiving organ on arrival.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, login, live, hasText, tablet, LARGE, TABLET, PASSWORD } from './support.mjs';
import { pdf } from './pdf.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const VPCP = '000.00.00.G22';
const BKHDT = '000.00.00.G12';
const PIN = '135790';

async function ok(response, what) {
  assert.ok(response.ok(), `${what}: HTTP ${response.status()} ${await response.text()}`);
  return response.status() === 204 || response.status() === 201 ? null : response.json();
}

/** Opens the register row's file in the viewer and turns to its second page. */
async function readLetter(page) {
  await page.locator('[data-testid=entry-file][data-status=ready]').nth(1).waitFor();
  assert.equal(await page.locator('[data-testid=outgoing-row] [data-testid=entry-file], [data-testid=incoming-row] [data-testid=entry-file]').count() >= 2, true, 'both files');
  const file = page.locator('[data-testid=entry-file][data-status=ready]', { hasText: '1234-VPCP-KTTH.pdf' }).first();
  await hasText(file, '2 trang');
  await file.locator('[data-testid=entry-file-open]').tap();
  await page.locator('[data-testid=viewer] [data-testid=doc-title]', { hasText: '1234-VPCP-KTTH.pdf' }).waitFor();
  await hasText(page.locator('[data-testid=page-count]'), '/ 2');
  await page.locator('[data-testid=next-page]').tap();
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid=page][data-page="2"] [data-testid=page-image]');
    return img && img.complete && img.naturalWidth > 0;
  });
}

test('a clerk sends a document, the other agency registers and assigns it, the sender sees the statuses move', async () => {
  // The demo hosts both agencies (ecabinet demo seeds them with their staff and roles).
  const ids = {};
  for (const user of ['bt22', 'cvkhdt']) {
    const t = await tablet(browser);
    await ok(await t.page.request.post('/api/login', { data: { username: user, password: PASSWORD } }), `${user} login`);
    ids[user] = (await ok(await t.page.request.get('/api/me'), 'me')).id;
    await t.context.close();
  }

  // The minister's signing key, made on the tablet and approved by the office.
  const clerk = await login(browser, 'vanthu1', LARGE);
  const minister = await login(browser, 'bt22', TABLET);
  await minister.page.goto('/devices');
  await live(minister.page);
  await minister.page.fill('[data-testid=pin]', PIN);
  await minister.page.fill('[data-testid=pin-again]', PIN);
  const registered = minister.page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/devices'));
  await minister.page.locator('[data-testid=create-key]').tap();
  const device = await (await registered).json();
  await ok(await clerk.page.request.post(`/api/devices/${device.id}/approve`, { data: {} }), 'approve');

  // The draft, in the form.
  await clerk.page.goto('/exchange');
  await live(clerk.page);
  await clerk.page.locator('[data-testid=tab-outgoing]').tap();
  await clerk.page.locator('[data-testid=draft-form] summary').tap();
  await clerk.page.locator(`[data-testid=to][data-organ="${BKHDT}"]`).check();
  await clerk.page.fill('[data-testid=code-number]', '1234');
  await clerk.page.fill('[data-testid=code-notation]', 'VPCP-KTTH');
  await clerk.page.fill('[data-testid=subject]', 'V/v báo cáo giải ngân vốn đầu tư công');
  await clerk.page.locator('[data-testid=signer]').selectOption(String(ids.bt22));
  await clerk.page.fill('[data-testid=signer-position]', 'Bộ trưởng, Chủ nhiệm');
  // The letter and its appendix, picked together; one more could be added or removed.
  await clerk.page.setInputFiles('[data-testid=draft-file]', [
    { name: '1234-VPCP-KTTH.pdf', mimeType: 'application/pdf', buffer: pdf([['Cong van 1234/VPCP-KTTH'], ['De nghi Bo bao cao truoc ngay 15/12']]) },
    { name: 'phu-luc.pdf', mimeType: 'application/pdf', buffer: pdf([['Phu luc'], ['Bieu so lieu'], ['Ghi chu']]) },
  ]);
  await clerk.page.setInputFiles('[data-testid=draft-file]', { name: 'nham.pdf', mimeType: 'application/pdf', buffer: pdf([['Nham']]) });
  assert.equal(await clerk.page.locator('[data-testid=draft-file-row]').count(), 3);
  await clerk.page.locator('[data-testid=draft-file-row]', { hasText: 'nham.pdf' }).locator('[data-testid=draft-file-remove]').tap();
  assert.equal(await clerk.page.locator('[data-testid=draft-file-row]').count(), 2);
  await clerk.page.locator('[data-testid=file-draft]').tap();
  const row = clerk.page.locator('[data-testid=outgoing-row]').first();
  await row.locator('[data-testid=outgoing-status]').waitFor();
  assert.equal(await row.getAttribute('data-status'), 'draft');

  // The minister reads the letter page by page before sealing it (its file renders on
  // the server; the register hears when it is ready).
  await minister.page.goto('/exchange');
  await live(minister.page);
  await minister.page.locator('[data-testid=tab-outgoing]').tap();
  await readLetter(minister.page);
  await minister.page.goBack();
  await live(minister.page);
  await minister.page.locator('[data-testid=tab-outgoing]').tap();

  // The minister seals it on the tablet; a wrong PIN signs nothing.
  await minister.page.fill('[data-testid=seal-pin]', '000000');
  await minister.page.locator('[data-testid=seal]').tap();
  await minister.page.locator('[data-testid=exchange-error]').waitFor();
  await minister.page.fill('[data-testid=seal-pin]', PIN);
  await minister.page.locator('[data-testid=seal]').tap();
  await clerk.page.locator('[data-testid=outgoing-row][data-status=signed]').waitFor();
  await clerk.page.locator('[data-testid=outgoing-row][data-status=signed] [data-testid=send]').tap();
  const recipient = () => clerk.page.locator(`[data-testid=outgoing-row][data-status=sent] [data-testid=recipient][data-organ="${BKHDT}"]`);
  await recipient().and(clerk.page.locator('[data-status="01"]')).waitFor();

  // The Ministry: the clerk registers, the leader assigns, the handler finishes.
  const receiver = await login(browser, 'vtkhdt', TABLET);
  await receiver.page.goto('/exchange');
  await live(receiver.page);
  const arrived = receiver.page.locator('[data-testid=incoming-row][data-status="01"]');
  await hasText(arrived.locator('[data-testid=incoming-subject]'), 'giải ngân vốn đầu tư công');
  await readLetter(receiver.page);
  await receiver.page.goBack();
  await live(receiver.page);
  await arrived.locator('[data-testid=register]').tap();
  await receiver.page.locator('[data-testid=incoming-row][data-status="03"]').waitFor();
  await recipient().and(clerk.page.locator('[data-status="03"]')).waitFor();

  const leader = await login(browser, 'bt06', TABLET);
  await leader.page.goto('/exchange');
  await live(leader.page);
  const registeredRow = leader.page.locator('[data-testid=incoming-row][data-status="03"]');
  await registeredRow.locator('[data-testid=handler]').selectOption(String(ids.cvkhdt));
  await registeredRow.locator('[data-testid=assign]').tap();
  await recipient().and(clerk.page.locator('[data-status="04"]')).waitFor();
  await hasText(recipient(), 'Chuyên viên Bộ Kế hoạch và Đầu tư');

  const handler = await login(browser, 'cvkhdt', TABLET);
  await handler.page.goto('/exchange');
  await live(handler.page);
  await handler.page.locator('[data-testid=incoming-row][data-status="04"] [data-testid=processing]').tap();
  await handler.page.locator('[data-testid=incoming-row][data-status="05"] [data-testid=done]').tap();
  await recipient().and(clerk.page.locator('[data-status="06"]')).waitFor();
  await hasText(recipient(), 'Hoàn thành');

  // The office replaces it with a corrected letter: the form starts from the sent one
  // (recipients, type, subject), takes the new PDF and the reason; sealed and sent as
  // before, it reaches the Ministry marked as a replacement, and the first is marked.
  const firstId = await clerk.page.locator('[data-testid=outgoing-row][data-status=sent]').first().getAttribute('data-id');
  const first = clerk.page.locator(`[data-testid=outgoing-row][data-id="${firstId}"]`);
  await first.locator('[data-testid=start-replace]').tap();
  await hasText(clerk.page.locator('[data-testid=follow-of]'), 'Thay thế văn bản 1234/VPCP-KTTH');
  assert.ok(await clerk.page.locator(`[data-testid=to][data-organ="${BKHDT}"]`).isChecked(), 'same recipients');
  await clerk.page.fill('[data-testid=code-number]', '1240');
  await clerk.page.fill('[data-testid=code-notation]', 'VPCP-KTTH');
  await clerk.page.fill('[data-testid=follow-reason]', 'Sửa số liệu tại trang 2');
  await clerk.page.locator('[data-testid=signer]').selectOption(String(ids.bt22));
  await clerk.page.setInputFiles('[data-testid=draft-file]', { name: '1240-VPCP-KTTH.pdf', mimeType: 'application/pdf', buffer: pdf([['Cong van 1240/VPCP-KTTH'], ['So lieu da sua']]) });
  await clerk.page.locator('[data-testid=file-draft]').tap();
  await minister.page.locator('[data-testid=outgoing-row][data-status=draft] [data-testid=seal-pin]').fill(PIN);
  await minister.page.locator('[data-testid=outgoing-row][data-status=draft] [data-testid=seal]').tap();
  await clerk.page.locator('[data-testid=outgoing-row][data-status=signed] [data-testid=send]').tap();
  const replacement = receiver.page.locator('[data-testid=incoming-row][data-status="01"]');
  await hasText(replacement.locator('[data-testid=follow-up-note]'), 'Sửa số liệu tại trang 2');
  await hasText(receiver.page.locator('[data-testid=incoming-row][data-status="06"] [data-testid=superseded]'), 'Đã có văn bản thay thế');

  // And revokes the first outright: no file goes with a revocation.
  await first.locator('[data-testid=start-revoke]').tap();
  await hasText(clerk.page.locator('[data-testid=follow-of]'), 'Thu hồi văn bản 1234/VPCP-KTTH');
  assert.equal(await clerk.page.locator('[data-testid=draft-file]').count(), 0, 'no file to attach');
  await clerk.page.fill('[data-testid=code-number]', '1241');
  await clerk.page.fill('[data-testid=follow-reason]', 'Ban hành nhầm');
  await clerk.page.locator('[data-testid=signer]').selectOption(String(ids.bt22));
  await clerk.page.locator('[data-testid=file-draft]').tap();
  await minister.page.locator('[data-testid=outgoing-row][data-status=draft] [data-testid=seal-pin]').fill(PIN);
  await minister.page.locator('[data-testid=outgoing-row][data-status=draft] [data-testid=seal]').tap();
  await clerk.page.locator('[data-testid=outgoing-row][data-status=signed] [data-testid=send]').tap();
  await hasText(receiver.page.locator('[data-testid=incoming-row] [data-testid=follow-up-note]', { hasText: 'Thu hồi' }), 'Ban hành nhầm');
});
