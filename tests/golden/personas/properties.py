#!/usr/bin/env python3
"""properties.py — the advisor's promises (issue 12), checked on each persona.

Usage: properties.py SMARTPICK DB PERSONA.json...
Prints "ok NAME" / "not ok NAME: why" per property and persona.  The checks
name no program: they hold on any catalog.
"""
import copy
import json
import re
import subprocess
import sys

SP, DB = sys.argv[1], sys.argv[2]
failures = 0


def run(args, profile):
    out = subprocess.run([SP] + args + ["--db", DB, "-"], input=json.dumps(profile),
                         capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr.strip())
    return out.stdout


def recommend(profile):
    return json.loads(run(["recommend", "--json"], profile))


def chances(profile):
    return json.loads(run(["chances", "--json"], profile))


def check(name, prop, cond, why=""):
    global failures
    if cond:
        print(f"ok persona {name}: {prop}")
    else:
        failures += 1
        print(f"not ok persona {name}: {prop}: {why}")


def first_p(r):
    return r["pgy1"]["p_first_choice_with_pgy1"] if "pgy1" in r else r["p_match_first_choice"]


def properties(name, profile):
    r = recommend(profile)
    progs = r["programs"]
    main = [p for p in progs if p["role"] != "pgy1"]

    # 1. Preferences first: a backup never costs the first choice > 2 points
    # unless the profile trades (backup_weight).
    if profile.get("backups") and "backup_weight" not in profile:
        alone = copy.deepcopy(profile)
        del alone["backups"]
        ra = recommend(alone)
        check(name, "a backup keeps P(match in the first choice)",
              r["p_match_first_choice"] >= ra["p_match_first_choice"] - 0.02,
              f'{r["p_match_first_choice"]} with, {ra["p_match_first_choice"]} without')
    if profile.get("backups"):
        t = r.get("tradeoff", [])
        check(name, "the trade-off curve is given",
              len(t) == 5 and all(0 <= x["p_first_choice"] <= x["p_match"] + 1e-9 for x in t))
    # Real programs only: no row the catalog made up ("Unlisted ...
    # (estimated)") in the first choice's or a backup's list (a PGY-1 year
    # keeps them while the catalog has no real names for it, with a note).
    made_up = [p["code"] for p in main if "name" in p.get("estimated", [])]
    check(name, "only real programs recommended", not made_up, ", ".join(made_up))
    check(name, "P(match anywhere) and in the first choice reported",
          0 <= r["p_match_first_choice"] <= r["p_match"] + 1e-9 <= 1 + 1e-9)

    # 2. Signals are free: every signal of the first choice is used when at
    # least as many open programs gain from one; fewer used are explained;
    # single-tier specialties say so.
    avoid = set(profile.get("states_avoid", []))
    helpful = [p for p in chances(profile)["programs"]
               if p["state"] not in avoid and p["setting"] not in profile.get("settings_avoid", [])
               and "name" not in p.get("estimated", [])
               and (p.get("p_interview_gold") or p.get("p_interview_signal") or 0)
               > p["p_interview_no_signal"] + 0.005]
    first = r["signals"][0]
    if "signals" not in profile:
        avail = first["gold_available"] + first["silver_available"]
        check(name, "every free first-choice signal used where it helps",
              len(helpful) < avail or first["gold"] + first["silver"] == avail,
              f'{first["gold"] + first["silver"]} of {avail}, {len(helpful)} programs gain')
    for s in r["signals"]:
        used = s["gold"] + s["silver"]
        avail = s["gold_available"] + s["silver_available"]
        if s["role"] == "first_choice" and used < avail:
            check(name, "unused first-choice signals explained",
                  any("unused" in n and s["specialty"] in n for n in r["notes"]),
                  f"{used} of {avail}")
        check(name, f'{s["specialty"]}: tiered flag agrees with the allotment',
              s["tiered"] == (s["silver_available"] > 0)
              and (s["tiered"] or ("signals" in s and s["silver"] == 0)))
    signalled = sum(1 for p in main if p["signal"] != "none")
    check(name, "signalled programs are on the list",
          signalled == sum(s["gold"] + s["silver"] for s in r["signals"]
                           if s["role"] != "pgy1"))

    # 3. The budget is a cap: the list stops at its stop point; the cost has
    # the transcript; a budget is not exceeded (unless for signals, noted).
    check(name, "stop_at equals the list length",
          r["stop_at"] == r["applications"] == len(progs))
    check(name, "cost includes the transcript fee",
          r["cost"] >= r["transcript_fee"] or r["cost"] == 0)
    if "budget" in profile:
        check(name, "the budget is a cap",
              r["cost"] <= profile["budget"] or any("signalled" in n for n in r["notes"]),
              f'{r["cost"]} > {profile["budget"]}')
    curve = r["curve"]
    n = len(main)
    if r["stop_reason"] == "gain" and n < len(curve) and n > 0:
        gain = curve[n]["p_match"] - curve[n - 1]["p_match"]
        check(name, "one more application adds under the stop gain",
              gain < r["stop_gain"] + 1e-4, f"{gain}")
    if "target" in profile:
        reached = (r["p_match_first_choice"] if profile.get("backups") else r["p_match"]) \
            >= profile["target"] - 5e-4
        check(name, "an unreachable target says so",
              reached or any("target" in x for x in r["notes"]))

    # 4. Labels agree with numbers: tiers from p_match_if_applied.
    lim = {"reach": (0, 0.12), "target": (0.12, 0.35), "likely": (0.35, 1.0001)}
    bad = [p["code"] for p in progs
           if not lim[p["tier"]][0] - 5e-5 <= p["p_match_if_applied"] < lim[p["tier"]][1] + 5e-5]
    check(name, "tiers agree with P(match if applied)", not bad, str(bad[:5]))
    check(name, "P(match here) sums to P(match)",
          abs(sum(p["p_match"] for p in main) - r["p_match"]) < 2e-3)

    # 6. What the profile tells beyond the model's inputs (AOA) moves the
    # figures the way it says: an elected US MD is no worse off than one who
    # did not say, at every program and in the range of applicants like them.
    if profile.get("aoa") is True:
        unsaid = {k: v for k, v in profile.items() if k != "aoa"}
        r0 = recommend(unsaid)
        check(name, "AOA raises P(match) and the low end of the range",
              r["p_match"] >= r0["p_match"] - 5e-3 and r["p_match_p10"] >= r0["p_match_p10"] - 5e-3,
              f'{r["p_match"]}/{r["p_match_p10"]} elected, {r0["p_match"]}/{r0["p_match_p10"]} not said')
        c0 = {p["id"]: p for p in chances(unsaid)["programs"]}
        lower = [p["code"] for p in chances(profile)["programs"]
                 if p["p_match_if_applied"] < c0[p["id"]]["p_match_if_applied"] - 1e-9]
        check(name, "AOA never lowers a program's chance", not lower, str(lower[:5]))

    # 5. Program figures monotone in the score (every program of the
    # first choice, Step 2 10 points lower).
    if "step2" in profile and profile["step2"] >= 190:
        hi = chances(profile)
        lo_prof = dict(profile, step2=profile["step2"] - 10)
        lo = {p["id"]: p for p in chances(lo_prof)["programs"]}
        worse = [p["code"] for p in hi["programs"]
                 if lo[p["id"]]["p_interview_no_signal"] > p["p_interview_no_signal"] + 1e-9
                 or lo[p["id"]]["p_match_if_applied"] > p["p_match_if_applied"] + 1e-9]
        check(name, "chances never rise as Step 2 falls", not worse, str(worse[:5]))
        far = [p["code"] for p in hi["programs"] if p.get("step2_median")
               and p["step2_median"] - profile["step2"] >= 40 and p["p_interview_no_signal"] > 0.5]
        check(name, "no near-certain interview 40+ points below a program's median",
              not far, str(far[:5]))
        check(name, "chances cover the specialty", len(hi["programs"]) >= len(
            [p for p in main if p["specialty"] == r["specialty"]]))
    shown = [p["code"] for p in progs if p["signal"] != "none" and any(
        "raises your interview chance here from" in x for x in p["reasons"])
        and round(100 * p["p_interview_none"]) == round(100 * p["p_interview"])]
    check(name, "a signal's effect is shown only where it changes the figure",
          not shown, str(shown[:3]))

    # 6. Advanced specialties plan the PGY-1 year.
    if "pgy1" in r:
        g = r["pgy1"]
        check(name, "the PGY-1 list is on the list",
              g["applications"] > 0 and any(p["role"] == "pgy1" for p in progs))
        check(name, "a PGY-1 year alone is not an advanced match",
              g["p_advanced_and_pgy1"] <= min(g["p_advanced"], g["p_pgy1"]) + 1e-9
              and g["p_first_choice_with_pgy1"] <= r["p_match_first_choice"] + 1e-9)

    # 8. A figure that rests on programs the model leaves short of residents
    # (they take anyone they interviewed) says so, naming the specialty:
    # wherever they carry well over 10 points and a fifth of it.
    by_spec = {}
    for p in main:
        short = any(x.startswith("Did not fill in") for x in p["reasons"])
        tot, sh = by_spec.get(p["specialty"], (0.0, 0.0))
        by_spec[p["specialty"]] = (tot + p["p_match"], sh + (p["p_match"] if short else 0))
    nshort, pshort = {}, {}
    for p in progs:  # the PGY-1 list too: the note covers it
        if any(x.startswith("Did not fill in") for x in p["reasons"]):
            nshort[p["specialty"]] = nshort.get(p["specialty"], 0) + 1
            pshort[p["specialty"]] = pshort.get(p["specialty"], 0) + p["p_match"]
    for spec, (tot, sh) in by_spec.items():
        if sh >= 0.15 and sh >= 0.3 * tot:
            check(name, f"{spec}: leaning on programs left short is said",
                  any("short of residents" in x and spec in x and "optimistic" in x
                      for x in r["notes"]), f"{sh:.2f} of {tot:.2f}")
    # The note counts exactly the programs whose reasons say they went
    # short (one rule for both), and their points.
    for x in r["notes"]:
        m = re.match(r"(\d+) (.+?) programs? on this list, carrying (\d+) of its", x)
        if not m or "short of residents" not in x:
            continue
        spec = m.group(2)
        check(name, f"{spec}: the note counts the programs that say they go short",
              int(m.group(1)) == nshort.get(spec, 0)
              and abs(int(m.group(3)) - 100 * pshort.get(spec, 0)) <= 1,
              f"note {m.group(1)} programs {m.group(3)} points; reasons "
              f"{nshort.get(spec, 0)} programs {100 * pshort.get(spec, 0):.1f} points")

    # 9. A signal the model lets do more than the program's own figures
    # allow (the applicant, unsignalled, no better than the program's
    # average applicant, yet given well above the rate the program measured
    # for all its signallers of that tier) says so on the program, and in a
    # note wherever such programs carry well over 10 points and a fifth of a
    # specialty's figure.  Cases within a rounding of the rule are skipped.
    over = {}
    for p in progs:
        mr, tier = p.get("measured_rates") or {}, p["signal"]
        meas, none = mr.get(tier), mr.get("nosignal")
        if tier == "none" or meas is None or none is None:
            continue
        said = any(x.startswith("Optimistic: it invited") for x in p["reasons"])
        if p["p_interview_none"] <= none - 0.01 and p["p_interview"] > meas + 0.16:
            check(name, f"{p['code']}: a signal beyond the program's measured rate is said",
                  said, f"{p['p_interview_none']:.2f} -> {p['p_interview']:.2f}, measured {meas}")
            tot = over.get(p["specialty"], 0.0)
            over[p["specialty"]] = tot + p["p_match"]
        elif p["p_interview_none"] > none + 0.01 or p["p_interview"] < meas + 0.14:
            check(name, f"{p['code']}: no signal warning where the rule does not hold",
                  not said)
    for spec, sh in over.items():
        tot = by_spec.get(spec, (0.0, 0.0))[0]
        if sh >= 0.15 and sh >= 0.3 * tot:
            check(name, f"{spec}: leaning on signals beyond the measured rates is said",
                  any("signalled" in x and spec in x and "optimistic" in x
                      for x in r["notes"]), f"{sh:.2f} of {tot:.2f}")

    # 7. At risk: said plainly, with what would help and SOAP.
    if first_p(r) < 0.8:
        check(name, "at risk said, with numbers and SOAP",
              r["at_risk"] and "guidance" in r and any("SOAP" in x for x in r["notes"])
              and r["guidance"]["more_applications"] > 0)
    else:
        check(name, "not at risk, no alarm", not r["at_risk"])
    check(name, "peer context given",
          "step2_percentile_matched" in r["peers"])
    return r


for path in sys.argv[3:]:
    name = path.rsplit("/", 1)[-1][:-5]
    try:
        properties(name, json.load(open(path)))
    except Exception as e:  # a crash is a failure, named
        failures += 1
        print(f"not ok persona {name}: {e}")
sys.exit(1 if failures else 0)
