// Shared setup of the browser tests: Debian's Chromium through playwright-core (no browser
// download), tablet-sized touch contexts, and logging in through the real login form.
import { chromium } from 'playwright-core';

export const BASE = process.env.ECABINET_URL ?? 'http://127.0.0.1:3000';
export const PASSWORD = 'ecabinet-demo';
export const TABLET = { width: 1024, height: 768 };
export const PORTRAIT = { width: 768, height: 1024 };
export const LARGE = { width: 1366, height: 1024 };
export const PHONE = { width: 390, height: 844 };
const PATIENCE = 15000;

export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh context (own cookies) at a tablet size, with touch. */
export async function tablet(browser, viewport = TABLET) {
  const context = await browser.newContext({ viewport, hasTouch: true, baseURL: BASE, locale: 'vi-VN' });
  context.setDefaultTimeout(PATIENCE);
  // Chromium's own "Refused to ..." line is not always a console event: say it ourselves.
  await context.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
  }));
  const page = await context.newPage();
  page.on('pageerror', (e) => { throw new Error(`page error: ${e.message}`); });
  // Every page runs under the server's Content-Security-Policy: anything it blocks is a
  // failure of the test that caused it (unless the test provokes it on purpose).
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text()) && !page.cspProbe) {
      throw new Error(`CSP violation: ${m.text()}`);
    }
  });
  return { context, page };
}

/** Logs in through the form and waits until the live connection is in sync. */
export async function login(browser, username, viewport = TABLET) {
  const t = await tablet(browser, viewport);
  await t.page.goto('/login');
  await t.page.fill('input[name=username]', username);
  await t.page.fill('input[name=password]', PASSWORD);
  await t.page.locator('[data-testid=login-submit]').tap();
  await t.page.waitForURL(BASE + '/');
  await live(t.page);
  return t;
}

/** Waits until the connection indicator says live (or back in sync). */
export async function live(page) {
  await page.locator('[data-testid=conn][data-state=live], [data-testid=conn][data-state=resynced]').waitFor();
}

/** Waits until `locator`'s text contains `text`. */
export async function hasText(locator, text) {
  await locator.filter({ hasText: text }).first().waitFor();
}
