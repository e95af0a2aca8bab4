// Browser test of the peers page (/admin/peers): playwright-core driving
// the system's Chromium (headless) against the `c5hub serve` run.sh
// starts.
//
// The hub's admin logs in with a token, reaches the page from the admin
// page's links, adds a peer whose policy would let TLP:RED leave and is
// told beside the policy with the rest kept (but the token and key), puts
// it right, sees the peer in the table, pauses and resumes it, and
// removes it.

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
  const file = join(ARTIFACTS, `peers-${String(shotNo).padStart(2, '0')}-${name}.png`);
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

const NAME = `regional-${RUN}`;
const URL = `http://127.0.0.1:9/taxii2/${RUN}/`;

step('the admin page links to the peers page', async () => {
  await page.goto(`${BASE}/admin`);
  await Promise.all([page.waitForURL(`${BASE}/admin/peers`), page.getByRole('link', { name: 'Peers', exact: true }).click()]);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Peers');
});

step('a policy letting RED leave comes back beside it, the rest kept but the token and key', async () => {
  let form = page.locator('form[action="/admin/peers"]');
  await form.getByLabel(/^Name/).fill(NAME);
  await form.getByLabel(/^URL/).fill(URL);
  await form.getByLabel('Kind').selectOption('c5hub');
  await form.getByLabel(/^Token/).fill('peer-secret-browser');
  await form.getByLabel(/^Pseudonym key/).fill('00112233445566778899aabbccddeeff');
  await form.getByLabel(/^Organisation/).selectOption(ORG_A);
  await form.getByLabel(/^Policy/).fill('[out]\ntlp = ["green", "red"]\n');
  await Promise.all([
    page.waitForURL(`${BASE}/admin/peers`),
    form.getByRole('button', { name: 'Add peer' }).click(),
  ]);
  form = page.locator('form[action="/admin/peers"]');
  const policy = form.getByLabel(/^Policy/);
  assert.equal(await policy.getAttribute('aria-describedby'), 'err-policy');
  assert.equal(await policy.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#err-policy').innerText(), /^Policy: peer policy out\.tlp\[1\]: "red": TLP:AMBER\+STRICT and TLP:RED never leave/);
  assert.equal(await form.getByLabel(/^Name/).inputValue(), NAME);
  assert.equal(await form.getByLabel(/^URL/).inputValue(), URL);
  assert.equal(await form.getByLabel(/^Organisation/).inputValue(), ORG_A);
  assert.equal(await form.getByLabel(/^Token/).inputValue(), '', 'a token is never sent back');
  assert.equal(await form.getByLabel(/^Pseudonym key/).inputValue(), '', 'a key is never sent back');
  assert.equal((await page.content()).includes('peer-secret-browser'), false);
  await shot('leaky-policy');
  await policy.fill('[out]\ntlp = ["clear", "green"]\n');
  await form.getByLabel(/^Token/).fill('peer-secret-browser');
  await form.getByLabel(/^Pseudonym key/).fill('00112233445566778899aabbccddeeff');
  await Promise.all([
    page.waitForURL(`${BASE}/admin/peers`),
    form.getByRole('button', { name: 'Add peer' }).click(),
  ]);
  const row = page.getByRole('row').filter({ hasText: NAME });
  assert.equal(await row.count(), 1);
  assert.match(await row.innerText(), new RegExp(`c5hub[\\s\\S]*${ORG_A}[\\s\\S]*active`));
  assert.equal((await page.content()).includes('peer-secret-browser'), false);
});

step('the peer is paused, resumed and removed', async () => {
  const row = () => page.getByRole('row').filter({ hasText: NAME });
  await Promise.all([page.waitForURL(`${BASE}/admin/peers`), row().getByRole('button', { name: /^Pause peer/ }).click()]);
  assert.match(await row().innerText(), /paused/);
  await shot('paused');
  await Promise.all([page.waitForURL(`${BASE}/admin/peers`), row().getByRole('button', { name: /^Resume peer/ }).click()]);
  assert.match(await row().innerText(), /active/);
  await Promise.all([page.waitForURL(`${BASE}/admin/peers`), row().getByRole('button', { name: /^Remove peer/ }).click()]);
  assert.equal(await row().count(), 0);
  assert.deepEqual(pageErrors, []);
});
