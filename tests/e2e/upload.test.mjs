// A person's first session: sign in with the one-time password, change it,
// enroll the second factor (reading the key off the page and computing the
// TOTP code here), open a community, upload a document through the form,
// download it, sign out, and sign in again with password and code.
// Started by tests/e2e/run.sh with BASE, EMAIL and OTP set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base32, totp, nowStep, launchOptions } from './signin.mjs';

const { BASE, EMAIL, OTP } = process.env;

test('sign in, change the one-time password, enroll TOTP, upload, download, sign in again', async () => {
  const browser = await chromium.launch(launchOptions());
  try {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const violations = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });

    await page.goto(`${BASE}/`);
    assert.match(page.url(), /\/login$/, 'anonymous users land on the sign-in page');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(OTP);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/account\/password$/);

    const password = 'a long new passphrase for the e2e test';
    await page.getByLabel('Current password').fill(OTP);
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('Repeat new password').fill(password);
    await page.getByRole('button', { name: 'Change password' }).click();

    // Second factor: the QR code, the key and the link; then the recovery
    // codes, once.
    await page.waitForURL(/\/account\/second-factor$/);
    assert.equal(await page.locator('.qr svg').count(), 1, 'the QR code is inline SVG');
    assert.match(await page.locator('#totp-uri').innerText(), /^otpauth:\/\/totp\//);
    const secret = base32(await page.locator('#totp-secret').innerText());
    assert.equal(secret.length, 20);
    const usedStep = nowStep();
    await page.getByLabel('Code from the app').fill(totp(secret, usedStep));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.locator('#recovery-codes').waitFor();
    assert.equal(await page.locator('#recovery-codes li').count(), 10);
    // Continuing takes saying the codes were saved; they can be downloaded.
    const [codes] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download as a text file' }).click(),
    ]);
    const codesFile = join(mkdtempSync(join(tmpdir(), 'rampart-codes-')), 'codes.txt');
    await codes.saveAs(codesFile);
    const codesText = readFileSync(codesFile, 'utf8');
    for (const li of await page.locator('#recovery-codes li').allInnerTexts()) {
      assert.ok(codesText.includes(li.trim()), `the file holds ${li}`);
    }
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(page.url(), /\/account\/second-factor(\?|$)/, 'not before the codes are saved');
    await page.getByLabel('I have saved these codes somewhere safe').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.pathname === '/' && url.origin === new URL(BASE).origin);

    await page.getByRole('link', { name: /Operations/ }).first().click();
    await page.waitForURL(/\/p\/alpha\/ops/);

    const dir = mkdtempSync(join(tmpdir(), 'rampart-e2e-'));
    const source = join(dir, 'briefing.txt');
    const content = `Counter-drone briefing ${Date.now()}\nFICTIONAL TEST DOCUMENT\n`;
    writeFileSync(source, content);
    await page.getByLabel('Files').setInputFiles(source);
    await page.getByLabel('Title', { exact: true }).fill('E2E briefing');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.waitForURL(/\/d\/[0-9a-f]{32}\?uploaded=1$/);
    assert.match(await page.locator('.banner').first().innerText(), /NON-PUBLIC/);
    assert.match(await page.locator('h1').innerText(), /E2E briefing/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download' }).first().click(),
    ]);
    const saved = join(dir, 'downloaded.txt');
    await download.saveAs(saved);
    // The copy is watermarked for its recipient: the same words, with
    // invisible variants (no-break and four-per-em spaces, zero-width
    // characters, typographic punctuation) that name the account.
    const copy = readFileSync(saved, 'utf8');
    const unmarked = copy
      .replace(/[\u00a0\u2005]/g, ' ')
      .replace(/[\u2063\u200c]/g, '')
      .replace(/[\u2018\u2019]/g, "'")
      .replace(/[\u201c\u201d]/g, '"')
      .replace(/\u2026/g, '...');
    assert.equal(unmarked, content, 'the download has the uploaded words');
    assert.notEqual(copy, content, 'the download is marked');
    assert.deepEqual(violations, [], 'no CSP violations');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);

    // Signing in again takes the password and a code not used before.
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/login\/second-factor$/);
    const step = Math.max(nowStep() - 1, usedStep + 1);
    while (step > nowStep() + 1) await new Promise((r) => setTimeout(r, 1000));
    await page.getByLabel(/Code from your authenticator app/).fill(totp(secret, step));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${BASE}/`);
    assert.match(await page.locator('header').innerText(), new RegExp(EMAIL.replace('.', '\\.')));
    assert.deepEqual(violations, [], 'no CSP violations');
  } finally {
    await browser.close();
  }
});
