// Passkeys in a real browser: Chromium's virtual authenticator (DevTools
// protocol, WebAuthn domain) stands in for a platform authenticator. A new
// account signs in, enrolls TOTP, adds a passkey on /account through
// static/passkey.js, signs out, and signs in again with "Use a passkey".
// Started by tests/e2e/run.sh with BASE (http://localhost:PORT, the
// server's public_url), EMAIL and OTP set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { base32, totp, launchOptions } from './signin.mjs';

const { BASE, EMAIL, OTP } = process.env;

test('add a passkey on the account page and sign in with it', async () => {
  const browser = await chromium.launch(launchOptions());
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    // First sign-in: new password, TOTP enrollment.
    await page.goto(`${BASE}/login`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(OTP);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/account\/password$/);
    const password = 'another long passphrase for the passkey test';
    await page.getByLabel('Current password').fill(OTP);
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('Repeat new password').fill(password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(/\/account\/second-factor$/);
    const secret = base32(await page.locator('#totp-secret').innerText());
    await page.getByLabel('Code from the app').fill(totp(secret, Math.floor(Date.now() / 30000)));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#recovery-codes').waitFor();

    // Add a passkey.
    await page.goto(`${BASE}/account`);
    await page.getByLabel('Passkey name').fill('virtual key');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.locator('table.passkeys td', { hasText: 'virtual key' }).waitFor();

    // Sign out, sign in with the password and the passkey.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/login$/);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/login\/second-factor$/);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(`${BASE}/`);
    assert.match(await page.locator('header').innerText(), new RegExp(EMAIL.replace('.', '\\.')));

    // The account page shows the passkey as used.
    await page.goto(`${BASE}/account`);
    const row = await page.locator('table.passkeys tbody tr').first().innerText();
    assert.doesNotMatch(row, /never/, 'last use recorded');
    assert.deepEqual(violations, [], 'no CSP violations');
  } finally {
    await browser.close();
  }
});
