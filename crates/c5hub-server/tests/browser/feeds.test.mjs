// Browser test of the feeds page (/admin/feeds): playwright-core driving
// the system's Chromium (headless) against the `c5hub serve` run.sh
// starts.
//
// The hub's admin logs in with a token, reaches the page from the admin
// page's links, adds a TAXII feed whose polling interval is junk and is
// told beside the field with the rest kept (but the password), puts it
// right, sees the feed in the table (the remote is a closed port, so its
// state soon says the error), and removes it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through run.sh`);
  return v;
}

const BASE = env('C5HUB_URL');
const ADMIN_TOKEN = env('C5HUB_ADMIN_TOKEN');
const ORG_A = env('C5HUB_ORG_A');
const ARTIFACTS = process.env.C5HUB_BROWSER_ARTIFACTS || 'target/browser-artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

let context;
let page;
let userDataDir;
let shotNo = 0;
const pageErrors = [];

async function shot(name) {
  shotNo += 1;
  const file = join(ARTIFACTS, `feeds-${String(shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

let broken = null;
function step(name, fn) {
  test(name, async (t) => {
    if (broken) {
      t.skip(`skipped: "${broken}" failed`);
      return;
    }
    try {
      await fn();
    } catch (e) {
      broken = name;
      await shot(`FAILED-${name.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
      throw e;
    }
  });
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'c5hub-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

after(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

step('the admin logs in with a token', async () => {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Token').fill(ADMIN_TOKEN);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in with token' }).click()]);
});

const URL = `http://127.0.0.1:9/taxii2/${RUN}/`;

step('the admin page links to the feeds page', async () => {
  await page.goto(`${BASE}/admin`);
  await Promise.all([page.waitForURL(`${BASE}/admin/feeds`), page.getByRole('link', { name: 'Feeds', exact: true }).click()]);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Feeds');
});

step('a bad interval comes back beside its field, the rest kept but the password', async () => {
  let form = page.locator('form[action="/admin/feeds"]');
  await form.getByLabel('Kind').selectOption('taxii');
  await form.getByLabel(/^URL/).fill(URL);
  await form.getByLabel(/^Collection/).fill('all');
  await form.getByLabel(/^User/).fill('puller');
  await form.getByLabel('Password', { exact: true }).fill('feed-secret-browser');
  await form.getByLabel(/^Every/).fill('often');
  await form.getByLabel('Organisation').selectOption(ORG_A);
  await form.getByLabel(/^TLP/).selectOption('green');
  await Promise.all([
    page.waitForURL(`${BASE}/admin/feeds`),
    form.getByRole('button', { name: 'Add feed' }).click(),
  ]);
  form = page.locator('form[action="/admin/feeds"]');
  const every = form.getByLabel(/^Every/);
  assert.equal(await every.getAttribute('aria-describedby'), 'err-every');
  assert.equal(await every.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#err-every').innerText(), /^Every: "often" is not a duration/);
  assert.equal(await form.getByLabel(/^URL/).inputValue(), URL);
  assert.equal(await form.getByLabel(/^Collection/).inputValue(), 'all');
  assert.equal(await form.getByLabel(/^User/).inputValue(), 'puller');
  assert.equal(await form.getByLabel('Organisation').inputValue(), ORG_A);
  assert.equal(await form.getByLabel(/^TLP/).inputValue(), 'green');
  assert.equal(await form.getByLabel('Password', { exact: true }).inputValue(), '', 'a password is never sent back');
  assert.equal((await page.content()).includes('feed-secret-browser'), false);
  await shot('bad-interval');
  await every.fill('1h');
  await form.getByLabel('Password', { exact: true }).fill('feed-secret-browser');
  await Promise.all([
    page.waitForURL(`${BASE}/admin/feeds`),
    form.getByRole('button', { name: 'Add feed' }).click(),
  ]);
  const row = page.getByRole('row').filter({ hasText: URL });
  assert.equal(await row.count(), 1);
  assert.match(await row.innerText(), new RegExp(`taxii[\\s\\S]*all[\\s\\S]*${ORG_A}[\\s\\S]*TLP:GREEN[\\s\\S]*3600s`));
  assert.equal((await page.content()).includes('feed-secret-browser'), false);
});

step('the failed poll shows in the row, and the feed is removed', async () => {
  // The poller tries at once; port 9 refuses, so the row soon says so.
  const row = () => page.getByRole('row').filter({ hasText: URL });
  for (let i = 0; i < 40; i++) {
    await page.goto(`${BASE}/admin/feeds`);
    if (/in a row/.test(await row().innerText())) break;
    await page.waitForTimeout(250);
  }
  assert.match(await row().innerText(), /127\.0\.0\.1:9[\s\S]*\(1 in a row\)/);
  await shot('failed-poll');
  await Promise.all([
    page.waitForURL(`${BASE}/admin/feeds`),
    row().getByRole('button', { name: /^Remove feed/ }).click(),
  ]);
  assert.equal(await row().count(), 0);
  assert.deepEqual(pageErrors, []);
});
