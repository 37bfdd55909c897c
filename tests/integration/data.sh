#!/bin/bash
# tests/integration/data.sh — checks the cited calibration tables in data/.
#
# Prints one "ok NAME" / "not ok NAME" line per check, with "# ..." detail
# lines under a failure.  The checks cover every data/*.csv: it parses as
# RFC 4180 CSV with one column count, every row names a source documented in
# data/SOURCES.md, grades are A/B/C/E (never D), derived values are explained,
# numbers carry no thousands separators, and the internal arithmetic holds
# (Table 1C totals, fill rates, derived percentages, ERAS fee examples).
set -u
cd "$(dirname "$0")/../.." || exit 1

exec python3 - <<'PY'
import csv, glob, io, os, re, sys

DATA = "data"
fails = 0


def report(name, problems):
    global fails
    if problems:
        fails += 1
        print(f"not ok {name}")
        for p in problems[:20]:
            print(f"# {p}")
        if len(problems) > 20:
            print(f"# ... {len(problems) - 20} more")
    else:
        print(f"ok {name}")


tables = {}
problems = []
files = sorted(glob.glob(os.path.join(DATA, "*.csv")))
if not files:
    problems.append("no data/*.csv files")
for path in files:
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        problems.append(f"{name}: {e}")
        continue
    if text.startswith("\ufeff"):
        problems.append(f"{name}: starts with a byte-order mark")
    if "\r" in text:
        problems.append(f"{name}: has CR line endings")
    if not text.endswith("\n"):
        problems.append(f"{name}: no final newline")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        problems.append(f"{name}: empty")
        continue
    header = rows[0]
    if len(set(header)) != len(header):
        problems.append(f"{name}: duplicate column names")
    for h in header:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", h):
            problems.append(f"{name}: header {h!r} is not snake_case")
    for i, r in enumerate(rows[1:], 2):
        if len(r) != len(header):
            problems.append(f"{name}:{i}: {len(r)} fields, header has {len(header)}")
    if len(rows) < 2:
        problems.append(f"{name}: no data rows")
    tables[name] = [dict(zip(header, r)) for r in rows[1:] if len(r) == len(header)]
report("data_csv_columns", problems)

# params.csv is not a table of published figures: it holds the model's
# fitted parameters (smartpick calibrate).  Its own rule: every row says
# it was fitted, and how; the cited-figure checks below skip it.
problems = []
fitted = tables.pop("params.csv", None)
if fitted is not None:
    for i, r in enumerate(fitted, 2):
        if set(r) != {"name", "specialty", "value", "source"}:
            problems.append(f"params.csv: columns must be name,specialty,value,source")
            break
        if not r["source"].startswith("fitted: "):
            problems.append(f"params.csv:{i}: source must start with 'fitted: '")
        try:
            float(r["value"])
        except ValueError:
            problems.append(f"params.csv:{i}: value {r['value']!r} is not a number")
report("data_params_fitted", problems)

# program_fit.csv is not published data either: each program's fitted
# interview slots and score offsets (smartpick calibrate --programs).
# Its rule: every row fitted, slots positive, offsets finite, and every
# program code one of programs.csv's.
problems = []
pfit = tables.pop("program_fit.csv", None)
if pfit is not None:
    codes = {r["program_code"] for r in tables.get("programs.csv", [])}
    for i, r in enumerate(pfit, 2):
        if not r.get("source", "").startswith("fitted: "):
            problems.append(f"program_fit.csv:{i}: source must start with 'fitted: '")
        if r.get("program_code") not in codes:
            problems.append(f"program_fit.csv:{i}: unknown program {r.get('program_code')!r}")
        try:
            if int(r["interview_slots"]) < 1:
                problems.append(f"program_fit.csv:{i}: interview_slots below 1")
            for k, v in r.items():
                if k.startswith("off_") and not abs(float(v)) < 50:
                    problems.append(f"program_fit.csv:{i}: {k} out of range")
        except (KeyError, ValueError) as e:
            problems.append(f"program_fit.csv:{i}: {e}")
report("data_program_fit_fitted", problems)


def each_row():
    for name, rows in tables.items():
        for i, r in enumerate(rows, 2):
            yield name, i, r


problems = []
for name, rows in tables.items():
    for col in ("source", "grade"):
        if rows and col not in rows[0]:
            problems.append(f"{name}: no {col!r} column")
for name, i, r in each_row():
    src = r.get("source", "")
    if not src or any(not re.fullmatch(r"(ME-)?S[0-9]+[a-z]?", s) for s in src.split(";")):
        problems.append(f"{name}:{i}: bad source {src!r}")
report("data_source_nonempty", problems)

problems = []
try:
    with open(os.path.join(DATA, "SOURCES.md"), encoding="utf-8") as f:
        documented = set(re.findall(r"^#{2,3} ((?:ME-)?S[0-9]+[a-z]?)\s*$", f.read(), re.M))
except OSError as e:
    documented = set()
    problems.append(str(e))
used = set()
for name, i, r in each_row():
    for s in r.get("source", "").split(";"):
        used.add(s)
        if s and s not in documented:
            problems.append(f"{name}:{i}: source {s} has no heading in data/SOURCES.md")
for s in sorted(documented - used):
    problems.append(f"SOURCES.md: {s} is documented but no row uses it")
report("data_sources_documented", problems)

problems = []
for name, i, r in each_row():
    if r.get("grade") not in ("A", "B", "C", "E"):
        problems.append(f"{name}:{i}: grade {r.get('grade')!r} (allowed: A, B, C, E; never D)")
report("data_no_grade_d", problems)

problems = []
for name, i, r in each_row():
    derived = r.get("derived", "")
    if (r.get("grade") == "E" or derived) and not r.get("note"):
        problems.append(f"{name}:{i}: derived value without a note")
    for col in filter(None, derived.split(";")):
        if col not in r:
            problems.append(f"{name}:{i}: derived names unknown column {col!r}")
report("data_derived_noted", problems)

# Numbers must be plain decimals: a cell that looks numeric must parse, and
# no cell may look like "40,041" or "$11".
problems = []
TEXT_COLS = {"note", "specialty", "description", "study", "data", "season_label", "signal_config"}
for name, i, r in each_row():
    for k, v in r.items():
        if k in TEXT_COLS:
            continue
        if re.fullmatch(r"\$?-?\d{1,3}(,\d{3})+(\.\d+)?", v) or v.startswith("$") or v.endswith("%"):
            problems.append(f"{name}:{i}: {k}={v!r} is not a plain decimal")
        if re.fullmatch(r"[-+]?[\d.]+", v) and not re.fullmatch(r"-?\d+(\.\d+)?", v):
            problems.append(f"{name}:{i}: {k}={v!r} is not a plain decimal")
report("data_numbers_plain", problems)


def num(v):
    """The cell as a float; None when empty or unparsable (data_numbers_plain reports those)."""
    try:
        return float(v) if v != "" else None
    except ValueError:
        return None


def guarded(name, check):
    """Runs one check; a crash (missing column, bad cell) is a failure of that check."""
    try:
        problems = check()
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as e:
        problems = [f"check crashed: {type(e).__name__}: {e}"]
    report(name, problems)


spec = tables.get("specialties_2025.csv", [])
codes = [r.get("code") for r in spec]


# Table 1C (NRMP Results and Data 2025, via S18): the PGY-1 rows, including
# the residual row, sum to the published totals; PGY-1 + PGY-2 rows sum to
# the headline programs and positions.
def check_table1c():
    problems = []
    pgy1 = [r for r in spec if r["track"] == "pgy1"]
    want = {"programs": 5773, "positions": 40041, "unfilled": 2374,
            "applicants_ranking": 70885, "matched": 37667}
    for k, v in want.items():
        got = sum(num(r[k]) or 0 for r in pgy1)
        if got != v:
            problems.append(f"PGY-1 {k} sum {got:g}, Table 1C total {v}")
    for k, v in (("programs", 6626), ("positions", 43237)):
        got = sum(num(r[k]) or 0 for r in spec)
        if got != v:
            problems.append(f"PGY-1 + PGY-2 {k} sum {got:g}, headline {v}")
    head = {(r["year"], r["metric"]): num(r["value"]) for r in tables.get("headline.csv", [])}
    for m, v in (("pgy1_positions", 40041), ("pgy1_matches", 37667), ("pgy1_programs", 5773),
                 ("pgy1_unfilled_after_algorithm", 2374), ("total_positions", 43237),
                 ("certified_programs", 6626), ("active_applicants", 47208)):
        if head.get(("2025", m)) != v:
            problems.append(f"headline 2025 {m} = {head.get(('2025', m))}, expected {v}")
    if len(codes) != len(set(codes)):
        problems.append("specialties_2025.csv: duplicate codes")
    return problems


def check_arithmetic():
    problems = []
    for i, r in enumerate(spec, 2):
        po, un, ma, fp = (num(r[k]) for k in ("positions", "unfilled", "matched", "fill_pct"))
        if None not in (po, un, ma) and po - un != ma:
            problems.append(f"specialties_2025.csv:{i}: positions - unfilled != matched")
        if None not in (po, ma, fp) and round(1000 * ma / po) / 10 != fp:
            problems.append(f"specialties_2025.csv:{i}: fill_pct {fp} != {100 * ma / po:.2f}")
    for i, r in enumerate(tables.get("filled_share_by_type_2025.csv", []), 2):
        row = next((s for s in spec if s["code"] == r["code"]), None)
        if row is None or (row["programs"], row["positions"], row["matched"]) != (r["programs"], r["positions"], r["filled"]):
            problems.append(f"filled_share_by_type_2025.csv:{i}: disagrees with specialties_2025.csv")
    for i, r in enumerate(tables.get("step2_by_specialty_2026.csv", []), 2):
        m, u, d = num(r["matched_n"]), num(r["unmatched_n"]), num(r["derived_pct_matched"])
        if u is not None and round(1000 * m / (m + u)) / 10 != d:
            problems.append(f"step2_by_specialty_2026.csv:{i}: derived_pct_matched {d}")
        if not num(r["matched_q1"]) <= num(r["matched_median"]) <= num(r["matched_q3"]):
            problems.append(f"step2_by_specialty_2026.csv:{i}: quartiles out of order")
    at = [r for r in tables.get("applicant_types.csv", []) if r["year"] == "2025"]
    if sum(num(r["active_n"]) or 0 for r in at) != 47208:
        problems.append("applicant_types.csv: 2025 active_n does not sum to 47208")
    if sum(num(r["matched_n"]) or 0 for r in at) != 37667:
        problems.append("applicant_types.csv: 2025 matched_n does not sum to 37667")
    for r in at:
        a, m, p = num(r["active_n"]), num(r["matched_n"]), num(r["match_rate_pct"])
        if abs(100 * m / a - p) > 0.05:
            problems.append(f"applicant_types.csv: 2025 {r['applicant_type']} rate {p} != {100 * m / a:.2f}")
    return problems


# The ERAS 2025 tiers reproduce AAMC's worked examples.
def check_fees():
    problems = []
    tiers = [r for r in tables.get("fees_eras.csv", [])
             if r["system"] == "eras_residency" and r["item"] == "programs_per_specialty"
             and r["match_year_from"] and int(r["match_year_from"]) <= 2025 <= int(r["match_year_to"])]
    if not tiers:
        return ["fees_eras.csv: no 2025 residency tiers"]

    def fee(n):
        total = 0
        for t in tiers:
            lo, hi = int(t["tier_from"]), int(t["tier_to"] or 10**9)
            k = max(0, min(n, hi) - lo + 1)
            price = int(t["price_usd"])
            total += (price if k else 0) if t["pricing"] == "flat" else k * price
        return total

    for i, r in enumerate(tables.get("fees_eras_examples.csv", []), 2):
        if "Fee Assistance" in r["description"]:
            continue
        got = sum(fee(int(p.split(":")[1])) for p in r["programs_by_specialty"].split(";"))
        if got != int(r["total_usd"]):
            problems.append(f"fees_eras_examples.csv:{i}: tiers give {got}, example says {r['total_usd']}")
    return problems


guarded("data_table1c_totals", check_table1c)
guarded("data_arithmetic", check_arithmetic)
guarded("data_fee_examples", check_fees)

# Specialty codes used anywhere are defined in specialties_2025.csv, or are
# one of the few documented codes for specialties outside its rows.
problems = []
EXTRA = {"ALL", "IMPSYCH", "PREVMED", "URO", "OPHTH", ""}
known = set(codes) | EXTRA
for name, i, r in each_row():
    if "code" in r and r["code"] not in known:
        problems.append(f"{name}:{i}: unknown code {r['code']!r}")
report("data_codes_known", problems)

# data/programs.csv: the real programs (tools/build-programs over the vendored
# source files).  The script reproduces it byte for byte; codes are unique;
# names are unique within a specialty row and state; every rate is in [0, 1];
# no row of specialties_2025.csv gets more real programs than NRMP counts; the
# 22 files give at least 4,700 programs.
def check_programs():
    import subprocess
    problems = []
    rows = tables.get("programs.csv", [])
    out_dir = os.path.join(os.environ.get("BUILD", "build"), "tmp")
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, "programs.csv")
    # The script reads specialties_2025.csv beside its output.
    with open(os.path.join(DATA, "specialties_2025.csv"), "rb") as f, \
            open(os.path.join(out_dir, "specialties_2025.csv"), "wb") as g:
        g.write(f.read())
    r = subprocess.run(["tools/build-programs", "data/sources/signal-analysis", out],
                       capture_output=True, text=True)
    if r.returncode != 0:
        problems.append(f"tools/build-programs failed: {r.stderr.strip()}")
    else:
        with open(out, "rb") as f, open(os.path.join(DATA, "programs.csv"), "rb") as g:
            if f.read() != g.read():
                problems.append("tools/build-programs does not reproduce data/programs.csv")
    if len(rows) < 4700:
        problems.append(f"programs.csv: {len(rows)} programs, expected at least 4700")
    seen, names = set(), set()
    per_row = {}
    published = {s["code"]: int(s["programs"]) for s in spec}
    for i, p in enumerate(rows, 2):
        if p["program_code"] in seen:
            problems.append(f"programs.csv:{i}: duplicate code {p['program_code']}")
        seen.add(p["program_code"])
        key = (p["specialty"], p["state"], p["name"])
        if key in names:
            problems.append(f"programs.csv:{i}: duplicate program {key}")
        names.add(key)
        per_row[p["specialty"]] = per_row.get(p["specialty"], 0) + 1
        for k, v in p.items():
            if k.startswith("rate_") and k != "rate_cycle" and v != "" and not 0 <= float(v) <= 1:
                problems.append(f"programs.csv:{i}: {k}={v} outside [0, 1]")
    for code, n in per_row.items():
        if code not in published:
            problems.append(f"programs.csv: unknown specialty row {code}")
        elif n > published[code]:
            problems.append(f"programs.csv: {n} programs in {code}, NRMP counts {published[code]}")
    return problems


guarded("data_programs", check_programs)

problems = []
try:
    with open(os.path.join(DATA, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for path in files:
        if f"`{os.path.basename(path)}`" not in readme:
            problems.append(f"README.md does not describe {os.path.basename(path)}")
except OSError as e:
    problems.append(str(e))
report("data_readme_index", problems)

sys.exit(1 if fails else 0)
PY
