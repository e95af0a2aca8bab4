// Browser test of notifications: organisation A's admin adds a webhook
// pointing at a receiver this test runs on loopback, a user of A chooses
// what they are told of (shared incidents in the app and by e-mail),
// organisation B shares an AMBER incident with A (and keeps an
// AMBER+STRICT one to itself); A sees the unread count in the header, the
// shared incident (and not the strict one) on the "for you" page, and
// marks it read; an e-mail reaches A's user through the SMTP server run.sh
// started, a signed POST reaches the receiver, neither names the strict
// incident, and the webhook's delivery log shows the delivery. run.sh sets
// up the hub; run it, not this file.
//
// A and B are two organisations of this run only, made through the API
// by the hub's admin, so nothing here changes what the other files'
// users see (their dashboards count what they may read).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
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
const MAILDIR = env('C5HUB_MAILDIR');
const ARTIFACTS = process.env.C5HUB_BROWSER_ARTIFACTS || 'target/browser-artifacts';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const ORG_A = `notify-a-${RUN}`;
const ORG_B = `notify-b-${RUN}`;
const USER_A = `analyst@${ORG_A}.example`;
const ADMIN_A = `admin@${ORG_A}.example`;
let TOKEN_B;
const SHARED_TITLE = `Shared smishing wave ${RUN}`;
const STRICT_TITLE = `Strictly internal notes ${RUN}`;

let context;
let page;
// The receiver's URL, what it was sent (method, path, headers, raw body),
// and the secret the UI showed when the webhook was added.
let receiver;
let hookUrl;
const received = [];
let hookSecret;
let hookId;
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
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise((ok) => receiver.listen(0, '127.0.0.1', ok));
  hookUrl = `http://127.0.0.1:${receiver.address().port}/c5hub-hook`;
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
  if (receiver) await new Promise((ok) => receiver.close(ok));
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

async function logIn(email) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in', exact: true }).click()]);
}

// Polls `found` until it answers something truthy; fails with `what` and
// what was seen when the deadline passes.
async function waitFor(what, found, seen) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const got = await found();
    if (got) return got;
    assert.ok(Date.now() < deadline, `${what} within 20 s; seen: ${seen()}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

// Every message the SMTP server received, as text.
function mails() {
  let names;
  try {
    names = readdirSync(join(MAILDIR, 'new'));
  } catch {
    return [];
  }
  return names.map((n) => readFileSync(join(MAILDIR, 'new', n), 'utf8'));
}

step('the admin adds organisations A and B, users of A and a token of B', async () => {
  await asAdmin('/api/v1/orgs', { name: ORG_A, type: 'sector-cirt' });
  await asAdmin('/api/v1/orgs', { name: ORG_B, type: 'sector-cirt' });
  await asAdmin('/api/v1/users', { email: USER_A, org: ORG_A, role: 'analyst', password: PASSWORD });
  await asAdmin('/api/v1/users', { email: ADMIN_A, org: ORG_A, role: 'admin', password: PASSWORD });
  TOKEN_B = (await asAdmin('/api/v1/tokens', { org: ORG_B, role: 'reporter', label: 'notify test' })).token;
});

step("A's admin adds a webhook for shared incidents and notes its secret", async () => {
  await logIn(ADMIN_A);
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
  await page.waitForURL(`${BASE}/admin/webhooks`);
  assert.equal(await page.getByRole('combobox', { name: 'Organisation' }).inputValue(), ORG_A, 'the form proposes the own organisation');
  await page.getByRole('textbox', { name: 'URL' }).fill(hookUrl);
  // Shared incidents only: a delivery of any other event would be this
  // test's mistake, and the receiver would see it.
  for (const box of await page.getByRole('group', { name: 'Events' }).getByRole('checkbox').all()) {
    await box.uncheck();
  }
  await page.getByRole('checkbox', { name: 'An incident is shared with my organisation' }).check();
  await Promise.all([page.waitForURL(`${BASE}/admin/webhooks`), page.getByRole('button', { name: 'Add webhook' }).click()]);
  const status = page.getByRole('status');
  await status.waitFor();
  hookId = Number((await status.textContent()).match(/Webhook (\d+) added/)?.[1]);
  assert.ok(Number.isInteger(hookId), `the webhook's id is shown: ${await status.textContent()}`);
  hookSecret = (await page.locator('#webhook-secret').textContent()).trim();
  assert.ok(hookSecret.length >= 16, `a signing secret is shown: ${hookSecret}`);
  const row = page.getByRole('region', { name: 'Webhooks' }).getByRole('row').filter({ hasText: hookUrl });
  assert.equal(await row.count(), 1, 'the webhook is listed');
  assert.match(await row.textContent(), new RegExp(ORG_A));
  await shot('webhook-added');
  // The form's answer is the page itself (a reload would post it again).
  await page.goto(`${BASE}/admin/webhooks`);
  assert.equal(await page.locator('#webhook-secret').count(), 0, 'the secret is shown once only');
  assert.equal(await row.count(), 1, 'the webhook is still listed, once');
  await Promise.all([page.waitForURL(`${BASE}/login`), page.getByRole('button', { name: 'Log out' }).click()]);
});

step('A logs in and starts with nothing unread', async () => {
  await logIn(USER_A);
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

step('an e-mail tells A of the shared incident, and none names the strict one', async () => {
  const mail = await waitFor(
    `an e-mail to ${USER_A} naming "${SHARED_TITLE}" in ${MAILDIR}/new`,
    () => mails().find((m) => m.includes(`X-RcptTo: ${USER_A}`) && m.includes(SHARED_TITLE)),
    () => `${mails().length} message(s)`,
  );
  assert.match(mail, /^Subject: .*shared .* with your organisation/m, mail);
  // Give a wrong e-mail time to arrive before looking for it.
  await new Promise((ok) => setTimeout(ok, 1000));
  const all = mails();
  assert.equal(all.filter((m) => m.includes(STRICT_TITLE)).length, 0, 'no e-mail names the strict incident');
  assert.equal(all.filter((m) => m.includes(`X-RcptTo: ${USER_A}`)).length, 1, `one e-mail to ${USER_A}`);
});

step('the receiver gets a signed POST naming the shared incident only', async () => {
  const hit = await waitFor(
    `a POST naming "${SHARED_TITLE}" at ${hookUrl}`,
    () => received.find((r) => r.body.toString('utf8').includes(SHARED_TITLE)),
    () => JSON.stringify(received.map((r) => `${r.method} ${r.path} ${r.body}`)),
  );
  assert.equal(hit.method, 'POST');
  assert.equal(hit.path, '/c5hub-hook');
  assert.match(hit.headers['content-type'], /^application\/json/);
  const want = `sha256=${createHmac('sha256', hookSecret).update(hit.body).digest('hex')}`;
  const got = String(hit.headers['x-c5hub-signature'] ?? '');
  assert.ok(
    got.length === want.length && timingSafeEqual(Buffer.from(got), Buffer.from(want)),
    `X-C5hub-Signature ${got} is HMAC-SHA256 of the raw body under the secret the UI showed (${want})`,
  );
  const event = JSON.parse(hit.body.toString('utf8'));
  assert.equal(event.event, 'shared');
  assert.equal(String(event.sent_at), hit.headers['x-c5hub-timestamp'], 'the timestamp is in the signed body');
  assert.ok(Math.abs(Date.now() / 1000 - event.sent_at) < 300, `sent_at ${event.sent_at} is recent`);
  assert.equal(String(event.delivery), hit.headers['x-c5hub-delivery']);
  await new Promise((ok) => setTimeout(ok, 1000));
  for (const r of received) {
    assert.ok(!r.body.toString('utf8').includes(STRICT_TITLE), `no delivery names the strict incident: ${r.body}`);
  }
  assert.equal(received.length, 1, `one delivery: ${received.map((r) => r.body).join(' | ')}`);
});

step("the webhook's delivery log shows the delivery as delivered", async () => {
  await Promise.all([page.waitForURL(`${BASE}/login`), page.getByRole('button', { name: 'Log out' }).click()]);
  await logIn(ADMIN_A);
  await page.getByRole('link', { name: 'Admin', exact: true }).click();
  await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
  const row = page.getByRole('region', { name: 'Webhooks' }).getByRole('row').filter({ hasText: hookUrl });
  await Promise.all([page.waitForURL(`${BASE}/admin/webhooks/${hookId}`), row.getByRole('link', { name: 'Delivery log' }).click()]);
  await page.getByRole('heading', { level: 1, name: `Delivery log of webhook ${hookId}` }).waitFor();
  const delivery = JSON.parse(received[0].body.toString('utf8')).delivery;
  const rows = page.getByRole('region', { name: 'Deliveries' }).locator('tbody tr');
  assert.equal(await rows.count(), 1, 'one attempt');
  const cells = (await rows.first().getByRole('cell').allTextContents()).map((c) => c.trim());
  assert.deepEqual(cells.slice(1), [String(delivery), '1', '204', '', 'delivered'], `the log row: ${cells}`);
  await shot('delivery-log');
});
