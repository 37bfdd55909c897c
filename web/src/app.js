// app.js — SmartPick's page: reads the form into a profile, asks the
// server for the recommendation (POST /api/recommend), and shows the list
// by tier, the chart of P(match) and cost against the number of
// applications (with a table as its text alternative), a program's
// detail view, CSV export and a print view.  The JSON API is
// docs/http-api.md; the profile and report formats are docs/profile.md.
//
// Rules this file keeps:
//  - Nothing the applicant types is stored: no cookies, no localStorage
//    or sessionStorage, no IndexedDB.  The profile lives in the form and
//    in one request body.
//  - The server's CSP forbids inline script and style: every element is
//    built with the DOM API, text goes in through textContent (never
//    innerHTML, so no name or reason from the catalog can inject markup),
//    and styles come from classes in style.css.
//  - Every request goes to this page's own origin.

import {
  $, DIVISIONS, STATE_NAMES, SETTINGS, el, pct, dollars, count, getJSON, settingName, signalBadge,
} from './util.js';
import {
  initList, renderList, entriesOf, exportCSV, csvCell, reportCSV,
} from './list.js';
import { initExplorer, exploreFor, refreshListed } from './explorer.js';

export { csvCell, reportCSV };

// Where each field the API can name (error.field) is on the form.
const FIELD_CONTROL = {
  applicant_type: 'f-type', step2: 'f-score', comlex2: 'f-score',
  research: 'f-research', home_state: 'f-home', needs_visa: 'f-visa', aoa: 'f-aoa',
  specialty: 'f-specialty', backups: 'f-backup1', signals: 'f-gold',
  states_want: 'f-states-want', states_avoid: 'f-states-avoid',
  regions_want: 'f-region-1', settings_want: 'f-setting-university',
  settings_avoid: 'f-setting-university', budget: 'f-limit',
  applications: 'f-limit', target: 'f-limit',
};

const LIMITS = {
  budget: ['Budget in dollars', 'ERAS fees for every application, in US dollars.'],
  applications: ['Number of applications', 'Across your specialty and its backups.'],
  target: ['Target chance of matching (%)', 'For example 90; the list stops when it gets there.'],
};

const state = {
  families: [],   // [{name, gold, silver, programs, pgy2Only}]
  report: null,   // the last report, as the server sent it
  chart: null,    // the Chart.js instance
  busy: false,
  opener: null,   // the button that opened the detail view
  profile: null,  // the profile of the shown list, as sent
  locked: new Set(), // codes the applicant locked on the list
  scoreSeq: 0,    // the latest POST /api/score sent (older answers are dropped)
};

// ---------------------------------------------------------------------
// Small helpers.

// ---------------------------------------------------------------------
// Building the form.

function fillStatic() {
  const home = $('f-home');
  for (const code of Object.keys(STATE_NAMES).sort()) {
    home.append(el('option', { value: code, text: `${STATE_NAMES[code]} (${code})` }));
  }
  const regions = $('f-regions');
  DIVISIONS.forEach(([name, states], i) => {
    regions.append(prefRow(`f-region-${i + 1}`, name, states.split(' ').join(', ')));
  });
  const settings = $('f-settings');
  for (const [value, label] of SETTINGS) {
    settings.append(prefRow(`f-setting-${value}`, label, null));
  }
}

// One row of the regions or settings grid: a label and a select of
// "no preference / want / avoid".
function prefRow(id, label, detail) {
  const sel = el('select', { id, class: 'pref-select' },
    el('option', { value: '', text: 'No preference' }),
    el('option', { value: 'want', text: 'Want' }),
    el('option', { value: 'avoid', text: 'Avoid' }));
  const lab = el('label', { for: id }, label);
  if (detail) lab.append(el('span', { class: 'pref-detail', text: detail }));
  return el('div', { class: 'pref-row' }, lab, sel);
}

function fillSpecialties(rows) {
  const fams = new Map();
  for (const s of rows) {
    if (!s.family || s.family === 'Other') continue;
    let f = fams.get(s.family);
    if (!f) {
      f = { name: s.family, gold: 0, silver: 0, programs: 0, pgy1: false, signalsFrom: null };
      fams.set(s.family, f);
    }
    f.programs += s.programs || 0;
    // A family's signal allotment is its PGY-1 row's (or its only row's).
    if (!s.pgy2 && !f.pgy1) {
      f.pgy1 = true;
      f.signalsFrom = s;
    } else if (!f.signalsFrom) {
      f.signalsFrom = s;
    }
  }
  state.families = [...fams.values()]
    .map((f) => ({
      name: f.name, programs: f.programs,
      gold: f.signalsFrom.signals_gold || 0, silver: f.signalsFrom.signals_silver || 0,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const main = $('f-specialty');
  main.replaceChildren(el('option', { value: '', text: 'Choose a specialty' }));
  for (const id of ['f-backup1', 'f-backup2']) {
    $(id).replaceChildren(el('option', { value: '', text: 'None' }));
  }
  for (const f of state.families) {
    const label = f.programs ? `${f.name} (${count(f.programs, 'program', 'programs')})` : f.name;
    main.append(el('option', { value: f.name, text: label }));
    for (const id of ['f-backup1', 'f-backup2']) $(id).append(el('option', { value: f.name, text: f.name }));
  }
  const first = state.families.find((f) => f.name === 'Internal Medicine') || state.families[0];
  if (first) main.value = first.name;
  onSpecialty();
}

function family(name) {
  return state.families.find((f) => f.name === name);
}

function onSpecialty() {
  const f = family($('f-specialty').value);
  const hint = $('f-signals-hint');
  if (!f) {
    hint.textContent = 'The specialty\'s allotment is filled in for you.';
    return;
  }
  $('f-gold').value = String(f.gold);
  $('f-silver').value = String(f.silver);
  if (f.gold && !f.silver) {
    hint.textContent = `${f.name} allows ${f.gold} signals (one tier, entered as gold); ` +
      'SmartPick chooses where they go.';
  } else if (f.gold || f.silver) {
    hint.textContent = `${f.name} allows ${f.gold} gold and ${f.silver} silver signals; ` +
      'SmartPick chooses where they go.';
  } else {
    hint.textContent = `${f.name} has no ERAS program signals.`;
  }
}

function onApplicantType() {
  const isDO = $('f-type').value === 'us_do';
  $('exam-field').hidden = !isDO;
  if (!isDO) $('f-exam').value = 'step2';
  onExam();
  if ($('f-type').value === 'non_us_img') $('f-visa').checked = true;
}

function onExam() {
  const comlex = $('f-exam').value === 'comlex2';
  const score = $('f-score');
  $('f-score-label').textContent = comlex ? 'COMLEX Level 2-CE score' : 'USMLE Step 2 CK score';
  $('f-score-hint').textContent = comlex ? 'Between 200 and 1000.' : 'Between 180 and 300.';
  score.min = comlex ? '200' : '180';
  score.max = comlex ? '1000' : '300';
}

function onLimitMode() {
  const mode = document.querySelector('input[name="limit_mode"]:checked').value;
  const field = $('limit-field');
  field.hidden = mode === 'auto';
  if (mode === 'auto') return;
  const [label, hint] = LIMITS[mode];
  $('f-limit-label').textContent = label;
  $('f-limit-hint').textContent = hint;
  const input = $('f-limit');
  input.step = mode === 'budget' ? '1' : mode === 'applications' ? '1' : 'any';
  input.min = mode === 'target' ? '1' : mode === 'applications' ? '1' : '0';
  input.max = mode === 'target' ? '99.9' : mode === 'applications' ? '400' : '1000000';
  if (!input.value) input.value = mode === 'budget' ? '1500' : mode === 'applications' ? '40' : '90';
}

function updatePrefNotes() {
  const summarize = (prefix, names) => {
    let want = 0;
    let avoid = 0;
    for (const n of names) {
      const v = $(prefix + n).value;
      if (v === 'want') want++;
      if (v === 'avoid') avoid++;
    }
    if (!want && !avoid) return '(no preference)';
    return `(${want} wanted, ${avoid} avoided)`;
  };
  $('regions-note').textContent = summarize('f-region-', DIVISIONS.map((_, i) => i + 1));
  $('settings-note').textContent = summarize('f-setting-', SETTINGS.map(([v]) => v));
}

// ---------------------------------------------------------------------
// Reading the form into a profile (docs/profile.md).  Returns
// {profile} or {error: {field, message}} for what the page can check
// itself; the server checks everything again and names the field.

function intOf(id) {
  const v = $(id).value.trim();
  if (v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : NaN;
}

function parseStates(id, field) {
  const raw = $(id).value.trim();
  if (!raw) return { list: [] };
  const list = [];
  for (const tok of raw.split(/[\s,;]+/)) {
    if (!tok) continue;
    const code = tok.toUpperCase();
    if (!/^[A-Z]{2}$/.test(code)) {
      return { error: { field, message: `"${tok}" is not a two-letter state code.` } };
    }
    if (!list.includes(code)) list.push(code);
  }
  return { list };
}

function readProfile() {
  const p = { applicant_type: $('f-type').value };
  const score = intOf('f-score');
  const scoreKey = p.applicant_type === 'us_do' && $('f-exam').value === 'comlex2' ? 'comlex2' : 'step2';
  if (score === null || Number.isNaN(score)) {
    return { error: { field: scoreKey, message: 'Enter your score.' } };
  }
  p[scoreKey] = score;
  const research = intOf('f-research');
  if (Number.isNaN(research)) return { error: { field: 'research', message: 'Enter a number of items.' } };
  if (research !== null) p.research = research;
  if ($('f-home').value) p.home_state = $('f-home').value;
  p.needs_visa = $('f-visa').checked;
  if ($('f-aoa').value && p.applicant_type === 'us_md') p.aoa = $('f-aoa').value === 'yes';
  if (!$('f-specialty').value) return { error: { field: 'specialty', message: 'Choose a specialty.' } };
  p.specialty = $('f-specialty').value;
  const backups = [$('f-backup1').value, $('f-backup2').value].filter((v) => v);
  if (backups.length) p.backups = backups;
  const gold = intOf('f-gold');
  const silver = intOf('f-silver');
  if (Number.isNaN(gold) || Number.isNaN(silver)) {
    return { error: { field: 'signals', message: 'Signals are whole numbers.' } };
  }
  // The allotment is the default everywhere (CLI, API): send signals only
  // when they differ from it, so the page answers as the CLI does.
  const fam = family(p.specialty);
  if (!fam || (gold ?? 0) !== fam.gold || (silver ?? 0) !== fam.silver) {
    p.signals = { gold: gold ?? 0, silver: silver ?? 0 };
  }

  const want = parseStates('f-states-want', 'states_want');
  if (want.error) return want;
  const avoid = parseStates('f-states-avoid', 'states_avoid');
  if (avoid.error) return avoid;
  const regionsWant = [];
  DIVISIONS.forEach(([name, states], i) => {
    const v = $(`f-region-${i + 1}`).value;
    if (v === 'want') regionsWant.push(name);
    if (v === 'avoid') {
      for (const s of states.split(' ')) if (!avoid.list.includes(s)) avoid.list.push(s);
    }
  });
  if (want.list.length) p.states_want = want.list;
  if (avoid.list.length) p.states_avoid = avoid.list;
  if (regionsWant.length) p.regions_want = regionsWant;
  const setWant = [];
  const setAvoid = [];
  for (const [v] of SETTINGS) {
    const c = $(`f-setting-${v}`).value;
    if (c === 'want') setWant.push(v);
    if (c === 'avoid') setAvoid.push(v);
  }
  if (setWant.length) p.settings_want = setWant;
  if (setAvoid.length) p.settings_avoid = setAvoid;

  const mode = document.querySelector('input[name="limit_mode"]:checked').value;
  if (mode !== 'auto') {
    const v = intOf('f-limit');
    if (v === null || Number.isNaN(v)) {
      return { error: { field: mode, message: 'Enter a number, or let SmartPick choose.' } };
    }
    p[mode] = mode === 'target' ? Math.round(v * 10) / 1000 : v;
  }
  return { profile: p };
}

// ---------------------------------------------------------------------
// Errors: next to the field (aria-describedby, aria-invalid, focus), or
// in the banner when no field is named.

function clearErrors() {
  for (const e of document.querySelectorAll('.field-error')) e.remove();
  for (const c of document.querySelectorAll('[aria-invalid="true"]')) {
    c.removeAttribute('aria-invalid');
    const ids = (c.getAttribute('aria-describedby') || '').split(' ')
      .filter((x) => x && !x.startsWith('err-'));
    if (ids.length) c.setAttribute('aria-describedby', ids.join(' '));
    else c.removeAttribute('aria-describedby');
  }
  const banner = $('form-error');
  banner.hidden = true;
  banner.textContent = '';
}

// "profile:3:14: step2: must be between 180 and 300" -> "Must be ...".
function plainMessage(msg, field) {
  let m = String(msg || 'The server refused this value.');
  m = m.replace(/^[^:\s]*:\d+(:\d+)?:\s*/, '');
  if (field) {
    m = m.replace(new RegExp(`^(field )?'?${field}'?:\\s*`), '');
  }
  return m.charAt(0).toUpperCase() + m.slice(1);
}

function showFieldError(field, message) {
  const key = String(field || '').split(/[.[]/)[0];
  const control = $(FIELD_CONTROL[key] || '');
  if (!control) {
    showBanner(message);
    return;
  }
  const details = control.closest('details');
  if (details) details.open = true;
  const id = `err-${control.id}`;
  const p = el('p', { class: 'field-error', id }, el('span', { class: 'sr-only', text: 'Error: ' }),
    plainMessage(message, key));
  const holder = control.closest('.field, .pref-row') || control.parentElement;
  holder.append(p);
  control.setAttribute('aria-invalid', 'true');
  const ids = (control.getAttribute('aria-describedby') || '').split(' ').filter((x) => x);
  control.setAttribute('aria-describedby', [id, ...ids].join(' '));
  control.focus();
}

function showBanner(message) {
  const banner = $('form-error');
  banner.textContent = message;
  banner.hidden = false;
  banner.focus();
}

// ---------------------------------------------------------------------
// Asking for the recommendation.

function setBusy(busy) {
  state.busy = busy;
  const btn = $('submit');
  btn.setAttribute('aria-disabled', busy ? 'true' : 'false');
  btn.textContent = busy ? 'Working…' : 'Recommend programs';
  $('results').setAttribute('aria-busy', busy ? 'true' : 'false');
  if (busy) {
    $('summary').replaceChildren(el('p', { class: 'working' },
      el('span', { class: 'spinner', 'aria-hidden': 'true' }),
      'Working out your list: estimating your chances at every program…'));
  }
}

async function onSubmit(ev) {
  ev.preventDefault();
  if (state.busy) return;
  clearErrors();
  const { profile, error } = readProfile();
  if (error) {
    showFieldError(error.field, error.message);
    return;
  }
  const previous = state.report;
  setBusy(true);
  let res;
  try {
    res = await getJSON('/api/recommend', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(profile),
    });
  } catch (err) {
    setBusy(false);
    restoreSummary(previous);
    showBanner(`Could not reach the SmartPick server (${err.message}).`);
    return;
  }
  setBusy(false);
  if (!res.ok || !res.body || !Array.isArray(res.body.programs)) {
    restoreSummary(previous);
    const e = res.body && res.body.error;
    if (e && e.field) showFieldError(e.field, e.message);
    else showBanner(e && e.message ? e.message : `The server answered ${res.status}.`);
    return;
  }
  state.profile = profile;
  if (state.locked.size) await keepLocked(res.body, previous);
  else renderReport(res.body);
  exploreFor(profile);
}

// ---------------------------------------------------------------------
// Editing the list: each edit (a program added from the explorer, one
// removed, a signal moved, locked programs kept through a new
// recommendation) sends the whole list to POST /api/score, and the
// answer, a report in /api/recommend's form, replaces the summary, the
// list and the chart.  An older answer than the latest edit is dropped;
// an error leaves the list as it was and says why.

function listStatus(text, error) {
  $('l-error').textContent = error ? text : '';
  $('l-error').hidden = !error;
  if (!error) $('l-status').textContent = text;
}

async function scoreList(entries) {
  const seq = ++state.scoreSeq;
  $('results').setAttribute('aria-busy', 'true');
  let res;
  try {
    res = await getJSON('/api/score', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ profile: state.profile, rank_order: entries }),
    });
  } catch (err) {
    res = { ok: false, status: 0, body: { error: { message: `Could not reach the SmartPick server (${err.message})` } } };
  }
  if (seq !== state.scoreSeq) return null;
  $('results').setAttribute('aria-busy', 'false');
  return res;
}

async function applyEdit(entries, what) {
  if (!state.profile || !state.report) return;
  listStatus(`Re-scoring your list: ${what}…`);
  const res = await scoreList(entries);
  if (!res) return;
  if (!res.ok || !res.body || !Array.isArray(res.body.programs)) {
    const e = res.body && res.body.error;
    listStatus(`Not changed: ${e && e.message ? e.message.replace(/^[^:\s]*:\d+(:\d+)?:\s*/, '') : `HTTP ${res.status}`}`, true);
    renderList(state.report); // puts the menus back as they were
    return;
  }
  renderReport(res.body);
  listStatus(`${what}. Your chance of matching is now ${pct(res.body.p_match)}, for ${dollars(res.body.cost)}.`);
}

// A new recommendation with programs locked: the locked ones stay (with
// their signals, which come first from the allotment), the new
// recommendation's fill the rest, and the whole is scored.
async function keepLocked(rec, previous) {
  const old = previous ? previous.programs : [];
  const specs = new Set([rec.specialty, ...(rec.backups || [])]);
  const pgy1 = (Array.isArray(rec.signals) ? rec.signals : []).map((s) => s.specialty);
  for (const s of pgy1) specs.add(s);
  const kept = old.filter((p) => state.locked.has(p.code) && specs.has(p.specialty));
  const dropped = old.filter((p) => state.locked.has(p.code) && !specs.has(p.specialty));
  for (const p of dropped) state.locked.delete(p.code);
  const left = new Map();
  for (const s of Array.isArray(rec.signals) ? rec.signals : []) {
    left.set(`${s.specialty}/gold`, s.gold_available ?? 0);
    left.set(`${s.specialty}/silver`, s.silver_available ?? 0);
  }
  const take = (p, sig) => {
    if (sig === 'none') return 'none';
    const k = `${p.specialty}/${sig}`;
    if ((left.get(k) ?? 0) <= 0) return 'none';
    left.set(k, left.get(k) - 1);
    return sig;
  };
  const keptSig = new Map(kept.map((p) => [p.code, take(p, p.signal)]));
  const entries = rec.programs.filter((p) => !keptSig.has(p.code)).map((p) => ({ code: p.code, signal: take(p, p.signal) }));
  const locked = kept.map((p) => ({ code: p.code, signal: keptSig.get(p.code) }));
  const merged = [...entries, ...locked];
  state.report = rec;
  const res = await scoreList(merged);
  if (!res) return;
  if (res.ok && res.body && Array.isArray(res.body.programs)) {
    renderReport(res.body);
    listStatus(`New list with your ${kept.length} locked program${kept.length === 1 ? '' : 's'} kept.` +
      (dropped.length ? ` ${dropped.length} locked program${dropped.length === 1 ? ' was' : 's were'} dropped: ` +
        'not in your specialties any more.' : ''));
  } else {
    renderReport(rec);
    const e = res.body && res.body.error;
    listStatus(`Your locked programs could not be kept: ${e && e.message ? e.message : `HTTP ${res.status}`}`, true);
  }
}

function restoreSummary(previous) {
  if (previous) renderSummary(previous);
  else {
    $('summary').replaceChildren(el('p', { class: 'empty' },
      'Fill in your profile and press ', el('em', { text: 'Recommend programs' }), '.'));
  }
}

// ---------------------------------------------------------------------
// The report.

function signalsOf(r) {
  // The report gives one entry per specialty ([{specialty, gold, silver,
  // gold_available, silver_available}]) or, in the short form, {gold, silver}.
  const s = r.signals;
  if (Array.isArray(s)) return s;
  if (s && typeof s === 'object') return [{ specialty: r.specialty, ...s }];
  return [];
}

// The badge follows the first choice: under 80% there it says "At risk"
// (as the report's guidance does), whatever the backups add.
function band(p, r) {
  if (r && r.at_risk) return ['low', 'At risk'];
  if (p >= 0.9) return ['high', 'High'];
  if (p >= 0.8) return ['good', 'Good'];
  return ['low', 'At risk'];
}

function renderSummary(r) {
  const [bandClass, bandText] = band(r.p_match, r);
  const main = el('div', { class: 'stat stat-main' },
    el('span', { class: 'stat-label', text: 'Chance of matching anywhere' }),
    el('span', { class: 'stat-value', id: 'p-match', text: pct(r.p_match) }),
    el('span', { class: 'stat-sub' },
      el('span', { class: `band band-${bandClass}`, text: bandText }),
      pct(r.p_match_low) !== pct(r.p_match_high)
        ? ` likely between ${pct(r.p_match_low)} and ${pct(r.p_match_high)}` : ''));
  const stats = el('div', { class: 'stats' }, main);
  const backups = Array.isArray(r.backups) ? r.backups : [];
  if (typeof r.p_match_preferred === 'number') {
    stats.append(stat(`In ${r.specialty}`, pct(r.p_match_preferred), 'your first choice'));
  }
  // What the profile cannot tell (letters, grades, interviews): the range
  // of applicants like this one, 10th to 90th percentile (the CLI's line).
  if (typeof r.p_match_p10 === 'number' && typeof r.p_match_p90 === 'number') {
    const s = stat('Applicants like you', `${pct(r.p_match_p10)}–${pct(r.p_match_p90)}`,
      `10th to 90th percentile of what the profile cannot tell${r.aoa !== undefined ? ' beyond AOA' : ''}: letters, grades, interviews`);
    s.id = 'p-unknown';
    stats.append(s);
  }
  stats.append(stat('Applications', String(r.applications), `fees ${dollars(r.cost)}, transcript included`));
  if (typeof r.interviews_expected === 'number') {
    stats.append(stat('Interviews', r.interviews_expected.toFixed(1), 'expected, at most 16 attended'));
  }
  const gain = typeof r.stop_gain === 'number' ? +(100 * r.stop_gain).toPrecision(2) : 0.1;
  if (r.stop_reason === 'edited') stats.append(stat('Your edits', 'Scored', 'the list as you changed it'));
  else stats.append(stat('Stop at', String(r.stop_at), `the list's length: one more adds under ${gain} point`));
  const sig = signalsOf(r).map((s) => {
    if (s.tiered === false) return `${s.specialty}: ${s.signals} of ${s.signals_available} (one tier)`;
    const g = s.gold_available !== undefined ? `${s.gold} of ${s.gold_available}` : `${s.gold}`;
    const v = s.silver_available !== undefined ? `${s.silver} of ${s.silver_available}` : `${s.silver}`;
    return `${s.specialty}: ${g} gold, ${v} silver`;
  });
  const head = el('p', { class: 'summary-head' },
    el('strong', { text: r.specialty }),
    backups.length ? ` with ${backups.join(' and ')} as backup${backups.length > 1 ? 's' : ''}` : '');
  const parts = [head, profileLine(state.profile), stats];
  if (sig.length) parts.push(el('p', { class: 'signals-line' }, el('strong', { text: 'Signals: ' }), sig.join('; ')));
  $('summary').replaceChildren(...parts);
}

// The profile in one line, for the screen and the print view.
function profileLine(p) {
  if (!p) return null;
  const types = { us_md: 'US MD', us_do: 'US DO', us_img: 'US citizen IMG', non_us_img: 'Non-US citizen IMG' };
  const bits = [types[p.applicant_type] || p.applicant_type];
  if (p.step2 !== undefined) bits.push(`Step 2 CK ${p.step2}`);
  if (p.comlex2 !== undefined) bits.push(`COMLEX 2-CE ${p.comlex2}`);
  if (p.research !== undefined) bits.push(`${p.research} research items`);
  if (p.home_state) bits.push(`home ${p.home_state}`);
  if (p.needs_visa) bits.push('needs a visa');
  if (p.aoa !== undefined) bits.push(p.aoa ? 'AOA' : 'not AOA');
  if (p.states_want) bits.push(`wants ${p.states_want.join(', ')}`);
  if (p.states_avoid) bits.push(`avoids ${p.states_avoid.join(', ')}`);
  if (p.regions_want) bits.push(`wants ${p.regions_want.join(', ')}`);
  if (p.budget !== undefined) bits.push(`budget ${dollars(p.budget)}`);
  if (p.applications !== undefined) bits.push(`${p.applications} applications`);
  if (p.target !== undefined) bits.push(`target ${pct(p.target)}`);
  return el('p', { class: 'profile-line', id: 'profile-line' }, el('strong', { text: 'Profile: ' }), bits.join(' · '));
}

function stat(label, value, sub) {
  return el('div', { class: 'stat' },
    el('span', { class: 'stat-label', text: label }),
    el('span', { class: 'stat-value', text: value }),
    el('span', { class: 'stat-sub', text: sub }));
}

function renderReport(r) {
  state.report = r;
  renderSummary(r);
  $('report').hidden = false;
  $('results-actions').hidden = false;
  renderList(r);
  refreshListed();
  renderChart(r);
  const notes = $('notes');
  notes.replaceChildren(...(r.notes || []).map((n) => el('li', { text: n })));
  notes.hidden = !notes.children.length;
}

// ---------------------------------------------------------------------
// The chart: P(match) (left axis, %) and cost (right axis, $) against the
// number of applications, with the list's length and the stop-at point
// marked.  It shows the curve up to one and a half times the longer of
// the two (the rest is flat); the table under it lists exactly the points
// drawn.

function curveWindow(r) {
  const curve = Array.isArray(r.curve) ? r.curve : [];
  const reach = Math.max(r.applications || 0, r.stop_at || 0, 10);
  const xmax = Math.ceil(reach * 1.5);
  return curve.filter((c) => c.applications <= xmax);
}

const markers = {
  id: 'spMarkers',
  afterDatasetsDraw(chart, _args, opts) {
    const { ctx, chartArea, scales } = chart;
    for (const m of opts.lines || []) {
      const x = scales.x.getPixelForValue(m.x);
      if (!(x >= chartArea.left && x <= chartArea.right)) continue;
      ctx.save();
      ctx.strokeStyle = m.color;
      ctx.setLineDash(m.dash || []);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = m.color;
      ctx.font = '600 12px system-ui, sans-serif';
      const w = ctx.measureText(m.label).width;
      const left = x + 4 + w > chartArea.right ? x - 4 - w : x + 4;
      const y = m.bottom ? chartArea.bottom - 6 : chartArea.top + 14;
      ctx.fillText(m.label, left, y);
      ctx.restore();
    }
  },
};

function renderChart(r) {
  const pts = curveWindow(r);
  const tbody = document.querySelector('#curve-table tbody');
  tbody.replaceChildren(...pts.map((c) => el('tr', null,
    el('td', { text: String(c.applications) }),
    el('td', { text: pct(c.p_match, 1) }),
    el('td', { text: dollars(c.cost) }))));
  $('chart-summary').textContent = chartSummary(r, pts);

  const canvas = $('chart');
  if (typeof window.Chart !== 'function') {
    canvas.hidden = true;
    return;
  }
  if (state.chart) state.chart.destroy();
  const blue = '#1d5fb8';
  const orange = '#b5531a';
  state.chart = new window.Chart(canvas, {
    type: 'line',
    data: {
      datasets: [
        {
          label: 'P(match) (%)', yAxisID: 'y', borderColor: blue, backgroundColor: 'rgba(29,95,184,0.08)',
          fill: 'origin', borderWidth: 2.5, pointRadius: 0, pointHitRadius: 6, tension: 0,
          data: pts.map((c) => ({ x: c.applications, y: Math.round(1000 * c.p_match) / 10 })),
        },
        {
          label: 'Cost ($)', yAxisID: 'y1', borderColor: orange, backgroundColor: orange,
          borderDash: [6, 4], borderWidth: 2, pointRadius: 0, pointHitRadius: 6, stepped: false,
          data: pts.map((c) => ({ x: c.applications, y: c.cost })),
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: {
          type: 'linear', min: 1, max: pts.length ? pts[pts.length - 1].applications : 10,
          title: { display: true, text: 'Applications' }, ticks: { precision: 0 },
        },
        y: {
          min: 0, max: 100, position: 'left',
          title: { display: true, text: 'P(match)', color: blue },
          ticks: { callback: (v) => `${v}%`, color: blue },
        },
        y1: {
          min: 0, position: 'right', grid: { drawOnChartArea: false },
          title: { display: true, text: 'Cost (ERAS fees)', color: orange },
          ticks: { callback: (v) => dollars(v), color: orange },
        },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 24, usePointStyle: false } },
        tooltip: {
          callbacks: {
            title: (items) => count(items[0].parsed.x, 'application', 'applications'),
            label: (item) => (item.datasetIndex === 0
              ? `P(match): ${item.parsed.y.toFixed(1)}%`
              : `Cost: ${dollars(item.parsed.y)}`),
          },
        },
        spMarkers: {
          lines: [
            { x: r.applications, label: `Your list: ${r.applications}`, color: '#1b1f24' },
            r.stop_reason === 'edited' ? null
              : { x: r.stop_at, label: `Stop at ${r.stop_at}`, color: '#5a6472', dash: [3, 3], bottom: true },
          ].filter((m) => m),
        },
      },
    },
    plugins: [markers],
  });
}

function chartSummary(r, pts) {
  if (!pts.length) return 'No curve was returned.';
  const first = (p) => pts.find((c) => c.p_match >= p);
  const parts = [];
  const at = pts.find((c) => c.applications === r.applications);
  if (at) {
    parts.push(`With your list of ${count(r.applications, 'application', 'applications')} ` +
      `(${dollars(at.cost)}), the chance of matching is ${pct(at.p_match)}.`);
  }
  const half = first(0.5);
  const ninety = first(0.9);
  if (half) parts.push(`It passes 50% at ${count(half.applications, 'application', 'applications')}.`);
  if (ninety) parts.push(`It passes 90% at ${count(ninety.applications, 'application', 'applications')}.`);
  if (r.stop_reason !== 'edited') parts.push(`Past ${r.stop_at}, one more application adds under 0.1 point.`);
  const last = pts[pts.length - 1];
  parts.push(`At ${last.applications} applications: ${pct(last.p_match)} for ${dollars(last.cost)}.`);
  return parts.join(' ');
}

// ---------------------------------------------------------------------
// The detail view: a modal dialog.  Enter or Space on a program's name
// opens it; Escape or the close button closes it, and focus goes back to
// the name.

function dlRow(term, value) {
  return [el('dt', { text: term }), el('dd', { text: value })];
}

function yesNo(v) {
  return v ? 'Yes' : 'No';
}

// The catalog's fields that are SmartPick's estimates, not published
// figures (the report's `estimated`, docs/catalog.md): marked where shown.
const RATE_GROUPS = [
  ['md', 'US MD'], ['do', 'US DO'], ['usimg', 'US IMG'], ['img', 'Non-US IMG'],
  ['instate', 'In-state school'], ['outstate', 'Out-of-state school'],
  ['gold', 'Gold signal'], ['silver', 'Silver signal'], ['signal', 'Signal'], ['nosignal', 'No signal'],
];

function renderDetail(p, prog) {
  const body = $('detail-body');
  const facts = el('dl', { class: 'facts' });
  const add = (t, v) => facts.append(...dlRow(t, v));
  const estimated = new Set(Array.isArray(p.estimated) ? p.estimated : []);
  const mark = (field, v) => (estimated.has(field) ? `${v} (estimated)` : v);
  add('Code', p.code);
  add('Specialty', prog && prog.specialty ? `${p.specialty} (${prog.specialty}${prog.track ? `, ${prog.track}` : ''})` : p.specialty);
  if (p.city) add('City', p.city);
  add('State', `${STATE_NAMES[p.state] || p.state} (${p.state})`);
  add('Region', p.region || (prog && DIVISIONS[prog.region - 1] ? DIVISIONS[prog.region - 1][0] : '–'));
  add('Setting', mark('setting', settingName(p.setting || (prog && prog.setting))));
  add('Positions', mark('positions', String(p.positions ?? (prog && prog.positions) ?? '–')));
  if (prog) {
    add('Interview slots', mark('interview_slots', String(prog.interview_slots)));
    add('Takes signals', mark('accepts_signals', yesNo(prog.accepts_signals)));
    add('Sponsors visas', mark('sponsors_visa', yesNo(prog.sponsors_visa)));
    add('Residents\' Step 2 CK median', mark('step2_median', String(Math.round(prog.step2_median))));
    if (prog.synthetic) add('Source', 'Synthetic: drawn at random, not a real program');
  }
  const m = p.measured_rates;
  if (m && typeof m === 'object') {
    const shown = RATE_GROUPS.filter(([k]) => typeof m[k] === 'number')
      .map(([k, label]) => `${label} ${Math.round(100 * m[k])}%`);
    if (shown.length) add(`Interview offers, ${m.cycle} (measured)`, shown.join(' · '));
  }
  const est = el('table', { class: 'estimates' },
    el('caption', { text: 'Your estimates here' }),
    el('tbody', null,
      estRow('Tier', p.tier ? p.tier[0].toUpperCase() + p.tier.slice(1) : '–'),
      estRow('Signal on your list', p.signal === 'none' ? 'None' : p.signal),
      estRow('P(interview) with your signal', pct(p.p_interview)),
      estRow('P(interview) without a signal', pct(p.p_interview_none)),
      estRow('P(interview) with a silver signal', pct(p.p_interview_silver)),
      estRow('P(interview) with a gold signal', pct(p.p_interview_gold)),
      estRow('P(match here | interviewed)', pct(p.p_match_if_interviewed)),
      p.p_match_if_applied !== undefined ? estRow('P(match here | applied)', pct(p.p_match_if_applied)) : null,
      estRow('P(match here), with your whole list', pct(p.p_match))));
  const reasons = el('ul', { class: 'reasons' }, ...(p.reasons || []).map((x) => el('li', { text: x })));
  body.replaceChildren(el('div', { class: 'detail-grid' },
    el('section', { 'aria-label': 'The program' }, facts),
    el('section', { 'aria-label': 'Your estimates' }, est)),
  el('h3', { text: 'Why' }), reasons);
}

function estRow(k, v) {
  return el('tr', null, el('th', { scope: 'row', text: k }), el('td', { text: v }));
}

async function openDetail(p, opener) {
  state.opener = opener;
  const dlg = $('detail');
  $('detail-h').textContent = p.name;
  renderDetail(p, null);
  $('detail-body').prepend(el('p', { class: 'loading', id: 'detail-loading', text: 'Loading the program…' }));
  if (!dlg.open) dlg.showModal();
  $('detail-close').focus();
  try {
    const res = await getJSON(`/api/programs/${encodeURIComponent(p.id)}`);
    if (!dlg.open || state.opener !== opener) return;
    if (res.ok && res.body) renderDetail(p, res.body);
    else {
      const l = $('detail-loading');
      if (l) l.textContent = 'The program\'s catalog entry could not be loaded.';
    }
  } catch {
    const l = $('detail-loading');
    if (l) l.textContent = 'The program\'s catalog entry could not be loaded.';
  }
}

function closeDetail() {
  const dlg = $('detail');
  if (dlg.open) dlg.close();
}

// ---------------------------------------------------------------------
// Start.

async function start() {
  fillStatic();
  updatePrefNotes();
  onApplicantType();
  onLimitMode();
  $('f-type').addEventListener('change', onApplicantType);
  $('f-exam').addEventListener('change', onExam);
  $('f-specialty').addEventListener('change', onSpecialty);
  for (const r of document.querySelectorAll('input[name="limit_mode"]')) r.addEventListener('change', onLimitMode);
  $('f-regions').addEventListener('change', updatePrefNotes);
  $('f-settings').addEventListener('change', updatePrefNotes);
  const form = $('profile-form');
  form.addEventListener('submit', onSubmit);
  form.addEventListener('reset', () => {
    clearErrors();
    setTimeout(() => {
      onApplicantType();
      onLimitMode();
      onSpecialty();
      updatePrefNotes();
    });
  });
  $('export-csv').addEventListener('click', () => {
    if (state.report) exportCSV(state.report, state.profile, state.locked);
  });
  initList({
    locked: state.locked,
    onEdit: applyEdit,
    openDetail,
  });
  initExplorer({
    listed: () => new Set(state.report ? state.report.programs.map((p) => p.code) : []),
    onAdd: (p) => applyEdit([...entriesOf(state.report), { code: p.code, signal: 'none' }], `Added ${p.name}`),
  });
  $('print').addEventListener('click', () => window.print());
  $('detail-close').addEventListener('click', closeDetail);
  const dlg = $('detail');
  dlg.addEventListener('close', () => {
    if (state.opener && document.contains(state.opener)) state.opener.focus();
    state.opener = null;
  });
  // A click on the backdrop (outside the dialog's box) closes it too.
  dlg.addEventListener('click', (ev) => {
    if (ev.target === dlg) closeDetail();
  });

  const [health, specs] = await Promise.all([
    getJSON('/api/health').catch(() => null),
    getJSON('/api/specialties').catch(() => null),
  ]);
  if (health && health.ok && health.body) {
    const h = health.body;
    const st = $('catalog-status');
    st.replaceChildren(
      h.synthetic ? el('span', { class: 'badge badge-synthetic', text: 'Synthetic catalog' }) : '',
      ` ${count(h.programs || 0, 'program', 'programs')}`);
    st.hidden = false;
  }
  if (!specs || !specs.ok || !specs.body || !Array.isArray(specs.body.specialties)) {
    $('f-specialty').replaceChildren(el('option', { value: '', text: 'Could not load specialties' }));
    showBanner('Could not load the list of specialties from the server. Reload the page to try again.');
    return;
  }
  fillSpecialties(specs.body.specialties);
  document.documentElement.dataset.ready = 'true';
}

start();
