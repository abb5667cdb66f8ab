#!/usr/bin/env python3
"""Prints bench/run.sh's rows (a JSON-lines file, one row per line) as one Markdown table: what was measured,
Preflight's figure, the other client's figure in the same run, the ratio (or difference), the aim, and
whether it was met. A row:

  {"what": "...", "preflight": 6.1, "other": 5.9, "other_name": "asyncpg 0.30", "unit": "ms",
   "aim": {"kind": "ratio_max", "value": 1.1}, "note": "..."}

aim kinds: ratio_max (preflight/other <= value; latency), ratio_min (preflight/other >= value; throughput),
diff_max (preflight - other <= value), max (preflight <= value), min (preflight >= value), none.

  python3 bench/table.py ROWS.jsonl [--machine TEXT]
"""
import json
import sys


def fmt(value, unit):
    if value is None:
        return "—"
    if isinstance(value, float):
        value = round(value, 2) if abs(value) < 100 else round(value)
    return f"{value:,} {unit}".strip() if isinstance(value, (int, float)) else f"{value} {unit}".strip()


def judge(row):
    aim = row.get("aim") or {"kind": "none"}
    kind, target = aim.get("kind", "none"), aim.get("value")
    p, o, unit = row.get("preflight"), row.get("other"), row.get("unit", "")
    relation, verdict, aim_text = "", "", ""
    if p is not None and o not in (None, 0) and isinstance(o, (int, float)):
        if kind == "diff_max":
            relation = f"{p - o:+.2f} {unit}"
        else:
            relation = f"{p / o:.2f}x"
    if kind == "ratio_max":
        aim_text = f"≤ {target}x"
        ok = p is not None and o and p / o <= target
    elif kind == "ratio_min":
        aim_text = f"≥ {target}x"
        ok = p is not None and o and p / o >= target
    elif kind == "diff_max":
        aim_text = f"≤ +{target} {unit}"
        ok = p is not None and o is not None and p - o <= target
    elif kind == "max":
        aim_text = f"≤ {fmt(target, unit)}"
        ok = p is not None and p <= target
    elif kind == "min":
        aim_text = f"≥ {fmt(target, unit)}"
        ok = p is not None and p >= target
    else:
        ok = None
    if ok is not None:
        verdict = "yes" if ok else "**no**"
    return relation, aim_text, verdict


def main():
    path = sys.argv[1]
    machine = sys.argv[sys.argv.index("--machine") + 1] if "--machine" in sys.argv else ""
    rows = [json.loads(line) for line in open(path) if line.strip()]
    if machine:
        print(f"Machine: {machine}\n")
    print("| # | What (same run, same peer) | Preflight | Other client | Other | Ratio / diff | Aim | Met |")
    print("|---|---|---|---|---|---|---|---|")
    met = missed = 0
    for i, row in enumerate(rows, 1):
        relation, aim_text, verdict = judge(row)
        met += verdict == "yes"
        missed += verdict == "**no**"
        what = row["what"] + (f" ({row['note']})" if row.get("note") else "")
        print(f"| {i} | {what} | {fmt(row.get('preflight'), row.get('unit', ''))} | {row.get('other_name') or '—'} | "
              f"{fmt(row.get('other'), row.get('unit', ''))} | {relation or '—'} | {aim_text or '—'} | {verdict or '—'} |")
    print(f"\n{met} aims met, {missed} missed, {len(rows) - met - missed} rows for reference.")


if __name__ == "__main__":
    main()
