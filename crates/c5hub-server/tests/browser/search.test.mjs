// Browser test of the search box in the header: a user of organisation A
// types a word of an incident's title (shared with A by organisation B)
// and gets a results list holding it, and not B's incident kept from A;
// a word nobody wrote says nothing was found; an IP address lands on the
// lookup page. run.sh sets up the hub; run it, not this file.
//
// A and B are two organisations of this run only, made through the API
// by the hub's admin, and both incidents are AMBER, so nothing here
// changes what the other files' users see.

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
const ORG_A = `search-a-${RUN}`;
const ORG_B = `search-b-${RUN}`;
const USER_A = `analyst@${ORG_A}.example`;
let TOKEN_B;
// A word no other scenario writes, so the results are this file's only.
const WORD = `quokka${RUN}`;
const SHARED_TITLE = `Credential harvesting ${WORD} wave`;
const HIDDEN_TITLE = `Internal ${WORD} notes`;

let context;
let page;
let userDataDir;
let shotNo = 0;

async function shot(name) {
  shotNo += 1;
  const file = join(ARTIFACTS, `search-${String(shotNo).padStart(2, '0')}-${name}.png`);
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

const searchBox = () => page.locator('header.site form.search').getByRole('searchbox', { name: 'Search incidents, or look up an address or domain' });

async function searchFor(text) {
  await searchBox().fill(text);
  await Promise.all([page.waitForURL(/\/(search|lookup)\?/), searchBox().press('Enter')]);
}

step('the admin adds organisations A and B, a user of A and a token of B', async () => {
  await asAdmin('/api/v1/orgs', { name: ORG_A, type: 'sector-cirt' });
  await asAdmin('/api/v1/orgs', { name: ORG_B, type: 'sector-cirt' });
  await asAdmin('/api/v1/users', { email: USER_A, org: ORG_A, role: 'analyst', password: PASSWORD });
  TOKEN_B = (await asAdmin('/api/v1/tokens', { org: ORG_B, role: 'reporter', label: 'search test' })).token;
});

step('B shares an AMBER incident with A and keeps another to itself', async () => {
  await seed({ id: `${ORG_B}.example:SHARED-${RUN}`, tlp: 'TLP:AMBER', title: SHARED_TITLE, classification: 'fraud/phishing', shared_with: [ORG_A] });
  await seed({ id: `${ORG_B}.example:HIDDEN-${RUN}`, tlp: 'TLP:AMBER', title: HIDDEN_TITLE });
});

step('A logs in and finds the shared incident from the header box', async () => {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Email').fill(USER_A);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in', exact: true }).click()]);
  await page.getByRole('search').first().waitFor();
  await searchFor(WORD.toUpperCase());
  assert.ok(page.url().startsWith(`${BASE}/search?`), page.url());
  await page.getByRole('status').filter({ hasText: '1 incident found' }).waitFor();
  const results = page.locator('main table');
  await results.getByRole('link', { name: SHARED_TITLE }).waitFor();
  assert.equal(await page.getByText(HIDDEN_TITLE).count(), 0, "B's own AMBER incident is not listed");
  await shot('results');
  await results.getByRole('link', { name: SHARED_TITLE }).click();
  await page.getByRole('heading', { level: 1 }).filter({ hasText: SHARED_TITLE }).waitFor();
});

step('a word nobody wrote finds nothing, and says so', async () => {
  await searchFor(`nothing${RUN} here`);
  await page.getByText('Nothing found').waitFor();
  await shot('nothing');
});

step('an IP address lands on the lookup page', async () => {
  await searchFor('198.51.100.23');
  assert.equal(page.url(), `${BASE}/lookup?q=198.51.100.23`);
  await page.getByRole('heading', { level: 1, name: 'Look up a value' }).waitFor();
  await page.getByText('Normalised:').waitFor();
  await shot('lookup');
});
