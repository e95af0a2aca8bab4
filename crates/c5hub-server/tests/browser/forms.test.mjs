// Browser test of the administration forms that recover: playwright-core
// driving the system's Chromium (headless) against the `c5hub serve`
// run.sh starts.
//
// One scenario, in order: the hub's admin logs in with a token, adds a
// user whose address is taken and is told beside the e-mail field with
// the rest of the form kept, puts it right and the user is added; then an
// organisation whose name is taken, told beside the name.

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
const USER_A = env('C5HUB_USER_A');
const PASSWORD = env('C5HUB_PASSWORD');
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
  const file = join(ARTIFACTS, `forms-${String(shotNo).padStart(2, '0')}-${name}.png`);
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

step('a taken address comes back beside the e-mail field, the rest kept, and is added once fixed', async () => {
  await page.goto(`${BASE}/admin`);
  let form = page.locator('form[action="/admin/users"]');
  await form.getByLabel('Email').fill(USER_A);
  await form.getByLabel('Organisation').selectOption(ORG_A);
  await form.getByLabel('Role').selectOption('viewer');
  await form.getByLabel(/^Password/).fill(PASSWORD);
  await Promise.all([
    page.waitForURL(`${BASE}/admin/users`),
    form.getByRole('button', { name: 'Add user' }).click(),
  ]);
  form = page.locator('form[action="/admin/users"]');
  const email = form.getByLabel('Email');
  assert.equal(await email.getAttribute('aria-describedby'), 'err-email');
  assert.match(await page.locator('#err-email').innerText(), new RegExp(`^Email: ${USER_A.replace(/\./g, '\\.')} is taken`));
  assert.equal(await email.inputValue(), USER_A, 'the address typed is kept');
  assert.equal(await form.getByLabel('Organisation').inputValue(), ORG_A);
  assert.equal(await form.getByLabel('Role').inputValue(), 'viewer');
  assert.equal(await form.getByLabel(/^Password/).inputValue(), '', 'a password is never sent back');
  assert.equal(await page.getByRole('alert').first().isVisible(), true);
  await shot('taken-address');
  const fresh = `viewer-${RUN}@bank.example`;
  await email.fill(fresh);
  await form.getByLabel(/^Password/).fill(PASSWORD);
  await Promise.all([
    page.waitForURL(`${BASE}/admin`),
    form.getByRole('button', { name: 'Add user' }).click(),
  ]);
  assert.equal(await page.getByRole('cell', { name: fresh, exact: true }).count(), 1);
});

step('a taken organisation name comes back beside the name', async () => {
  const form = page.locator('form[action="/admin/orgs"]');
  await form.getByLabel('Name').fill(ORG_A);
  await form.getByLabel('Type').selectOption('regulator');
  await Promise.all([
    page.waitForURL(`${BASE}/admin/orgs`),
    form.getByRole('button', { name: 'Add organisation' }).click(),
  ]);
  const again = page.locator('form[action="/admin/orgs"]');
  assert.equal(await again.getByLabel('Name').getAttribute('aria-describedby'), 'err-name');
  assert.match(await page.locator('#err-name').innerText(), /is taken: there is already an organisation of that name/);
  assert.equal(await again.getByLabel('Type').inputValue(), 'regulator');
  assert.deepEqual(pageErrors, []);
});
