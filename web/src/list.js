// list.js — the applicant's list on SmartPick's page: one table per tier
// (reach, target, likely), each a collapsible section whose rows scroll
// inside a box of bounded height, sortable by any column, filtered by
// name, tier, state and signal; the columns explained in a legend and in
// each header's tooltip; the edits (remove a program, lock it, move a
// signal) handed to the page, which re-scores the list through
// POST /api/score; two to four programs compared side by side; and the
// CSV export (the profile, then every program with its rank, every
// probability and every reason).  Text goes in through textContent only.

import { $, el, pct, settingName, signalBadge, STATE_NAMES } from './util.js';

// Tiers are defined on P(match if applied), the column every row shows.
export const TIERS = [
  ['reach', 'Reach', 'P(match if applied) under 12%: worth a try, often with a signal.'],
  ['target', 'Target', 'P(match if applied) 12–35%.'],
  ['likely', 'Likely', 'P(match if applied) at least 35%.'],
];

// The columns a list can be sorted by: key, header, numeric, the legend
// entry that explains it.
const COLUMNS = [
  ['rank', '#', true, 'lg-rank'],
  ['name', 'Program and why', false, null],
  ['signal', 'Signal', false, 'lg-signal'],
  ['p_interview', 'P(interview)', true, 'lg-interview'],
  ['p_match_if_applied', 'P(match if applied)', true, 'lg-applied'],
  ['p_match', 'Share of matches', true, 'lg-share'],
];

// The legend: what every column means, in plain words (the same words
// as `smartpick help`).  Ids are referred to by the headers.
export const LEGEND = [
  ['lg-tier', 'Tier', 'Reach, target or likely, from P(match if applied): likely at 35% or more, ' +
    'target from 12%, reach below that.'],
  ['lg-rank', '#', 'Where the program stands in your list, in order of preference. Your order ' +
    'decides where you land, never whether you match.'],
  ['lg-signal', 'Signal', 'The ERAS program signal you send there (gold, silver or none). Change it with ' +
    'the menu; your specialty\'s allotment is the limit.'],
  ['lg-interview', 'P(interview)', 'The chance the program invites you to interview, with the signal shown.'],
  ['lg-applied', 'P(match if applied)', 'The chance you match there if it were the only program you ' +
    'applied to: it invites you and ranks you high enough.'],
  ['lg-share', 'Share of matches', 'The chance you end up matching there with your whole list ' +
    '(you match there and at no program you prefer). These add up to your P(match).'],
  ['lg-lock', 'Lock', 'A locked program stays on your list when you ask for a new recommendation, ' +
    'and cannot be removed until you unlock it.'],
];

const SIGNAL_ORDER = { gold: 2, silver: 1, none: 0 };

const view = {
  sort: { key: 'rank', dir: 1 },
  compare: new Set(), // codes picked for the comparison
  closed: new Set(), // tiers the applicant collapsed
  ctx: null, // {locked: Set, onEdit(entries, what), openDetail(p, button)}
  report: null,
};

function legendText(id) {
  const e = LEGEND.find(([k]) => k === id);
  return e ? e[2] : '';
}

// The list as /api/score takes it, in the report's order.
export function entriesOf(r) {
  return r.programs.map((p) => ({ code: p.code, signal: p.signal }));
}

// ---------------------------------------------------------------------
// Building the static parts (once): the legend and the toolbar's events.

export function initList(ctx) {
  view.ctx = ctx;
  const dl = $('legend-list');
  for (const [id, term, text] of LEGEND) {
    dl.append(el('dt', { text: term }), el('dd', { id, text }));
  }
  for (const id of ['l-search', 'l-tier', 'l-state', 'l-signal']) {
    $(id).addEventListener('input', applyFilters);
  }
  $('l-collapse').addEventListener('click', () => {
    const secs = [...document.querySelectorAll('#groups details.tier-group')];
    const open = secs.some((s) => s.open);
    for (const s of secs) s.open = !open;
    syncCollapse();
  });
  $('compare-btn').addEventListener('click', () => {
    if (view.compare.size < 2) {
      $('l-status').textContent = 'Tick two to four programs to compare them.';
      return;
    }
    renderCompare(true);
  });
  $('compare-close').addEventListener('click', () => {
    $('compare').hidden = true;
    $('compare-btn').focus();
  });
}

function syncCollapse() {
  const secs = [...document.querySelectorAll('#groups details.tier-group')];
  view.closed = new Set(secs.filter((s) => !s.open).map((s) => s.dataset.tier));
  $('l-collapse').textContent = secs.some((s) => s.open) ? 'Collapse all' : 'Expand all';
}

// ---------------------------------------------------------------------
// The tables.

function sortValue(p, key, index) {
  if (key === 'rank') return index;
  if (key === 'name') return p.name.toLowerCase();
  if (key === 'signal') return SIGNAL_ORDER[p.signal] ?? 0;
  return typeof p[key] === 'number' ? p[key] : -1;
}

function sorted(rows, r) {
  const { key, dir } = view.sort;
  const index = new Map(r.programs.map((p, i) => [p.code, i]));
  return [...rows].sort((a, b) => {
    const u = sortValue(a, key, index.get(a.code));
    const v = sortValue(b, key, index.get(b.code));
    if (u < v) return -dir;
    if (u > v) return dir;
    return index.get(a.code) - index.get(b.code);
  });
}

function header() {
  const tr = el('tr', null, el('th', { scope: 'col', class: 'sel' }, el('span', { class: 'sr-only', text: 'Compare' })));
  for (const [key, label, num, legend] of COLUMNS) {
    const active = view.sort.key === key;
    const btn = el('button', {
      type: 'button', class: 'sort', 'data-key': key, title: legend ? legendText(legend) : 'Sort by name',
      'aria-describedby': legend || undefined,
    }, label, el('span', { class: 'sort-mark', 'aria-hidden': 'true', text: active ? (view.sort.dir > 0 ? ' ▲' : ' ▼') : '' }));
    btn.addEventListener('click', () => {
      view.sort = view.sort.key === key ? { key, dir: -view.sort.dir } : { key, dir: num && key !== 'rank' ? -1 : 1 };
      renderList(view.report);
      const again = document.querySelector(`#groups button.sort[data-key="${key}"]`);
      if (again) again.focus();
    });
    tr.append(el('th', {
      scope: 'col', class: num ? 'num' : undefined,
      'aria-sort': active ? (view.sort.dir > 0 ? 'ascending' : 'descending') : undefined,
    }, btn));
  }
  tr.append(el('th', { scope: 'col', text: 'Edit' }));
  return el('thead', null, tr);
}

// The control that had focus in a row, to give it back after the list is
// redrawn (the same control of the same program, or of its neighbour
// when the program left the list).
const ROW_CONTROLS = ['button.lock', 'button.remove', 'button.link', 'select.sig-select', 'input.cmp'];

function focusKey() {
  const a = document.activeElement;
  const tr = a && a.closest ? a.closest('#groups tr[data-code]') : null;
  const sel = tr && ROW_CONTROLS.find((k) => a.matches(k));
  if (!sel) return null;
  const near = tr.nextElementSibling || tr.previousElementSibling;
  return { code: tr.dataset.code, sel, near: near ? near.dataset.code : null };
}

function restoreFocus(k) {
  if (!k) return;
  const q = (code) => document.querySelector(`#groups tr[data-code="${CSS.escape(code)}"] ${k.sel}`);
  const e = q(k.code) || (k.near && q(k.near));
  if (e) e.focus();
}

export function renderList(r) {
  const focus = focusKey();
  view.report = r;
  const codes = new Set(r.programs.map((p) => p.code));
  for (const c of [...view.compare]) if (!codes.has(c)) view.compare.delete(c);
  const groups = $('groups');
  groups.replaceChildren();
  const multi = new Set(r.programs.map((p) => p.specialty)).size > 1;
  const rank = new Map(r.programs.map((p, i) => [p.code, i + 1]));
  for (const [tier, title, blurb] of TIERS) {
    const rows = r.programs.filter((p) => p.tier === tier);
    const sec = el('details', { class: 'tier-group', id: `tier-${tier}`, 'data-tier': tier });
    sec.open = !view.closed.has(tier);
    sec.addEventListener('toggle', syncCollapse);
    sec.append(el('summary', null, el('h3', { id: `tier-${tier}-h` },
      el('span', { class: `tier-dot tier-${tier}`, 'aria-hidden': 'true' }),
      `${title} `, el('span', { class: 'count', text: `(${rows.length})` }))),
    el('p', { class: 'tier-blurb', text: blurb }));
    if (!rows.length) {
      sec.append(el('p', { class: 'none', text: 'None on your list.' }));
      groups.append(sec);
      continue;
    }
    const tbody = el('tbody');
    for (const p of sorted(rows, r)) tbody.append(programRow(p, multi, rank.get(p.code), r));
    sec.append(el('div', { class: 'table-scroll list-scroll', tabindex: '0', role: 'region',
      'aria-label': `${title} programs, scrollable` }, el('table', { class: 'programs' },
      el('caption', { class: 'sr-only', text: `${title} programs` }), header(), tbody)));
    groups.append(sec);
  }
  fillStates(r);
  applyFilters();
  syncCollapse();
  updateCompareButton();
  if (!$('compare').hidden) renderCompare(false);
  restoreFocus(focus);
}

// The signal tiers a program can take: from the report's signals entry
// for its specialty ({tiered, gold_available, silver_available}).
function signalChoices(p, r) {
  if (!p.accepts_signals) return [];
  const s = (Array.isArray(r.signals) ? r.signals : []).find((x) => x.specialty === p.specialty);
  if (!s) return [];
  const out = [['none', 'No signal']];
  if (s.silver_available > 0) out.push(['silver', 'Silver']);
  if (s.gold_available > 0) out.push(['gold', s.tiered === false ? 'Signal' : 'Gold']);
  return out.length > 1 ? out : [];
}

function programRow(p, multi, rank, r) {
  const ctx = view.ctx;
  const locked = ctx.locked.has(p.code);
  const open = el('button', { type: 'button', class: 'link', 'data-id': p.id,
    'aria-haspopup': 'dialog', text: p.name });
  open.addEventListener('click', () => ctx.openDetail(p, open));
  const meta = [p.code, `${p.state}`, settingName(p.setting)];
  if (multi) meta.push(p.specialty);
  const reasons = p.reasons || [];
  const why = el('div', { class: 'why' },
    el('ul', { class: 'reasons' }, ...reasons.slice(0, 1).map((x) => el('li', { text: x }))));
  if (reasons.length > 1) {
    why.append(el('details', { class: 'more' },
      el('summary', { text: `${reasons.length - 1} more reason${reasons.length > 2 ? 's' : ''}` }),
      el('ul', { class: 'reasons' }, ...reasons.slice(1).map((x) => el('li', { text: x })))));
  }
  const pick = el('input', { type: 'checkbox', id: `cmp-${p.code}`, 'data-code': p.code, class: 'cmp' });
  pick.checked = view.compare.has(p.code);
  pick.addEventListener('change', () => {
    if (pick.checked) view.compare.add(p.code);
    else view.compare.delete(p.code);
    updateCompareButton();
    if (!$('compare').hidden) renderCompare(false);
  });
  const sig = el('td', { class: 'sig', 'data-label': 'Signal' }, signalBadge(p.signal));
  const choices = signalChoices(p, r);
  if (choices.length) {
    const sel = el('select', { class: 'sig-select', 'aria-label': `Signal for ${p.name}`, 'data-code': p.code });
    for (const [v, t] of choices) sel.append(el('option', { value: v, text: t }));
    sel.value = p.signal;
    sel.addEventListener('change', () => {
      const entries = entriesOf(view.report).map((e) => (e.code === p.code ? { ...e, signal: sel.value } : e));
      ctx.onEdit(entries, `${sel.value === 'none' ? 'No signal' : `${sel.value} signal`} at ${p.name}`);
    });
    sig.append(sel);
  }
  const lock = el('button', { type: 'button', class: 'btn btn-small lock', 'aria-pressed': locked ? 'true' : 'false',
    'aria-label': `${locked ? 'Unlock' : 'Lock'} ${p.name}`, title: legendText('lg-lock'),
    text: locked ? 'Locked' : 'Lock' });
  lock.addEventListener('click', () => {
    if (ctx.locked.has(p.code)) ctx.locked.delete(p.code);
    else ctx.locked.add(p.code);
    renderList(view.report);
  });
  const remove = el('button', { type: 'button', class: 'btn btn-small remove', 'aria-label': `Remove ${p.name}`,
    text: 'Remove', 'aria-disabled': locked ? 'true' : undefined,
    title: locked ? 'Unlock it to remove it' : undefined });
  remove.addEventListener('click', () => {
    if (ctx.locked.has(p.code)) {
      $('l-status').textContent = `${p.name} is locked: unlock it to remove it.`;
      return;
    }
    if (view.report.programs.length <= 1) {
      $('l-status').textContent = 'Your list needs at least one program.';
      return;
    }
    ctx.onEdit(entriesOf(view.report).filter((e) => e.code !== p.code), `Removed ${p.name}`);
  });
  return el('tr', { 'data-code': p.code, 'data-state': p.state, 'data-signal': p.signal,
    class: locked ? 'locked' : undefined },
  el('td', { class: 'sel', 'data-label': 'Compare' }, pick,
    el('label', { for: pick.id, class: 'sr-only', text: `Compare ${p.name}` })),
  el('td', { class: 'num rank', 'data-label': '#', text: String(rank) }),
  el('td', { class: 'prog', 'data-label': 'Program' }, open, el('span', { class: 'meta', text: meta.join(' · ') }),
    locked ? el('span', { class: 'lock-mark', text: 'Locked' }) : null, why),
  sig,
  el('td', { class: 'num', 'data-label': 'P(interview)', text: pct(p.p_interview) }),
  el('td', { class: 'num', 'data-label': 'P(match if applied)', text: pct(p.p_match_if_applied) }),
  el('td', { class: 'num', 'data-label': 'Share of matches', text: pct(p.p_match) }),
  el('td', { class: 'act', 'data-label': 'Edit' }, lock, remove));
}

// ---------------------------------------------------------------------
// Filters: name, tier, state, signal.  A filtered-out row is hidden; a
// tier the filter leaves out is hidden whole.

function fillStates(r) {
  const sel = $('l-state');
  const keep = sel.value;
  const states = [...new Set(r.programs.map((p) => p.state))].sort();
  sel.replaceChildren(el('option', { value: '', text: 'All states' }),
    ...states.map((s) => el('option', { value: s, text: `${STATE_NAMES[s] || s} (${s})` })));
  sel.value = states.includes(keep) ? keep : '';
}

function applyFilters() {
  const r = view.report;
  if (!r) return;
  const q = $('l-search').value.trim().toLowerCase();
  const tier = $('l-tier').value;
  const st = $('l-state').value;
  const sig = $('l-signal').value;
  let shown = 0;
  for (const [t, title] of TIERS) {
    const sec = $(`tier-${t}`);
    if (!sec) continue;
    sec.hidden = !!tier && tier !== t;
    let n = 0;
    let of = 0;
    for (const tr of sec.querySelectorAll('tbody tr')) {
      const p = r.programs.find((x) => x.code === tr.dataset.code);
      const ok = !sec.hidden && (!q || p.name.toLowerCase().includes(q) || p.code.toLowerCase().includes(q)) &&
        (!st || p.state === st) && (!sig || p.signal === sig);
      tr.hidden = !ok;
      of++;
      if (ok) n++;
    }
    shown += n;
    const c = sec.querySelector('.count');
    if (c) c.textContent = n === of ? `(${of})` : `(${n} of ${of})`;
    sec.setAttribute('aria-label', `${title}: ${n} of ${of} programs shown`);
  }
  const total = r.programs.length;
  $('l-shown').textContent = shown === total ? `All ${total} programs shown.`
    : `Showing ${shown} of ${total} programs.`;
}

// ---------------------------------------------------------------------
// The comparison: two to four programs of the list side by side.

function updateCompareButton() {
  const n = view.compare.size;
  const btn = $('compare-btn');
  btn.textContent = `Compare selected (${n})`;
  btn.setAttribute('aria-disabled', n >= 2 ? 'false' : 'true');
  for (const c of document.querySelectorAll('#groups input.cmp')) {
    c.disabled = !c.checked && n >= 4;
  }
}

const COMPARE_ROWS = [
  ['Code', (p) => p.code],
  ['Specialty', (p) => p.specialty],
  ['State', (p) => `${STATE_NAMES[p.state] || p.state} (${p.state})`],
  ['Region', (p) => p.region || '–'],
  ['Setting', (p) => settingName(p.setting)],
  ['Positions', (p) => String(p.positions ?? '–')],
  ['Sponsors visas', (p) => (p.sponsors_visa ? 'Yes' : 'No')],
  ['Takes signals', (p) => (p.accepts_signals ? 'Yes' : 'No')],
  ['Tier', (p) => p.tier[0].toUpperCase() + p.tier.slice(1)],
  ['Your signal', (p) => (p.signal === 'none' ? 'None' : p.signal)],
  ['Rank on your list', (p, i) => `#${i + 1}`],
];
const COMPARE_NUMS = [
  ['P(interview) with your signal', 'p_interview'],
  ['P(interview) without a signal', 'p_interview_none'],
  ['P(interview) with a silver signal', 'p_interview_silver'],
  ['P(interview) with a gold signal', 'p_interview_gold'],
  ['P(match | interviewed)', 'p_match_if_interviewed'],
  ['P(match if applied)', 'p_match_if_applied'],
  ['Share of matches', 'p_match'],
];

function renderCompare(focus) {
  const r = view.report;
  const picked = r.programs.map((p, i) => [p, i]).filter(([p]) => view.compare.has(p.code));
  const box = $('compare');
  if (picked.length < 2) {
    box.hidden = true;
    return;
  }
  const head = el('tr', null, el('td', { class: 'corner' }),
    ...picked.map(([p]) => el('th', { scope: 'col', 'data-code': p.code, text: p.name })));
  const body = el('tbody');
  for (const [label, f] of COMPARE_ROWS) {
    body.append(el('tr', null, el('th', { scope: 'row', text: label }),
      ...picked.map(([p, i]) => el('td', { text: f(p, i) }))));
  }
  for (const [label, key] of COMPARE_NUMS) {
    const vals = picked.map(([p]) => (typeof p[key] === 'number' ? p[key] : null));
    // "Highest" as shown: whole percents, every program at the top, none
    // when all are alike.
    const shown = vals.map((v) => (v === null ? null : Math.round(100 * v)));
    const best = Math.max(...shown.filter((v) => v !== null));
    const ntop = shown.filter((v) => v === best).length;
    body.append(el('tr', { 'data-key': key }, el('th', { scope: 'row', text: label }),
      ...vals.map((v, i) => {
        const top = v !== null && shown[i] === best && ntop < vals.length;
        return el('td', { class: top ? 'num best' : 'num' }, pct(v),
          top ? el('span', { class: 'best-mark', text: ' (highest)' }) : null);
      })));
  }
  body.append(el('tr', null, el('th', { scope: 'row', text: 'Why' }),
    ...picked.map(([p]) => el('td', null, el('ul', { class: 'reasons' },
      ...(p.reasons || []).map((x) => el('li', { text: x })))))));
  $('compare-table').replaceChildren(
    el('caption', { text: `${picked.length} programs side by side` }), el('thead', null, head), body);
  box.hidden = false;
  if (focus) $('compare-h').focus();
}

// ---------------------------------------------------------------------
// CSV (RFC 4180, built here and downloaded from a Blob).  Two tables:
// the profile and the list's totals as "field,value" rows, a blank
// line, then one row per program in list order.  A cell that a
// spreadsheet would read as a formula (it starts with = + - @, a tab or
// a carriage return) gets a leading apostrophe.

export const CSV_COLUMNS = ['rank', 'code', 'name', 'specialty', 'role', 'state', 'region', 'setting', 'tier',
  'signal', 'locked', 'p_interview', 'p_interview_none', 'p_interview_silver', 'p_interview_gold',
  'p_match_if_interviewed', 'p_match_if_applied', 'p_match', 'reasons'];
const PROBS = new Set(CSV_COLUMNS.filter((k) => k.startsWith('p_')));

export function csvCell(v) {
  let s = v === null || v === undefined ? '' : String(v);
  if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  if (/[",\r\n]/.test(s)) s = `"${s.replace(/"/g, '""')}"`;
  return s;
}

function flat(v) {
  if (Array.isArray(v)) return v.join(' | ');
  return v;
}

// The profile's fields as "field,value" rows, then the list's totals.
function profileRows(profile, r) {
  const rows = [];
  for (const [k, v] of Object.entries(profile || {})) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) rows.push([`${k}.${k2}`, flat(v2)]);
    } else {
      rows.push([k, flat(v)]);
    }
  }
  const n4 = (x) => (typeof x === 'number' ? Number(x.toFixed(4)) : '');
  rows.push(['p_match', n4(r.p_match)], ['p_match_low', n4(r.p_match_low)], ['p_match_high', n4(r.p_match_high)],
    ['p_match_first_choice', n4(r.p_match_first_choice ?? r.p_match_preferred)],
    ['applications', r.applications], ['cost', r.cost], ['edited', r.stop_reason === 'edited' ? 'yes' : 'no']);
  return rows;
}

export function reportCSV(r, profile, locked) {
  const lines = ['field,value'];
  for (const [k, v] of profileRows(profile, r)) lines.push(`${csvCell(k)},${csvCell(v)}`);
  lines.push('', CSV_COLUMNS.join(','));
  r.programs.forEach((p, i) => {
    const row = CSV_COLUMNS.map((k) => {
      if (k === 'rank') return csvCell(i + 1);
      if (k === 'locked') return csvCell(locked && locked.has(p.code) ? 'yes' : 'no');
      if (k === 'reasons') return csvCell((p.reasons || []).join(' | '));
      if (PROBS.has(k)) return csvCell(typeof p[k] === 'number' ? Number(p[k].toFixed(4)) : '');
      return csvCell(p[k]);
    });
    lines.push(row.join(','));
  });
  return lines.join('\r\n') + '\r\n';
}

export function exportCSV(r, profile, locked) {
  const blob = new Blob([reportCSV(r, profile, locked)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const slug = String(r.specialty || 'list').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  const a = el('a', { href: url, download: `smartpick-${slug}.csv`, class: 'sr-only' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------------------------------------------------------------------
// Print: every tier open and every row the filters show, whatever was
// collapsed on screen; the collapsed state comes back afterwards.

let printClosed = null;
window.addEventListener('beforeprint', () => {
  printClosed = [...document.querySelectorAll('#groups details')].filter((d) => !d.open);
  for (const d of printClosed) d.open = true;
});
window.addEventListener('afterprint', () => {
  if (printClosed) for (const d of printClosed) d.open = false;
  printClosed = null;
});
