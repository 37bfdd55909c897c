// util.js — what SmartPick's page modules share: element building (text
// only through textContent), the page's number formats, same-origin JSON
// requests, the census divisions, states and program settings.

export const $ = (id) => document.getElementById(id);

// Census divisions (numbered 1-9 as in the catalog) and their states: the
// US Census Bureau's regions and divisions.
export const DIVISIONS = [
  ['New England', 'CT ME MA NH RI VT'],
  ['Middle Atlantic', 'NJ NY PA'],
  ['East North Central', 'IL IN MI OH WI'],
  ['West North Central', 'IA KS MN MO NE ND SD'],
  ['South Atlantic', 'DE DC FL GA MD NC SC VA WV PR'],
  ['East South Central', 'AL KY MS TN'],
  ['West South Central', 'AR LA OK TX'],
  ['Mountain', 'AZ CO ID MT NV NM UT WY'],
  ['Pacific', 'AK CA HI OR WA'],
];

export const STATE_NAMES = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California',
  CO: 'Colorado', CT: 'Connecticut', DE: 'Delaware', DC: 'District of Columbia',
  FL: 'Florida', GA: 'Georgia', HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois',
  IN: 'Indiana', IA: 'Iowa', KS: 'Kansas', KY: 'Kentucky', LA: 'Louisiana',
  ME: 'Maine', MD: 'Maryland', MA: 'Massachusetts', MI: 'Michigan',
  MN: 'Minnesota', MS: 'Mississippi', MO: 'Missouri', MT: 'Montana',
  NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire', NJ: 'New Jersey',
  NM: 'New Mexico', NY: 'New York', NC: 'North Carolina', ND: 'North Dakota',
  OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania',
  PR: 'Puerto Rico', RI: 'Rhode Island', SC: 'South Carolina',
  SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas', UT: 'Utah', VT: 'Vermont',
  VA: 'Virginia', WA: 'Washington', WV: 'West Virginia', WI: 'Wisconsin',
  WY: 'Wyoming',
};

export const SETTINGS = [
  ['university', 'University'],
  ['community_university', 'Community, university-affiliated'],
  ['community', 'Community'],
  ['military', 'Military'],
];

export function el(tag, props, ...children) {
  const e = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function pct(p, digits = 0) {
  if (typeof p !== 'number' || !Number.isFinite(p)) return '–';
  const v = 100 * p;
  // Never "100%" or "0%" (at any precision) for what is neither certain
  // nor impossible: ">99%", ">99.9%", "<1%", "<0.1%" (report.c agrees).
  const unit = Math.pow(10, -digits);
  if (v > 100 - unit && v < 100) return '>' + (100 - unit).toFixed(digits) + '%';
  if (v > 0 && v < unit) return '<' + unit.toFixed(digits) + '%';
  return v.toFixed(digits) + '%';
}

export function dollars(x) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '–';
  return '$' + Math.round(x).toLocaleString('en-US');
}

export function count(n, one, many) {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

export async function getJSON(url, options) {
  const res = await fetch(url, { cache: 'no-store', credentials: 'same-origin', ...options });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  return { ok: res.ok, status: res.status, body };
}

export function settingName(v) {
  const norm = String(v || '').replace('-', '_');
  const s = SETTINGS.find(([k]) => k === norm);
  return s ? s[1] : String(v || '');
}

export function signalBadge(sig) {
  // "signal": a single-tier specialty's one kind, shown with gold's colour.
  const s = sig === 'gold' || sig === 'silver' ? sig : sig === 'signal' ? 'gold' : 'none';
  const text = s === 'none' ? 'No signal' : sig === 'signal' ? 'Signal' : s === 'gold' ? 'Gold' : 'Silver';
  return el('span', { class: `badge badge-${s}${sig === 'signal' ? ' badge-signal' : ''}`, text });
}
