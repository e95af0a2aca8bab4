// The README's tour screenshots, taken from a real `c5hub serve --demo`:
//
//   bash tools/tour-screenshots.sh PATH/TO/c5hub
//
// Not a test (run.sh runs *.test.mjs only): it logs in as the national
// CIRT's analyst, as the tour does, and writes the pages the tour shows
// first to docs/img/.
import { chromium } from 'playwright-core';
import { join } from 'node:path';

const BASE = process.env.C5HUB_URL;
const PASSWORD = process.env.C5HUB_DEMO_PASSWORD;
const OUT = process.env.C5HUB_TOUR_OUT;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
if (!BASE || !PASSWORD || !OUT) throw new Error('run through tools/tour-screenshots.sh');

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Email').fill('analyst@national-cirt.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/`), page.getByRole('button', { name: 'Log in', exact: true }).click()]);
  await page.screenshot({ path: join(OUT, 'tour-dashboard.png') });

  // The newest incident (spam reports aside) with related incidents: the
  // tour's second stop.
  await page.goto(`${BASE}/incidents?not_classification=abusive-content%2Fspam`);
  const links = await page.locator('main table a[href^="/incidents/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  let shown = false;
  for (const href of links.filter((h) => /^\/incidents\/\d+$/.test(h)).slice(0, 50)) {
    await page.goto(`${BASE}${href}`);
    const made = (await page.locator('main').innerText()).includes('Made from a spam report');
    if (!made && (await page.locator('section#related a[href^="/incidents/"]').count()) > 0) {
      // Its values and the incidents they relate it to.
      await page.locator('section#related').evaluate((e) => e.scrollIntoView({ block: 'end' }));
      await page.screenshot({ path: join(OUT, 'tour-incident.png') });
      shown = true;
      break;
    }
  }
  if (!shown) throw new Error('no incident with related incidents among the newest 50');
} finally {
  await browser.close();
}
