// tests/browser/list.test.mjs — drives Debian's Chromium through the list
// tools of SmartPick's page with playwright-core: a 100-program list that
// stays short on screen (tiers collapsible, rows scrolling in their box),
// the column legend, sorting by keyboard and mouse, the filters (name,
// tier, state, signal), the edits re-scored through POST /api/score
// (signals moved, one over the allotment refused, a program removed, one
// locked), the program explorer from POST /api/chances (sort, filters by
// state, region, setting and visa, search, add to the list), locked
// programs kept through a new recommendation, the comparison of two to
// four programs, the CSV export after edits and the print view.  Every
// program is chosen from the API's own answers, never by name or code,
// so a new catalog does not break it.  Prints one "ok NAME" or "not ok
// NAME" line per check and exits non-zero when any failed.
//
//   node tests/browser/list.test.mjs URL SCREENSHOT_DIR

import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error('usage: node tests/browser/list.test.mjs URL SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const TIMEOUT = Number(process.env.SP_RECOMMEND_TIMEOUT_MS || 600000);

let failed = 0;
function check(name, cond, detail) {
  if (cond) {
    console.log(`ok ${name}`);
  } else {
    failed++;
    console.log(`not ok ${name}${detail ? ` # ${detail}` : ''}`);
  }
}

// The page's whole-percent format (util.js pct).
const pct0 = (p) => {
  if (typeof p !== 'number') return '–';
  const v = 100 * p;
  if (v > 99 && v < 100) return '>99%';
  if (v > 0 && v < 1) return '<1%';
  return `${v.toFixed(0)}%`;
};
const dollars = (x) => `$${Math.round(x).toLocaleString('en-US')}`;

// RFC 4180 reader (as page.test.mjs).
function parseCSV(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

const profileDir = mkdtempSync(join(tmpdir(), 'sp-chromium-'));
const consoleErrors = [];
let expect422 = false;
let ctx;

// What the list shows: per row, its code, state, signal and the cells.
async function listed(page) {
  return page.evaluate(() => [...document.querySelectorAll('#groups tbody tr')].map((tr) => ({
    code: tr.dataset.code,
    tier: tr.closest('details').dataset.tier,
    hidden: tr.hidden || tr.closest('details').hidden,
    state: tr.dataset.state,
    signal: tr.dataset.signal,
    badge: tr.querySelector('.badge') ? tr.querySelector('.badge').textContent : '',
    cells: [...tr.cells].map((td) => td.textContent.trim()),
  })));
}

try {
  ctx = await chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    timeout: 60000,
  });
  const page = ctx.pages()[0] || (await ctx.newPage());
  page.setDefaultTimeout(30000);
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expect422 && /status of 422/.test(m.text())) return;
    consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
  const scored = () => page.waitForResponse((r) => r.url().endsWith('/api/score'), { timeout: TIMEOUT });

  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('html[data-ready="true"]');

  // --- A 100-program list: the recommendation, then programs added from
  // the explorer until there are 100. ---------------------------------
  await page.selectOption('#f-type', 'us_img');
  await page.fill('#f-score', '224');
  await page.selectOption('#f-home', 'OH');
  await page.selectOption('#f-specialty', 'Internal Medicine');
  await page.selectOption('#f-backup1', 'Family Medicine');
  await page.check('#f-mode-applications');
  await page.fill('#f-limit', '100');
  const recP = page.waitForResponse((r) => r.url().endsWith('/api/recommend'), { timeout: TIMEOUT });
  const chP = page.waitForResponse((r) => r.url().includes('/api/chances'), { timeout: TIMEOUT });
  await page.click('#submit');
  const recRes = await recP;
  let R = await recRes.json();
  await page.waitForSelector('#report:not([hidden])');
  await page.waitForSelector('#explorer:not([hidden]) #x-table tbody tr');
  const t0 = Date.now();
  for (let guard = 0; R.programs.length < 100 && guard < 200; guard++) {
    const sel = '#x-table button.add:not([aria-disabled="true"])';
    if (!(await page.$(sel))) await page.click('#x-more');
    const w = scored();
    await page.$eval(sel, (b) => b.click()); // as a click, without scrolling the page each time
    R = await (await w).json();
    await page.waitForFunction((n) => document.querySelectorAll('#groups tbody tr').length === n, R.programs.length);
  }
  const rows0 = await listed(page);
  const box = await page.evaluate(() => ({
    h: document.getElementById('groups').getBoundingClientRect().height,
    inner: [...document.querySelectorAll('#groups .list-scroll')].reduce((a, s) => a + s.scrollHeight, 0),
    page: document.documentElement.scrollHeight,
  }));
  check('a 100-program list is on the page whole, under 2,600 px tall, the page under 6,000 (rows scroll in their boxes)',
    R.programs.length === 100 && rows0.length === 100 && box.h < 2600 && box.inner > box.h && box.page < 6000,
    `${R.programs.length} programs, ${rows0.length} rows, ${Math.round(box.h)} px, ${box.inner} px of rows, ` +
    `page ${box.page} px`);
  if (process.env.SP_TIMING) console.error(`filled to 100 in ${Date.now() - t0} ms`);

  // --- The legend and the headers' explanations. ---------------------
  const legend = await page.evaluate(() => {
    const terms = [...document.querySelectorAll('#legend-list dt')].map((d) => d.textContent);
    const heads = [...document.querySelectorAll('#groups thead button.sort')].map((b) => ({
      key: b.dataset.key, title: b.title,
      desc: b.getAttribute('aria-describedby')
        ? (document.getElementById(b.getAttribute('aria-describedby')) || {}).textContent || '' : null,
    }));
    return { terms, heads, open: document.getElementById('legend').open };
  });
  const need = ['Tier', 'P(interview)', 'P(match if applied)', 'Share of matches'];
  check('the columns are explained in a legend and in every header',
    legend.open && need.every((t) => legend.terms.includes(t)) && legend.heads.length >= 6 &&
      legend.heads.every((h) => h.title.length > 5 && (h.desc === null || h.desc.length > 20)),
    JSON.stringify(legend).slice(0, 300));

  // --- Sorting, by keyboard then by mouse. ---------------------------
  const tierWith = ['reach', 'target', 'likely'].map((t) => [t, R.programs.filter((p) => p.tier === t)])
    .sort((a, b) => b[1].length - a[1].length)[0];
  const [bigTier, bigRows] = tierWith;
  await page.focus(`#tier-${bigTier} button.sort[data-key="p_match_if_applied"]`);
  await page.keyboard.press('Enter');
  let got = (await listed(page)).filter((r) => r.tier === bigTier).map((r) => r.code);
  const byApplied = [...bigRows].sort((a, b) => b.p_match_if_applied - a.p_match_if_applied ||
    R.programs.indexOf(a) - R.programs.indexOf(b)).map((p) => p.code);
  const sortAttr = await page.getAttribute(`#tier-${bigTier} th:has(button[data-key="p_match_if_applied"])`, 'aria-sort');
  check('Enter on a header sorts by P(match if applied), highest first',
    JSON.stringify(got) === JSON.stringify(byApplied) && sortAttr === 'descending', `${got.slice(0, 4)} vs ${byApplied.slice(0, 4)}`);
  await page.click(`#tier-${bigTier} button.sort[data-key="name"]`);
  got = (await listed(page)).filter((r) => r.tier === bigTier).map((r) => r.code);
  const byName = [...bigRows].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1
    : a.name.toLowerCase() > b.name.toLowerCase() ? 1 : R.programs.indexOf(a) - R.programs.indexOf(b))).map((p) => p.code);
  check('a click sorts by name', JSON.stringify(got) === JSON.stringify(byName));
  await page.click(`#tier-${bigTier} button.sort[data-key="rank"]`);
  got = (await listed(page)).map((r) => r.code);
  const inTiers = ['reach', 'target', 'likely'].flatMap((t) => R.programs.filter((p) => p.tier === t).map((p) => p.code));
  check('# puts the list back in rank order', JSON.stringify(got) === JSON.stringify(inTiers));

  // --- Filters. -------------------------------------------------------
  const counts = new Map();
  for (const p of R.programs) counts.set(p.state, (counts.get(p.state) || 0) + 1);
  const topState = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  await page.selectOption('#l-state', topState);
  let vis = (await listed(page)).filter((r) => !r.hidden);
  let shownText = await page.textContent('#l-shown');
  check('the state filter shows that state\'s programs only',
    vis.length === counts.get(topState) && vis.every((r) => r.state === topState) &&
      shownText.includes(`Showing ${vis.length} of ${R.programs.length}`), `${vis.length} rows, "${shownText}"`);
  await page.selectOption('#l-state', '');
  await page.selectOption('#l-signal', 'gold');
  vis = (await listed(page)).filter((r) => !r.hidden);
  const nGold = R.programs.filter((p) => p.signal === 'gold').length;
  check('the signal filter shows the gold-signalled programs only',
    nGold > 0 && vis.length === nGold && vis.every((r) => r.signal === 'gold' && r.badge === 'Gold'),
    `${vis.length} of ${nGold}`);
  await page.selectOption('#l-signal', '');
  await page.selectOption('#l-tier', bigTier);
  const tierVis = await page.evaluate(() => [...document.querySelectorAll('#groups details.tier-group')]
    .map((d) => [d.dataset.tier, !d.hidden]));
  check('the tier filter leaves one tier', tierVis.every(([t, v]) => v === (t === bigTier)), JSON.stringify(tierVis));
  await page.selectOption('#l-tier', '');
  const someName = R.programs[Math.floor(R.programs.length / 2)].name;
  await page.fill('#l-search', someName.toLowerCase());
  vis = (await listed(page)).filter((r) => !r.hidden);
  const wantSearch = R.programs.filter((p) => p.name.toLowerCase().includes(someName.toLowerCase()) ||
    p.code.toLowerCase().includes(someName.toLowerCase())).map((p) => p.code).sort();
  check('the search finds programs by name', vis.length >= 1 &&
    JSON.stringify(vis.map((r) => r.code).sort()) === JSON.stringify(wantSearch), `${vis.length} rows`);
  await page.fill('#l-search', '');

  // --- Collapse and expand. -------------------------------------------
  await page.click('#l-collapse');
  const collapsed = await page.evaluate(() => ({
    open: [...document.querySelectorAll('#groups details.tier-group')].filter((d) => d.open).length,
    h: document.getElementById('groups').getBoundingClientRect().height,
    label: document.getElementById('l-collapse').textContent,
  }));
  await page.click('#l-collapse');
  const expanded = await page.evaluate(() =>
    [...document.querySelectorAll('#groups details.tier-group')].every((d) => d.open));
  check('Collapse all folds every tier to its heading, Expand all opens them',
    collapsed.open === 0 && collapsed.h < 400 && collapsed.label === 'Expand all' && expanded, JSON.stringify(collapsed));
  await page.evaluate(() => document.getElementById('groups').scrollIntoView());
  await page.screenshot({ path: join(shots, 'list.png') });

  // --- Moving signals. -----------------------------------------------
  const sigOf = (r) => (Array.isArray(r.signals) ? r.signals : []).find((s) => s.specialty === 'Internal Medicine');
  const gold = R.programs.find((p) => p.signal === 'gold' && p.specialty === 'Internal Medicine');
  const target = R.programs.find((p) => p.signal !== 'gold' && p.accepts_signals && p.code !== gold.code &&
    p.specialty === 'Internal Medicine');
  let wait = scored();
  await page.selectOption(`select.sig-select[data-code="${gold.code}"]`, 'none');
  let res = await wait;
  let body = JSON.parse(res.request().postData());
  let S = await res.json();
  await page.waitForFunction((c) => document.querySelector(`#groups tr[data-code="${c}"]`)?.dataset.signal === 'none', gold.code);
  let row = (await listed(page)).find((r) => r.code === gold.code);
  check('taking a gold signal off re-scores the list at once',
    res.status() === 200 && body.rank_order.length === R.programs.length &&
      body.rank_order.find((e) => e.code === gold.code).signal === 'none' &&
      JSON.stringify(body.profile) === JSON.stringify(JSON.parse(recRes.request().postData())) &&
      row.cells[4] === pct0(gold.p_interview_none) && sigOf(S).gold === sigOf(R).gold - 1 &&
      (await page.textContent('#p-match')) === pct0(S.p_match),
    `status ${res.status()}, row ${JSON.stringify(row && row.cells)}`);
  wait = scored();
  await page.selectOption(`select.sig-select[data-code="${target.code}"]`, 'gold');
  res = await wait;
  S = await res.json();
  await page.waitForFunction((c) => document.querySelector(`#groups tr[data-code="${c}"]`)?.dataset.signal === 'gold', target.code);
  row = (await listed(page)).find((r) => r.code === target.code);
  check('the gold signal moved to another program shows its P(interview) with gold',
    res.status() === 200 && row.cells[4] === pct0(target.p_interview_gold) && row.badge === 'Gold' &&
      (await page.textContent('#l-status')).includes(pct0(S.p_match)), JSON.stringify(row && row.cells));
  // Fill the gold allotment, then one more is refused.
  let extra = null;
  for (let guard = 0; guard < 10; guard++) {
    const s = sigOf(S);
    extra = S.programs.find((p) => p.signal !== 'gold' && p.accepts_signals && p.specialty === 'Internal Medicine');
    if (!extra) break;
    if (s.gold >= s.gold_available) break;
    wait = scored();
    await page.selectOption(`select.sig-select[data-code="${extra.code}"]`, 'gold');
    S = await (await wait).json();
  }
  expect422 = true;
  const before = await page.textContent('#p-match');
  wait = scored();
  await page.selectOption(`select.sig-select[data-code="${extra.code}"]`, 'gold');
  res = await wait;
  await page.waitForSelector('#l-error:not([hidden])');
  const refused = await page.evaluate((c) => ({
    error: document.getElementById('l-error').textContent,
    role: document.getElementById('l-error').getAttribute('role'),
    value: document.querySelector(`select.sig-select[data-code="${c}"]`).value,
  }), extra.code);
  expect422 = false;
  check('a gold signal over the allotment is refused, said and undone',
    res.status() === 422 && /allowed/.test(refused.error) && refused.role === 'alert' &&
      refused.value === extra.signal && (await page.textContent('#p-match')) === before, JSON.stringify(refused));

  // --- Removing and locking. -----------------------------------------
  const gone = S.programs[S.programs.length - 1];
  wait = scored();
  await page.focus(`#groups tr[data-code="${gone.code}"] button.remove`);
  await page.keyboard.press('Enter');
  res = await wait;
  const S2 = await res.json();
  await page.waitForFunction((c) => !document.querySelector(`#groups tr[data-code="${c}"]`), gone.code);
  const focusAfter = await page.evaluate(() => document.activeElement.matches('#groups tr button.remove'));
  const stats = await page.evaluate(() => [...document.querySelectorAll('#summary .stat')].map((s) => s.textContent));
  check('Remove by keyboard: the program leaves, P(match), the count and the fees are re-scored, focus stays in the list',
    S2.applications === S.programs.length - 1 && (await listed(page)).length === S2.applications &&
      stats.some((t) => t.includes(String(S2.applications)) && t.includes(dollars(S2.cost))) &&
      (await page.textContent('#p-match')) === pct0(S2.p_match) && S2.cost <= S.cost && focusAfter,
    `${JSON.stringify(stats)}, focus on a neighbour's Remove: ${focusAfter}`);
  const chartLen = await page.evaluate(() => window.Chart.getChart(document.getElementById('chart')).data.datasets[0].data.length);
  check('the chart is redrawn for the edited list', chartLen === S2.curve.length, `${chartLen} vs ${S2.curve.length}`);
  const keep = S2.programs[0];
  await page.click(`#groups tr[data-code="${keep.code}"] button.lock`);
  let calls = 0;
  const count = () => calls++;
  page.on('request', (r) => r.url().endsWith('/api/score') && count());
  await page.focus(`#groups tr[data-code="${keep.code}"] button.remove`);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
  const lockState = await page.evaluate((c) => ({
    pressed: document.querySelector(`#groups tr[data-code="${c}"] button.lock`).getAttribute('aria-pressed'),
    mark: document.querySelector(`#groups tr[data-code="${c}"] .lock-mark`)?.textContent,
    status: document.getElementById('l-status').textContent,
  }), keep.code);
  check('a locked program says so and cannot be removed',
    lockState.pressed === 'true' && lockState.mark === 'Locked' && /locked/.test(lockState.status) && calls === 0 &&
      (await listed(page)).some((r) => r.code === keep.code), JSON.stringify(lockState));

  // --- The explorer. --------------------------------------------------
  const C = await (await chP).json();
  await page.dispatchEvent('#x-search', 'input'); // back to the first 50
  await page.waitForSelector('#explorer:not([hidden]) #x-table tbody tr');
  const xrows = () => page.evaluate(() => [...document.querySelectorAll('#x-table tbody tr')].map((tr) => ({
    code: tr.dataset.code, cells: [...tr.cells].map((td) => td.textContent.trim()),
  })));
  let X = await xrows();
  const xhead = await page.evaluate(() => [...document.querySelectorAll('#x-table thead th')].map((t) => t.textContent));
  check('the explorer lists the specialty\'s programs best first, 50 at a time',
    C.programs.length > 50 && X.length === 50 && X.every((r, i) => r.code === C.programs[i].code) &&
      X[0].cells[xhead.findIndex((h) => h.startsWith('P(match if applied)'))] === pct0(C.programs[0].p_match_if_applied) &&
      (await page.textContent('#x-status')).includes(`showing 50 of ${C.programs.length}`),
    `${X.length} rows of ${C.programs.length}`);
  await page.click('#x-table button.sort[data-key="state"]');
  X = await xrows();
  const states = X.map((r) => r.cells[1]);
  check('the explorer sorts by state', states.every((s, i) => i === 0 || states[i - 1] <= s) &&
    states[0] === [...C.programs].map((p) => p.state).sort()[0], states.slice(0, 5).join(' '));
  await page.click('#x-table button.sort[data-key="p_interview_no_signal"]');
  X = await xrows();
  const at = new Map(C.programs.map((p, i) => [p.code, i]));
  const pNone = [...C.programs].sort((a, b) => b.p_interview_no_signal - a.p_interview_no_signal ||
    at.get(a.code) - at.get(b.code));
  check('the explorer sorts by P(interview) without a signal', X[0].code === pNone[0].code && X[49].code === pNone[49].code);
  const xState = C.programs[Math.floor(C.programs.length / 3)].state;
  await page.selectOption('#x-state', xState);
  X = await xrows();
  const nState = C.programs.filter((p) => p.state === xState).length;
  check('the explorer filters by state', X.length === Math.min(50, nState) && X.every((r) => r.cells[1] === xState),
    `${X.length} rows, ${nState} in ${xState}`);
  await page.selectOption('#x-state', '');
  const xRegion = C.programs[0].region;
  await page.selectOption('#x-region', xRegion);
  await page.selectOption('#x-visa', 'yes');
  const setting = C.programs.find((p) => p.region === xRegion && p.sponsors_visa)?.setting;
  if (setting) await page.selectOption('#x-setting', setting);
  X = await xrows();
  const want3 = C.programs.filter((p) => p.region === xRegion && p.sponsors_visa && (!setting || p.setting === setting));
  check('the explorer filters by region, visa and setting together',
    want3.length > 0 && X.length === Math.min(50, want3.length) &&
      X.every((r) => r.cells[2] === xRegion && r.cells[4] === 'Sponsors') &&
      JSON.stringify(X.map((r) => r.code).sort()) === JSON.stringify(want3.slice(0).sort((a, b) => b.p_interview_no_signal -
        a.p_interview_no_signal || at.get(a.code) - at.get(b.code)).slice(0, 50).map((p) => p.code).sort()),
    `${X.length} rows, ${want3.length} expected`);
  await page.selectOption('#x-region', '');
  await page.selectOption('#x-visa', '');
  await page.selectOption('#x-setting', '');
  // The least likely program not on the list: no recommendation takes it.
  const onList = new Set(S2.programs.map((p) => p.code));
  const add = [...C.programs].reverse().find((p) => !onList.has(p.code));
  await page.fill('#x-search', add.name.toLowerCase());
  X = await xrows();
  const wantX = C.programs.filter((p) => p.name.toLowerCase().includes(add.name.toLowerCase()) ||
    p.code.toLowerCase().includes(add.name.toLowerCase()));
  check('the explorer searches by name', X.length === Math.min(50, wantX.length) && X.some((r) => r.code === add.code));
  await page.evaluate(() => document.getElementById('explorer').scrollIntoView());
  await page.screenshot({ path: join(shots, 'explorer.png') });
  wait = scored();
  await page.focus(`#x-table button.add[data-code="${add.code}"]`);
  await page.keyboard.press('Enter');
  res = await wait;
  body = JSON.parse(res.request().postData());
  const S3 = await res.json();
  await page.waitForSelector(`#groups tr[data-code="${add.code}"]`);
  await page.waitForFunction((c) => document.querySelector(`#x-table button.add[data-code="${c}"]`)?.textContent === 'On your list', add.code);
  const addBtn = await page.textContent(`#x-table button.add[data-code="${add.code}"]`);
  const addFocus = await page.evaluate((c) => document.activeElement.matches(`#x-table button.add[data-code="${c}"]`), add.code);
  check('Add (by keyboard) puts the program on the list, re-scores it and keeps the focus',
    res.status() === 200 && body.rank_order.at(-1).code === add.code && body.rank_order.at(-1).signal === 'none' &&
      S3.programs.some((p) => p.code === add.code) && S3.applications === S2.applications + 1 &&
      addBtn === 'On your list' && addFocus, `status ${res.status()}, button "${addBtn}", focus kept ${addFocus}`);
  await page.fill('#x-search', '');

  // --- Locked programs survive a new recommendation. -----------------
  await page.click(`#groups tr[data-code="${add.code}"] button.lock`);
  await page.fill('#f-limit', '40');
  const rec2P = page.waitForResponse((r) => r.url().endsWith('/api/recommend'), { timeout: TIMEOUT });
  wait = scored();
  await page.click('#submit');
  const R2 = await (await rec2P).json();
  res = await wait;
  const S4 = await res.json();
  await page.waitForFunction((n) => document.querySelectorAll('#groups tbody tr').length === n, S4.programs.length);
  const kept = await page.evaluate((codes) => codes.map((c) =>
    document.querySelector(`#groups tr[data-code="${c}"] button.lock`)?.getAttribute('aria-pressed')), [add.code, keep.code]);
  check('a new recommendation keeps the locked programs, still locked',
    !R2.programs.some((p) => p.code === add.code) && S4.programs.some((p) => p.code === add.code) &&
      S4.programs.some((p) => p.code === keep.code) && kept.every((k) => k === 'true') &&
      S4.applications >= R2.applications, `kept ${kept}, ${R2.applications} recommended, ${S4.applications} scored`);

  // --- Comparing. -----------------------------------------------------
  const pick = S4.programs.slice(0, 5);
  await page.check(`input.cmp[data-code="${pick[0].code}"]`);
  const oneDisabled = await page.getAttribute('#compare-btn', 'aria-disabled');
  for (const p of pick.slice(1, 3)) await page.check(`input.cmp[data-code="${p.code}"]`);
  await page.click('#compare-btn');
  await page.waitForSelector('#compare:not([hidden])');
  const cmp = await page.evaluate(() => ({
    names: [...document.querySelectorAll('#compare-table thead th')].map((t) => t.textContent),
    applied: [...document.querySelectorAll('#compare-table tr[data-key="p_match_if_applied"] td')].map((t) => t.textContent),
    focus: document.activeElement && document.activeElement.id,
  }));
  const whole = pick.slice(0, 3).map((p) => Math.round(100 * p.p_match_if_applied));
  const best = Math.max(...whole);
  const allAlike = whole.every((v) => v === best);
  check('three programs compared side by side with their figures',
    oneDisabled === 'true' && JSON.stringify(cmp.names) === JSON.stringify(pick.slice(0, 3).map((p) => p.name)) &&
      cmp.applied.every((t, i) => t.startsWith(pct0(pick[i].p_match_if_applied)) &&
        t.includes('(highest)') === (!allAlike && whole[i] === best)) && cmp.focus === 'compare-h', JSON.stringify(cmp));
  await page.check(`input.cmp[data-code="${pick[3].code}"]`);
  const fifth = await page.isDisabled(`input.cmp[data-code="${pick[4].code}"]`);
  const four = await page.evaluate(() => document.querySelectorAll('#compare-table thead th').length);
  check('at most four: a fifth cannot be ticked', fifth && four === 4, `fifth disabled ${fifth}, ${four} columns`);
  await page.$eval('#compare', (e) => e.scrollIntoView());
  await page.screenshot({ path: join(shots, 'compare.png') });

  // --- CSV after the edits. ------------------------------------------
  const dl = page.waitForEvent('download');
  await page.click('#export-csv');
  const csvPath = join(profileDir, 'edited.csv');
  await (await dl).saveAs(csvPath);
  const all = parseCSV(readFileSync(csvPath, 'utf8'));
  const blank = all.findIndex((r) => r.length === 1 && r[0] === '');
  const prof = new Map(all.slice(1, blank).map((r) => [r[0], r[1]]));
  const head = all[blank + 1];
  const recs = all.slice(blank + 2).map((r) => Object.fromEntries(head.map((k, i) => [k, r[i]])));
  check('the CSV after edits has the profile, the edited list, ranks, locks and every probability',
    prof.get('applicant_type') === 'us_img' && prof.get('step2') === '224' && prof.get('applications') === String(S4.applications) &&
      prof.get('edited') === 'yes' && Math.abs(Number(prof.get('p_match')) - S4.p_match) < 1e-4 &&
      recs.length === S4.programs.length && recs.every((r, i) => r.rank === String(i + 1) && r.code === S4.programs[i].code &&
        Math.abs(Number(r.p_match_if_applied) - S4.programs[i].p_match_if_applied) < 1e-4 &&
        r.reasons === S4.programs[i].reasons.join(' | ')) &&
      recs.find((r) => r.code === add.code).locked === 'yes' &&
      recs.filter((r) => r.locked === 'yes').length === 2, `${recs.length} rows, profile ${JSON.stringify([...prof]).slice(0, 200)}`);

  // --- Print. ---------------------------------------------------------
  await page.click('#l-collapse'); // everything folded on screen
  await page.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  await page.setViewportSize({ width: 816, height: 1056 });
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => ({
    open: [...document.querySelectorAll('#groups details.tier-group')].every((d) => d.open),
    tools: getComputedStyle(document.getElementById('list-tools')).display,
    explorer: getComputedStyle(document.getElementById('explorer')).display,
    compare: getComputedStyle(document.getElementById('compare')).display,
    scroll: [...document.querySelectorAll('#groups .list-scroll')].every((s) => getComputedStyle(s).maxHeight === 'none'),
    edit: [...document.querySelectorAll('#groups td.act, #groups select')].every((e) => getComputedStyle(e).display === 'none'),
    profile: (document.getElementById('profile-line') || {}).textContent || '',
  }));
  await page.screenshot({ path: join(shots, 'print-list.png'), fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  const refolded = await page.evaluate(() => [...document.querySelectorAll('#groups details.tier-group')].every((d) => !d.open));
  check('the print view shows the profile, the whole list and the comparison, without the tools',
    printed.open && printed.tools === 'none' && printed.explorer === 'none' && printed.compare !== 'none' &&
      printed.scroll && printed.edit && /Step 2 CK 224/.test(printed.profile) && refolded, JSON.stringify(printed));
  await page.click('#l-collapse');

  // --- Labels, phone, errors. ----------------------------------------
  await page.setViewportSize({ width: 1280, height: 900 });
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((c) => c.type !== 'hidden')
    .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim())
    .map((c) => c.id || c.className || c.outerHTML.slice(0, 40)));
  check('every control of the list, the comparison and the explorer has a label', unlabelled.length === 0,
    unlabelled.slice(0, 5).join(', '));
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(300);
  const phone = await page.evaluate(() => ({
    sw: document.documentElement.scrollWidth,
    cw: document.documentElement.clientWidth,
    wide: [...document.querySelectorAll('body *')].filter((e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.right > document.documentElement.clientWidth + 1 && !e.closest('.table-scroll, dialog');
    }).slice(0, 5).map((e) => e.id || e.className || e.tagName),
  }));
  await page.evaluate(() => document.getElementById('groups').scrollIntoView());
  await page.screenshot({ path: join(shots, 'phone-edit.png') });
  check('phone (360 px): the list tools, the comparison and the explorer fit', phone.sw <= phone.cw && phone.wide.length === 0,
    JSON.stringify(phone));
  check('no console errors', consoleErrors.length === 0, consoleErrors.slice(0, 3).join(' | '));
} catch (e) {
  check('browser run completed', false, String(e && e.message ? e.message : e).split('\n').slice(0, 12).join(' / '));
} finally {
  if (ctx) await ctx.close().catch(() => {});
  rmSync(profileDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
