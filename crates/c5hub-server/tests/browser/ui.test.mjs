// Browser tests of the c5hub web UI: playwright-core driving the system's
// Chromium (headless) against a running `c5hub serve`. run.sh sets up the
// hub and the environment below; run it, not this file.
//
// One scenario, in order, each step a test: an analyst of organisation A
// logs in through the form, submits incidents through both submission
// forms, finds one in the list, opens it, sees its correlation with an
// earlier incident of organisation B, triages and comments on it, and looks
// a value up; then a user of B logs in and must not see A's AMBER+STRICT
// incident anywhere. Last, the admin logs in with a token and makes and
// revokes an API token, and runs a national assessment edition from
// questionnaire to validated result. Every page visited is checked for the keyboard and
// labelling basics and for CSP violations. Screenshots go to
// C5HUB_BROWSER_ARTIFACTS.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
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
const ORG_B = env('C5HUB_ORG_B');
const USER_B = env('C5HUB_USER_B');
const TOKEN_B = env('C5HUB_TOKEN_B');
const PASSWORD = env('C5HUB_PASSWORD');
const ADMIN_TOKEN = env('C5HUB_ADMIN_TOKEN');
const SAMPLES = env('C5HUB_SAMPLES');
const ARTIFACTS = process.env.C5HUB_BROWSER_ARTIFACTS || 'target/browser-artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Values unique to this run, so nothing here can pass on leftovers.
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const SHARED_IP = '203.0.113.45'; // also in samples/inputs/bank-phishing.xml
const FORM_DOMAIN = `login-${RUN}.bank-verify.test`;
const FORM_TITLE = `Credential phishing kit ${RUN}`;
const SEED_GREEN_TITLE = `Smishing wave towards a fake bank login ${RUN}`;
const SEED_STRICT_TITLE = `Operator-internal smishing notes ${RUN}`;

let context;
let page;
let userDataDir;
let shotNo = 0;
const cspViolations = [];
const pageErrors = [];
const badAssets = [];
// Incident keys (the hub's numeric ids) as the steps learn them.
const key = {};

async function shot(name) {
  shotNo += 1;
  const file = join(ARTIFACTS, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
}

// A scenario: each step runs only if every earlier one passed, so one
// failure is reported once, with a screenshot of where it happened.
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

function keyOf(url) {
  const m = new URL(url).pathname.match(/^\/incidents\/(\d+)$/);
  assert.ok(m, `expected an incident page, got ${url}`);
  return Number(m[1]);
}

async function h1() {
  return (await page.locator('h1').innerText()).trim();
}

// The keyed links of a table or section, as numbers.
async function incidentKeysIn(locator) {
  const hrefs = await locator.locator('a[href^="/incidents/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  return [...new Set(hrefs.map((h) => Number(h.split('/').pop())))].sort((a, b) => a - b);
}

// What every page must have: a language, one main landmark, one h1, a
// title, a label for every form control, text on every button and link,
// unique ids, and nothing inline that the CSP would block.
async function checkPageBasics(where) {
  const problems = await page.evaluate(() => {
    const p = [];
    if (!document.documentElement.lang) p.push('<html> has no lang');
    if (!document.title.trim()) p.push('no <title>');
    if (document.querySelectorAll('main').length !== 1) p.push('not exactly one <main>');
    if (document.querySelectorAll('h1').length !== 1) p.push('not exactly one <h1>');
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      const labelled = [...el.labels].some((l) => l.textContent.trim()) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!labelled) p.push(`unlabelled <${el.tagName.toLowerCase()} name="${el.name}">`);
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
      if (!el.textContent.trim() && !el.getAttribute('aria-label')) p.push(`<${el.tagName.toLowerCase()}> without text`);
    }
    for (const nav of document.querySelectorAll('nav')) {
      if (!nav.getAttribute('aria-label') && !nav.getAttribute('aria-labelledby')) p.push('<nav> without a label');
    }
    // A box that scrolls on its own (a wide table) must take the focus,
    // so a keyboard can scroll it, and say what it holds.
    for (const el of document.querySelectorAll('body *')) {
      if (el.matches('input, select, textarea')) continue;
      const cs = getComputedStyle(el);
      if (![cs.overflowX, cs.overflowY].some((o) => o === 'auto' || o === 'scroll')) continue;
      const named = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (el.tabIndex < 0 || !named) p.push(`scrolling <${el.tagName.toLowerCase()} class="${el.className}"> not focusable or not named`);
    }
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) p.push(`duplicate id "${id}"`);
    if (document.querySelector('[style]')) p.push('inline style attribute');
    if (document.querySelector('style, script:not([src])')) p.push('inline <style> or <script>');
    for (const a of document.querySelectorAll('a[href^="#"]')) {
      const target = a.getAttribute('href').slice(1);
      if (target && !document.getElementById(target)) p.push(`link to missing #${target}`);
    }
    return p;
  });
  assert.deepEqual(problems, [], `${where}: accessibility basics`);
  assert.deepEqual(cspViolations, [], `${where}: CSP violations`);
  assert.deepEqual(pageErrors, [], `${where}: page errors`);
  assert.deepEqual(badAssets, [], `${where}: assets that failed to load`);
}

// Keyboard: from a fresh load, the first Tab reaches the visible skip link,
// Enter follows it, and the next Tab lands inside <main>.
async function checkKeyboard(where) {
  await page.goto(page.url().split('#')[0]);
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => {
    const a = document.activeElement;
    const r = a.getBoundingClientRect();
    return {
      tag: a.tagName.toLowerCase(),
      text: a.textContent.trim(),
      href: a.getAttribute('href'),
      onScreen: r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth,
      outline: getComputedStyle(a).outlineStyle,
    };
  });
  assert.deepEqual(
    { tag: first.tag, text: first.text, href: first.href },
    { tag: 'a', text: 'Skip to content', href: '#main' },
    `${where}: the first focusable element is the skip link`,
  );
  assert.ok(first.onScreen, `${where}: the focused skip link is visible`);
  assert.notEqual(first.outline, 'none', `${where}: the focused skip link has a focus outline`);
  // A fragment navigation reaches Playwright as an event after the key
  // press returns, so reading page.url() at once races it; wait for it.
  await page.keyboard.press('Enter');
  await page
    .waitForURL((u) => u.hash === '#main', { timeout: 5000 })
    .catch(() => assert.fail(`${where}: the skip link goes to #main (the URL stayed ${page.url()})`));
  await page.keyboard.press('Tab');
  const inMain = await page.evaluate(() => document.activeElement?.closest('main') !== null);
  assert.ok(inMain, `${where}: after the skip link, Tab moves into the main content`);
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

async function seed(incident) {
  const r = await fetch(`${BASE}/api/v1/incidents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN_B}`, 'content-type': 'application/json' },
    body: JSON.stringify(incident),
  });
  const body = await r.json();
  assert.equal(r.status, 201, `seeding ${incident.id}: ${JSON.stringify(body)}`);
  assert.equal(body.results[0].outcome, 'new');
  return body.results[0].id;
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'c5hub-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(10_000);
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('requestfailed', (r) => badAssets.push(`${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/assets/') && !r.ok()) badAssets.push(`${r.url()}: ${r.status()}`);
  });
});

after(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

step('seed: organisation B reports two incidents through the API', async () => {
  key.seedGreen = await seed({
    id: `telco.example:SMS-${RUN}`,
    tlp: 'TLP:GREEN',
    title: SEED_GREEN_TITLE,
    classification: 'fraud/phishing',
    observables: [SHARED_IP],
  });
  key.seedStrict = await seed({
    id: `telco.example:INTERNAL-${RUN}`,
    tlp: 'TLP:AMBER+STRICT',
    title: SEED_STRICT_TITLE,
    classification: 'fraud/phishing',
    observables: [SHARED_IP],
  });
});

step('the login page is usable by keyboard and refuses a wrong password', async () => {
  await page.goto(`${BASE}/incidents`);
  assert.equal(new URL(page.url()).pathname, '/login', 'an anonymous reader is sent to the login page');
  await checkPageBasics('login');
  await checkKeyboard('login');
  await page.getByLabel('Email').fill(USER_A);
  await page.getByLabel('Password').fill(`${PASSWORD}-wrong`);
  await page.getByRole('button', { name: 'Log in', exact: true }).click();
  await page.getByRole('alert').waitFor();
  assert.match(await page.getByRole('alert').innerText(), /Wrong email and password/);
  await shot('login-refused');
});

step('an analyst of A logs in through the login form', async () => {
  await login(USER_A);
  assert.equal(await h1(), 'Dashboard');
  assert.match(await page.locator('header .who').innerText(), new RegExp(`${USER_A}.*${ORG_A}.*analyst`));
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  await checkPageBasics('dashboard');
  await checkKeyboard('dashboard');
  await shot('dashboard-a');
});

step('A submits an AMBER+STRICT incident through the web form', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Submit' }).click();
  assert.equal(await h1(), 'Submit an incident');
  await checkPageBasics('submit');
  await checkKeyboard('submit');
  const form = page.locator('form[action="/submit/form"]');
  await form.getByLabel('Incident id').fill(`bank.example:WEB-${RUN}`);
  await form.getByLabel('Title').fill(FORM_TITLE);
  await form.getByLabel('RSIT class').fill('fraud/phishing');
  await form.getByLabel('TLP').selectOption('TLP:AMBER+STRICT');
  await form.getByLabel('Observables').fill(`${SHARED_IP}\n${FORM_DOMAIN}`);
  await form.getByLabel('Description').fill('Kit found on a compromised web host; credentials sent to the same address as the smishing wave.');
  await shot('submit-form-filled');
  await form.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/incidents\/\d+$/);
  key.form = keyOf(page.url());
  assert.equal(await h1(), `Incident ${key.form}: ${FORM_TITLE}`);
  assert.equal(await page.locator('dd .tlp').innerText(), 'TLP:AMBER+STRICT');
  await shot('submitted-form');
});

step('the submission form explains a mistake', async () => {
  await page.goto(`${BASE}/submit`);
  const form = page.locator('form[action="/submit/form"]');
  await form.getByLabel('Incident id').fill(`no-name-part-${RUN}`);
  await form.getByLabel('Title').fill(`Broken ${RUN}`);
  await form.getByLabel('Observables').fill('not a value at all');
  const [resp] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/submit/form')), form.getByRole('button', { name: 'Submit' }).click()]);
  assert.equal(resp.status(), 400);
  // The message is beside its field, in words (issue 16: forms that recover).
  const alert = await page.locator('#err-id').innerText();
  assert.match(alert, /Incident id: expected `name:id`/, alert);
  await checkPageBasics('submission error');
  await shot('submit-error');
});

step('A uploads an IODEF document through the upload form', async () => {
  await page.goto(`${BASE}/submit`);
  const form = page.locator('form[action="/submit"]');
  await form.getByLabel('Document').setInputFiles(join(SAMPLES, 'inputs', 'bank-phishing.xml'));
  await form.getByRole('button', { name: 'Upload' }).click();
  await page.waitForURL(/\/incidents\/\d+$/);
  key.upload = keyOf(page.url());
  assert.notEqual(key.upload, key.form);
  assert.match(await page.locator('dl').innerText(), /csirt\.bank\.example:BANK-2026-0311/);
  assert.equal(await page.locator('dd .tlp').innerText(), 'TLP:GREEN');
  const observables = page.locator('section[aria-labelledby="obs-h"]');
  assert.match(await observables.innerText(), /203\.0\.113\.45/);
  assert.match(await observables.innerText(), /secure-login\.bank-verify\.test/);
  await shot('submitted-iodef');
});

step('A finds the incident in the list, with and without a filter', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents' }).click();
  assert.equal(await h1(), 'Incidents');
  await checkPageBasics('incident list');
  await checkKeyboard('incident list');
  const table = page.getByRole('table');
  const keys = await incidentKeysIn(table);
  for (const k of [key.form, key.upload, key.seedGreen]) assert.ok(keys.includes(k), `incident ${k} is listed (${keys})`);
  assert.ok(!keys.includes(key.seedStrict), "B's AMBER+STRICT incident is not listed for A");
  await page.getByLabel('Value').fill(FORM_DOMAIN);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/observable=/);
  assert.deepEqual(await incidentKeysIn(page.getByRole('table')), [key.form], 'the value filter finds exactly the form incident');
  assert.equal(await page.getByLabel('Value').inputValue(), FORM_DOMAIN, 'the filter keeps its value');
  await shot('list-filtered');
  await page.getByRole('link', { name: FORM_TITLE }).click();
  await page.waitForURL(`${BASE}/incidents/${key.form}`);
});

step('A opens it and sees its correlation with the earlier incident of B', async () => {
  assert.equal(await h1(), `Incident ${key.form}: ${FORM_TITLE}`);
  await checkPageBasics('incident detail');
  await checkKeyboard('incident detail');
  const related = page.locator('section#related');
  const keys = await incidentKeysIn(related);
  assert.deepEqual(keys, [key.seedGreen, key.upload].sort((a, b) => a - b), "related: B's GREEN incident and A's upload, never B's AMBER+STRICT one");
  assert.match(await related.getByRole('heading').innerText(), /^Related incidents \(2\)$/);
  const row = related.getByRole('row').filter({ has: page.getByRole('link', { name: SEED_GREEN_TITLE }) });
  const cells = await row.getByRole('cell').allInnerTexts();
  assert.equal(cells[1], ORG_B, 'the related incident names its reporter');
  assert.equal(cells[2], 'TLP:GREEN');
  assert.match(cells[3], /203\.0\.113\.45/, 'the shared value is shown');
  await shot('detail-related');
  await related.getByRole('link', { name: SEED_GREEN_TITLE }).click();
  await page.waitForURL(`${BASE}/incidents/${key.seedGreen}`);
  assert.equal(await h1(), `Incident ${key.seedGreen}: ${SEED_GREEN_TITLE}`);
  assert.ok((await incidentKeysIn(page.locator('section#related'))).includes(key.form), 'the correlation shows from both sides');
  await page.goBack();
});

step('A changes its status', async () => {
  await page.goto(`${BASE}/incidents/${key.form}`);
  assert.equal(await page.locator('dd#status').innerText(), 'new');
  await page.getByLabel('New status').selectOption('triaged');
  await page.getByLabel('Note').fill('confirmed by the browser test');
  await page.getByRole('button', { name: 'Change status' }).click();
  await page.waitForURL(`${BASE}/incidents/${key.form}`);
  assert.equal(await page.locator('dd#status').innerText(), 'triaged');
  assert.equal(await page.getByLabel('New status').inputValue(), 'triaged', 'the form shows the current status');
  const history = await page.locator('section[aria-labelledby="hist-h"] li').allInnerTexts();
  assert.ok(
    history.some((h) => h.includes(USER_A) && h.includes('new → triaged') && h.includes('(confirmed by the browser test)')),
    `history records the change: ${JSON.stringify(history)}`,
  );
  await shot('status-changed');
});

step('A adds a comment', async () => {
  const text = `Takedown requested at the hosting provider (${RUN}).`;
  await page.getByRole('textbox', { name: 'Comment', exact: true }).fill(text);
  await page.getByRole('button', { name: 'Add comment' }).click();
  await page.waitForURL(`${BASE}/incidents/${key.form}`);
  const section = page.locator('section[aria-labelledby="com-h"]');
  assert.equal(await section.getByRole('heading').innerText(), 'Comments (1)');
  const comment = await section.locator('article').innerText();
  assert.ok(comment.includes(text), comment);
  assert.ok(comment.includes(`${USER_A} (${ORG_A})`), comment);
  await shot('commented');
});

step('A looks a value up', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lookup' }).click();
  assert.equal(await h1(), 'Look up a value');
  await checkPageBasics('lookup');
  await checkKeyboard('lookup');
  await page.getByLabel(/IP, prefix, domain/).fill(`  ${SHARED_IP} `);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.waitForURL(/\/lookup\?q=/);
  assert.match(await page.locator('main').innerText(), /Normalised: 203\.0\.113\.45 \(ipv4\)/);
  const table = page.getByRole('table').filter({ has: page.locator('caption', { hasText: 'matching incident' }) });
  const keys = await incidentKeysIn(table);
  assert.deepEqual(keys, [key.seedGreen, key.form, key.upload].sort((a, b) => a - b), "lookup: A's and B's GREEN incidents, not B's AMBER+STRICT one");
  assert.match(await table.locator('caption').innerText(), /^3 matching incidents$/);
  await checkPageBasics('lookup result');
  await shot('lookup');

  // A parent domain finds its sub-domains: each incident once, with every
  // value of it that matched.
  await page.getByLabel(/IP, prefix, domain/).fill('bank-verify.test');
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.waitForURL(/q=bank-verify\.test/);
  const parent = page.getByRole('table').filter({ has: page.locator('caption', { hasText: 'matching incident' }) });
  const parentKeys = await incidentKeysIn(parent);
  assert.ok(parentKeys.includes(key.form) && parentKeys.includes(key.upload), `bank-verify.test finds the form's ${FORM_DOMAIN} and the upload's secure-login.bank-verify.test (${parentKeys})`);
  assert.equal(await parent.locator('tbody > tr').count(), parentKeys.length, 'each incident is one row');
  assert.match(await parent.locator('caption').innerText(), new RegExp(`^${parentKeys.length} matching incidents$`));
  const uploadRow = await parent.locator('tbody > tr', { has: page.locator(`a[href="/incidents/${key.upload}"]`) }).innerText();
  assert.match(uploadRow, /secure-login\.bank-verify\.test sub-domain/, uploadRow);
  assert.match(uploadRow, /secure-login\.bank-verify\.test\/ebanking\/? sub-domain/, 'the URL on the sub-domain is listed in the same row');
  await checkPageBasics('lookup of a parent domain');
  await shot('lookup-parent-domain');
});

step('A logs out', async () => {
  await logout();
  await page.goto(`${BASE}/incidents/${key.form}`);
  assert.equal(new URL(page.url()).pathname, '/login', 'after logout the incident is out of reach');
});

step("a user of B cannot see A's AMBER+STRICT incident", async () => {
  await login(USER_B);
  assert.match(await page.locator('header .who').innerText(), new RegExp(`${USER_B}.*${ORG_B}`));
  const recent = await incidentKeysIn(page.locator('main'));
  assert.ok(!recent.includes(key.form), 'not on the dashboard');
  const total = page.getByRole('region', { name: 'Incidents you can read' }).locator('.figure');
  assert.equal(await total.innerText(), '3', "the dashboard counts B's two incidents and A's GREEN one, not A's AMBER+STRICT one");
  await shot('dashboard-b');

  await page.goto(`${BASE}/incidents`);
  const keys = await incidentKeysIn(page.getByRole('table'));
  assert.ok(keys.includes(key.seedGreen) && keys.includes(key.upload), `B sees its own and A's GREEN incidents (${keys})`);
  assert.ok(!keys.includes(key.form), 'not in the list');
  assert.ok(!(await page.locator('main').innerText()).includes(FORM_TITLE), 'its title appears nowhere in the list');
  await page.goto(`${BASE}/incidents?observable=${encodeURIComponent(FORM_DOMAIN)}`);
  assert.deepEqual(await incidentKeysIn(page.getByRole('table')), [], 'not found by its own value');
  await shot('list-b');

  const resp = await page.goto(`${BASE}/incidents/${key.form}`);
  assert.equal(resp.status(), 404, 'its detail URL answers 404');
  assert.equal(await h1(), 'Not found');
  assert.ok(!(await page.content()).includes(FORM_TITLE), 'the 404 page does not name it');
  assert.ok(await page.getByRole('navigation', { name: 'Main' }).isVisible(), 'the 404 page keeps the navigation');
  assert.match(await page.locator('header .who').innerText(), new RegExp(USER_B), 'the 404 page shows who is logged in');
  await checkPageBasics('not found');
  const hiddenPage = await page.locator('main').innerText();
  const missing = await page.goto(`${BASE}/incidents/99999999`);
  assert.equal(missing.status(), 404);
  assert.equal(await page.locator('main').innerText(), hiddenPage, 'an unreadable incident looks exactly like one that does not exist');
  await page.goto(`${BASE}/incidents/${key.form}`);
  await shot('detail-b-not-found');

  await page.goto(`${BASE}/incidents/${key.seedGreen}`);
  const related = await incidentKeysIn(page.locator('section#related'));
  assert.deepEqual(related, [key.seedStrict, key.upload].sort((a, b) => a - b), "B's related incidents hide A's AMBER+STRICT one");
  await shot('related-b');

  await page.goto(`${BASE}/lookup?q=${encodeURIComponent(SHARED_IP)}`);
  const found = await incidentKeysIn(page.getByRole('table').first());
  assert.deepEqual(found, [key.seedGreen, key.seedStrict, key.upload].sort((a, b) => a - b), 'lookup hides it too');
  const sightings = page.getByRole('table').filter({ has: page.locator('caption', { hasText: 'Sightings' }) });
  assert.equal(await sightings.getByRole('cell').nth(1).innerText(), '3', 'sightings count only what B may read');
  await page.goto(`${BASE}/lookup?q=${encodeURIComponent(FORM_DOMAIN)}`);
  assert.deepEqual(await incidentKeysIn(page.locator('main')), [], 'lookup of its own value finds nothing');
  assert.match(await page.locator('caption').first().innerText(), /^0 matching incidents$/);
  await shot('lookup-b');
});

step('the admin logs in with a token, makes an API token and revokes it', async () => {
  await logout();
  await page.getByLabel('Token').fill(ADMIN_TOKEN);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in with token' }).click()]);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
  assert.equal(await h1(), 'Administration');
  await checkPageBasics('admin');
  await checkKeyboard('admin');
  const form = page.locator('form[action="/admin/tokens"]');
  await form.getByLabel('Organisation').selectOption(ORG_B);
  await form.getByLabel('Role').selectOption('viewer');
  await form.getByLabel('Label').fill(`browser test ${RUN}`);
  await form.getByRole('button', { name: 'Make token' }).click();
  const secret = (await page.locator('#new-token').innerText()).trim();
  assert.match(secret, /^c5h_/);
  await checkPageBasics('admin, token made');
  await shot('admin-token');
  const api = () => fetch(`${BASE}/api/v1/incidents?limit=1`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal((await api()).status, 200, 'the new token works');
  const row = page.getByRole('row').filter({ hasText: `browser test ${RUN}` });
  const id = (await row.getByRole('cell').first().innerText()).trim();
  await row.getByRole('button', { name: `Revoke token ${id}` }).click();
  // Issue 16: a page asks first (no script needed); its button revokes.
  await page.waitForURL(/\/admin\/tokens\/\d+\/revoke$/);
  assert.equal(await h1(), `Revoke token ${id}?`);
  await page.getByRole('button', { name: `Revoke token ${id}` }).click();
  await page.waitForURL(`${BASE}/admin`);
  assert.equal(await page.getByRole('row').filter({ hasText: `browser test ${RUN}` }).getByRole('cell').last().innerText(), 'revoked');
  assert.equal((await api()).status, 401, 'a revoked token is refused');
  await shot('admin-revoked');
});

// The national assessment: the operator opens an edition and names A as
// the focal point of a country; A fills in the questionnaire, attaches a
// document and a link, and submits it; the admin validates it and the
// results show the country with a tier (not a rank) and the charts.
const EDITION_TITLE = `Readiness ${RUN}`;
const ISO3 = 'XAA';

step('the admin opens an assessment edition and names A for a country', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Assessment' }).click();
  assert.equal(await h1(), 'National assessment');
  await checkPageBasics('assessment editions');
  await checkKeyboard('assessment editions');
  const form = page.locator('form[action="/assess/editions"]');
  await form.getByLabel('Methodology').selectOption('cirt-readiness');
  await form.getByLabel('Year').fill('2025');
  await form.getByLabel('Title').fill(EDITION_TITLE);
  await Promise.all([page.waitForURL(/\/assess\/editions\/\d+$/), form.getByRole('button', { name: 'Open edition' }).click()]);
  key.edition = page.url();
  assert.equal(await h1(), `${EDITION_TITLE} (2025)`);
  const assign = page.locator('form[action$="/responses"]');
  await assign.getByLabel(/Country/).fill(ISO3.toLowerCase());
  await assign.getByLabel('Organisation').selectOption(ORG_A);
  await assign.getByRole('button', { name: 'Add country' }).click();
  await page.waitForURL(key.edition);
  const row = page.getByRole('row').filter({ hasText: ISO3 });
  assert.match(await row.innerText(), new RegExp(`${ISO3}\\s+${ORG_A}\\s+Draft`));
  key.response = new URL(await row.getByRole('link', { name: ISO3 }).getAttribute('href'), BASE).href;
  await checkPageBasics('assessment edition');
  await shot('assess-edition');
});

step('A fills in the questionnaire, attaches evidence and submits it', async () => {
  await logout();
  await login(USER_A);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Assessment' }).click();
  await page.getByRole('link', { name: EDITION_TITLE, exact: true }).click();
  await Promise.all([page.waitForURL(key.response), page.getByRole('link', { name: ISO3 }).click()]);
  assert.equal(await h1(), `${ISO3} · ${EDITION_TITLE}`);
  await checkPageBasics('questionnaire');
  await checkKeyboard('questionnaire');
  const questions = page.locator('fieldset.question');
  const n = await questions.count();
  assert.ok(n >= 20, `the questionnaire lists the methodology's questions (${n})`);
  for (let i = 0; i < n; i++) {
    const q = questions.nth(i);
    if ((await q.locator('input[type=radio]').count()) > 0) {
      await q.locator('input[type=radio]').first().check();
    } else if ((await q.locator('input[type=checkbox][name^="a:"]').count()) > 0) {
      for (const box of await q.locator('input[type=checkbox][name^="a:"]').all()) await box.check();
    } else {
      await q.getByLabel(/^Answer/).fill('100');
    }
  }
  const first = questions.first();
  const dir = mkdtempSync(join(tmpdir(), 'c5hub-evidence-'));
  const file = join(dir, 'decree.pdf');
  writeFileSync(file, `%PDF-1.4 decree ${RUN}`);
  await first.getByLabel(/Evidence document/).setInputFiles(file);
  await questions.nth(1).getByLabel('Evidence link').fill('https://gov.example/cirt-decree');
  await questions.nth(1).getByLabel('Note').fill(`Decree of ${RUN}`);
  await page.getByRole('button', { name: 'Save draft' }).click();
  // Issue 16: the page says "Saved." after a save.
  const at = (param) => (u) => u.pathname === new URL(key.response).pathname && u.searchParams.get(param) === '1';
  await page.waitForURL(at('saved'));
  assert.equal((await page.locator('#saved').innerText()).trim(), 'Saved.');
  rmSync(dir, { recursive: true, force: true });
  assert.match(await page.locator('main p').first().innerText(), new RegExp(`Draft · answered by ${ORG_A} · ${n} of ${n} questions answered`));
  const attached = page.locator('fieldset.question').first().getByRole('link', { name: 'decree.pdf' });
  assert.ok(await attached.isVisible(), 'the document is attached to its question');
  const doc = await page.request.get(new URL(await attached.getAttribute('href'), BASE).href);
  assert.equal(await doc.text(), `%PDF-1.4 decree ${RUN}`);
  assert.equal(await page.locator('fieldset.question').nth(1).getByLabel('Evidence link').inputValue(), 'https://gov.example/cirt-decree');
  await checkPageBasics('questionnaire saved');
  await shot('assess-questionnaire');
  // Issue 16: answers without evidence: submit asks first.
  await Promise.all([page.waitForURL(at('confirm')), page.getByRole('button', { name: 'Save and submit for validation' }).click()]);
  assert.match(await page.locator('#confirm-submit').innerText(), /Not submitted yet[\s\S]*no evidence/);
  await Promise.all([page.waitForURL(key.response), page.getByRole('button', { name: 'Submit anyway' }).click()]);
  assert.match(await page.locator('main').innerText(), /Submitted for validation/);
  assert.equal(await page.getByRole('button', { name: 'Save draft' }).count(), 0, 'a submitted response is read-only');
  await checkPageBasics('questionnaire submitted');
  await shot('assess-submitted');
});

step('the admin validates the response and sees the result with a tier', async () => {
  await logout();
  await page.getByLabel('Token').fill(ADMIN_TOKEN);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in with token' }).click()]);
  await page.goto(key.response);
  const decide = page.getByRole('region', { name: 'Validation' });
  await decide.getByRole('button', { name: 'Return to the country' }).click();
  assert.match(await page.getByRole('alert').innerText(), /Say why/, 'returning needs a reason');
  await page.getByRole('button', { name: 'Validate' }).click();
  await page.waitForURL(key.response);
  assert.match(await page.locator('main').innerText(), /Validated by admin@/);
  await checkPageBasics('response validated');
  await shot('assess-validated');
  await page.goto(key.edition);
  await page.getByRole('link', { name: 'See the results' }).click();
  assert.match(await h1(), new RegExp(`^Results: ${EDITION_TITLE}`));
  const table = page.getByRole('table').filter({ has: page.locator('caption', { hasText: 'Scores by country' }) });
  const row = table.getByRole('row').filter({ hasText: `(${ISO3})` });
  assert.match(await row.innerText(), /L5 Optimising/, 'full marks give the top maturity level');
  assert.equal(await table.getByRole('columnheader', { name: 'Rank' }).count(), 0, 'no ranks by default');
  assert.ok(await page.getByRole('img', { name: /by region/ }).isVisible(), 'the tiers-by-region chart is shown');
  assert.ok(await page.getByRole('heading', { name: 'Maturity level stability' }).isVisible());
  await checkPageBasics('results');
  await checkKeyboard('results');
  await shot('assess-results');
});

// Countering spam: B (an operator) reports a message on the spam page and
// confirms the verdict; more reports through the API make a campaign; the
// page shows the impact charts; A (a sector CIRT) sees campaigns but no
// operator's reports; the hub's admin sees every operator's reports with
// senders only as pseudonyms.
const SPAM_SENDER = '+61491570156';
const SPAM_TEXT = (n) => `WINNER!! You have been selected to receive a £${n}00 prize reward ${RUN}. To claim call 09098790461 now. Valid 12 hours only`;

async function loginToken(token) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Token').fill(token);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in with token' }).click()]);
}

step('B reports a spam message on the spam page and confirms the verdict', async () => {
  await logout();
  await login(USER_B);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Spam' }).click();
  assert.equal(await h1(), 'Countering spam');
  await checkPageBasics('spam page');
  await checkKeyboard('spam page');
  const form = page.locator('form[action="/spam/report"]');
  await form.getByLabel('Channel').selectOption('sms');
  await form.getByLabel(/^Sender/).fill(SPAM_SENDER);
  await form.getByLabel('Message', { exact: true }).fill(SPAM_TEXT(9));
  await Promise.all([page.waitForURL(/\/spam\/reports\/\d+$/), form.getByRole('button', { name: 'Report' }).click()]);
  key.spam = Number(new URL(page.url()).pathname.split('/').pop());
  assert.equal(await h1(), `Spam report ${key.spam}`);
  const facts = await page.locator('dl.facts').innerText();
  assert.match(facts, /Filter\s+spam/, 'the classifier calls it spam');
  assert.match(facts, /Decided by\s+model/);
  assert.match(facts, new RegExp(SPAM_SENDER.replace('+', '\\+')), 'the reporting operator sees its own sender');
  // The model's features are a collapsed detail beside the reasons in words.
  await page.locator('details > summary', { hasText: "The model's features" }).click();
  const reasons = page.getByRole('table').filter({ has: page.locator('caption', { hasText: 'Features of the classifier' }) });
  assert.ok((await reasons.getByRole('row').count()) >= 3, 'the features that weighed most are listed');
  await checkPageBasics('spam report');
  await shot('spam-report-b');
  await page.getByLabel('This message is').selectOption('spam');
  await Promise.all([page.waitForURL(`${BASE}/spam/reports/${key.spam}`), page.getByRole('button', { name: 'Confirm and teach the classifier' }).click()]);
  assert.match(await page.locator('dl.facts').innerText(), /Verdict\s+spam/);
});

step('the spam page shows the impact charts, the campaign and the latest reports', async () => {
  const r = await fetch(`${BASE}/api/v1/spam/reports`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN_B}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reports: [8, 7].map((n) => ({ text: SPAM_TEXT(n), sender: SPAM_SENDER, recipient: '+61491570159' })) }),
  });
  const body = await r.json();
  assert.equal(r.status, 201, JSON.stringify(body));
  assert.ok(body.results.every((x) => x.report.label === 'spam' && x.report.reasons.length > 0), JSON.stringify(body));
  await page.goto(`${BASE}/spam`);
  for (const name of [/Spam reports per operator/, /Share of reports confirmed as spam/, /largest campaigns/]) {
    assert.ok(await page.getByRole('img', { name }).isVisible(), `the chart ${name} is shown`);
  }
  const campaigns = page.getByRole('table').filter({ has: page.locator('caption', { hasText: 'Campaigns of confirmed spam' }) });
  const row = campaigns.getByRole('row').filter({ hasText: RUN });
  assert.equal(await row.getByRole('cell').first().innerText(), '3', 'the three near-duplicates are one campaign');
  const latest = page.getByRole('region', { name: `Latest reports of ${ORG_B}` });
  assert.ok((await latest.locator(`a[href="/spam/reports/${key.spam}"]`).count()) === 1, 'the report is among the latest');
  assert.ok(!(await page.content()).includes('+61491570159'), 'no recipient anywhere');
  await checkPageBasics('spam page with data');
  await shot('spam-page-b');
});

step('A, a sector CIRT, sees campaigns but no operator reports', async () => {
  await logout();
  await login(USER_A);
  await page.goto(`${BASE}/spam`);
  assert.equal(await h1(), 'Countering spam');
  assert.equal(await page.locator('form[action="/spam/report"]').count(), 0, 'only operators report');
  assert.equal(await page.getByRole('region', { name: /Latest reports/ }).count(), 0, 'no reports of any operator');
  assert.ok(await page.getByRole('table').filter({ hasText: RUN }).isVisible(), 'campaigns are shared with every member');
  assert.ok(!(await page.content()).includes(SPAM_SENDER), 'no sender number');
  const resp = await page.goto(`${BASE}/spam/reports/${key.spam}`);
  assert.equal(resp.status(), 403, "an operator's report is not for a sector CIRT");
  await checkPageBasics('spam report refused');
  await page.goto(`${BASE}/spam`);
  await shot('spam-page-a');
});

step("the hub's admin sees every operator's reports with senders as pseudonyms", async () => {
  await logout();
  await loginToken(ADMIN_TOKEN);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Spam' }).click();
  const latest = page.getByRole('region', { name: 'Latest reports of every operator' });
  assert.ok((await latest.locator(`a[href="/spam/reports/${key.spam}"]`).count()) === 1);
  assert.match(await latest.innerText(), /hmac-sha256:/, 'senders of other operators as pseudonyms');
  assert.ok(!(await page.content()).includes(SPAM_SENDER), 'never the number in clear');
  await checkPageBasics('spam page, hub');
  await shot('spam-page-hub');
});
