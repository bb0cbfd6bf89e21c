// Meeting minutes on tablets: the secretariat drafts them from the meeting's record and
// edits them, the chair signs them with the PIN on the device, and everyone gets the
// signed PDF, whose SHA-256 the page states.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { launch, login, live, hasText, LARGE, TABLET } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function ok(response, what) {
  assert.ok(response.ok(), `${what}: HTTP ${response.status()} ${await response.text()}`);
  return response.status() === 204 ? null : response.json();
}

test('the secretariat drafts the minutes and the chair signs them on the tablet', async () => {
  const clerk = await login(browser, 'vanthu1', LARGE);
  const chair = await login(browser, 'thutuong', TABLET);
  // The chair's signing key, created in the page under a PIN and approved by the clerk.
  await chair.page.goto('/devices');
  await live(chair.page);
  await chair.page.fill('[data-testid=pin]', '808080');
  await chair.page.fill('[data-testid=pin-again]', '808080');
  const registered = chair.page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/devices'));
  await chair.page.locator('[data-testid=create-key]').tap();
  const device = await (await registered).json();
  await ok(await clerk.page.request.post(`/api/devices/${device.id}/approve`, { data: {} }), 'approve');
  await chair.page.locator('[data-testid=this-tablet][data-state=approved]').waitFor();

  const users = await ok(await clerk.page.request.get('/api/users'), 'users');
  const participants = users.filter((u) => u.role === 'chair' || u.role === 'member').map((u) => ({ user_id: u.id }));
  const meeting = await ok(await clerk.page.request.post('/api/meetings', {
    data: { title: `Phiên họp có biên bản ${Date.now()}`, kind: 'regular', starts_at: Date.now() + 3600_000, place: 'Phòng họp A', participants },
  }), 'meeting');
  await ok(await clerk.page.request.put(`/api/meetings/${meeting.id}/agenda`, {
    data: { items: [{ title: 'Dự thảo Luật Đất đai (sửa đổi)', presenter: 'Bộ trưởng Tài nguyên và Môi trường', planned_minutes: 30 }] },
  }), 'agenda');
  await ok(await clerk.page.request.post(`/api/meetings/${meeting.id}/publish`, { data: {} }), 'publish');
  await ok(await chair.page.request.post(`/api/meetings/${meeting.id}/start`, { data: {} }), 'start');

  // The clerk drafts the minutes from the record and adds the conclusion.
  await clerk.page.goto(`/meetings/${meeting.id}`);
  await live(clerk.page);
  await clerk.page.locator('[data-testid=generate-minutes]').tap();
  const box = clerk.page.locator('[data-testid=minutes-text]');
  await box.waitFor();
  await clerk.page.locator('[data-testid=minutes][data-status=draft]').waitFor();
  const drafted = await box.inputValue();
  assert.match(drafted, /BIÊN BẢN/);
  assert.match(drafted, /Dự thảo Luật Đất đai \(sửa đổi\)/);
  const final = drafted.replace('(Thư ký ghi kết luận của Chủ tọa.)', 'Chính phủ thống nhất trình Quốc hội dự án Luật.');
  await box.fill(final);
  await clerk.page.locator('[data-testid=save-minutes]').tap();

  // The chair sees the saved text live and signs it with the PIN.
  await chair.page.goto(`/meetings/${meeting.id}`);
  await live(chair.page);
  await hasText(chair.page.locator('[data-testid=minutes-body]'), 'trình Quốc hội dự án Luật');
  await chair.page.fill('[data-testid=minutes-pin]', '808080');
  await chair.page.locator('[data-testid=sign-minutes]').tap();
  await chair.page.locator('[data-testid=minutes][data-status=signed]').waitFor();
  await chair.page.locator('[data-testid=minutes-signature]').waitFor();
  // The clerk's page follows, and no longer offers editing.
  await clerk.page.locator('[data-testid=minutes][data-status=signed]').waitFor();
  assert.equal(await clerk.page.locator('[data-testid=minutes-text]').count(), 0);

  // The page states the SHA-256 of the text that was signed.
  const stated = (await chair.page.locator('[data-testid=minutes-hash]').textContent()).split(': ').pop().trim();
  assert.equal(stated, createHash('sha256').update(final.replace(/\r\n/g, '\n'), 'utf8').digest('hex'));
  const pdf = await chair.page.request.get(await chair.page.locator('[data-testid=minutes-pdf]').getAttribute('href'));
  assert.equal(pdf.status(), 200);
  assert.equal((await pdf.body()).subarray(0, 5).toString(), '%PDF-');
  const bundle = await ok(await chair.page.request.get(await chair.page.locator('[data-testid=minutes-archive]').getAttribute('href')), 'archive');
  assert.equal(bundle.pdf_sha256, createHash('sha256').update(await pdf.body()).digest('hex'));
  assert.equal(bundle.text, final.replace(/\r\n/g, '\n'));
});
