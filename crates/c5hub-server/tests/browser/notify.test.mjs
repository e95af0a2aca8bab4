// Browser test of notifications: a user of organisation A chooses what
// they are told of, organisation B shares an AMBER incident with A (and
// keeps an AMBER+STRICT one to itself); A sees the unread count in the
// header, the shared incident (and not the strict one) on the "for you"
// page, and marks it read. run.sh sets up the hub; run it, not this file.
//
// A and B are two organisations of this run only, made through the API
// by the hub's admin, so nothing here changes what the other files'
// users see (their dashboards count what they may read).

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
const PASSWORD = env('C5HUB_PASSWORD');
const ADMIN_TOKEN = env('C5HUB_ADMIN_TOKEN');
const ARTIFACTS = process.env.C5HUB_BROWSER_ARTIFACTS || 'target/browser-artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const ORG_A = `notify-a-${RUN}`;
const ORG_B = `notify-b-${RUN}`;
const USER_A = `analyst@${ORG_A}.example`;
let TOKEN_B;
const SHARED_TITLE = `Shared smishing wave ${RUN}`;
const STRICT_TITLE = `Strictly internal notes ${RUN}`;

let context;
let page;
let userDataDir;
let shotNo = 0;

async function shot(name) {
  shotNo += 1;
  const file = join(ARTIFACTS, `notify-${String(shotNo).padStart(2, '0')}-${name}.png`);
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

async function asAdmin(path, body) {
  const r = await fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await r.json();
  assert.equal(r.status, 201, `${path}: ${JSON.stringify(answer)}`);
  return answer;
}

async function seed(incident) {
  const r = await fetch(`${BASE}/api/v1/incidents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN_B}`, 'content-type': 'application/json' },
    body: JSON.stringify(incident),
  });
  const body = await r.json();
  assert.equal(r.status, 201, `seeding ${incident.id}: ${JSON.stringify(body)}`);
  return body.results[0].id;
}

const unreadBadge = () => page.locator('header.site #unread-count');

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
});

after(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

step('the admin adds organisations A and B, a user of A and a token of B', async () => {
  await asAdmin('/api/v1/orgs', { name: ORG_A, type: 'sector-cirt' });
  await asAdmin('/api/v1/orgs', { name: ORG_B, type: 'sector-cirt' });
  await asAdmin('/api/v1/users', { email: USER_A, org: ORG_A, role: 'analyst', password: PASSWORD });
  TOKEN_B = (await asAdmin('/api/v1/tokens', { org: ORG_B, role: 'reporter', label: 'notify test' })).token;
});

step('A logs in and starts with nothing unread', async () => {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Email').fill(USER_A);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in', exact: true }).click()]);
  await page.getByRole('link', { name: /For you/ }).click();
  await page.waitForURL(`${BASE}/for-you`);
  const all = page.getByRole('button', { name: 'Mark all read' });
  if (await all.count()) {
    await Promise.all([page.waitForURL(`${BASE}/for-you`), all.click()]);
  }
  assert.equal(await unreadBadge().count(), 0, 'no unread count once all are read');
});

step('A chooses: shared incidents in the app and by e-mail', async () => {
  await page.getByRole('link', { name: 'Choose what you are told of' }).click();
  await page.waitForURL(`${BASE}/for-you/preferences`);
  const inApp = page.getByLabel('An incident is shared with my organisation: in the app');
  const email = page.getByLabel('An incident is shared with my organisation: by e-mail');
  await inApp.check();
  await email.check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  assert.ok(await page.getByLabel('An incident is shared with my organisation: by e-mail').isChecked());
  await shot('preferences');
});

step('B shares an AMBER incident with A and keeps an AMBER+STRICT one', async () => {
  await seed({ id: `${ORG_B}.example:STRICT-${RUN}`, tlp: 'TLP:AMBER+STRICT', title: STRICT_TITLE, observables: ['198.51.100.77'] });
  await seed({ id: `${ORG_B}.example:SHARED-${RUN}`, tlp: 'TLP:AMBER', title: SHARED_TITLE, shared_with: [ORG_A], observables: ['198.51.100.77'] });
});

step('A sees the unread count in the header and the item on "for you"', async () => {
  // The notifier follows the change feed in the background.
  const deadline = Date.now() + 20_000;
  for (;;) {
    await page.goto(`${BASE}/`);
    if (await unreadBadge().count()) break;
    assert.ok(Date.now() < deadline, 'the unread count appears within 20 s');
    await page.waitForTimeout(500);
  }
  assert.equal((await unreadBadge().textContent()).trim(), '1');
  await page.getByRole('link', { name: /For you/ }).click();
  await page.waitForURL(`${BASE}/for-you`);
  const row = page.locator('tr.unread', { hasText: SHARED_TITLE });
  await row.waitFor();
  assert.equal(await page.getByText(STRICT_TITLE).count(), 0, 'nothing of the strict incident');
  await shot('for-you');
  await Promise.all([page.waitForURL(`${BASE}/for-you`), row.getByRole('button', { name: /Mark read/ }).click()]);
  assert.equal(await page.locator('tr.unread', { hasText: SHARED_TITLE }).count(), 0);
  assert.equal(await unreadBadge().count(), 0, 'no unread count after marking it read');
  await page.getByRole('link', { name: SHARED_TITLE, exact: false }).first().click();
  await page.getByRole('heading', { level: 1 }).filter({ hasText: SHARED_TITLE }).waitFor();
});
