// Browser test of the web UI on a phone and in dark mode: every page, as
// an analyst and as the hub's admin (and the login page), at 390 x 844 and
// 1366 x 900, in the light and the dark colour scheme, must not scroll
// sideways, and axe-core (WCAG 2 A and AA rules) must find nothing serious
// or critical, contrast included. run.sh sets up the hub; run it, not this
// file. It runs after ui.test.mjs, whose assessment edition, spam reports
// and campaigns it visits; the incident, webhook and organisation it needs
// beyond those it makes itself, with long values that would push a page
// wider than a phone if anything failed to break.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through run.sh`);
  return v;
}

const BASE = env('C5HUB_URL');
const USER_A = env('C5HUB_USER_A');
const TOKEN_B = env('C5HUB_TOKEN_B');
const PASSWORD = env('C5HUB_PASSWORD');
const ADMIN_TOKEN = env('C5HUB_ADMIN_TOKEN');
const ARTIFACTS = process.env.C5HUB_BROWSER_ARTIFACTS || 'target/browser-artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// axe-core from node_modules, evaluated in the page: a script tag would be
// refused by the hub's Content-Security-Policy (script-src 'self'), and
// turning the CSP off would test a page no user sees.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const ORG = `mobile-${RUN}`;
// Values without a place to break: a long URL, a SHA-256, a long domain.
const LONG_URL = `https://login-${RUN}.very-long-subdomain-of-a-phishing-kit.bank-verify.test/account/verify/session/${'a1b2c3d4'.repeat(8)}?continue=${'x'.repeat(60)}`;
const HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const LONG_DOMAIN = `update-your-banking-credentials-now-${RUN}.secure-login-portal.example`;
const TITLE = `Smishing kit with an unbroken name ${'Lorem'.repeat(12)} ${RUN}`;

const VIEWPORTS = [
  { name: '390', width: 390, height: 844 },
  { name: '1366', width: 1366, height: 900 },
];
const SCHEMES = ['light', 'dark'];

let context;
let page;
let userDataDir;
let incidentKey;
let webhookId;

async function shot(name) {
  await page.screenshot({ path: join(ARTIFACTS, `mobile-${name}.png`), fullPage: true });
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

async function api(method, path, token, body) {
  const r = await fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await r.json();
  assert.equal(r.status, 201, `${method} ${path}: ${JSON.stringify(answer)}`);
  return answer;
}

async function login(email) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in', exact: true }).click()]);
}

async function loginToken(token) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Token').fill(token);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in with token' }).click()]);
}

async function logout() {
  await Promise.all([page.waitForURL(`${BASE}/login`), page.getByRole('button', { name: 'Log out' }).click()]);
}

// The first link on the current page whose path matches, or null.
async function firstLink(pattern) {
  const hrefs = await page.locator('main a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  return hrefs.find((h) => pattern.test(h)) ?? null;
}

// Every problem of one page, in every size and scheme: sideways scrolling
// and axe's serious or critical WCAG 2 A/AA violations.
async function problemsOf(where) {
  const problems = [];
  for (const vp of VIEWPORTS) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      const at = `${where} at ${vp.name} px, ${scheme}`;
      const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
      if (widths.scroll > widths.inner) {
        const wide = await page.evaluate(() => {
          // The innermost elements reaching past the window: what to fix.
          const out = [];
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            const past = (e) => e.getBoundingClientRect().right > window.innerWidth + 0.5;
            // Text wider than its box shows only in the box's scroll width.
            const spills = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible';
            if ((past(el) && ![...el.children].some(past)) || (spills && r.left + el.scrollWidth > window.innerWidth + 0.5)) {
              out.push(`<${el.tagName.toLowerCase()}${el.className ? ` class="${el.className}"` : ''}> to ${Math.round(Math.max(r.right, r.left + el.scrollWidth))} px`);
            }
          }
          return out.slice(0, 5);
        });
        problems.push(`${at}: scrolls sideways (${widths.scroll} px wide in a ${widths.inner} px window): ${wide.join('; ')}`);
      }
      if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
      const violations = await page.evaluate(async () => {
        const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }, resultTypes: ['violations'] });
        return r.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}${n.failureSummary ? ` (${n.failureSummary.split('\n').slice(1).join(' ').trim()})` : ''}`) }));
      });
      for (const v of violations) problems.push(`${at}: axe ${v.id} (${v.impact}) at ${v.targets.join(' | ')}`);
    }
  }
  await page.setViewportSize({ width: VIEWPORTS[0].width, height: VIEWPORTS[0].height });
  await page.emulateMedia({ colorScheme: 'light' });
  return problems;
}

// Opens each page and checks it; reports every failing page at once.
async function checkPages(who, paths) {
  const problems = [];
  for (const path of paths) {
    const resp = await page.goto(`${BASE}${path}`);
    assert.ok(resp.status() < 500, `${who} ${path}: answered ${resp.status()}`);
    problems.push(...(await problemsOf(`${who} ${path.length > 60 ? `${path.slice(0, 57)}...` : path}`)));
  }
  assert.deepEqual(problems, [], `${who}: pages that scroll sideways or fail axe`);
}

// The navigation wraps: on a phone every link and button of the header is
// on screen, without script (the skip link aside, which shows on focus).
async function checkHeaderOnScreen(who) {
  const offscreen = await page.evaluate(() =>
    [...document.querySelectorAll('header.site a, header.site button')]
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width === 0 || r.left < 0 || r.right > window.innerWidth;
      })
      .map((el) => el.textContent.trim()),
  );
  assert.deepEqual(offscreen, [], `${who}: header links beyond the edge of a ${await page.evaluate(() => window.innerWidth)} px screen`);
}

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'c5hub-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 390, height: 844 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(15_000);
});

after(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

step('an incident with long values, an organisation and its webhook exist', async () => {
  const submitted = await api('POST', '/api/v1/incidents', TOKEN_B, {
    id: `telco.example:MOBILE-${RUN}`,
    tlp: 'TLP:GREEN',
    title: TITLE,
    classification: 'fraud/phishing',
    observables: [LONG_URL, HASH, LONG_DOMAIN, '203.0.113.45'],
  });
  incidentKey = submitted.results[0].id;
  await api('POST', '/api/v1/orgs', ADMIN_TOKEN, { name: ORG, type: 'sector-cirt' });
  const hook = await api('POST', '/api/v1/webhooks', ADMIN_TOKEN, {
    org: ORG,
    url: `https://hooks.invalid/c5hub/${ORG}/deliveries/${'segment'.repeat(10)}`,
    events: ['shared'],
  });
  webhookId = hook.webhook.id;
});

// The checks below pass only if they can fail: shown a page that is too
// wide and a heading without contrast, they say so.
step('the checks find a page too wide for a phone and text without contrast', async () => {
  await page.goto(`${BASE}/login`);
  await page.evaluate(() => {
    // Through the CSSOM, which the CSP allows, unlike a style attribute.
    const faint = document.createElement('p');
    faint.textContent = 'Grey on grey, whatever the theme';
    faint.style.color = '#777777';
    faint.style.background = '#888888';
    const wide = document.createElement('p');
    wide.textContent = 'wide';
    wide.style.width = '2000px';
    document.querySelector('main').append(faint, wide);
  });
  const problems = await problemsOf('login, spoilt');
  for (const at of ['390 px, light', '390 px, dark', '1366 px, light', '1366 px, dark']) {
    assert.ok(problems.some((p) => p.includes(`${at}: scrolls sideways`)), `no sideways scrolling found at ${at}: ${problems.join('\n')}`);
    assert.ok(problems.some((p) => p.includes(`${at}: axe color-contrast (serious)`)), `no contrast failure found at ${at}: ${problems.join('\n')}`);
  }
});

step('the login page fits a phone and passes axe, light and dark', async () => {
  await checkPages('anonymous', ['/login', '/no-such-page']);
});

step("an analyst's pages fit a phone and pass axe, light and dark", async () => {
  await login(USER_A);
  await page.goto(`${BASE}/assess`);
  const answered = await firstLink(/^\/assess\/(editions|responses)\/\d+$/);
  assert.ok(answered, "ui.test.mjs had A answer an edition");
  const paths = [
    '/',
    '/incidents',
    `/incidents/${incidentKey}`,
    '/submit',
    `/lookup?q=${encodeURIComponent(LONG_URL)}`,
    // A value that is no observable: the page says so in an error box.
    `/lookup?q=${encodeURIComponent(`not-a-value-${'z'.repeat(80)} !`)}`,
    '/assess',
    answered,
    '/spam',
    '/spam/queue',
    '/for-you',
    '/for-you/preferences',
  ];
  await checkPages('analyst', paths);
  await page.goto(`${BASE}/`);
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    await shot(`dashboard-390-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(`${BASE}/incidents/${incidentKey}`);
  await shot('incident-390-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('incident-390-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await checkHeaderOnScreen('analyst');
  await logout();
});

step("the admin's pages, audit included, fit a phone and pass axe, light and dark", async () => {
  await loginToken(ADMIN_TOKEN);
  await page.goto(`${BASE}/assess`);
  const edition = await firstLink(/^\/assess\/editions\/\d+$/);
  assert.ok(edition, 'ui.test.mjs made an assessment edition');
  await page.goto(`${BASE}${edition}`);
  const response = await firstLink(/^\/assess\/responses\/\d+$/);
  await page.goto(`${BASE}/spam`);
  const report = await firstLink(/^\/spam\/reports\/\d+$/);
  const campaign = await firstLink(/^\/spam\/campaigns\/\d+$/);
  assert.ok(response, 'ui.test.mjs answered the edition');
  assert.ok(report, 'ui.test.mjs made spam reports');
  assert.ok(campaign, 'ui.test.mjs made a campaign of confirmed spam');
  const paths = [
    '/',
    '/incidents',
    `/incidents/${incidentKey}`,
    '/submit',
    `/lookup?q=${encodeURIComponent('203.0.113.45')}`,
    '/assess',
    edition,
    `${edition}/results`,
    response,
    '/spam',
    '/spam/queue',
    report,
    campaign,
    '/for-you',
    '/for-you/preferences',
    '/admin',
    '/admin/audit',
    '/admin/webhooks',
    '/admin/feeds',
    `/admin/webhooks/${webhookId}`,
  ];
  await checkPages('admin', paths);
  await page.goto(`${BASE}${edition}/results`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot('results-390-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(`${BASE}/admin/audit`);
  await checkHeaderOnScreen('admin');
  assert.ok(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).isVisible());
  await shot('audit-390-light');
  await logout();
});
