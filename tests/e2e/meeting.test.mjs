// The foundation scenario: the secretariat prepares and publishes a meeting; members on
// tablets see it live, check in; the chair runs it; a tablet that drops off the network
// catches up on return.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, login, live, hasText, LARGE, PORTRAIT, TABLET } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const quorum = (page) => page.locator('[data-testid=quorum]');
const current = (page) => page.locator('[data-testid=current-item]');

async function presentCount(page, n) {
  await page.locator(`[data-testid=quorum][data-present="${n}"]`).waitFor();
}

test('prepare, publish, attend and conduct a meeting live on every tablet', async () => {
  const title = `Phiên họp kiểm thử ${Date.now()}`;
  // Members are on their lists before the meeting exists: it must appear without reload.
  const members = [];
  for (const [user, viewport] of [['ptt1', TABLET], ['bt01', PORTRAIT], ['bt02', TABLET]]) {
    members.push({ user, ...(await login(browser, user, viewport)) });
  }

  // The secretariat prepares the meeting.
  const clerk = await login(browser, 'vanthu1', LARGE);
  await clerk.page.locator('[data-testid=new-meeting]').tap();
  await clerk.page.waitForURL(/\/meetings\/new$/);
  await clerk.page.locator('[data-testid=pick]').first().waitFor();
  await clerk.page.fill('[data-testid=meeting-title-input]', title);
  await clerk.page.fill('[data-testid=meeting-place]', 'Phòng họp A, Trụ sở Chính phủ');
  await clerk.page.locator('[data-testid=save-meeting]').tap();
  await clerk.page.waitForURL(/\/meetings\/\d+\/edit$/);
  const id = clerk.page.url().match(/meetings\/(\d+)\/edit/)[1];
  await clerk.page.locator('[data-testid=status]').waitFor();
  for (let i = 0; i < 3; i++) await clerk.page.locator('[data-testid=add-item]').tap();
  const titles = ['Nội dung 1: Tình hình kinh tế', 'Nội dung 2: Dự án Luật', 'Nội dung 3: Nghị quyết'];
  for (let i = 0; i < 3; i++) {
    await clerk.page.locator('[data-testid=item-title]').nth(i).fill(titles[i]);
  }
  await clerk.page.locator('[data-testid=save-agenda]').tap();
  await clerk.page.locator('[data-testid=editor-note]').waitFor();
  await clerk.page.locator('[data-testid=publish]:not([disabled])').tap();
  await hasText(clerk.page.locator('[data-testid=status]'), 'Đã gửi giấy mời');

  // Each member sees it appear in their list, live, and opens it.
  for (const m of members) {
    const row = m.page.locator(`[data-testid=meeting-row][data-id="${id}"]`);
    await hasText(row, title);
    await row.locator('a.meeting-link').tap();
    await m.page.waitForURL(new RegExp(`/meetings/${id}$`));
    await presentCount(m.page, 0);
    assert.match(await quorum(m.page).textContent(), /0\/27 — cần 18/);
  }

  // They check in; every tablet sees every check-in.
  await members[0].page.locator('[data-testid=check-in-room]').tap();
  await members[1].page.locator('[data-testid=check-in-remote]').tap();
  await members[2].page.locator('[data-testid=check-in-room]').tap();
  for (const m of members) {
    await presentCount(m.page, 3);
    const remote = m.page.locator('[data-testid=attendance-row][data-state=remote]');
    await hasText(remote, 'Bộ trưởng Bộ Quốc phòng');
  }

  // The chair opens the meeting and moves through the agenda.
  const chair = await login(browser, 'thutuong');
  await chair.page.goto(`/meetings/${id}/console`);
  await live(chair.page);
  await chair.page.locator('[data-testid=start-meeting]:not([disabled])').tap();
  for (const m of members) await hasText(current(m.page), titles[0]);
  await chair.page.locator('[data-testid=next-item]:not([disabled])').tap();
  for (const m of members) await hasText(current(m.page), titles[1]);

  // One tablet drops off the network while two things happen.
  const away = members[2];
  await away.context.setOffline(true);
  await away.page.locator('[data-testid=conn][data-state=offline]').waitFor();
  await chair.page.locator('[data-testid=next-item]:not([disabled])').tap();
  await members[0].page.locator('[data-testid=request-floor]:not([disabled])').tap();
  await hasText(current(members[0].page), titles[2]);
  await hasText(members[1].page.locator('[data-testid=waiting]'), 'Phó Thủ tướng 1');
  assert.match(await current(away.page).textContent(), /Nội dung 2/, 'nothing arrives while offline');

  // Back online: it reconnects, catches up, and says it is in sync again.
  await away.context.setOffline(false);
  await away.page.locator('[data-testid=conn][data-state=resynced]').waitFor();
  await hasText(current(away.page), titles[2]);
  await hasText(away.page.locator('[data-testid=waiting]'), 'Phó Thủ tướng 1');
  await presentCount(away.page, 3);

  // The chair gives the floor; everyone sees who speaks.
  await chair.page.locator('[data-testid=grant-next]:not([disabled])').tap();
  for (const m of members) await hasText(m.page.locator('[data-testid=speaking]'), 'Phó Thủ tướng 1');

  for (const t of [...members, clerk, chair]) await t.context.close();
});

test('a member cannot open the console controls of a meeting they do not chair', async () => {
  const { context, page } = await login(browser, 'bt10');
  await page.goto('/');
  // A published meeting (the demo's sample), so that "start" is open to whoever may conduct.
  const row = page.locator('[data-testid=meeting-row]', { has: page.locator('[data-testid=status]', { hasText: 'Đã gửi giấy mời' }) }).first();
  await row.waitFor();
  const id = await row.getAttribute('data-id');
  await page.goto(`/meetings/${id}`);
  await quorum(page).waitFor();
  assert.equal(await page.locator('[data-testid=to-console]').count(), 0, 'no console link for a member');
  await page.goto(`/meetings/${id}/console`);
  await page.locator('[data-testid=start-meeting]').waitFor();
  // The button exists on the page, but the server refuses the command.
  await page.locator('[data-testid=start-meeting]:not([disabled])').tap();
  await hasText(page.locator('[data-testid=action-error]'), 'không có quyền');
  await context.close();
});
