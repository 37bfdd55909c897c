// tests/browser/page.test.mjs — drives Debian's Chromium through SmartPick's
// page with playwright-core (from web/node_modules): fills the form, gets a
// list, reads the chart and its table, exports the CSV, opens and closes a
// program's detail view with the keyboard, provokes a field error from the
// API, and checks the phone layout, the print view, that nothing is stored
// and that no request leaves the server's origin.  Prints one "ok NAME" or
// "not ok NAME" line per check (tests/run counts them) and exits non-zero
// when any failed.
//
//   node tests/browser/page.test.mjs URL SCREENSHOT_DIR
//
// URL is a running `smartpick serve` (tests/integration/browser.sh starts
// one).  Screenshots (desktop, phone, print, detail) go to SCREENSHOT_DIR.

import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error('usage: node tests/browser/page.test.mjs URL SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const origin = new URL(url).origin;
const RECOMMEND_TIMEOUT = Number(process.env.SP_RECOMMEND_TIMEOUT_MS || 600000);

let failed = 0;
function check(name, cond, detail) {
  if (cond) {
    console.log(`ok ${name}`);
  } else {
    failed++;
    console.log(`not ok ${name}${detail ? ` # ${detail}` : ''}`);
  }
}

// RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF.
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
      } else if (ch === '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch === '"' && cell === '') {
      quoted = true;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += ch;
    }
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

// The page's one-decimal format (util.js pct(p, 1)): never "100.0%".
const pct1 = (p) => {
  const v = 100 * p;
  if (v > 99.9 && v < 100) return '>99.9%';
  if (v > 0 && v < 0.1) return '<0.1%';
  return `${v.toFixed(1)}%`;
};
// The page's whole-percent format (app.js pct).
const pct0 = (p) => {
  const v = 100 * p;
  if (v > 99 && v < 100) return '>99%';
  if (v > 0 && v < 1) return '<1%';
  return `${v.toFixed(0)}%`;
};
const dollars = (x) => `$${Math.round(x).toLocaleString('en-US')}`;

const profileDir = mkdtempSync(join(tmpdir(), 'sp-chromium-'));
const requests = [];
const consoleErrors = [];
let expect400 = false;
let ctx;

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
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    if (expect400 && /status of 400/.test(m.text())) return;
    consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));

  // --- The page loads and every control is labelled. -----------------
  await page.goto(url, { waitUntil: 'load' });
  let ready = true;
  try {
    await page.waitForSelector('html[data-ready="true"]', { timeout: 30000 });
  } catch {
    ready = false;
  }
  const nspec = await page.locator('#f-specialty option').count();
  check('page loads the specialties', ready && nspec > 10, `${nspec} options`);
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
    .filter((c) => c.type !== 'hidden')
    .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.textContent.trim())
    .map((c) => c.id || c.name || c.outerHTML.slice(0, 40)));
  check('every control has a label', unlabelled.length === 0, unlabelled.join(', '));
  const live = await page.getAttribute('#summary', 'aria-live');
  check('results summary is an aria-live polite region', live === 'polite');
  // One set of defaults (issue 12): nothing that changes the answer is
  // pre-filled; the CLI's defaults apply to what the user leaves empty.
  const prefilled = await page.evaluate(() => ({
    score: document.getElementById('f-score').value,
    research: document.getElementById('f-research').value,
  }));
  check('no score or research pre-filled', prefilled.score === '' && prefilled.research === '',
    JSON.stringify(prefilled));

  // --- An error the API finds is shown next to its field. ------------
  await page.selectOption('#f-type', 'us_md');
  await page.fill('#f-score', '120');
  await page.selectOption('#f-specialty', 'Internal Medicine');
  expect400 = true;
  const bad = page.waitForResponse((r) => r.url().endsWith('/api/recommend'), { timeout: RECOMMEND_TIMEOUT });
  await page.click('#submit');
  const badRes = await bad;
  await page.waitForSelector('#err-f-score', { timeout: 10000 }).catch(() => null);
  const errState = await page.evaluate(() => {
    const c = document.getElementById('f-score');
    const e = document.getElementById('err-f-score');
    return {
      invalid: c.getAttribute('aria-invalid'),
      describedby: c.getAttribute('aria-describedby') || '',
      focused: document.activeElement === c,
      text: e ? e.textContent : '',
      nextToField: !!(e && e.closest('.field') && e.closest('.field').contains(c)),
    };
  });
  expect400 = false;
  check('API field error shown next to the field',
    badRes.status() === 400 && errState.invalid === 'true' && errState.describedby.split(' ').includes('err-f-score') &&
      errState.focused && errState.nextToField && /180/.test(errState.text),
    `status ${badRes.status()}, ${JSON.stringify(errState)}`);

  // --- Fill the form and get a list. ---------------------------------
  await page.selectOption('#f-type', 'us_img');
  await page.fill('#f-score', '238');
  await page.fill('#f-research', '4');
  await page.selectOption('#f-home', 'OH');
  await page.selectOption('#f-specialty', 'Internal Medicine');
  await page.selectOption('#f-backup1', 'Family Medicine');
  await page.fill('#f-states-want', 'oh, MI');
  await page.fill('#f-states-avoid', 'NY');
  await page.click('#regions-box > summary');
  await page.selectOption('#f-region-3', 'want');
  await page.click('#settings-box > summary');
  await page.selectOption('#f-setting-university', 'want');
  await page.selectOption('#f-setting-military', 'avoid');
  await page.selectOption('#f-aoa', 'yes'); // a US MD answer: not sent for this US IMG
  await page.check('#f-mode-budget');
  await page.fill('#f-limit', '1500');
  const gold = await page.inputValue('#f-gold');
  check('form filled (signals default to the allotment)', Number(gold) > 0 &&
    (await page.isVisible('#limit-field')), `gold ${gold}`);

  const resp = page.waitForResponse((r) => r.url().endsWith('/api/recommend'), { timeout: RECOMMEND_TIMEOUT });
  await page.keyboard.press('Enter'); // the focus is in the budget field: Enter submits
  const res = await resp;
  const sent = JSON.parse(res.request().postData() || '{}');
  check('profile sent as the form says', sent.applicant_type === 'us_img' && sent.step2 === 238 && sent.specialty === 'Internal Medicine' &&
    sent.backups && sent.backups[0] === 'Family Medicine' && sent.budget === 1500 &&
    JSON.stringify(sent.states_want) === '["OH","MI"]' && sent.regions_want[0] === 'East North Central' &&
    sent.settings_avoid[0] === 'military' && sent.home_state === 'OH', JSON.stringify(sent));
  check('signals left at the allotment are not sent (the CLI default)', !('signals' in sent),
    JSON.stringify(sent.signals));
  check('AOA is sent only for a US MD (this profile is a US IMG)', !('aoa' in sent), JSON.stringify(sent.aoa));
  let report = null;
  if (res.ok()) report = await res.json();
  check('POST /api/recommend answers a report', !!report && Array.isArray(report.programs) &&
    report.programs.length > 0, `status ${res.status()}`);
  if (!report) throw new Error('no report: the remaining checks need one');
  await page.waitForSelector('#report:not([hidden])');

  // --- The list by tier. ---------------------------------------------
  const shown = await page.evaluate(() => {
    const out = {};
    for (const t of ['reach', 'target', 'likely']) {
      out[t] = [...document.querySelectorAll(`#tier-${t} tbody tr`)].map((tr) => ({
        code: tr.dataset.code,
        badge: tr.querySelector('.badge') ? tr.querySelector('.badge').className : '',
        reasons: tr.querySelectorAll('.reasons li').length,
      }));
    }
    out.pmatch = document.getElementById('p-match').textContent;
    const unk = document.querySelector('#p-unknown .stat-value');
    out.unknown = unk ? unk.textContent : null;
    return out;
  });
  let tiersOk = true;
  let why = '';
  for (const t of ['reach', 'target', 'likely']) {
    const want = report.programs.filter((p) => p.tier === t);
    const got = shown[t];
    if (got.length !== want.length) {
      tiersOk = false;
      why += `${t}: ${got.length} rows, ${want.length} in the report; `;
      continue;
    }
    want.forEach((p, i) => {
      if (got[i].code !== p.code || !got[i].badge.includes(`badge-${p.signal}`) ||
          got[i].reasons !== (p.reasons || []).length) {
        tiersOk = false;
        why += `${t} row ${i} differs; `;
      }
    });
  }
  check('list shown grouped by tier with signals and reasons', tiersOk, why);
  const wantP = pct0(report.p_match);
  check('summary shows the overall P(match)', shown.pmatch === wantP, `${shown.pmatch} vs ${wantP}`);
  const wantU = `${pct0(report.p_match_p10)}–${pct0(report.p_match_p90)}`;
  check('summary shows the range of applicants like you (10th-90th percentile)',
    shown.unknown === wantU, `${shown.unknown} vs ${wantU}`);

  // --- The chart and its text alternative. ---------------------------
  const chart = await page.evaluate(() => {
    const c = document.getElementById('chart');
    const g = c.getContext('2d');
    const { data } = g.getImageData(0, 0, c.width, c.height);
    let ink = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
    const ch = window.Chart && window.Chart.getChart(c);
    return {
      w: c.width, h: c.height, ink,
      sets: ch ? ch.data.datasets.map((d) => d.data.map((p) => [p.x, p.y])) : [],
      scales: ch ? Object.keys(ch.scales) : [],
      rows: [...document.querySelectorAll('#curve-table tbody tr')].map((tr) =>
        [...tr.cells].map((td) => td.textContent)),
    };
  });
  check('chart drawn on two axes', chart.w > 200 && chart.h > 100 && chart.ink > 0.02 * chart.w * chart.h &&
    chart.sets.length === 2 && chart.sets[0].length > 1 && chart.scales.includes('y') && chart.scales.includes('y1'),
  `canvas ${chart.w}x${chart.h}, ${chart.ink} inked pixels, ${chart.sets.length} datasets`);
  const curve = new Map(report.curve.map((c) => [c.applications, c]));
  let altOk = chart.rows.length === chart.sets[0].length && chart.rows.length > 1;
  let altWhy = `${chart.rows.length} table rows, ${chart.sets[0] ? chart.sets[0].length : 0} points`;
  chart.rows.forEach((row, i) => {
    const c = curve.get(Number(row[0]));
    const [x, y] = chart.sets[0][i] || [];
    const [, cost] = chart.sets[1][i] || [];
    if (!c || x !== c.applications || row[1] !== pct1(c.p_match) || row[2] !== dollars(c.cost) ||
        Math.abs(y - 100 * c.p_match) > 0.051 || cost !== c.cost) {
      if (altOk) altWhy = `row ${i}: ${row.join(' ')}`;
      altOk = false;
    }
  });
  check('chart text alternative matches the data', altOk, altWhy);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, 'desktop.png') });

  // --- CSV export. ---------------------------------------------------
  const dl = page.waitForEvent('download');
  await page.click('#export-csv');
  const download = await dl;
  const csvPath = join(profileDir, 'list.csv');
  await download.saveAs(csvPath);
  const all = parseCSV(readFileSync(csvPath, 'utf8'));
  // Two tables: the profile as "field,value" rows, a blank line, the list.
  const blank = all.findIndex((r) => r.length === 1 && r[0] === '');
  const prof = new Map(all.slice(1, blank).map((r) => [r[0], r[1]]));
  const rows = all.slice(blank + 1);
  const header = 'rank,code,name,specialty,role,state,region,setting,tier,signal,locked,p_interview,' +
    'p_interview_none,p_interview_silver,p_interview_gold,p_match_if_interviewed,p_match_if_applied,p_match,reasons';
  const near = (a, b) => (b === null || b === undefined ? a === '' : Math.abs(Number(a) - b) < 1e-4);
  let csvOk = all[0].join(',') === 'field,value' && blank > 0 && prof.get('applicant_type') === 'us_img' &&
    prof.get('step2') === '238' && prof.get('specialty') === 'Internal Medicine' &&
    prof.get('backups') === 'Family Medicine' && prof.get('states_want') === 'OH | MI' &&
    prof.get('budget') === '1500' && near(prof.get('p_match'), report.p_match) &&
    Number(prof.get('applications')) === report.programs.length &&
    rows.length === report.programs.length + 1 && rows[0].join(',') === header &&
    /\.csv$/.test(download.suggestedFilename());
  let csvWhy = `${rows.length} rows for ${report.programs.length} programs, profile ${JSON.stringify([...prof])}, ` +
    `file ${download.suggestedFilename()}`;
  report.programs.forEach((p, i) => {
    const r = Object.fromEntries(rows[0].map((k, j) => [k, (rows[i + 1] || [])[j]]));
    const probs = ['p_interview', 'p_interview_none', 'p_interview_silver', 'p_interview_gold',
      'p_match_if_interviewed', 'p_match_if_applied', 'p_match'];
    const same = r.rank === String(i + 1) && r.code === p.code && r.name === p.name &&
      r.specialty === p.specialty && r.role === p.role && r.state === p.state && r.tier === p.tier &&
      r.signal === p.signal && r.locked === 'no' && probs.every((k) => near(r[k], p[k])) &&
      r.reasons === (p.reasons || []).join(' | ');
    if (!same && csvOk) {
      csvOk = false;
      csvWhy = `row ${i + 1}: ${JSON.stringify(r)}`;
    }
  });
  check('CSV downloaded and parsed with the right rows', csvOk, csvWhy);
  const esc = await page.evaluate(async () => {
    const m = await import('/app.js');
    return [m.csvCell('=1+2'), m.csvCell('+x'), m.csvCell('-x'), m.csvCell('@x'), m.csvCell('a,"b"'),
      m.csvCell('two\nlines'), m.csvCell(0.25)];
  });
  check('CSV escapes quotes and guards formulas',
    JSON.stringify(esc) === JSON.stringify(["'=1+2", "'+x", "'-x", "'@x", '"a,""b"""', '"two\nlines"', '0.25']),
    JSON.stringify(esc));

  // --- The detail view, by keyboard. ---------------------------------
  const first = page.locator('#groups button.link').first();
  await first.focus();
  await page.keyboard.press('Enter');
  const opened = await page.waitForSelector('dialog#detail[open]', { timeout: 5000 }).then(() => true, () => false);
  const loaded = await page.waitForFunction(() => /Interview slots/.test(document.getElementById('detail-body').textContent),
    null, { timeout: 10000 }).then(() => true, () => false);
  const detailText = await page.textContent('#detail-body');
  const firstId = Number(await first.getAttribute('data-id'));
  const p0 = report.programs.find((p) => p.id === firstId);
  await page.locator('dialog#detail').screenshot({ path: join(shots, 'detail.png') });
  await page.keyboard.press('Escape');
  const closed = await page.waitForSelector('dialog#detail[open]', { state: 'detached', timeout: 5000 })
    .then(() => true, () => false);
  const refocused = await page.evaluate(() => document.activeElement &&
    document.activeElement.matches('#groups button.link') &&
    document.activeElement === document.querySelector('#groups button.link'));
  check('detail view opens with Enter and shows the program and its estimates',
    opened && loaded && !!p0 && detailText.includes(p0.code) && detailText.includes('P(interview)') &&
      detailText.includes(pct0(p0.p_interview_gold)),
    `opened ${opened}, loaded ${loaded}`);
  check('detail view closes with Escape and focus returns', closed && refocused, `closed ${closed}, focus ${refocused}`);
  // Where the figures come from: an estimated field says so, a measured
  // rate gives its cycle, the city is shown (the real catalog).
  const est = p0 && Array.isArray(p0.estimated) ? p0.estimated : [];
  check('detail view marks estimated fields and shows measured rates',
    !!p0 && (!est.includes('step2_median') || /Step 2 CK median\s*\d+ \(estimated\)/.test(detailText)) &&
      (!p0.measured_rates || detailText.includes(`Interview offers, ${p0.measured_rates.cycle} (measured)`)) &&
      (!p0.city || detailText.includes(p0.city)),
    detailText.slice(0, 300));

  // --- Print view. ---------------------------------------------------
  // A US Letter page at 96 dpi.
  await page.setViewportSize({ width: 816, height: 1056 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => ({
    form: getComputedStyle(document.querySelector('.form-panel')).display,
    list: getComputedStyle(document.getElementById('groups')).display,
    summary: getComputedStyle(document.getElementById('summary')).display,
  }));
  await page.screenshot({ path: join(shots, 'print.png') });
  await page.emulateMedia({ media: 'screen' });
  check('print view shows the summary and list and hides the form',
    printed.form === 'none' && printed.list !== 'none' && printed.summary !== 'none', JSON.stringify(printed));

  // --- Phone. ---------------------------------------------------------
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
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(shots, 'phone.png') });
  await page.evaluate(() => document.getElementById('groups').scrollIntoView());
  await page.screenshot({ path: join(shots, 'phone-list.png') });
  check('phone viewport (360 px) has no horizontal scroll', phone.sw <= phone.cw && phone.wide.length === 0,
    JSON.stringify(phone));

  // --- A DO applicant with a COMLEX score and a target chance. --------
  await page.selectOption('#f-type', 'us_do');
  await page.selectOption('#f-exam', 'comlex2');
  await page.fill('#f-score', '560');
  await page.selectOption('#f-region-2', 'avoid');
  await page.check('#f-mode-target');
  await page.fill('#f-limit', '90');
  const resp2 = page.waitForResponse((r) => r.url().endsWith('/api/recommend'), { timeout: RECOMMEND_TIMEOUT });
  await page.click('#submit');
  const res2 = await resp2;
  const sent2 = JSON.parse(res2.request().postData() || '{}');
  const report2 = res2.ok() ? await res2.json() : null;
  if (report2) {
    await page.waitForFunction((n) => document.querySelectorAll('#groups tbody tr').length === n,
      report2.programs.length, { timeout: 10000 }).catch(() => null);
  }
  const rows2 = await page.locator('#groups tbody tr').count();
  check('COMLEX score, avoided region and target are sent and the list is redrawn',
    sent2.applicant_type === 'us_do' && sent2.comlex2 === 560 && sent2.step2 === undefined &&
      sent2.target === 0.9 && sent2.budget === undefined &&
      ['NY', 'NJ', 'PA'].every((s) => sent2.states_avoid.includes(s)) &&
      !!report2 && rows2 === report2.programs.length,
    `status ${res2.status()}, sent ${JSON.stringify(sent2)}, ${rows2} rows`);

  // --- Nothing stored, nothing fetched from elsewhere, no errors. -----
  const stored = await page.evaluate(() => ({
    local: localStorage.length, session: sessionStorage.length, cookie: document.cookie,
  }));
  check('nothing typed is stored in the browser', stored.local === 0 && stored.session === 0 && stored.cookie === '',
    JSON.stringify(stored));
  const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith(`blob:${origin}/`) &&
    !u.startsWith('data:'));
  check('no request to another host', requests.length > 0 && foreign.length === 0, foreign.slice(0, 3).join(' '));
  check('no console errors', consoleErrors.length === 0, consoleErrors.slice(0, 3).join(' | '));
} catch (e) {
  check('browser run completed', false, String(e && e.message ? e.message : e).split('\n')[0]);
} finally {
  if (ctx) await ctx.close().catch(() => {});
  rmSync(profileDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
