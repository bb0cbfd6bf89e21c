// Signed voting on tablets: three members create their signing keys under a PIN, the
// secretariat approves them live, the chair opens a vote, members sign with their PIN,
// everyone watches the count and the result, and the exported archive passes
// `ecabinet verify` while a copy with one flipped digit fails it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, login, live, hasText, LARGE, PORTRAIT, TABLET } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const PIN = { ptt2: '135790', bt03: '246802', bt04: '975310' };

async function ok(response, what) {
  assert.ok(response.ok(), `${what}: HTTP ${response.status()} ${await response.text()}`);
  return response.status() === 204 ? null : response.json();
}

/** A published, started meeting with every member and the chair, via the API. */
async function runningMeeting(clerk, chair) {
  const users = await ok(await clerk.page.request.get('/api/users'), 'users');
  const participants = users.filter((u) => u.role === 'chair' || u.role === 'member').map((u) => ({ user_id: u.id }));
  const meeting = await ok(await clerk.page.request.post('/api/meetings', {
    data: { title: `Phiên họp biểu quyết ${Date.now()}`, kind: 'regular', starts_at: Date.now() + 3600_000,
      place: 'Phòng họp A', participants },
  }), 'create meeting');
  await ok(await clerk.page.request.put(`/api/meetings/${meeting.id}/agenda`, {
    data: { items: [{ title: 'Dự thảo Nghị quyết phiên họp', presenter: 'Bộ trưởng', planned_minutes: 20 }] },
  }), 'agenda');
  await ok(await clerk.page.request.post(`/api/meetings/${meeting.id}/publish`, { data: {} }), 'publish');
  await ok(await chair.page.request.post(`/api/meetings/${meeting.id}/start`, { data: {} }), 'start');
  return meeting.id;
}

test('members sign ballots on their tablets and anyone can recount the archive', async () => {
  // Three members create their keys; the PIN never leaves the page, nor does the key.
  const members = [];
  for (const [user, viewport] of [['ptt2', TABLET], ['bt03', PORTRAIT], ['bt04', TABLET]]) {
    const m = { user, ...(await login(browser, user, viewport)) };
    const sent = [];
    m.page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/devices')) sent.push(r.postDataJSON()); });
    await m.page.locator('[data-testid=to-devices]').tap();
    await m.page.waitForURL(/\/devices$/);
    await m.page.locator('[data-testid=this-tablet][data-state=none]').waitFor();
    // A short PIN and a mismatch are refused before anything is generated.
    await m.page.fill('[data-testid=pin]', '1234');
    await m.page.fill('[data-testid=pin-again]', '1234');
    await m.page.locator('[data-testid=create-key]').tap();
    await hasText(m.page.locator('[data-testid=device-error]'), 'ít nhất 6 chữ số');
    await m.page.fill('[data-testid=pin]', PIN[user]);
    await m.page.fill('[data-testid=pin-again]', PIN[user]);
    await m.page.locator('[data-testid=create-key]').tap();
    await m.page.locator('[data-testid=this-tablet][data-state=pending]').waitFor();
    assert.equal(sent.length, 1);
    assert.deepEqual(Object.keys(sent[0]).sort(), ['label', 'public_key']);
    assert.match(sent[0].public_key, /^[0-9a-f]{64}$/);
    m.publicKey = sent[0].public_key;
    m.id = Number(await m.page.locator('[data-testid=device-row]').first().getAttribute('data-user'));
    members.push(m);
  }

  // The secretariat sees the three requests arrive and approves them; tablets see it live.
  const clerk = await login(browser, 'vanthu1', LARGE);
  await clerk.page.goto('/devices');
  await live(clerk.page);
  for (const m of members) {
    const row = clerk.page.locator(`[data-testid=device-row][data-user="${m.id}"][data-status=pending]`);
    await row.locator('[data-testid=approve-device]').tap();
    await clerk.page.locator(`[data-testid=device-row][data-user="${m.id}"][data-status=approved]`).waitFor();
  }
  for (const m of members) await m.page.locator('[data-testid=this-tablet][data-state=approved]').waitFor();

  // The chair prepares and opens a vote from the console.
  const chair = await login(browser, 'thutuong', LARGE);
  const meeting = await runningMeeting(clerk, chair);
  for (const m of [...members]) {
    await ok(await m.page.request.post(`/api/meetings/${meeting}/attendance`, { data: { status: 'present', mode: 'in_room' } }), 'check in');
  }
  await chair.page.goto(`/meetings/${meeting}/console`);
  await live(chair.page);
  await chair.page.fill('[data-testid=vote-question]', 'Thông qua dự thảo Nghị quyết phiên họp');
  await chair.page.locator('[data-testid=create-vote]').tap();
  const card = chair.page.locator('[data-testid=poll][data-status=draft]');
  await card.waitFor();
  const poll = await card.getAttribute('data-id');
  for (const m of members) {
    await m.page.goto(`/meetings/${meeting}`);
    await live(m.page);
  }
  await chair.page.locator('[data-testid=open-vote]').tap();
  await chair.page.locator('[data-testid=pending][data-count="27"]').waitFor();
  for (const m of members) {
    await m.page.locator(`[data-testid=poll][data-id="${poll}"][data-status=open]`).waitFor();
    await m.page.locator('[data-testid=poll-progress][data-voted="0"][data-eligible="27"]').waitFor();
  }

  // Each member taps a choice, confirms and signs with their PIN; a wrong PIN signs nothing.
  const choices = [0, 0, 1]; // Tán thành, Tán thành, Không tán thành
  for (const [i, m] of members.entries()) {
    await m.page.locator(`[data-testid=ballot-option][data-index="${choices[i]}"]`).tap();
    await m.page.locator('[data-testid=confirm-choice]:not([disabled])').tap();
    if (i === 0) {
      await m.page.fill('[data-testid=ballot-pin]', '000000');
      await m.page.locator('[data-testid=sign-ballot]').tap();
      await hasText(m.page.locator('[data-testid=ballot-error]'), 'Sai mã PIN');
    }
    await m.page.fill('[data-testid=ballot-pin]', PIN[m.user]);
    await m.page.locator('[data-testid=sign-ballot]').tap();
    await hasText(m.page.locator('[data-testid=ballot-recorded]'), 'biên nhận đã kiểm tra');
    // Everyone sees the count move; the chair sees one name fewer.
    for (const other of members) {
      await other.page.locator(`[data-testid=poll-progress][data-voted="${i + 1}"]`).waitFor();
    }
    await chair.page.locator(`[data-testid=pending][data-count="${26 - i}"]`).waitFor();
  }
  assert.equal(await chair.page.locator(`[data-testid=pending-member][data-user="${members[0].id}"]`).count(), 0);

  // A reloaded tablet still knows it voted (its receipt is kept on the device).
  await members[1].page.reload();
  await live(members[1].page);
  await members[1].page.locator('[data-testid=ballot-recorded]').waitFor();

  // The chair closes; every tablet shows the chart and checks its ballot was counted.
  await chair.page.locator('[data-testid=close-vote]').tap();
  for (const m of members) {
    const result = m.page.locator('[data-testid=poll-result]');
    await result.waitFor();
    assert.equal(await result.locator('[data-testid=result-row][data-index="0"]').getAttribute('data-count'), '2');
    assert.equal(await result.locator('[data-testid=result-row][data-index="1"]').getAttribute('data-count'), '1');
    assert.equal(await result.locator('[data-testid=result-row][data-index="2"]').getAttribute('data-count'), '0');
    // Government rule: two thirds of all 27 members must be present; three are.
    assert.equal(await result.getAttribute('data-outcome'), 'NoQuorum');
    await hasText(m.page.locator('[data-testid=poll-outcome]'), 'Không đủ số lượng');
    await m.page.locator('[data-testid=counted-check][data-ok=true][data-receipts="1"]').waitFor();
  }

  // The archive, as anyone downloads it, recounts offline; one flipped digit fails it.
  const href = await members[2].page.locator('[data-testid=download-archive]').getAttribute('href');
  const bundle = await ok(await members[2].page.request.get(href), 'archive');
  assert.equal(bundle.polls.length, 1);
  assert.equal(bundle.polls[0].ballots.length, 3);
  const keys = JSON.stringify(bundle);
  for (const m of members) assert.ok(keys.includes(m.publicKey), 'the bundle carries each device key');
  const dir = mkdtempSync(join(tmpdir(), 'ecabinet-vote-'));
  const file = join(dir, 'bundle.json');
  const verify = () => spawnSync(process.env.ECABINET_BIN, ['verify', file], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.ok(process.env.ECABINET_BIN, 'ECABINET_BIN names the ecabinet binary');
  writeFileSync(file, JSON.stringify(bundle));
  let run = verify();
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /verdict: VERIFIED/);
  const sig = bundle.polls[0].ballots[0].signature;
  bundle.polls[0].ballots[0].signature = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
  writeFileSync(file, JSON.stringify(bundle));
  run = verify();
  assert.equal(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /ballot 0: the member's signature does not verify/);

  // A custom vote: several options, a rule edited from a preset, ballots that may change.
  await chair.page.fill('[data-testid=vote-question]', 'Chọn phương án bố trí ngân sách');
  await chair.page.selectOption('[data-testid=vote-form]', { label: 'Chọn nhiều phương án' });
  await chair.page.fill('[data-testid=vote-options]', 'Phương án A\nPhương án B\nPhương án C');
  await chair.page.fill('[data-testid=vote-max]', '2');
  await chair.page.selectOption('[data-testid=vote-preset]', { label: 'Hội đồng quản trị' });
  await chair.page.selectOption('[data-testid=vote-threshold]', { label: 'ít nhất hai phần ba' });
  assert.equal(await chair.page.locator('[data-testid=vote-changes]').isChecked(), true, 'the preset allows changes');
  await chair.page.locator('[data-testid=create-vote]').tap();
  const second = chair.page.locator('[data-testid=poll][data-status=draft]');
  await second.waitFor();
  const poll2 = await second.getAttribute('data-id');
  await second.locator('[data-testid=open-vote]').tap();
  const voter = members[0].page.locator(`[data-testid=poll][data-id="${poll2}"][data-status=open]`);
  await voter.waitFor();
  await hasText(voter.locator('[data-testid=poll-rule]'), 'ít nhất hai phần ba số thành viên có mặt');
  // Two of three at most: a third tap does not select.
  for (const i of [0, 2, 1]) await voter.locator(`[data-testid=ballot-option][data-index="${i}"]`).tap();
  assert.equal(await voter.locator('[data-testid=ballot-option][aria-pressed=true]').count(), 2);
  await voter.locator('[data-testid=confirm-choice]').tap();
  await hasText(voter.locator('[data-testid=your-choice]'), 'Phương án A, Phương án C');
  await voter.locator('[data-testid=ballot-pin]').fill(PIN.ptt2);
  await voter.locator('[data-testid=sign-ballot]').tap();
  await voter.locator('[data-testid=ballot-recorded]').waitFor();
  // The member changes their mind: the later ballot counts.
  await voter.locator('[data-testid=vote-again]').tap();
  await voter.locator('[data-testid=ballot-option][data-index="1"]').tap();
  await voter.locator('[data-testid=confirm-choice]').tap();
  await voter.locator('[data-testid=ballot-pin]').fill(PIN.ptt2);
  await voter.locator('[data-testid=sign-ballot]').tap();
  await hasText(voter.locator('[data-testid=ballot-recorded]'), '#2');
  await chair.page.locator(`[data-testid=poll][data-id="${poll2}"] [data-testid=close-vote]`).tap();
  const counted = members[0].page.locator(`[data-testid=poll][data-id="${poll2}"] [data-testid=poll-result]`);
  await counted.waitFor();
  const counts = [];
  for (const i of [0, 1, 2]) counts.push(await counted.locator(`[data-testid=result-row][data-index="${i}"]`).getAttribute('data-count'));
  assert.deepEqual(counts, ['0', '1', '0']);
  await counted.locator('[data-testid=counted-check][data-ok=true][data-receipts="2"]').waitFor();

  for (const t of [...members, clerk, chair]) await t.context.close();
});
