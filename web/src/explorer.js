// explorer.js — the program explorer on SmartPick's page: every program
// of the applicant's specialty (or a backup) with their chances there,
// from POST /api/chances (docs/http-api.md), filtered by name, state,
// census region, setting and visa sponsorship, sorted by any column,
// shown 50 rows at a time, and each one added to the list with one
// button (the page then re-scores the list through POST /api/score).
// Text goes in through textContent only; every request goes to this
// page's own origin.

import { $, el, pct, count, getJSON, settingName, STATE_NAMES } from './util.js';

const PAGE = 50;

const x = {
  ctx: null, // {onAdd(program), listed(): Set of codes on the list}
  profile: null,
  data: null, // the /api/chances answer
  sort: { key: 'p_match_if_applied', dir: -1 },
  limit: PAGE,
  seq: 0,
};

// The columns: key, header, numeric, tooltip.
function columns() {
  const tiered = x.data && x.data.tiered;
  const cols = [
    ['name', 'Program', false, 'Sort by name'],
    ['state', 'State', false, 'Sort by state'],
    ['region', 'Region', false, 'Census division'],
    ['setting', 'Setting', false, 'University, community-university, community or military'],
    ['sponsors_visa', 'Visa', false, 'Whether the program sponsors a J-1 or H-1B visa'],
    ['p_interview_no_signal', 'P(interview), no signal', true, 'The chance it invites you without a signal'],
  ];
  if (tiered) {
    cols.push(['p_interview_silver', 'With silver', true, 'The chance it invites you with a silver signal'],
      ['p_interview_gold', 'With gold', true, 'The chance it invites you with a gold signal']);
  } else {
    cols.push(['p_interview_signal', 'With a signal', true, 'The chance it invites you with a signal']);
  }
  cols.push(['p_match_if_applied', 'P(match if applied)', true,
    'The chance you match there if it were the only program you applied to']);
  return cols;
}

export function initExplorer(ctx) {
  x.ctx = ctx;
  for (const id of ['x-search', 'x-state', 'x-region', 'x-setting', 'x-visa']) {
    $(id).addEventListener('input', () => {
      x.limit = PAGE;
      render();
    });
  }
  $('x-specialty').addEventListener('change', () => load(x.profile));
  $('x-more').addEventListener('click', () => {
    const before = visibleRows().length;
    x.limit += PAGE;
    render();
    const rows = document.querySelectorAll('#x-table tbody tr');
    if (rows[before]) rows[before].querySelector('button.link, button').focus();
  });
}

// Offers the profile's specialty and backups, then loads the first.
export function exploreFor(profile) {
  const specs = [profile.specialty, ...(profile.backups || [])];
  const sel = $('x-specialty');
  const keep = sel.value;
  sel.replaceChildren(...specs.map((s) => el('option', { value: s, text: s })));
  sel.value = specs.includes(keep) ? keep : specs[0];
  $('explorer').hidden = false;
  return load(profile);
}

async function load(profile) {
  x.profile = profile;
  const seq = ++x.seq;
  const spec = $('x-specialty').value;
  $('x-status').textContent = `Loading every ${spec} program…`;
  let res;
  try {
    res = await getJSON(`/api/chances?specialty=${encodeURIComponent(spec)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(profile),
    });
  } catch (err) {
    if (seq === x.seq) $('x-status').textContent = `Could not load the programs (${err.message}).`;
    return;
  }
  if (seq !== x.seq) return;
  if (!res.ok || !res.body || !Array.isArray(res.body.programs)) {
    const e = res.body && res.body.error;
    $('x-status').textContent = `Could not load the programs: ${e && e.message ? e.message : `HTTP ${res.status}`}.`;
    return;
  }
  x.data = res.body;
  x.limit = PAGE;
  fillFilters();
  render();
}

function fillFilters() {
  const progs = x.data.programs;
  const fill = (id, all, values, label) => {
    const sel = $(id);
    const keep = sel.value;
    sel.replaceChildren(el('option', { value: '', text: all }),
      ...values.map((v) => el('option', { value: v, text: label(v) })));
    sel.value = values.includes(keep) ? keep : '';
  };
  fill('x-state', 'All states', [...new Set(progs.map((p) => p.state))].sort(),
    (s) => `${STATE_NAMES[s] || s} (${s})`);
  fill('x-region', 'All regions', [...new Set(progs.map((p) => p.region))].sort(), (s) => s);
  fill('x-setting', 'All settings', [...new Set(progs.map((p) => p.setting))].sort(), settingName);
}

function matches(p) {
  const q = $('x-search').value.trim().toLowerCase();
  const st = $('x-state').value;
  const rg = $('x-region').value;
  const se = $('x-setting').value;
  const visa = $('x-visa').value;
  return (!q || p.name.toLowerCase().includes(q) || p.code.toLowerCase().includes(q)) &&
    (!st || p.state === st) && (!rg || p.region === rg) && (!se || p.setting === se) &&
    (!visa || (visa === 'yes') === !!p.sponsors_visa);
}

function sortKey(p, key) {
  const v = p[key];
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === null || v === undefined) return -1;
  return String(v).toLowerCase();
}

function visibleRows() {
  const { key, dir } = x.sort;
  const at = new Map(x.data.programs.map((p, i) => [p.code, i]));
  const rows = x.data.programs.filter(matches);
  // Ties keep the API's order (best first by the unrounded figure).
  return rows.sort((a, b) => {
    const u = sortKey(a, key);
    const v = sortKey(b, key);
    if (u < v) return -dir;
    if (u > v) return dir;
    return at.get(a.code) - at.get(b.code);
  });
}

function render() {
  if (!x.data) return;
  // The Add button that had focus keeps it through the redraw.
  const a = document.activeElement;
  const focused = a && a.matches && a.matches('#x-table button.add') ? a.dataset.code : null;
  const cols = columns();
  const tr = el('tr');
  for (const [key, label, num, tip] of cols) {
    const active = x.sort.key === key;
    const btn = el('button', { type: 'button', class: 'sort', 'data-key': key, title: tip }, label,
      el('span', { class: 'sort-mark', 'aria-hidden': 'true', text: active ? (x.sort.dir > 0 ? ' ▲' : ' ▼') : '' }));
    btn.addEventListener('click', () => {
      x.sort = x.sort.key === key ? { key, dir: -x.sort.dir } : { key, dir: num ? -1 : 1 };
      render();
      const again = document.querySelector(`#x-table button.sort[data-key="${key}"]`);
      if (again) again.focus();
    });
    tr.append(el('th', { scope: 'col', class: num ? 'num' : undefined,
      'aria-sort': active ? (x.sort.dir > 0 ? 'ascending' : 'descending') : undefined }, btn));
  }
  tr.append(el('th', { scope: 'col', text: 'Your list' }));
  const rows = visibleRows();
  const listed = x.ctx.listed();
  const tbody = el('tbody');
  for (const p of rows.slice(0, x.limit)) tbody.append(row(p, cols, listed));
  $('x-table').replaceChildren(
    el('caption', { class: 'sr-only', text: `${x.data.specialty} programs and your chances there` }),
    el('thead', null, tr), tbody);
  const total = x.data.programs.length;
  const shown = Math.min(rows.length, x.limit);
  $('x-status').textContent = `${x.data.specialty}: showing ${shown} of ${count(rows.length, 'matching program', 'matching programs')}` +
    (rows.length !== total ? ` (${total} in all).` : '.');
  $('x-more').hidden = rows.length <= x.limit;
  if (focused) {
    const b = document.querySelector(`#x-table button.add[data-code="${CSS.escape(focused)}"]`);
    if (b) b.focus();
  }
}

function row(p, cols, listed) {
  const on = listed.has(p.code);
  const add = el('button', { type: 'button', class: 'btn btn-small add', 'data-code': p.code,
    'aria-label': on ? `${p.name} is on your list` : `Add ${p.name} to your list`,
    'aria-disabled': on ? 'true' : undefined, text: on ? 'On your list' : 'Add' });
  add.addEventListener('click', () => {
    if (x.ctx.listed().has(p.code)) return;
    x.ctx.onAdd(p);
  });
  const cells = cols.map(([key, label, num]) => {
    if (key === 'name') {
      return el('td', { class: 'prog', 'data-label': label }, el('span', { class: 'pname', text: p.name }),
        el('span', { class: 'meta', text: p.code }));
    }
    let text;
    if (num) text = p[key] === null || p[key] === undefined ? 'No signals' : pct(p[key]);
    else if (key === 'sponsors_visa') text = p.sponsors_visa ? 'Sponsors' : 'No';
    else if (key === 'setting') text = settingName(p.setting);
    else text = String(p[key] ?? '–');
    return el('td', { class: num ? 'num' : undefined, 'data-label': label, text });
  });
  return el('tr', { 'data-code': p.code }, ...cells, el('td', { class: 'act', 'data-label': 'Your list' }, add));
}

// The list changed: the buttons say which programs are on it.
export function refreshListed() {
  if (x.data) render();
}
