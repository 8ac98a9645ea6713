// Every page fits a phone: at 390 and 1280 px wide nothing scrolls
// sideways, for an anonymous visitor, a member, a security officer and an
// administrator; and every page has no serious or critical accessibility
// violation under axe-core (WCAG 2.1 A and AA rules). axe is injected as a
// script, which the pages' strict CSP would refuse: the browser contexts
// bypass CSP for that alone (styles come from /static/app.css either way). A screenshot of each page at each width goes to $SHOTS
// (default: a temporary folder, printed) for people to look at.
// Started by tests/e2e/run.sh with BASE and the accounts' one-time
// passwords set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { firstSignIn, launchOptions } from './signin.mjs';

const { BASE, MEMBER_OTP, OFFICER_OTP, ADMIN_OTP } = process.env;
const shots = process.env.SHOTS || mkdtempSync(join(tmpdir(), 'rampart-shots-'));
mkdirSync(shots, { recursive: true });
const WIDTHS = [390, 1280];
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

// axe-core's serious and critical findings on the page, one line each.
async function accessibility(page) {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => (await window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  })).violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })));
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `axe ${v.id} (${v.impact}): ${v.nodes.join(', ')}`);
}

// How far the page reaches past the viewport, and what reaches furthest.
async function overflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const over = document.documentElement.scrollWidth - width;
    let widest = null;
    if (over > 0) {
      const clipped = (el) => {
        for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
          if (/(auto|scroll|hidden)/.test(getComputedStyle(a).overflowX)) return true;
        }
        return false;
      };
      for (const el of document.body.querySelectorAll('*')) {
        if (clipped(el)) continue;
        const r = el.getBoundingClientRect();
        if (r.right > width + 1 && (!widest || r.right > widest.right)) {
          widest = { right: Math.round(r.right), tag: el.tagName.toLowerCase(), cls: el.className, text: (el.innerText || '').slice(0, 40) };
        }
      }
    }
    return { over, widest };
  });
}

async function check(page, name, path, problems) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    // A file (the triage report) is opened as it is; pages come from BASE.
    const response = await page.goto(path.startsWith('file:') ? path : `${BASE}${path}`);
    if (!path.startsWith('file:')) assert.ok(response.status() < 500, `${path}: ${response.status()}`);
    const { over, widest } = await overflow(page);
    if (over > 0) problems.push(`${name} at ${width} px: ${over} px too wide (${JSON.stringify(widest)})`);
    for (const finding of await accessibility(page)) problems.push(`${name} at ${width} px: ${finding}`);
    await page.screenshot({ path: join(shots, `${name}-${width}.png`), fullPage: true });
  }
}

test('no page scrolls sideways at 390 or 1280 px', async () => {
  const browser = await chromium.launch(launchOptions());
  const problems = [];
  try {
    const anonymous = await (await browser.newContext({ bypassCSP: true })).newPage();
    await check(anonymous, 'login', '/login', problems);

    const member = await (await browser.newContext({ bypassCSP: true })).newPage();
    await firstSignIn(member, BASE, 'member@example.org', MEMBER_OTP);
    // A document with a long, unbroken name, as real file names are.
    await member.goto(`${BASE}/p/alpha/ops`);
    const dir = mkdtempSync(join(tmpdir(), 'rampart-layout-'));
    const file = join(dir, 'Lessons_learned_convoy_operations_winter_exercise_final_v3_reviewed.txt');
    writeFileSync(file, 'Lessons learned: convoy timing, fuel and spare parts.\n');
    await member.getByLabel('Files').setInputFiles(file);
    await member.getByLabel('Title', { exact: true }).fill('Lessons learned from the winter convoy exercise, final reviewed version');
    await member.getByRole('button', { name: 'Upload', exact: true }).click();
    await member.waitForURL(/\/d\/[0-9a-f]{32}\?uploaded=1$/);
    assert.match(await member.locator('.notice').innerText(), /Uploaded\. Every copy anyone downloads is marked/);
    const documentPath = new URL(member.url()).pathname;
    // Several files in one go: each a document titled by its name, and a
    // message listing them.
    await member.goto(`${BASE}/p/alpha/ops`);
    const more = ['Fuel_plan_annex.txt', 'Road_movement_table.txt'].map((name) => {
      const path = join(dir, name);
      writeFileSync(path, `${name}: fictional test content.\n`);
      return path;
    });
    await member.getByLabel('Files').setInputFiles(more);
    await member.getByRole('button', { name: 'Upload', exact: true }).click();
    await member.waitForURL(/\/p\/alpha\/ops\?uploaded=/);
    const notice = await member.locator('.notice').innerText();
    assert.match(notice, /2 documents uploaded/);
    assert.match(notice, /Fuel_plan_annex/);
    assert.match(notice, /Road_movement_table/);
    await member.goto(`${BASE}${documentPath}`);
    // The document page says where it is, what it is, who uploaded it, and
    // that the copy is marked and logged, beside a clear Download button.
    assert.match(await member.locator('.crumbs').innerText(), /Home \/ Alpha portal \/ Operations/);
    assert.equal(await member.locator('a.button', { hasText: 'Download' }).count(), 1);
    assert.match(await member.locator('.download').innerText(), /Plain text/);
    assert.match(await member.locator('.download').innerText(), /marked for you/);
    assert.match(await member.locator('table.versions').innerText(), /Maria Member-Example/);
    // The header's search box finds it by a word of its text, the hit
    // marked in the snippet.
    await member.getByRole('searchbox', { name: 'Search documents' }).fill('spare');
    await member.keyboard.press('Enter');
    await member.waitForURL(/\/search\?q=spare/);
    assert.match(await member.locator('ol.results').innerText(), /winter convoy exercise/);
    assert.equal(await member.locator('ol.results mark').first().innerText(), 'spare');
    for (const [name, path] of [
      ['home', '/'], ['community', '/p/alpha/ops'], ['document', documentPath],
      ['account', '/account'], ['confirm', '/account/confirm'], ['not-found', '/p/alpha/nothing'],
      ['search', '/search?q=convoy'], ['search-empty', '/search?q=nothing%20here'], ['directory', '/directory'],
    ]) {
      await check(member, name, path, problems);
    }

    const officer = await (await browser.newContext({ bypassCSP: true })).newPage();
    await firstSignIn(officer, BASE, 'officer@example.org', OFFICER_OTP);
    // An officer's home leads to the console, not to "ask an administrator".
    assert.equal(await officer.getByRole('link', { name: 'Security console' }).count(), 1);
    assert.doesNotMatch(await officer.locator('main').innerText(), /Ask an administrator/);
    await check(officer, 'home-officer', '/', problems);
    for (const [name, path] of [['security', '/security'], ['canaries', '/security/canaries']]) {
      await check(officer, name, path, problems);
    }

    // An alert to review: the officer plants a canary; the member opens it.
    await officer.goto(`${BASE}/security/canaries`);
    await officer.getByLabel('Community (portal/community)').fill('alpha/ops');
    const bait = join(dir, 'Winter_logistics_annex.txt');
    writeFileSync(bait, 'Winter logistics annex: fictional decoy.\n');
    await officer.getByLabel('File').setInputFiles(bait);
    await officer.getByLabel('Title', { exact: true }).fill('Winter logistics annex');
    await officer.getByRole('button', { name: 'Plant' }).click();
    await member.goto(`${BASE}/p/alpha/ops`);
    await member.getByRole('link', { name: 'Winter logistics annex' }).click();
    await check(officer, 'security-alert', '/security', problems);
    // Reviewing takes a note and a confirmation; the note is audited.
    const note = officer.getByLabel(/Why let member@example.org back in/);
    await note.fill('Confirmed with Maria by phone: she opened it by mistake.');
    await officer.getByLabel('I have reviewed the activity: unlock').check();
    await officer.getByRole('button', { name: 'Unlock' }).click();
    await officer.waitForURL(`${BASE}/security`);
    assert.match(await officer.locator('main').innerText(), /No open alerts/);
    await officer.goto(`${BASE}/security?kind=guard.unlock`);
    assert.match(await officer.locator('table.timeline').innerText(), /guard\.unlock/);

    const admin = await (await browser.newContext({ bypassCSP: true })).newPage();
    await firstSignIn(admin, BASE, 'admin@example.org', ADMIN_OTP);
    for (const [name, path] of [
      ['admin', '/admin'], ['admin-portals', '/admin/portals'], ['admin-memberships', '/admin/memberships'],
      ['admin-budgets', '/admin/budgets'], ['admin-tokens', '/admin/tokens'],
    ]) {
      await check(admin, name, path, problems);
    }
    // Managing an account: find it, open its page, act with a confirmation.
    await admin.goto(`${BASE}/admin`);
    await admin.getByLabel('Find accounts by email, name or nation').fill('maria');
    await admin.getByRole('button', { name: 'Find' }).click();
    await admin.getByRole('link', { name: 'member@example.org' }).click();
    await admin.waitForURL(/\/admin\/accounts\/\d+$/);
    const accountPath = new URL(admin.url()).pathname;
    await check(admin, 'admin-account', accountPath, problems);
    await admin.getByRole('button', { name: 'Force password change' }).click();
    assert.equal(new URL(admin.url()).pathname, accountPath, 'not without the confirmation');
    await admin.getByLabel('Require a new password').check();
    await admin.getByRole('button', { name: 'Force password change' }).click();
    await admin.waitForURL(/done=force_password_change/);
    assert.match(await admin.locator('.notice').innerText(), /must choose a new password/);
    assert.match(await admin.locator('dl.details').first().innerText(), /new password due/);
  } finally {
    await browser.close();
  }
  console.log(`screenshots in ${shots}`);
  assert.deepEqual(problems, [], problems.join('\n'));
});

// The report `rampart triage --html` writes (run.sh makes one with a
// rewritten file, an exact copy and a file of ours under a long name):
// an investigator opens it on a phone as often as at a desk.
test('the triage report fits a phone', async () => {
  const report = process.env.TRIAGE_REPORT;
  assert.ok(report, 'run.sh sets TRIAGE_REPORT');
  const browser = await chromium.launch(launchOptions());
  const problems = [];
  try {
    const page = await (await browser.newContext()).newPage();
    await check(page, 'triage-report', `file://${report}`, problems);
  } finally {
    await browser.close();
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});
