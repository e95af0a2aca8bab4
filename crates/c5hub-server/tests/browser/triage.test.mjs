// Browser tests of the analyst's incident pages (issue 16, lane ui):
// forms that recover in place, the dashboard's counts opening the list
// they counted, the list's date filter and first-page link, its sortable
// column headers, and the export buttons. run.sh sets up the hub and the environment; run it, not this
// file. It runs after ui.test.mjs on the same hub, so every value here is
// unique to the run and counts are read from the page, never assumed.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through run.sh`);
  return v;
}

const BASE = env('C5HUB_URL');
const ORG_A = env('C5HUB_ORG_A');
const USER_A = env('C5HUB_USER_A');
const USER_B = env('C5HUB_USER_B');
const PASSWORD = env('C5HUB_PASSWORD');
const ADMIN_TOKEN = env('C5HUB_ADMIN_TOKEN');
const ARTIFACTS = process.env.C5HUB_BROWSER_ARTIFACTS || 'target/browser-artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const TITLE = `Recovered phishing report ${RUN}`;
const DOMAIN = `pay-${RUN}.parcel-fee.test`;

let context;
let page;
let userDataDir;
let shotNo = 0;
const pageErrors = [];
const key = {};

async function shot(name) {
  shotNo += 1;
  await page.screenshot({ path: join(ARTIFACTS, `triage-${String(shotNo).padStart(2, '0')}-${name}.png`), fullPage: true });
}

// Each step runs only if every earlier one passed.
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

async function h1() {
  return (await page.locator('h1').innerText()).trim();
}

async function login(email) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in', exact: true }).click()]);
}

async function logout() {
  await Promise.all([page.waitForURL(`${BASE}/login`), page.getByRole('button', { name: 'Log out' }).click()]);
}

// Clicks a download link and returns the file's name and text.
async function download(link) {
  const [d] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const path = await d.path();
  return { name: d.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

function rowsOf(table) {
  return table.locator('tbody tr');
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'c5hub-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    viewport: { width: 1366, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

after(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

step('A logs in', async () => {
  await login(USER_A);
  assert.equal(await h1(), 'Dashboard');
});

step("the issue's bad submission comes back in place, with each message beside its field", async () => {
  await page.goto(`${BASE}/submit`);
  const form = page.locator('form[action="/submit/form"]');
  await form.getByLabel('Incident id').fill('INC-42');
  await form.getByLabel('Title').fill(TITLE);
  await form.getByLabel('RSIT class').fill('phishing');
  // AMBER, shared with nobody: only A reads it (and ui.test.mjs, on the
  // same hub, counts what B reads).
  await form.getByLabel('TLP').selectOption('TLP:AMBER');
  await form.getByLabel('Observables').fill(`${DOMAIN}\n999.1.1.1`);
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/submit/form')),
    form.getByRole('button', { name: 'Submit' }).click(),
  ]);
  assert.equal(resp.status(), 400);
  assert.equal(await h1(), 'Submit an incident', 'the form itself, not an error page');
  assert.equal(await page.getByRole('link', { name: 'Back to the dashboard' }).count(), 0);
  const again = page.locator('form[action="/submit/form"]');
  assert.match(await page.locator('#err-observables').innerText(), /^Observables, line 2: 999\.1\.1\.1 is not an IP address or domain/);
  assert.match(await page.locator('#err-id').innerText(), /^Incident id: /);
  assert.match(await page.locator('#err-classification').innerText(), /^RSIT class: phishing is not a class of the RSIT taxonomy/);
  // What was typed is kept.
  assert.equal(await again.getByLabel('Incident id').inputValue(), 'INC-42');
  assert.equal(await again.getByLabel('Title').inputValue(), TITLE);
  assert.equal(await again.getByLabel('RSIT class').inputValue(), 'phishing');
  assert.equal(await again.getByLabel('TLP').inputValue(), 'TLP:AMBER');
  assert.equal(await again.getByLabel('Observables').inputValue(), `${DOMAIN}\n999.1.1.1`);
  // The field names its message for assistive technology.
  assert.equal(await again.getByLabel('Observables').getAttribute('aria-describedby'), 'err-observables');
  await shot('submit-recovered');

  // Corrected in place: no id (the hub makes one), a class from the picker.
  assert.ok((await page.locator('#rsit-classes option[value="fraud/phishing"]').count()) === 1, 'the class picker holds the taxonomy');
  await again.getByLabel('Incident id').fill('');
  await again.getByLabel('RSIT class').fill('fraud/phishing');
  await again.getByLabel('Observables').fill(DOMAIN);
  await again.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/incidents\/\d+$/);
  key.fixed = Number(new URL(page.url()).pathname.split('/').pop());
  assert.equal(await h1(), `Incident ${key.fixed}: ${TITLE}`);
  assert.match(await page.locator('dl').innerText(), new RegExp(`${ORG_A}:INC-\\d{8}-\\d{6}-[0-9a-f]{4}`));
});

step('a mistyped class filter is said beside the filter, on the list', async () => {
  const resp = await page.goto(`${BASE}/incidents?classification=fraud`);
  assert.equal(resp.status(), 400);
  assert.equal(await h1(), 'Incidents');
  assert.match(await page.locator('#err-classification').innerText(), /^RSIT class: fraud is not a class/);
  assert.equal(await page.getByLabel('RSIT class').inputValue(), 'fraud');
  // Corrected in place.
  await page.getByLabel('RSIT class').fill('fraud/phishing');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/classification=fraud%2Fphishing/);
  assert.equal(await page.locator('#err-classification').count(), 0);
});

step("a refused assignment is said beside the assignee, with what was typed", async () => {
  await page.goto(`${BASE}/incidents/${key.fixed}`);
  const form = page.locator(`form[action="/incidents/${key.fixed}/assignee"]`);
  assert.ok((await page.locator(`#assignable option[value="${USER_A}"]`).count()) === 1, 'the picker offers who may take it');
  await form.getByLabel('Assignee').fill(`ghost-${RUN}@nowhere.test`);
  await form.getByRole('button', { name: 'Assign' }).click();
  await page.waitForSelector('#err-assignee');
  assert.match(await page.locator('#err-assignee').innerText(), /is not an active user/);
  assert.equal(await page.locator(`form[action="/incidents/${key.fixed}/assignee"]`).getByLabel('Assignee').inputValue(), `ghost-${RUN}@nowhere.test`);
  await shot('assign-recovered');
});

step("each count on the dashboard opens the list of exactly what it counted", async () => {
  await page.goto(`${BASE}/`);
  const row = page.locator('table.bars').filter({ hasText: 'By RSIT class' }).locator('tr').filter({ hasText: 'fraud/phishing' });
  const link = row.locator('td a');
  const counted = Number(await link.innerText());
  assert.ok(counted >= 1, `at least the incident of this run (${counted})`);
  await link.click();
  await page.waitForURL(/\/incidents\?classification=fraud%2Fphishing$/);
  assert.equal(await h1(), 'Incidents');
  // The page holds 50; the dashboard counted fewer on this test hub.
  assert.ok(counted <= 50, `the test counts on one page (${counted})`);
  assert.equal(await rowsOf(page.getByRole('table')).count(), counted, 'the list shows what the dashboard counted');
  // The status counts too.
  await page.goto(`${BASE}/`);
  const status = page.locator('table.bars').filter({ hasText: 'By status' }).locator('tr').filter({ hasText: /^new/ }).locator('td a');
  const newCount = Number(await status.innerText());
  await status.click();
  await page.waitForURL(/status=new$/);
  assert.equal(await rowsOf(page.getByRole('table')).count(), Math.min(newCount, 50));
});

step('the list filters by date range and links back to its first page', async () => {
  const today = new Date().toISOString().slice(0, 10);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await page.goto(`${BASE}/incidents`);
  await page.getByLabel('Value').fill(DOMAIN);
  await page.getByLabel('Received from').fill(today);
  await page.getByLabel('Received to').fill(today);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/from=/);
  assert.equal(await rowsOf(page.getByRole('table')).count(), 1, 'received today');
  await page.getByLabel('Received from').fill(tomorrow);
  await page.getByLabel('Received to').fill('');
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(new RegExp(`from=${tomorrow}`));
  assert.equal(await rowsOf(page.getByRole('table')).count(), 0, 'nothing received tomorrow');
  // Paging one at a time: the second page links to the first.
  await page.goto(`${BASE}/incidents?limit=1`);
  await page.getByRole('link', { name: 'Older incidents' }).click();
  await page.waitForURL(/cursor=/);
  await page.getByRole('link', { name: 'First page' }).click();
  await page.waitForURL((u) => !u.search.includes('cursor='));
});

step('a column header sorts the list, ascending first, and again descending', async () => {
  // Two more incidents holding this run's value, AMBER (only A reads them).
  for (const title of [`Sort-b ${RUN}`, `Sort-A ${RUN}`]) {
    await page.goto(`${BASE}/submit`);
    const form = page.locator('form[action="/submit/form"]');
    await form.getByLabel('Title').fill(title);
    await form.getByLabel('TLP').selectOption('TLP:AMBER');
    await form.getByLabel('Observables').fill(DOMAIN);
    await form.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(/\/incidents\/\d+$/);
  }
  await page.goto(`${BASE}/incidents?observable=${encodeURIComponent(DOMAIN)}`);
  const table = page.getByRole('table');
  const titles = () => rowsOf(table).locator('td:nth-child(3)').allInnerTexts();
  const byKey = table.getByRole('columnheader', { name: '#' });
  const byTitle = table.getByRole('columnheader', { name: 'Title' });
  assert.equal(await byKey.getAttribute('aria-sort'), 'descending', 'newest first by default');
  assert.equal(await byTitle.getAttribute('aria-sort'), null);
  await byTitle.getByRole('link').click();
  await page.waitForURL(/sort=title/);
  assert.ok(new URL(page.url()).searchParams.get('observable') === DOMAIN, 'the filter is kept');
  // By bytes: capitals before small letters.
  const up = [TITLE, `Sort-A ${RUN}`, `Sort-b ${RUN}`];
  assert.deepEqual(await titles(), up);
  assert.equal(await byTitle.getAttribute('aria-sort'), 'ascending');
  assert.equal(await byKey.getAttribute('aria-sort'), null, 'one column is marked');
  assert.match(await byTitle.innerText(), /▲/);
  await byTitle.getByRole('link').click();
  await page.waitForURL(/order=desc/);
  assert.deepEqual(await titles(), [...up].reverse());
  assert.equal(await byTitle.getAttribute('aria-sort'), 'descending');
  assert.match(await byTitle.innerText(), /▼/);
  await shot('sorted-by-title');
});

step('export buttons download each format, with the filters and TLP of the API', async () => {
  await page.goto(`${BASE}/incidents?observable=${encodeURIComponent(DOMAIN)}`);
  for (const [label, ext, probe] of [
    ['IODEF XML', 'xml', /<IODEF-Document/],
    ['IODEF JSON', 'json', /"IODEF-Document"|"Incident"/],
    ['CSV', 'csv', /,/],
  ]) {
    const got = await download(page.locator('p.exports').getByRole('link', { name: label, exact: true }));
    assert.equal(got.name, `c5hub-incidents.${ext}`);
    assert.ok(got.text.includes(DOMAIN), `${label} holds the filtered incident`);
    assert.match(got.text, probe, label);
  }
  // One incident, from its page.
  await page.goto(`${BASE}/incidents/${key.fixed}`);
  const one = await download(page.locator('p.exports').getByRole('link', { name: 'CSV', exact: true }));
  assert.equal(one.name, `c5hub-incident-${key.fixed}.csv`);
  assert.ok(one.text.includes(DOMAIN));
  assert.deepEqual(pageErrors, []);
});

step('bulk status on two incidents: one changed, one refused with why', async () => {
  // An incident A reads but may not change: the hub operator's, AMBER,
  // shared with A only (B, whose counts ui.test.mjs checks, never sees it).
  await logout();
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Token').fill(ADMIN_TOKEN);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in with token' }).click()]);
  await page.goto(`${BASE}/submit`);
  const form = page.locator('form[action="/submit/form"]');
  await form.getByLabel('Title').fill(`The hub's own ${RUN}`);
  await form.getByLabel('TLP').selectOption('TLP:AMBER');
  await form.getByLabel(/^Share AMBER with/).selectOption([ORG_A]);
  await form.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/incidents\/\d+$/);
  key.theirs = Number(new URL(page.url()).pathname.split('/').pop());
  await logout();
  await login(USER_A);
  await page.goto(`${BASE}/incidents`);
  await page.getByRole('checkbox', { name: `Select incident ${key.fixed}`, exact: true }).check();
  await page.getByRole('checkbox', { name: `Select incident ${key.theirs}`, exact: true }).check();
  await page.locator('#bulk').getByLabel('Set status').selectOption('in-progress');
  await page.locator('#bulk').getByRole('button', { name: 'Change selected' }).click();
  await page.waitForURL(`${BASE}/incidents/bulk`);
  assert.equal(await h1(), 'Bulk change');
  assert.match(await page.locator('#bulk-done').innerText(), new RegExp(`Incident ${key.fixed}\\b`));
  assert.match(await page.locator('#bulk-refused').innerText(), new RegExp(`Incident ${key.theirs}: only the reporting organisation`));
  await shot('bulk-result');
  await page.goto(`${BASE}/incidents/${key.fixed}`);
  assert.equal(await page.locator('#status').innerText(), 'in-progress');
  // The selected incidents export too.
  await page.goto(`${BASE}/incidents`);
  await page.getByRole('checkbox', { name: `Select incident ${key.fixed}`, exact: true }).check();
  const got = await download(page.locator('#bulk').getByRole('button', { name: 'Export selected (CSV)' }));
  assert.equal(got.name, 'c5hub-selected.csv');
  assert.ok(got.text.includes(DOMAIN));
});

step("B's export leaves out A's AMBER incident, as the API's does", async () => {
  await logout();
  await login(USER_B);
  await page.goto(`${BASE}/incidents?observable=${encodeURIComponent(DOMAIN)}`);
  const got = await download(page.locator('p.exports').getByRole('link', { name: 'CSV', exact: true }));
  assert.ok(!got.text.includes(DOMAIN), 'AMBER shared with nobody is not for B');
  const api = await page.request.get(`${BASE}/incidents/${key.fixed}/export?format=csv`);
  assert.equal(api.status(), 404, 'its own export is "not found" for B');
  await shot('export-b');
});
