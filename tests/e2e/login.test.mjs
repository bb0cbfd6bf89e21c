// Logging in and switching the language, as a member on a tablet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, tablet, login, BASE } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a wrong password is refused with a message in Vietnamese', async () => {
  const { context, page } = await tablet(browser);
  await page.goto('/');
  assert.equal(page.url(), BASE + '/login', 'pages need a session');
  await page.fill('input[name=username]', 'ptt1');
  await page.fill('input[name=password]', 'wrong');
  await page.locator('[data-testid=login-submit]').tap();
  const error = page.locator('[data-testid=login-error]');
  await error.waitFor();
  assert.equal((await error.textContent()).trim(), 'Sai tên đăng nhập hoặc mật khẩu.');
  await context.close();
});

test('the language switch changes the interface live and is remembered', async () => {
  const { context, page } = await login(browser, 'bt05');
  const h1 = page.locator('h1');
  assert.equal((await h1.textContent()).trim(), 'Phiên họp của tôi');
  await page.locator('[data-testid=lang-en]').tap();
  await page.locator('h1', { hasText: 'My meetings' }).waitFor();
  assert.equal((await page.locator('[data-testid=logout]').textContent()).trim(), 'Log out');
  await page.reload();
  await page.locator('h1', { hasText: 'My meetings' }).waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'the server renders the chosen language');
  await page.locator('[data-testid=lang-vi]').tap();
  await page.locator('h1', { hasText: 'Phiên họp của tôi' }).waitFor();
  // Logging out ends the session.
  await page.locator('[data-testid=logout]').tap();
  await page.waitForURL(BASE + '/login');
  await page.goto('/');
  assert.equal(page.url(), BASE + '/login');
  await context.close();
});
