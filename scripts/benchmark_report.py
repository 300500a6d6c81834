"""Turns the raw results of scripts/benchmark (one JSON line per measurement, one file per site) into a
table and sentences derived from the measured values only, prints them and writes docs/performance.md with
the machine's description. A measurement missing on either site shows as "–" and is named, never a crash."""

import json
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone

BASE, OURS = "ERPNext", "prospect_crm"
# Two times (or rates) closer than this are called the same.
SAME = 0.05
# A time that grows less than this from the smallest to the largest K is called flat.
FLAT = 1.2
K_SERIES = {
	"opportunity save": "inserting one Opportunity for a prospect that already lists K opportunities",
	"lead update": "saving a Lead (one field changed) of a prospect that lists K leads",
	"prospect save": "saving a prospect that lists K leads and K opportunities, one field changed",
}
CREATE = {
	"create via Python API": "2 leads, 1 opportunity",
	"create via Data Import": "2 leads, no opportunity",
}


def load(path: str) -> dict:
	"""{(name, k): row} of one site; unreadable lines and a missing file give fewer rows, not an error."""
	rows = {}
	try:
		with open(path) as f:
			lines = f.readlines()
	except OSError:
		return rows
	for line in lines:
		try:
			row = json.loads(line)
			rows[(row["name"], row.get("k"))] = row
		except (ValueError, KeyError, TypeError):
			continue
	return rows


def machine() -> str:
	cpu = "unknown CPU"
	try:
		with open("/proc/cpuinfo") as f:
			cpu = re.search(r"model name\s*:\s*(.*)", f.read()).group(1)
	except (OSError, AttributeError):
		pass
	memory = ""
	try:
		with open("/proc/meminfo") as f:
			kib = int(re.search(r"MemTotal:\s*(\d+)", f.read()).group(1))
			memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
	except (OSError, AttributeError):
		pass
	try:
		mariadb = subprocess.run(["mysql", "--version"], capture_output=True, text=True).stdout.strip()
	except OSError:
		mariadb = "MariaDB (version unknown)"
	return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}, {mariadb}"


def value(row: dict | None, field: str) -> float | None:
	if not row or not isinstance(row.get(field), int | float):
		return None
	return float(row[field])


def thousands(number) -> str:
	"""A count with thousands separators, "?" when it was not measured."""
	return f"{number:,.0f}" if isinstance(number, int | float) else "?"


def ratio(ours: float | None, base: float | None) -> float | None:
	return ours / base if ours is not None and base else None


def fmt(number: float | None, pattern: str = "{:.1f}", unit: str = "") -> str:
	return "–" if number is None else pattern.format(number) + unit


def verdict(ok: bool | None) -> str:
	return "n/a" if ok is None else ("met" if ok else "MISSED")


def times(x: float | None) -> str:
	"""A factor: 2 decimals, or 2 significant digits below 0.01, none from 10 up."""
	if x is None:
		return "–"
	if x >= 10:
		return f"{x:.0f}x"
	return f"{x:.2f}x" if x >= 0.01 else f"{x:.2g}x"


def missing(b: float | None, o: float | None) -> str | None:
	"""Why two values cannot be compared, or None when both were measured."""
	if b is None and o is None:
		return "not measured on either site"
	if b is None or o is None:
		return f"measured on {OURS if o is not None else BASE}'s site only"
	if not b:
		return f"cannot be compared ({BASE}'s value is 0)"
	return None


def compare_time(b: float | None, o: float | None) -> str:
	"""A sentence comparing prospect_crm's time `o` with ERPNext's `b`."""
	if why := missing(b, o):
		return why
	r = o / b
	if abs(r - 1) <= SAME:
		return f"{OURS} takes about the same time as {BASE} ({times(r)})"
	if r < 1:
		return f"{OURS} is {times(1 / r)} faster than {BASE} ({times(r)} the time)"
	return f"{OURS} is {times(r)} slower than {BASE} ({times(r)} the time)"


def compare_rate(b: float | None, o: float | None) -> str:
	"""A sentence comparing prospect_crm's throughput `o` with ERPNext's `b`."""
	if why := missing(b, o):
		return why
	r = o / b
	if abs(r - 1) <= SAME:
		return f"{OURS} has about the same throughput as {BASE} ({times(r)})"
	return f"{OURS} has {times(r)} {BASE}'s throughput ({'more' if r > 1 else 'less'})"


def series(rows: dict, operation: str) -> list:
	return sorted(k for (name, k) in rows if name == operation and isinstance(k, int | float))


def series_sentence(label: str, rows: dict, operation: str) -> str:
	"""What one site's time and statement count do from the smallest to the largest K."""
	ks = series(rows, operation)
	if not ks:
		return f"{label}: not measured"
	if len(ks) == 1:
		return (
			f"{label}: {fmt(value(rows[(operation, ks[0])], 'ms'), unit=' ms')} at K={ks[0]} (one size only)"
		)
	first, last = rows[(operation, ks[0])], rows[(operation, ks[-1])]
	growth = ratio(value(last, "ms"), value(first, "ms"))
	if growth is None:
		shape = "time not recorded"
	elif growth <= FLAT:
		shape = f"flat, {times(growth)}"
	else:
		shape = f"grows {times(growth)}"
	q_first, q_last = value(first, "queries"), value(last, "queries")
	if q_first is None or q_last is None:
		statements = "statement counts not recorded"
	elif q_first == q_last:
		statements = f"{q_first:.0f} statements at every size"
	else:
		per_row = (q_last - q_first) / (ks[-1] - ks[0])
		statements = f"{q_first:.0f} → {q_last:.0f} statements, {per_row:.1f} more for each unit of K"
	return (
		f"{label}: {fmt(value(first, 'ms'), unit=' ms')} at K={ks[0]}, {fmt(value(last, 'ms'), unit=' ms')} "
		f"at K={ks[-1]} ({shape}); {statements}"
	)


def k_series(operation: str, base: dict, ours: dict, lines: list, notes: list) -> None:
	ks = sorted(set(series(base, operation)) | set(series(ours, operation)))
	if not ks:
		notes.append(f"- {operation}: not measured on either site.")
		return
	for k in ks:
		b, o = base.get((operation, k)), ours.get((operation, k))
		r = ratio(value(o, "ms"), value(b, "ms"))
		if operation in ("opportunity save", "lead update") and k == 1000:
			goal, ok = "≤ 0.5x at K=1000", (r <= 0.5 if r is not None else None)
		elif operation == "prospect save":
			goal, ok = "report", None
		else:
			goal, ok = "flat in K", None
		lines.append(
			f"| {operation} | K={k} | {fmt(value(b, 'ms'), unit=' ms')} | {fmt(value(o, 'ms'), unit=' ms')} | "
			f"{times(r)} | {fmt(value(b, 'queries'), '{:.0f}')} → {fmt(value(o, 'queries'), '{:.0f}')} "
			f"| {goal} | {verdict(ok)} |"
		)
	sentence = (
		f"- {operation}: {series_sentence(BASE, base, operation)}; {series_sentence(OURS, ours, operation)}."
	)
	common = sorted(set(series(base, operation)) & set(series(ours, operation)))
	if common:
		k = common[-1]
		sentence += f" At K={k}, {compare_time(value(base[(operation, k)], 'ms'), value(ours[(operation, k)], 'ms'))}."
	ours_ks = series(ours, operation)
	if operation != "prospect save" and len(ours_ks) > 1:
		growth = ratio(
			value(ours[(operation, ours_ks[-1])], "ms"), value(ours[(operation, ours_ks[0])], "ms")
		)
		if growth is not None:
			sentence += f' Goal "{OURS} flat in K (within {FLAT}x)": {verdict(growth <= FLAT)}.'
	notes.append(sentence)


def form_load(base: dict, ours: dict, lines: list, notes: list) -> None:
	sizes = sorted(set(series(base, "form load")) | set(series(ours, "form load")))
	if not sizes:
		notes.append("- form load: not measured on either site.")
	for k in sizes:
		b, o = base.get(("form load", k)), ours.get(("form load", k))
		r = ratio(value(o, "ms"), value(b, "ms"))
		lines.append(
			f"| form load (getdoc) | {k} leads + {k} opportunities | {fmt(value(b, 'ms'), unit=' ms')} | "
			f"{fmt(value(o, 'ms'), unit=' ms')} | {times(r)} | "
			f"{fmt(value(b, 'queries'), '{:.0f}')} → {fmt(value(o, 'queries'), '{:.0f}')} | ≤ 1.0x | "
			f"{verdict(r <= 1.0 if r is not None else None)} |"
		)
		notes.append(
			f"- form load of a prospect listing {k} leads and {k} opportunities: "
			f"{compare_time(value(b, 'ms'), value(o, 'ms'))}."
		)


def first_named(rows: dict, operation: str) -> dict | None:
	return next((row for (name, _k), row in rows.items() if name == operation), None)


def measured(base: dict, ours: dict, operation: str, label: str, notes: list) -> tuple:
	"""(baseline row, our row) of a measurement made once per site; says so when neither site has it."""
	b, o = first_named(base, operation), first_named(ours, operation)
	if not b and not o:
		notes.append(f"- {label}: not measured on either site.")
	return b, o


def creation(base: dict, ours: dict, lines: list, notes: list) -> None:
	for operation, contents in CREATE.items():
		b, o = measured(base, ours, operation, operation, notes)
		if not b and not o:
			continue
		r = ratio(value(o, "per_second"), value(b, "per_second"))
		counts = sorted({int(row["k"]) for row in (b, o) if row and isinstance(row.get("k"), int | float)})
		size = " / ".join(str(c) for c in counts) or "?"
		lines.append(
			f"| {operation} | {size} prospects ({contents}) | {fmt(value(b, 'per_second'), unit='/s')} | "
			f"{fmt(value(o, 'per_second'), unit='/s')} | {times(r)} throughput | – | ≥ 1.0x | "
			f"{verdict(r >= 1.0 if r is not None else None)} |"
		)
		sentence = f"- {operation} ({size} prospects): {compare_rate(value(b, 'per_second'), value(o, 'per_second'))}."
		if len(counts) > 1:
			sentence += " The two sites created different numbers of prospects: some failed on one of them."
		notes.append(sentence)


def rest(base: dict, ours: dict, lines: list, notes: list) -> None:
	b, o = measured(base, ours, "REST GET", "GET /api/resource/Prospect/<name>", notes)
	if not b and not o:
		return
	r = ratio(value(o, "per_second"), value(b, "per_second"))
	shape = o or b
	clients, workers = shape.get("k", "?"), shape.get("workers", "?")
	lines.append(
		f"| GET /api/resource/Prospect/<name> | {clients} clients, {workers} workers | "
		f"{fmt(value(b, 'per_second'), '{:.0f}', ' req/s')} | {fmt(value(o, 'per_second'), '{:.0f}', ' req/s')} | "
		f"{times(r)} throughput | – | ≥ 1.0x | {verdict(r >= 1.0 if r is not None else None)} |"
	)
	sentence = f"- GET /api/resource/Prospect/<name>: {compare_rate(value(b, 'per_second'), value(o, 'per_second'))}."
	ranges = [(value(row, "per_second_min"), value(row, "per_second_max")) for row in (b, o)]
	single = any(value(row, "runs") == 1 for row in (b, o))
	if r is not None and single:
		sentence += " One run per site: the run-to-run spread is unknown."
	elif r is not None and all(low is not None and high is not None for low, high in ranges):
		(b_low, b_high), (o_low, o_high) = ranges
		overlap = b_low <= o_high and o_low <= b_high
		sentence += (
			f" Runs ranged {b_low:.0f}–{b_high:.0f} req/s ({BASE}) and {o_low:.0f}–{o_high:.0f} req/s ({OURS}): "
			+ (
				"they overlap, so the difference is within the run-to-run spread."
				if overlap
				else "they do not overlap."
			)
		)
	elif r is not None:
		sentence += " The run-to-run spread was not recorded."
	notes.append(sentence)


def activities(base: dict, ours: dict, lines: list, notes: list) -> None:
	b, o = measured(base, ours, "activities", "activities", notes)
	if not b and not o:
		return
	r = ratio(value(o, "ms"), value(b, "ms"))
	shape = o or b
	size = f"{shape.get('k', '?')} tasks/events, {shape.get('communications', '?')} emails"
	lines.append(
		f"| activities | {size} | {fmt(value(b, 'ms'), unit=' ms')} | {fmt(value(o, 'ms'), unit=' ms')} | "
		f"{times(r)} | {fmt(value(b, 'queries'), '{:.0f}')} → {fmt(value(o, 'queries'), '{:.0f}')} "
		"| report | n/a |"
	)
	notes.append(
		f"- activities ({size}; not the same work on both sites, see below): "
		f"{compare_time(value(b, 'ms'), value(o, 'ms'))}."
	)


def communication_insert(base: dict, ours: dict, lines: list, notes: list) -> None:
	"""A received email among many prospects and contacts: the app matches it to prospects (goal ≤ 1.2x)."""
	b, o = measured(base, ours, "communication insert", "communication insert", notes)
	if not b and not o:
		return
	r = ratio(value(o, "ms"), value(b, "ms"))
	shape = o or b
	size = f"{shape.get('k', '?')} prospects, {shape.get('contacts', '?')} contacts"
	lines.append(
		f"| communication insert | {size} | {fmt(value(b, 'ms'), unit=' ms')} | {fmt(value(o, 'ms'), unit=' ms')} | "
		f"{times(r)} | {fmt(value(b, 'queries'), '{:.0f}')} → {fmt(value(o, 'queries'), '{:.0f}')} "
		f"| ≤ 1.2x | {verdict(r <= 1.2 if r is not None else None)} |"
	)
	notes.append(
		f"- communication insert ({size}; a received email matched to prospects by its addresses): "
		f"{compare_time(value(b, 'ms'), value(o, 'ms'))}."
	)


ACCOUNT = {
	"find duplicates": "one prospect's candidates among {k} prospects",
	"duplicate groups": "site-wide duplicate groups of {k} prospects (bench prospect-crm duplicates)",
	"daily status job": "the daily status job over {k} prospects",
	"merge": "merging two prospects of {k} leads and {k} opportunities each",
}


def account_management(ours: dict, lines: list, notes: list) -> None:
	"""prospect_crm only: ERPNext's Prospect has no duplicates, merge or status to compare with."""
	for operation, label in ACCOUNT.items():
		row = first_named(ours, operation)
		if not row:
			notes.append(f"- {operation}: not measured.")
			continue
		size = label.format(k=row.get("k", "?"))
		lines.append(
			f"| {operation} | {size} | – | {fmt(value(row, 'ms'), unit=' ms')} | – | "
			f"– → {fmt(value(row, 'queries'), '{:.0f}')} | report | n/a |"
		)
		notes.append(f"- {operation} ({size}): {fmt(value(row, 'ms'), unit=' ms')} on prospect_crm only.")


SCALE_START, SCALE_END = "<!-- scale -->", "<!-- /scale -->"


def plan_text(plan: list) -> str:
	"""One EXPLAIN row per table: how it is read (type, key) and the rows MariaDB expects to examine."""
	if not plan:
		return "–"
	parts = []
	for row in plan:
		if row.get("error"):
			return f"(no plan: {row['error']})"
		if not row.get("table"):
			continue
		key = row.get("key") or "no index"
		extra = f", {row['extra']}" if row.get("extra") else ""
		parts.append(f"`{row['table']}`: {row.get('type')} on {key}, {row.get('rows')} rows{extra}")
	return "; ".join(parts) or "–"


def scale_section(ours: dict) -> str | None:
	"""prospect_crm at scale (scripts/benchmark's `scale` measurement), with the query plans."""
	rows = [row for (name, _k), row in ours.items() if name.startswith("scale: ")]
	if not rows:
		return None
	written = next((row for row in rows if row.get("name") == "scale: data written"), None)
	memory = next((row for row in rows if row.get("name") == "scale: repair peak memory"), None)
	size = rows[0]
	lines = [
		SCALE_START,
		"## At scale",
		"",
		f"Measured by `scripts/benchmark` (`BENCH_SCALE`) on {datetime.now(timezone.utc):%Y-%m-%d}"
		+ (f" with {os.environ['BENCH_PAIR']}" if os.environ.get("BENCH_PAIR") else "")
		+ ", prospect_crm's "
		f"site only: {thousands(size.get('k'))} prospects in 10 territories and 4 statuses, {thousands(size.get('rows'))} lead and "
		"opportunity rows (half each, every row with its Lead or Opportunity), written with bulk inserts"
		+ (f" in {written['ms'] / 1000:.0f} s" if value(written, "ms") is not None else "")
		+ ". Median times inside the site process; statements sent; the query plan (EXPLAIN) of the slowest "
		"SELECT of each operation."
		+ (
			f" MariaDB's InnoDB buffer pool: {written['buffer_pool_mb']:.0f} MB (MariaDB's default is 128 MB, in"
			" which tables of this size do not fit, so site-wide reads go to disk; production servers give it"
			" most of the machine's memory)."
			if value(written, "buffer_pool_mb")
			else ""
		),
		"",
		"| operation | median | statements | query plan of its slowest SELECT |",
		"| --- | ---: | ---: | --- |",
	]
	for row in rows:
		if row.get("name") in ("scale: data written", "scale: repair peak memory"):
			continue
		lines.append(
			f"| {row['name'][len('scale: ') :]} | {fmt(value(row, 'ms'), unit=' ms')} | "
			f"{fmt(value(row, 'queries'), '{:.0f}')} | {plan_text(row.get('plan') or [])} |"
		)
	lines += ["", *scale_verdict(rows, size)]
	if value(memory, "mb") is not None:
		lines += [
			"",
			f"Memory of `repair --dry-run`: {memory['mb']:.0f} MB at most allocated by Python during it "
			"(tracemalloc; the rows are read a batch at a time)"
			+ (
				f"; the benchmark process's peak, data generation included: {memory['process_peak_mb']:.0f} MB."
				if value(memory, "process_peak_mb")
				else "."
			),
		]
	lines.append(SCALE_END)
	return "\n".join(lines)


# Work a worker does in the background over many prospects (the report's prepared computation, the repair):
# reported as throughput; every other path is one a user waits for, held to 1 s.
BACKGROUND = ("computation", "repair")


def scale_verdict(rows: list, size: dict) -> list[str]:
	"""Sentences derived from the scale rows: the paths a user waits for against 1 s, the background work's
	throughput."""
	timed = [
		(row["name"][len("scale: ") :], value(row, "ms"))
		for row in rows
		if row.get("name") not in ("scale: data written", "scale: repair peak memory")
		and value(row, "ms") is not None
	]
	background = [(name, ms) for name, ms in timed if any(word in name for word in BACKGROUND)]
	waited = [(name, ms) for name, ms in timed if (name, ms) not in background]
	sentences = []
	if waited:
		slowest = max(waited, key=lambda item: item[1])
		over = [name for name, ms in waited if ms >= 1000]
		sentences.append(
			(
				"- Every path a user waits for stays under 1 s"
				if not over
				else "- Over 1 s: " + ", ".join(over)
			)
			+ f" (the slowest: {slowest[0]}, {fmt(slowest[1], '{:.0f}', ' ms')})."
		)
	prospects = value(size, "k")
	for name, ms in background:
		everything = "one territory" not in name
		rate = (
			f", {thousands(prospects / (ms / 1000))} prospects a second"
			if everything and prospects and ms
			else ""
		)
		sentences.append(f"- Background work, {name}: {fmt(ms / 1000, '{:.1f}', ' s')}{rate}.")
	return sentences


def with_scale_section(document_text: str, section: str | None) -> str:
	"""The document with its scale section replaced by `section` (appended when it has none)."""
	if not section:
		return document_text
	pattern = re.compile(re.escape(SCALE_START) + ".*?" + re.escape(SCALE_END), re.S)
	if pattern.search(document_text):
		return pattern.sub(lambda _m: section, document_text)
	return document_text.rstrip("\n") + "\n\n" + section + "\n"


def render(base: dict, ours: dict) -> tuple[str, str]:
	"""(table, derived sentences) of the two sites' results."""
	lines = [
		"| measurement | size | baseline | prospect_crm | ours / baseline | queries baseline → ours | goal | result |",
		"| --- | --- | --- | --- | --- | --- | --- | --- |",
	]
	notes = []
	for operation in K_SERIES:
		k_series(operation, base, ours, lines, notes)
	form_load(base, ours, lines, notes)
	creation(base, ours, lines, notes)
	rest(base, ours, lines, notes)
	activities(base, ours, lines, notes)
	communication_insert(base, ours, lines, notes)
	account_management(ours, lines, notes)
	return "\n".join(lines), "\n".join(notes)


def document(
	table: str, notes: str, when: str, seconds: float, machine_text: str, base: dict, ours: dict
) -> str:
	created = first_named(ours, "create via Python API") or first_named(base, "create via Python API")
	count = f"{created['k']} prospects" if value(created, "k") is not None else "no prospects (not measured)"
	described = "\n".join(f"- *{name}*: {text}." for name, text in K_SERIES.items())
	return f"""# Performance: prospect_crm against ERPNext's own Prospect

Measured by `scripts/benchmark` on {when}, in {int(seconds) // 60} min {int(seconds) % 60} s, on one bench with two
sites: **baseline** (Frappe + ERPNext, ERPNext's Prospect) and **ours** (Frappe + ERPNext + prospect_crm), the
same generated data in both. Times are medians of several runs (after a warm-up) measured inside the site
process; query counts are the SQL statements the operation sent. Throughputs are ours / baseline, higher is
better; times are ours / baseline, lower is better. "–" marks a value that was not measured.

Machine: {machine_text}.

{table}

What the numbers say (each sentence is computed from the table; "about the same" means within {SAME:.0%},
"flat" within {FLAT}x from the smallest to the largest K):

{notes}

What each measurement does:
{described}
- *form load*: `frappe.desk.form.load.getdoc` of a prospect listing N leads and N opportunities.
- *create*: prospects with their leads (and an opportunity) through the Python API, and through Data Import.
- *GET /api/resource*: reads of one prospect (20 leads, 20 opportunities) by concurrent API clients against
  gunicorn; prospect_crm returns more fields and applies field-level permissions to the row tables.
- *activities*: prospect_crm's `get_activities` (tasks and events of the prospect, its leads and
  opportunities, emails and comments) against what ERPNext's form asks for (`get_open_activities` and the
  timeline's communications); the work differs, so the ratio is indicative.
- The creation measurement made {count} (`BENCH_PROSPECTS`; 10,000 is the full-size measurement).
"""


def main(baseline_path: str, ours_path: str, output: str, seconds: float) -> None:
	base, ours = load(baseline_path), load(ours_path)
	section = scale_section(ours)
	if not base and all(name.startswith("scale: ") for name, _k in ours):
		# Only the scale measurement ran (BENCH_ONLY=scale): the rest of the document stays as it was.
		try:
			with open(output) as f:
				existing = f.read()
		except OSError:
			existing = "# Performance: prospect_crm against ERPNext's own Prospect\n"
		print(section or "nothing measured")
		with open(output, "w") as f:
			f.write(with_scale_section(existing, section))
		return
	table, notes = render(base, ours)
	print(table)
	print(notes)
	when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
	with open(output, "w") as f:
		f.write(with_scale_section(document(table, notes, when, seconds, machine(), base, ours), section))


if __name__ == "__main__":
	main(sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]))
