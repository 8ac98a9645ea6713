// What the browser tests share: TOTP codes computed here, and a person's
// first sign-in (one-time password, new password, second factor enrolled,
// recovery codes passed).
import { createHmac } from 'node:crypto';

// RFC 4648 base32 without padding, as the enrollment page shows the key.
export function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

// RFC 6238: HMAC-SHA-1 over the 30-second step, dynamic truncation, 6 digits.
export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[19] & 0x0f;
  const code = (mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, '0');
}

export const nowStep = () => Math.floor(Date.now() / 1000 / 30);

export function launchOptions() {
  return {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  };
}

// Signs `email` in for the first time on `page`; returns the new password,
// the TOTP secret and the step of the code used.
export async function firstSignIn(page, base, email, otp) {
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(otp);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/account\/password$/);
  const password = 'a long new passphrase for the e2e test';
  await page.getByLabel('Current password').fill(otp);
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('Repeat new password').fill(password);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.waitForURL(/\/account\/second-factor$/);
  const secret = base32(await page.locator('#totp-secret').innerText());
  const usedStep = nowStep();
  await page.getByLabel('Code from the app').fill(totp(secret, usedStep));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.locator('#recovery-codes').waitFor();
  await page.getByLabel('I have saved these codes somewhere safe').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  // The acknowledgement is a GET form with no field: "/?".
  await page.waitForURL((url) => url.pathname === '/' && url.origin === new URL(base).origin);
  return { password, secret, usedStep };
}
