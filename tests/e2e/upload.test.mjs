// A person's first session: sign in with the one-time password, change it,
// open a community, upload a document through the form, download it.
// Started by tests/e2e/run.sh with BASE, EMAIL and OTP set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { BASE, EMAIL, OTP } = process.env;

test('sign in, change the one-time password, upload and download', async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
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
    await page.waitForURL(`${BASE}/`);

    await page.getByRole('link', { name: /Operations/ }).first().click();
    await page.waitForURL(/\/p\/alpha\/ops/);

    const dir = mkdtempSync(join(tmpdir(), 'rampart-e2e-'));
    const source = join(dir, 'briefing.txt');
    const content = `Counter-drone briefing ${Date.now()}\nFICTIONAL TEST DOCUMENT\n`;
    writeFileSync(source, content);
    await page.getByLabel('File').setInputFiles(source);
    await page.getByLabel('Title').fill('E2E briefing');
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.waitForURL(/\/d\/[0-9a-f]{32}$/);
    assert.match(await page.locator('.banner').first().innerText(), /NON-PUBLIC/);
    assert.match(await page.locator('h1').innerText(), /E2E briefing/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download' }).first().click(),
    ]);
    const saved = join(dir, 'downloaded.txt');
    await download.saveAs(saved);
    assert.equal(readFileSync(saved, 'utf8'), content, 'the download is byte-exact');
    assert.deepEqual(violations, [], 'no CSP violations');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
  } finally {
    await browser.close();
  }
});
