// Meeting documents: the secretariat drops and uploads several PDFs (a bar for sending and
// one for rendering), members read them on tablets (swipe, keys, thumbnails, pinch, search),
// annotate privately (seen on the member's other tablet live, never on another member's),
// and a new version reaches open viewers with "changed since you read".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, login, live, hasText, LARGE, PORTRAIT, TABLET } from './support.mjs';
import { numbered } from './pdf.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function ok(response, what) {
  assert.ok(response.ok(), `${what}: HTTP ${response.status()} ${await response.text()}`);
  return response.status() === 204 ? null : response.json();
}

/** A published meeting with every member, via the API (the editor has its own test). */
async function publishedMeeting(clerk) {
  const users = await ok(await clerk.page.request.get('/api/users'), 'users');
  const participants = users.filter((u) => u.role === 'chair' || u.role === 'member').map((u) => ({ user_id: u.id }));
  const meeting = await ok(await clerk.page.request.post('/api/meetings', {
    data: { title: `Phiên họp tài liệu ${Date.now()}`, kind: 'regular', starts_at: Date.now() + 3600_000,
      place: 'Phòng họp B', participants },
  }), 'create meeting');
  await ok(await clerk.page.request.put(`/api/meetings/${meeting.id}/agenda`, {
    data: { items: [{ title: 'Dự án Luật Đất đai (sửa đổi)', presenter: 'Bộ trưởng', planned_minutes: 30 }] },
  }), 'agenda');
  await ok(await clerk.page.request.post(`/api/meetings/${meeting.id}/publish`, { data: {} }), 'publish');
  return meeting.id;
}

// Touch input goes through one CDP session per page, kept open: a session detached
// right after a touch sequence leaves Chromium waiting for it, and the next tap is lost.
const sessions = new WeakMap();
async function touch(page) {
  if (!sessions.has(page)) sessions.set(page, await page.context().newCDPSession(page));
  return sessions.get(page);
}

/** One finger (CDP touch events: Chromium turns them into touch pointer events). With
 * `hold`, the finger rests before lifting (as when drawing): no fling, whose end would
 * swallow the next tap. */
async function drag(page, from, to, { steps = 8, hold = false } = {}) {
  const cdp = await touch(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from.x, y: from.y, id: 1 }] });
  for (let i = 1; i <= steps; i++) {
    const x = from.x + ((to.x - from.x) * i) / steps;
    const y = from.y + ((to.y - from.y) * i) / steps;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y, id: 1 }] });
  }
  if (hold) await page.waitForTimeout(300);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

/** Two fingers moving apart around `c`, from `d0` to `d1` pixels. */
async function pinch(page, c, d0, d1, steps = 8) {
  const cdp = await touch(page);
  const points = (d) => [{ x: c.x - d / 2, y: c.y, id: 1 }, { x: c.x + d / 2, y: c.y, id: 2 }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(d0) });
  for (let i = 1; i <= steps; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(d0 + ((d1 - d0) * i) / steps) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
}

/** Where on screen a fraction of the page falls. */
async function onPage(page, fx, fy) {
  const box = await page.locator('[data-testid=page]').boundingBox();
  return { x: box.x + box.width * fx, y: box.y + box.height * fy };
}

async function pageIs(page, n) {
  await page.locator(`[data-testid=page][data-page="${n}"]`).waitFor();
  // The image itself arrived and decoded (not just the element).
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid=page-image]');
    return img && img.complete && img.naturalWidth > 0;
  });
}

async function openDocument(user, viewport, meeting, title, query = '') {
  const m = await login(browser, user, viewport);
  await m.page.goto(`/meetings/${meeting}`);
  await live(m.page);
  const link = m.page.locator('[data-testid=doc-link]', { hasText: title });
  await link.waitFor();
  if (query) {
    const href = await link.getAttribute('href');
    await m.page.goto(href + query);
  } else {
    await link.tap();
  }
  await m.page.locator('[data-testid=viewer] [data-testid=doc-title]', { hasText: title }).waitFor();
  return m;
}

test('upload with progress, read and annotate on tablets, private notes synced, new version live', async () => {
  const clerk = await login(browser, 'vanthu1', LARGE);
  const meeting = await publishedMeeting(clerk);
  await clerk.page.goto(`/meetings/${meeting}`);
  await live(clerk.page);
  await clerk.page.locator('[data-testid=no-documents]').waitFor();

  // Several files at once through the picker, one more dropped on the zone.
  const report = numbered(40, { 5: ['Bao cao tong ket thi hanh Luat Dat dai'] }, 3_000_000);
  const secret = numbered(2, { 1: ['Du thao Nghi quyet'] });
  await clerk.page.setInputFiles('[data-testid=file-input]', [
    { name: 'Bao_cao_tong_ket.pdf', mimeType: 'application/pdf', buffer: report },
    { name: 'du-thao-nghi-quyet.pdf', mimeType: 'application/pdf', buffer: secret },
  ]);
  const dropped = await clerk.page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['khong phai PDF'], 'ghi-chu.txt', { type: 'text/plain' }));
    return dt;
  });
  await clerk.page.dispatchEvent('[data-testid=dropzone]', 'drop', { dataTransfer: dropped });
  const queued = clerk.page.locator('[data-testid=queued]');
  await queued.nth(2).waitFor();
  assert.equal(await queued.count(), 3);
  // Titles come from the file names and can be edited; kind, level and item are chosen.
  assert.equal(await queued.nth(0).locator('[data-testid=queued-title]').inputValue(), 'Bao cao tong ket');
  await queued.nth(0).locator('[data-testid=queued-title]').fill('Báo cáo tổng kết thi hành Luật Đất đai');
  await queued.nth(0).locator('[data-testid=queued-kind]').selectOption('report');
  await queued.nth(0).locator('[data-testid=queued-item]').selectOption({ index: 1 });
  await queued.nth(1).locator('[data-testid=queued-title]').fill('Dự thảo Nghị quyết');
  await queued.nth(1).locator('[data-testid=queued-kind]').selectOption('draft_resolution');
  await queued.nth(1).locator('[data-testid=queued-level]').selectOption('confidential');

  // A slow uplink, so that the upload bar is seen moving.
  const cdp = await clerk.context.newCDPSession(clerk.page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 20, downloadThroughput: 10_000_000, uploadThroughput: 1_000_000,
  });
  // Record every value the bars take.
  await clerk.page.evaluate(() => {
    window.seen = { upload: [], render: [] };
    new MutationObserver(() => {
      for (const b of document.querySelectorAll('[data-testid=upload-progress]')) window.seen.upload.push(+b.dataset.percent);
      for (const b of document.querySelectorAll('[data-testid=queued-render-progress]')) window.seen.render.push(+b.dataset.percent);
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-percent'] });
  });
  await clerk.page.locator('[data-testid=upload-all]').tap();
  await queued.nth(0).locator('[data-testid=queued-ready]').waitFor({ timeout: 60000 });
  await queued.nth(1).locator('[data-testid=queued-ready]').waitFor();
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  // The not-a-PDF is refused with a reason and the others are not affected.
  await hasText(queued.nth(2).locator('[data-testid=queued-error]'), 'tệp PDF');
  const seen = await clerk.page.evaluate(() => window.seen);
  assert.ok(seen.upload.some((p) => p > 0 && p < 100), `upload bar moved: ${seen.upload}`);
  assert.ok(seen.render.some((p) => p < 100), `render bar shown: ${seen.render}`);
  await queued.nth(2).locator('[data-testid=queued-remove]').tap();
  await clerk.page.locator('[data-testid=doc-row][data-status=ready]').nth(1).waitFor();

  // A member opens the report on a landscape tablet.
  const title = 'Báo cáo tổng kết thi hành Luật Đất đai';
  const a = await openDocument('bt05', TABLET, meeting, title);
  await pageIs(a.page, 1);
  await hasText(a.page.locator('[data-testid=page-count]'), '/ 40');
  const centre = await onPage(a.page, 0.5, 0.3);
  await drag(a.page, { x: centre.x + 150, y: centre.y }, { x: centre.x - 150, y: centre.y });
  await pageIs(a.page, 2);
  await a.page.keyboard.press('ArrowRight');
  await pageIs(a.page, 3);
  await a.page.keyboard.press('ArrowLeft');
  await pageIs(a.page, 2);
  await a.page.locator('[data-testid=thumb][data-page="9"]').tap();
  await pageIs(a.page, 9);
  await a.page.fill('[data-testid=page-input]', '4');
  await a.page.press('[data-testid=page-input]', 'Enter');
  await pageIs(a.page, 4);
  // Pinch to zoom in, the button to fit again.
  await pinch(a.page, await onPage(a.page, 0.5, 0.2), 100, 260);
  const zoomed = Number(await a.page.locator('[data-testid=zoom]').getAttribute('data-zoom'));
  assert.ok(zoomed > 1.5, `zoom after pinch: ${zoomed}`);
  await a.page.locator('[data-testid=zoom-fit]').tap();
  await a.page.locator('[data-testid=zoom][data-zoom="1.00"]').waitFor();
  // Search, diacritics and case aside; the hit opens its page.
  await a.page.fill('[data-testid=viewer-search]', 'LUẬT ĐẤT ĐAI');
  await a.page.locator('[data-testid=viewer-search-go]').tap();
  await a.page.locator('[data-testid=hit][data-page="5"]').waitFor();
  assert.equal(await a.page.locator('[data-testid=hit]').count(), 1);
  await a.page.locator('[data-testid=thumb][data-page="5"] [data-testid=thumb-hits]').waitFor();
  await a.page.locator('[data-testid=hit][data-page="5"] a').tap();
  await pageIs(a.page, 5);

  // A highlight drawn with a finger, and a note pinned with a tap.
  await a.page.locator('[data-testid=tool-highlight]').tap();
  await a.page.locator('[data-testid=color-green]').tap();
  await drag(a.page, await onPage(a.page, 0.1, 0.08), await onPage(a.page, 0.7, 0.13), { hold: true });
  await a.page.locator('[data-testid=annotation][data-kind=highlight]').waitFor();
  await a.page.locator('[data-testid=tool-note]').tap();
  const at = await onPage(a.page, 0.8, 0.5);
  await a.page.touchscreen.tap(at.x, at.y);
  const item = a.page.locator('[data-testid=ann-item].selected');
  await item.waitFor();
  await item.locator('[data-testid=ann-note]').fill('Hỏi lại số liệu năm 2025');
  await item.locator('[data-testid=ann-save]').tap();
  await a.page.locator('[data-testid=tool-read]').tap();

  // The same member on a second tablet (portrait) sees both, on the same page.
  const a2 = await openDocument('bt05', PORTRAIT, meeting, title, '?page=5');
  await pageIs(a2.page, 5);
  await a2.page.locator('[data-testid=annotation][data-kind=highlight]').waitFor();
  await a2.page.locator('[data-testid=annotation][data-kind=note]').waitFor();
  assert.equal(await a2.page.locator('[data-testid=ann-note]').nth(1).inputValue(), 'Hỏi lại số liệu năm 2025');
  // Live both ways: a new highlight on the first appears on the second, a deletion on
  // the second disappears from the first.
  await a.page.locator('[data-testid=tool-highlight]').tap();
  await drag(a.page, await onPage(a.page, 0.1, 0.3), await onPage(a.page, 0.5, 0.36), { hold: true });
  await a.page.locator('[data-testid=tool-read]').tap();
  await a2.page.locator('[data-testid=annotation]').nth(2).waitFor();
  await a2.page.locator('[data-testid=ann-item]').nth(2).locator('[data-testid=ann-delete]').tap();
  await a.page.waitForFunction(() => document.querySelectorAll('[data-testid=annotation]').length === 2);

  // Another member sees none of it, and cannot fetch it.
  const b = await openDocument('bt06', TABLET, meeting, title, '?page=5');
  await pageIs(b.page, 5);
  await b.page.locator('[data-testid=no-notes]').waitFor();
  assert.equal(await b.page.locator('[data-testid=annotation]').count(), 0);
  const mine = await ok(await a.page.request.get(`/api/documents/${a.page.url().match(/documents\/(\d+)/)[1]}/annotations`), 'own');
  assert.equal(mine.length, 2);
  const refused = await b.page.request.put(`/api/annotations/${mine[0].id}`, { data: { note: 'x' } });
  assert.equal(refused.status(), 404);

  // The classified draft: watermark notice, no original.
  await b.page.goto(`/meetings/${meeting}`);
  await b.page.locator('[data-testid=doc-link]', { hasText: 'Dự thảo Nghị quyết' }).tap();
  await b.page.locator('[data-testid=watermark-note]').waitFor();
  await b.page.locator('[data-testid=doc-level]').waitFor();
  assert.equal(await b.page.locator('[data-testid=original]').count(), 0);
  await pageIs(b.page, 1);

  // A new version: page 3 changes. The open viewer is told at once.
  const row = clerk.page.locator('[data-testid=doc-row]', { hasText: title });
  await row.locator('[data-testid=new-version]').setInputFiles({
    name: 'Bao_cao_v2.pdf', mimeType: 'application/pdf',
    buffer: numbered(40, { 3: ['Bo sung so lieu quy IV'], 5: ['Bao cao tong ket thi hanh Luat Dat dai'] }),
  });
  await a.page.locator('[data-testid=new-version-banner]').waitFor({ timeout: 30000 });
  await a.page.locator('[data-testid=open-new-version]').tap();
  await hasText(a.page.locator('[data-testid=changed-since-read]'), '(v1)');
  const changed = await a.page.locator('[data-testid=changed-page]').allTextContents();
  assert.deepEqual(changed, ['Trang 3']);
  await a.page.locator('[data-testid=thumb][data-page="3"] [data-testid=thumb-changed]').waitFor();
  // Page 5's text did not change: the notes came along.
  await a.page.locator('[data-testid=annotation]').nth(1).waitFor();
  await a.page.locator('[data-testid=changed-page]').tap();
  await pageIs(a.page, 3);
  // The member's document list also says so.
  await a2.page.goto(`/meetings/${meeting}`);
  await a2.page.locator('[data-testid=doc-link]', { hasText: title }).waitFor();

  // Read receipts: who opened what.
  await row.locator('[data-testid=show-reads]').tap();
  await hasText(clerk.page.locator('[data-testid=read-row]'), 'v2');
  const readers = await clerk.page.locator('[data-testid=read-row]').allTextContents();
  assert.ok(readers.length >= 2, readers.join(' | '));

  // The paper not printed: pages of the current versions × their readers (everyone).
  const users = await ok(await clerk.page.request.get('/api/users'), 'users');
  const participants = users.filter((u) => u.role === 'chair' || u.role === 'member').length;
  await clerk.page.goto('/');
  const counter = clerk.page.locator('[data-testid=pages-distributed]');
  await counter.waitFor();
  assert.equal(Number(await counter.getAttribute('data-pages')), (40 + 2) * participants);
  await hasText(counter, 'thay cho bản in');

  for (const c of [clerk, a, a2, b]) await c.context.close();
});
