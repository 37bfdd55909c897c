// rank.js — SmartPick's after-interview page: reads the profile and the
// rank order list from the form, asks the server (POST /api/rank;
// docs/rank.md) and shows P(match) for the list, program by program,
// what the programs left off would add, and the advice.  Same rules as
// app.js: nothing is stored, text goes in through textContent only,
// every request goes to this page's own origin.

const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, String(v));
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

// As app.js shows probabilities: "<1%", "37%", ">99%".
function pct(p) {
  const v = 100 * p;
  if (v > 99 && v < 100) return '>99%';
  if (v > 0 && v < 1) return '<1%';
  return v.toFixed(0) + '%';
}

// "IM-R0079 gold" lines to list entries.
function entries(text) {
  return text.split('\n').map((l) => l.trim()).filter((l) => l).map((l) => {
    const [code, signal] = l.split(/\s+/);
    return signal ? { code, signal: signal.toLowerCase() } : code;
  });
}

function readInput() {
  const profile = {
    applicant_type: $('r-type').value,
    step2: Number($('r-score').value),
    research: Number($('r-research').value || 0),
    specialty: $('r-specialty').value,
  };
  const home = $('r-home').value.trim().toUpperCase();
  if (home) profile.home_state = home;
  const body = { profile, rank_order: entries($('r-list').value) };
  const also = entries($('r-also').value);
  if (also.length) body.also_interviewed = also;
  return body;
}

function showError(message) {
  const b = $('rank-error');
  b.textContent = message;
  b.hidden = false;
  b.focus();
}

function render(r) {
  $('rank-empty').hidden = true;
  $('rank-summary').hidden = false;
  $('rank-p').textContent = pct(r.p_match);
  $('rank-band').textContent = `(between ${pct(r.p_low)} and ${pct(r.p_high)})`;
  const m = r.most_likely;
  $('rank-likely').textContent = m.code
    ? `Most likely: ${m.name} (#${m.rank}), ${pct(m.p_match)}.`
    : `Most likely: unmatched, ${pct(m.p_match)}.`;
  const body = $('rank-table').querySelector('tbody');
  body.replaceChildren(...r.programs.map((p) => el('tr', m.code === p.code ? { class: 'likely' } : {},
    el('td', { class: 'num', text: p.rank }),
    el('td', {}, el('span', { text: p.name }), ' ', el('span', { class: 'hint', text: p.code })),
    el('td', { text: p.state }),
    el('td', { class: 'num', text: pct(p.p_taken) }),
    el('td', { class: 'num', text: pct(p.p_match) }),
    el('td', { class: 'num', text: pct(p.p_cumulative) }))));
  $('rank-table').hidden = false;
  $('rank-legend').hidden = false;
  const adds = $('rank-additions');
  adds.querySelector('ul').replaceChildren(...r.additions.map((a) =>
    el('li', { text: `${a.name} (${a.code}): ranking it adds ${(100 * a.gain).toFixed(1)} points to P(match).` })));
  adds.hidden = r.additions.length === 0;
  $('rank-advice').querySelector('ul').replaceChildren(...r.advice.map((s) => el('li', { text: s })));
  $('rank-advice').hidden = false;
  $('rank-results').focus();
}

async function submit(ev) {
  ev.preventDefault();
  $('rank-error').hidden = true;
  let res;
  try {
    res = await fetch('/api/rank', {
      method: 'POST',
      cache: 'no-store',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(readInput()),
    });
  } catch {
    showError('Could not reach the server. Try again.');
    return;
  }
  const body = await res.json().catch(() => null);
  if (!res.ok || !body) {
    showError(body && body.error ? body.error.message : `The server answered ${res.status}.`);
    return;
  }
  render(body);
}

async function start() {
  $('rank-form').addEventListener('submit', submit);
  const res = await fetch('/api/specialties', { cache: 'no-store' }).catch(() => null);
  const data = res && res.ok ? await res.json() : null;
  const sel = $('r-specialty');
  if (!data) {
    sel.replaceChildren(el('option', { value: '', text: 'Could not load specialties' }));
    return;
  }
  const fams = [...new Set(data.specialties.map((s) => s.family).filter((f) => f && f !== 'Other'))].sort();
  sel.replaceChildren(...fams.map((f) => el('option', { value: f, text: f })));
  sel.value = fams.includes('Internal Medicine') ? 'Internal Medicine' : fams[0];
}

start();
