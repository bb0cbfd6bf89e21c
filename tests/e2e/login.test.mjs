// Logging in and switching the language, as a member on a tablet.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, tablet, login, BASE, PASSWORD } from './support.mjs';

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

test('after five wrong passwords even the right one waits, and the page says why', async () => {
  // bt18 is in no other browser test: its limit is its own.
  const { context, page } = await tablet(browser);
  const attempt = async (password) => {
    await page.goto('/login');
    await page.fill('input[name=username]', 'bt18');
    await page.fill('input[name=password]', password);
    await page.locator('[data-testid=login-submit]').tap();
    await page.locator('[data-testid=login-error]').waitFor();
    return (await page.locator('[data-testid=login-error]').textContent()).trim();
  };
  for (let i = 0; i < 5; i++) assert.equal(await attempt('sai-mat-khau'), 'Sai tên đăng nhập hoặc mật khẩu.');
  assert.equal(await attempt(PASSWORD), 'Đã nhập sai quá nhiều lần. Hãy chờ một phút rồi thử lại.');
  assert.equal(page.url(), BASE + '/login?error=limited', 'not logged in');
  await context.close();
});

test('the app runs under a strict Content-Security-Policy that blocks injected scripts', async () => {
  const { context, page } = await tablet(browser);
  const res = await page.goto('/login');
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self' 'nonce-[0-9a-f]{32}' 'wasm-unsafe-eval'/);
  assert.match(csp, /object-src 'none'/);
  assert.equal(res.headers()['x-frame-options'], 'DENY');
  // The page hydrated under it (the language switch is the wasm's), and the session
  // with its WebSocket works after logging in through the form.
  await context.close();
  const t = await login(browser, 'bt05');
  await t.page.locator('[data-testid=lang-en]').tap();
  await t.page.locator('h1', { hasText: 'My meetings' }).waitFor();
  // A script injected into the page (as an XSS would) does not run, and is reported.
  t.page.cspProbe = true;
  const blocked = await t.page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
    const s = document.createElement('script');
    s.textContent = 'window.injected = true';
    document.head.append(s);
  }));
  assert.match(blocked, /^script-src/);
  assert.equal(await t.page.evaluate(() => window.injected), undefined);
  await t.page.locator('[data-testid=lang-vi]').tap();
  await t.context.close();
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
