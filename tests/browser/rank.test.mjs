// tests/browser/rank.test.mjs — drives Debian's Chromium through
// SmartPick's after-interview page (web/src/rank.html) with
// playwright-core: the link from the main page, the labelled form, a
// rank order list from examples/rank.json sent to POST /api/rank, the
// table against the API's answer (rows in order, the same percentages,
// the likeliest program marked), the additions and the advice, and an
// unknown program code shown as the API's error.  Prints one "ok NAME" /
// "not ok NAME" line per check; a screenshot goes to SCREENSHOT_DIR.
//
//   node tests/browser/rank.test.mjs URL SCREENSHOT_DIR

import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error('usage: node tests/browser/rank.test.mjs URL SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

let failed = 0;
function check(name, cond, detail) {
  if (cond) {
    console.log(`ok ${name}`);
  } else {
    failed++;
    console.log(`not ok ${name}${detail ? ` # ${detail}` : ''}`);
  }
}

const pct0 = (p) => {
  const v = 100 * p;
  if (v > 99 && v < 100) return '>99%';
  if (v > 0 && v < 1) return '<1%';
  return `${v.toFixed(0)}%`;
};

const example = JSON.parse(readFileSync(new URL('../../examples/rank.json', import.meta.url), 'utf8'));
const line = (e) => (typeof e === 'string' ? e : `${e.code}${e.signal ? ` ${e.signal}` : ''}`);
const profileDir = mkdtempSync(join(tmpdir(), 'sp-chromium-rank-'));
const errors = [];
let ctx;

try {
  ctx = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    timeout: 60000,
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(30000);
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));

  await page.goto(url, { waitUntil: 'load' });
  await page.click('a[href="rank.html"]');
  await page.waitForURL(/rank\.html$/);
  await page.waitForFunction(() => document.querySelectorAll('#r-specialty option').length > 10);
  check('the main page links to the after-interview page', true);
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((c) => !(c.labels && c.labels.length)).map((c) => c.id));
  check('every control of the rank form has a label', unlabelled.length === 0, unlabelled.join(', '));

  const p = example.profile;
  await page.selectOption('#r-type', p.applicant_type);
  await page.fill('#r-score', String(p.step2));
  await page.fill('#r-research', String(p.research));
  await page.fill('#r-home', p.home_state);
  await page.selectOption('#r-specialty', p.specialty);
  await page.fill('#r-list', example.rank_order.map(line).join('\n'));
  await page.fill('#r-also', example.also_interviewed.map(line).join('\n'));
  const wait = page.waitForResponse((r) => r.url().endsWith('/api/rank'));
  await page.click('#r-submit');
  const res = await wait;
  const sent = JSON.parse(res.request().postData() || '{}');
  const r = res.ok() ? await res.json() : null;
  check('the form sends the list as docs/rank.md describes',
    JSON.stringify(sent.rank_order) === JSON.stringify(example.rank_order) &&
      JSON.stringify(sent.also_interviewed) === JSON.stringify(example.also_interviewed) &&
      sent.profile.step2 === p.step2 && sent.profile.home_state === p.home_state,
    JSON.stringify(sent));
  check('POST /api/rank answers 200', !!r, `status ${res.status()}`);
  await page.waitForSelector('#rank-table:not([hidden])');
  const rows = await page.$$eval('#rank-table tbody tr', (trs) => trs.map((tr) =>
    [...tr.querySelectorAll('td')].map((td) => td.textContent.trim())));
  check('one row per ranked program, in order',
    rows.length === example.rank_order.length && rows.every((row, i) => row[0] === String(i + 1) &&
      row[1].endsWith(line(example.rank_order[i]).split(' ')[0])), JSON.stringify(rows.map((x) => x[1])));
  check('the table shows the API\'s figures as the page rounds them',
    r && rows.every((row, i) => row[3] === pct0(r.programs[i].p_taken) &&
      row[4] === pct0(r.programs[i].p_match) && row[5] === pct0(r.programs[i].p_cumulative)));
  const head = await page.textContent('#rank-p');
  check('the headline is P(match) for the list', r && head === pct0(r.p_match), head);
  const likely = await page.$$eval('#rank-table tbody tr.likely', (t) => t.length);
  check('the likeliest program is marked (or none when unmatched is likeliest)',
    r && likely === (r.most_likely.code ? 1 : 0));
  const adds = await page.$$eval('#rank-additions li', (li) => li.map((x) => x.textContent));
  check('what the programs left off would add', r && adds.length === r.additions.length &&
    adds.every((t, i) => t.includes(r.additions[i].code)), adds.join(' | '));
  const advice = await page.$$eval('#rank-advice li', (li) => li.map((x) => x.textContent));
  check('the advice: true preference order', advice.length >= 2 &&
    advice[0].startsWith('Rank programs in the order you would rather train there'));
  await page.screenshot({ path: join(shots, 'rank.png'), fullPage: true });

  await page.fill('#r-list', 'IM-R0079\nIM-9999');
  await page.fill('#r-also', '');
  await page.click('#r-submit');
  await page.waitForSelector('#rank-error:not([hidden])');
  const msg = await page.textContent('#rank-error');
  check('an unknown program code is shown with its entry', /rank_order\[1\]/.test(msg) && /IM-9999/.test(msg), msg);
  check('no page errors', errors.length === 0, errors.join(' | '));
} catch (e) {
  check('rank page run completed', false, String(e && e.message ? e.message : e).split('\n')[0]);
} finally {
  if (ctx) await ctx.close().catch(() => {});
  rmSync(profileDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
