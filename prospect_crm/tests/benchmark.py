"""In-site measurements of `scripts/benchmark`, alike on a site where ERPNext owns Prospect (baseline) and on
one with prospect_crm; each prints one "BENCH:" JSON line per result. Test code, not product: it writes
generated data and gives the Administrator a new API secret, so it refuses a site without allow_tests.

Setup data is written directly (same rows on both sites, no hooks) so that only the measured operation
runs through the controllers.
"""

import functools
import json
import statistics
import threading
import time
import tracemalloc
import urllib.request

import frappe
from frappe.utils import add_days, now, today

from prospect_crm.tests.rest import api_auth, resource
from prospect_crm.tests.server import WorkerServer, artifacts_dir
from prospect_crm.tests.utils import CountQueries, new_data_import

MARK = "BENCH:"
STANDARD_COLUMNS = ["name", "creation", "modified", "owner", "modified_by", "docstatus"]
CHILD_COLUMNS = [*STANDARD_COLUMNS, "idx", "parent", "parenttype", "parentfield"]


def test_site_only(function):
	"""A measurement refuses a site without allow_tests: it writes data and rotates an API secret."""

	@functools.wraps(function)
	def guarded(*args, **kwargs):
		if not frappe.conf.get("allow_tests"):
			site = frappe.local.site
			raise SystemExit(
				f"{site} does not allow tests. The benchmark writes generated prospects, leads and opportunities "
				"and gives the Administrator a new API secret, so it runs only on a throw-away site; allow it "
				f"with: bench --site {site} set-config allow_tests true"
			)
		return function(*args, **kwargs)

	return guarded


def measure(operation, repeat: int, prepare=None) -> dict:
	"""Median, fastest and slowest wall time (ms) and median statement count of `operation()` over `repeat`
	runs, after one warm-up. With `prepare`, each run times `operation(prepare())` only."""

	def run():
		argument = (prepare(),) if prepare else ()
		with CountQueries() as counter:
			start = time.perf_counter()
			operation(*argument)
			elapsed = (time.perf_counter() - start) * 1000
		frappe.db.commit()
		return elapsed, counter.count

	run()
	times, queries = zip(*(run() for _ in range(repeat)), strict=True)
	return {
		"ms": statistics.median(times),
		"ms_min": min(times),
		"ms_max": max(times),
		"queries": statistics.median(queries),
		"runs": repeat,
	}


def company() -> str:
	return frappe.db.get_value("Company", {}, "name")


def fresh_prospect(name: str) -> str:
	if frappe.db.exists("Prospect", name):
		frappe.db.delete("Prospect Opportunity", {"parent": name})
		frappe.db.delete("Prospect Lead", {"parent": name})
		frappe.db.delete("Prospect", name)
	frappe.get_doc({"doctype": "Prospect", "company_name": name, "company": company()}).db_insert()
	frappe.db.commit()
	return name


def add_rows(prospect: str, k: int) -> None:
	"""K existing leads and K existing opportunities, listed in the prospect's tables, written directly."""
	stamp, owner = now(), "Administrator"
	comp, currency = company(), frappe.db.get_default("currency") or "EUR"
	tag = prospect[-12:]

	def record(name, *values):
		return (name, stamp, stamp, owner, owner, 0, *values)

	def child_row(name, idx, parentfield, *values):
		return record(name, idx, prospect, "Prospect", parentfield, *values)

	opportunities = [f"BENCH-OPP-{tag}-{i}" for i in range(k)]
	frappe.db.bulk_insert(
		"Opportunity",
		[
			*STANDARD_COLUMNS,
			"opportunity_from",
			"party_name",
			"company",
			"opportunity_amount",
			"status",
			"currency",
		],
		[record(name, "Prospect", prospect, comp, 100, "Open", currency) for name in opportunities],
	)
	# ERPNext's Prospect Opportunity has no status column; ours does.
	status = ["status"] if frappe.db.has_column("Prospect Opportunity", "status") else []
	frappe.db.bulk_insert(
		"Prospect Opportunity",
		[*CHILD_COLUMNS, "opportunity", "amount", "probability", *status],
		[
			child_row(
				frappe.db.get_next_sequence_val("Prospect Opportunity"),
				i + 1,
				"opportunities",
				name,
				100,
				0,
				*(["Open"] if status else []),
			)
			for i, name in enumerate(opportunities)
		],
	)
	leads = [f"BENCH-LEAD-{tag}-{i}" for i in range(k)]
	frappe.db.bulk_insert(
		"Lead",
		[*STANDARD_COLUMNS, "first_name", "lead_name", "status", "company"],
		[record(name, f"Bench {i}", f"Bench {i}", "Lead", comp) for i, name in enumerate(leads)],
	)
	frappe.db.bulk_insert(
		"Prospect Lead",
		[*CHILD_COLUMNS, "lead", "lead_name", "status"],
		[
			child_row(frappe.generate_hash(length=10), i + 1, "leads", name, f"Bench {i}", "Lead")
			for i, name in enumerate(leads)
		],
	)
	if frappe.db.has_column("Lead", "prospect"):
		frappe.db.sql(
			"update `tabLead` set prospect = %s where name like %s", (prospect, f"BENCH-LEAD-{tag}-%")
		)
	frappe.db.commit()


def filled_prospects(prefix: str, k_values) -> dict:
	"""{K: a fresh prospect listing K leads and K opportunities}, all filled before any is measured, so that
	the Lead and Opportunity tables are the same size whatever the K measured."""
	frappe.set_user("Administrator")
	prospects = {k: fresh_prospect(f"{prefix} {k}") for k in k_values}
	for k, prospect in prospects.items():
		add_rows(prospect, k)
	return prospects


def emit(name: str, data: dict) -> None:
	print(MARK + json.dumps({"name": name, **data}, default=str), flush=True)


@test_site_only
def backfill(k_values=(0, 100, 1000, 5000), repeat: int = 5) -> None:
	"""1. Save an Opportunity of a prospect holding K opportunities. 2. Update a Lead of a prospect holding
	K leads. Only the prospect's own size changes with K (see filled_prospects)."""
	prospects = filled_prospects("Bench Backfill", k_values)
	for k in k_values:
		prospect = prospects[k]

		def insert_opportunity(prospect=prospect):
			frappe.get_doc(
				{
					"doctype": "Opportunity",
					"opportunity_from": "Prospect",
					"party_name": prospect,
					"company": company(),
					"opportunity_amount": 5,
				}
			).insert()

		emit("opportunity save", {"k": k, **measure(insert_opportunity, repeat)})

		lead = frappe.get_doc(
			{"doctype": "Lead", "first_name": f"Bench mover {k}", "company": company()}
		).insert()
		frappe.db.commit()
		if frappe.db.has_column("Lead", "prospect"):
			lead.db_set("prospect", prospect)
		frappe.get_doc("Prospect", prospect).append("leads", {"lead": lead.name}).db_insert()
		frappe.db.commit()
		counter = iter(range(10**6))

		def update_lead(lead=lead, counter=counter):
			doc = frappe.get_doc("Lead", lead.name)
			doc.mobile_no = f"+33 6 00 00 {next(counter):05d}"
			doc.save()

		emit("lead update", {"k": k, **measure(update_lead, repeat)})


@test_site_only
def form_load(sizes=(0, 1000), repeat: int = 5) -> None:
	"""3. frappe.desk.form.load.getdoc of a prospect with N leads and N opportunities."""
	from frappe.desk.form.load import getdoc

	frappe.set_user("Administrator")
	for size in sizes:
		prospect = fresh_prospect(f"Bench Form {size}")
		add_rows(prospect, size)

		def load(prospect=prospect):
			frappe.response.docs = []
			frappe.clear_document_cache("Prospect", prospect)
			getdoc("Prospect", prospect)

		emit("form load", {"k": size, **measure(load, repeat)})


@test_site_only
def create_prospects(count: int = 300) -> None:
	"""4. Prospects with 2 leads and 1 opportunity each, through the Python API and through Data Import."""
	frappe.set_user("Administrator")
	comp = company()
	run = frappe.generate_hash(length=5)
	start = time.perf_counter()
	for i in range(count):
		leads = [
			frappe.get_doc(
				{"doctype": "Lead", "first_name": f"Bulk{j}", "last_name": f"{run}{i}", "company": comp}
			)
			.insert()
			.name
			for j in range(2)
		]
		prospect = frappe.get_doc(
			{
				"doctype": "Prospect",
				"company_name": f"Bench Bulk {run} {i}",
				"company": comp,
				"leads": [{"lead": lead} for lead in leads],
			}
		).insert()
		frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Prospect",
				"party_name": prospect.name,
				"company": comp,
				"opportunity_amount": 10,
			}
		).insert()
		if i % 50 == 0:
			frappe.db.commit()
	frappe.db.commit()
	seconds = time.perf_counter() - start
	emit("create via Python API", {"k": count, "per_second": count / seconds, "seconds": seconds})

	from frappe.core.doctype.data_import.importer import Importer

	leads = [
		frappe.get_doc(
			{"doctype": "Lead", "first_name": f"Import{j}", "last_name": f"{run}{i}", "company": comp}
		)
		.insert()
		.name
		for i in range(count)
		for j in range(2)
	]
	frappe.db.commit()
	# "leads.lead" names the child column on both sites (ERPNext's leads table has no label).
	lines = ["Company Name,Company,leads.lead"]
	for i in range(count):
		lines.append(f"Bench Import {run} {i},{comp},{leads[2 * i]}")
		lines.append(f",,{leads[2 * i + 1]}")
	if not frappe.get_meta("Prospect").allow_import:
		# ERPNext 15.102's own Prospect does not allow Data Import: allow it as an administrator would.
		from frappe.custom.doctype.property_setter.property_setter import make_property_setter

		make_property_setter("Prospect", None, "allow_import", 1, "Check", for_doctype=True)
		frappe.db.commit()
	data_import = new_data_import("Prospect", "\n".join(lines))
	frappe.db.commit()
	start = time.perf_counter()
	Importer("Prospect", data_import=data_import).import_data()
	frappe.db.commit()
	seconds = time.perf_counter() - start
	imported = frappe.db.count("Prospect", {"name": ("like", f"Bench Import {run}%")})
	emit("create via Data Import", {"k": imported, "per_second": imported / seconds, "seconds": seconds})


@test_site_only
def activities(tasks: int = 200, communications: int = 500, repeat: int = 5) -> None:
	"""6. Activities of a prospect with that many open tasks/events and communications."""
	frappe.set_user("Administrator")
	prospect = fresh_prospect("Bench Activities")
	stamp = now()
	todo_rows = [
		(
			frappe.generate_hash(length=10),
			stamp,
			stamp,
			"Administrator",
			"Administrator",
			0,
			"Open",
			f"task {i}",
			"Prospect",
			prospect,
			today(),
		)
		for i in range(tasks // 2)
	]
	frappe.db.bulk_insert(
		"ToDo",
		[
			*STANDARD_COLUMNS,
			"status",
			"description",
			"reference_type",
			"reference_name",
			"date",
		],
		todo_rows,
	)
	for i in range(tasks - tasks // 2):
		event = frappe.get_doc(
			{
				"doctype": "Event",
				"subject": f"event {i}",
				"event_type": "Public",
				"starts_on": add_days(now(), 1),
				"status": "Open",
			}
		)
		event.append("event_participants", {"reference_doctype": "Prospect", "reference_docname": prospect})
		event.db_insert()
		for row in event.event_participants:
			row.db_insert()
	communication_rows = [
		(
			frappe.generate_hash(length=10),
			stamp,
			stamp,
			"Administrator",
			"Administrator",
			0,
			f"mail {i}",
			"Communication",
			"Email",
			"Sent",
			"Prospect",
			prospect,
			stamp,
		)
		for i in range(communications)
	]
	frappe.db.bulk_insert(
		"Communication",
		[
			*STANDARD_COLUMNS,
			"subject",
			"communication_type",
			"communication_medium",
			"sent_or_received",
			"reference_doctype",
			"reference_name",
			"communication_date",
		],
		communication_rows,
	)
	frappe.db.commit()
	if "prospect_crm" in frappe.get_installed_apps():
		from prospect_crm.activities import get_activities

		emit(
			"activities",
			{
				"k": tasks,
				"communications": communications,
				**measure(lambda: get_activities(prospect), repeat),
			},
		)
	else:
		from erpnext.crm.utils import get_open_activities
		from frappe.desk.form.load import get_communications

		def baseline():
			get_open_activities("Prospect", prospect)
			get_communications("Prospect", prospect, limit=500)

		emit("activities", {"k": tasks, "communications": communications, **measure(baseline, repeat)})


@test_site_only
def prospect_save(k_values=(0, 100, 1000, 5000), repeat: int = 5) -> None:
	"""7. Save a prospect listing K leads and K opportunities, one field changed (loading it is not timed).
	Only the prospect's own size changes with K (see filled_prospects)."""
	prospects = filled_prospects("Bench Save", k_values)
	for k in k_values:
		revenue = iter(range(1, 10**9))

		def load(prospect=prospects[k], revenue=revenue):
			doc = frappe.get_doc("Prospect", prospect)
			doc.annual_revenue = next(revenue)
			return doc

		emit("prospect save", {"k": k, **measure(lambda doc: doc.save(), repeat, prepare=load)})


@test_site_only
def account_management(prospects: int = 100000, merge_rows: int = 1000, repeat: int = 3) -> None:
	"""8. prospect_crm only (ERPNext's Prospect has none of it): duplicates among `prospects` prospects (one
	prospect's candidates, and the site-wide groups of the bench command), the daily status job over them,
	and a merge of two prospects holding `merge_rows` leads and opportunities each. The generated prospects
	are deleted afterwards."""
	from prospect_crm import duplicates, merge, status

	stamp = now()
	names = [f"Bench Account {i:06d}" for i in range(prospects)]
	for start in range(0, prospects, 5000):
		frappe.db.bulk_insert(
			"Prospect",
			[*STANDARD_COLUMNS, "company_name", "company", "website", "status"],
			[
				(name, stamp, stamp, "Administrator", "Administrator", 0, name, company(), None, "Open")
				for name in names[start : start + 5000]
			],
		)
	# A known duplicate among them, so that the search has something to find.
	frappe.db.set_value("Prospect", names[1], "company_name", f"{names[0]} SAS", update_modified=False)
	emit(
		"find duplicates",
		{"k": prospects, **measure(lambda: duplicates.find_candidates(prospect=names[0]), repeat)},
	)
	emit("duplicate groups", {"k": prospects, **measure(duplicates.duplicate_groups, 1)})
	emit("daily status job", {"k": prospects, **measure(status.daily, 1)})
	frappe.db.delete("Prospect", {"name": ("like", "Bench Account %")})
	frappe.db.commit()

	# A merge happens once: timed once, without measure()'s warm-up run.
	kept, merged = fresh_prospect("Bench Merge Kept"), fresh_prospect("Bench Merge Source")
	add_rows(kept, merge_rows)
	add_rows(merged, merge_rows)
	frappe.db.commit()
	with CountQueries() as counter:
		start = time.perf_counter()
		merge.merge(merged, kept)
		elapsed = (time.perf_counter() - start) * 1000
	frappe.db.commit()
	emit("merge", {"k": merge_rows, "ms": elapsed, "queries": counter.count, "runs": 1})


@test_site_only
def communication_insert(prospects: int = 100000, contacts: int = 10000, repeat: int = 5) -> None:
	"""9. A received email inserted (Frappe's Communication controller and every app's hooks) among
	`prospects` prospects with websites and `contacts` contacts linked to them, from one contact's address
	and one company domain: the cost of matching emails to prospects (history.py). Same data on both sites;
	the generated rows are deleted afterwards."""
	stamp = now()
	# ERPNext's Prospect (the baseline) has no status nor website domain.
	ours = frappe.get_meta("Prospect").has_field("website_domain")
	names = [f"Bench Mail {i:06d}" for i in range(prospects)]
	columns = [*STANDARD_COLUMNS, "company_name", "company", "website"]
	columns += ["status", "website_domain"] if ours else []
	for start in range(0, prospects, 5000):
		frappe.db.bulk_insert(
			"Prospect",
			columns,
			[
				(name, stamp, stamp, "Administrator", "Administrator", 0, name, company())
				+ (f"https://www.bench-mail-{i}.test",)
				+ (("Open", f"bench-mail-{i}.test") if ours else ())
				for i, name in enumerate(names[start : start + 5000], start)
			],
		)
	contact_names = [f"Bench Mail Contact {i:06d}" for i in range(contacts)]
	for start in range(0, contacts, 5000):
		chunk = list(enumerate(contact_names[start : start + 5000], start))
		frappe.db.bulk_insert(
			"Contact",
			[*STANDARD_COLUMNS, "first_name", "email_id"],
			[
				(name, stamp, stamp, "Administrator", "Administrator", 0, name, f"c{i}@bench-contact.test")
				for i, name in chunk
			],
		)
		frappe.db.bulk_insert(
			"Contact Email",
			[*CHILD_COLUMNS, "email_id", "is_primary"],
			[
				(name, stamp, stamp, "Administrator", "Administrator", 0, 1, name, "Contact", "email_ids")
				+ (f"c{i}@bench-contact.test", 1)
				for i, name in chunk
			],
		)
		frappe.db.bulk_insert(
			"Dynamic Link",
			[*CHILD_COLUMNS, "link_doctype", "link_name"],
			[
				(name, stamp, stamp, "Administrator", "Administrator", 0, 1, name, "Contact", "links")
				+ ("Prospect", names[i * (prospects // contacts)])
				for i, name in chunk
			],
		)
	frappe.db.commit()
	counter = iter(range(1, 1_000_000))

	def receive():
		i = next(counter)
		frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"sender": f"c{i % contacts}@bench-contact.test",
				"recipients": f"sales@bench-mail-{(i * 7) % prospects}.test",
				"subject": f"Bench mail {i}",
				"content": "Hello",
			}
		).insert(ignore_permissions=True)

	emit(
		"communication insert",
		{"k": prospects, "contacts": contacts, **measure(receive, repeat)},
	)
	frappe.db.delete("Communication", {"subject": ("like", "Bench mail %")})
	frappe.db.delete("Communication Link", {"link_name": ("like", "Bench Mail %")})
	frappe.db.delete("Dynamic Link", {"parent": ("like", "Bench Mail Contact %")})
	frappe.db.delete("Contact Email", {"parent": ("like", "Bench Mail Contact %")})
	frappe.db.delete("Contact", {"name": ("like", "Bench Mail Contact %")})
	frappe.db.delete("Prospect", {"name": ("like", "Bench Mail %")})
	frappe.db.commit()


@test_site_only
def rest_reads(clients: int = 8, seconds: float = 10, runs: int = 5, workers: int = 2) -> None:
	"""5. Requests per second of GET /api/resource/Prospect/<name> (a prospect listing 20 leads and 20
	opportunities) from `clients` concurrent clients, against gunicorn with `workers` workers: `runs` runs
	of `seconds` each, after a warm-up."""
	frappe.set_user("Administrator")
	prospect = fresh_prospect("Bench REST")
	add_rows(prospect, 20)
	auth = api_auth("Administrator")
	frappe.db.commit()
	with WorkerServer(artifacts_dir("benchmark"), workers=workers) as server:
		url = server.base + resource("Prospect", prospect)
		headers = {"Host": server.site, "Authorization": auth}
		rest_load(url, headers, clients=1, seconds=1)
		rates = [rest_load(url, headers, clients, seconds) for _ in range(runs)]
	emit(
		"REST GET",
		{
			"k": clients,
			"workers": workers,
			"per_second": statistics.median(rates),
			"per_second_min": min(rates),
			"per_second_max": max(rates),
			"runs": runs,
		},
	)


def rest_load(url: str, headers: dict, clients: int, seconds: float) -> float:
	"""Requests per second of GET `url` from `clients` threads during `seconds`; any failed request fails it."""
	done, errors = [0], []
	stop = time.perf_counter() + seconds
	lock = threading.Lock()

	def client():
		while time.perf_counter() < stop:
			try:
				with urllib.request.urlopen(
					urllib.request.Request(url, headers=headers), timeout=30
				) as response:
					response.read()
				with lock:
					done[0] += 1
			except OSError as e:
				with lock:
					errors.append(repr(e))

	threads = [threading.Thread(target=client) for _ in range(clients)]
	start = time.perf_counter()
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	elapsed = time.perf_counter() - start
	if errors:
		raise RuntimeError(f"{len(errors)} requests failed, the first: {errors[0]}")
	return done[0] / elapsed


class Statements(CountQueries):
	"""CountQueries that also keeps each statement's values and time, to EXPLAIN the slowest SELECT."""

	def __enter__(self):
		super().__enter__()
		self.timed = []
		counting = self.db.sql

		def timing(*args, **kwargs):
			start = time.perf_counter()
			try:
				return counting(*args, **kwargs)
			finally:
				values = args[1] if len(args) > 1 else kwargs.get("values")
				self.timed.append(
					(time.perf_counter() - start, args[0] if args else kwargs.get("query"), values)
				)

		self.db.sql = timing
		return self

	def plan(self) -> list[dict]:
		"""EXPLAIN of the slowest SELECT sent: per table, how MariaDB reads it (type, key) and how many rows."""
		selects = [t for t in self.timed if str(t[1]).lstrip().lower().startswith("select")]
		if not selects:
			return []
		_elapsed, query, values = max(selects, key=lambda t: t[0])
		if hasattr(
			query, "walk"
		):  # a query builder object: its SQL and parameters as frappe.db.sql sends them
			query, values = query.walk()
		try:
			# frappe.db.sql wraps a lone None into a tuple of one value: pass values only when there are some.
			rows = frappe.db.sql(f"explain {query}", *([values] if values else []), as_dict=True)
		except Exception as e:
			return [{"error": str(e), "query": str(query)[:400], "values": str(values)[:200]}]
		return [
			{
				"table": row.get("table"),
				"type": row.get("type"),
				"key": row.get("key"),
				"rows": row.get("rows"),
				"extra": row.get("Extra"),
			}
			for row in rows
		]


def peak_rss_mb() -> float:
	import resource

	return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@test_site_only
def scale(prospects: int = 100000, rows: int = 1000000, repeat: int = 5) -> None:
	"""10. prospect_crm at scale: `prospects` prospects in 10 territories and four statuses, `rows` lead and
	opportunity rows in all (half each, every row with its Lead or Opportunity), written with bulk inserts.
	Then the paths a team uses every day, each a median time, its statement count and the query plan of its
	slowest SELECT: the list view's first page filtered by territory and status sorted by modified and its
	count, the Prospect Pipeline report (one territory, then no filter: its computation, then the desk's
	request once it is a prepared report), `prospect-crm stats`, `repair --dry-run` (with the peak of what
	Python allocates during it), a back-fill save and find_duplicates. The generated
	data is deleted afterwards."""
	from frappe.desk.query_report import run as run_report

	from prospect_crm import duplicates, jobs
	from prospect_crm.dashboard import get_stats
	from prospect_crm.prospect_crm.report.prospect_pipeline import prospect_pipeline as pipeline_report

	started = time.perf_counter()
	names, territories = scale_data(prospects, rows)
	comp, currency = company(), frappe.db.get_default("currency") or "EUR"
	pool = frappe.db.sql("select @@innodb_buffer_pool_size")[0][0] / 1024 / 1024
	emit(
		"scale: data written",
		{"k": prospects, "rows": rows, "ms": (time.perf_counter() - started) * 1000, "buffer_pool_mb": pool},
	)

	def timed(label: str, operation, times: int = repeat, warm: bool = True, **extra) -> None:
		durations, counts = [], []
		if warm:
			operation()  # warm-up
		for _ in range(times):
			with Statements() as statements:
				start = time.perf_counter()
				operation()
				durations.append((time.perf_counter() - start) * 1000)
			counts.append(statements.count)
			frappe.db.rollback()
		emit(
			f"scale: {label}",
			{
				"k": prospects,
				"rows": rows,
				"ms": statistics.median(durations),
				"queries": statistics.median(counts),
				"runs": times,
				"plan": statements.plan(),
				**extra,
			},
		)

	list_fields = ["name", "status", "territory", "prospect_owner", "open_pipeline_amount", "modified"]
	list_filters = {"territory": territories[3], "status": "Open"}
	timed(
		"list view, first page",
		lambda: frappe.get_list(
			"Prospect", fields=list_fields, filters=list_filters, order_by="modified desc", limit=20
		),
	)
	timed("list view, count", lambda: frappe.db.count("Prospect", list_filters))
	# The report's computation (what the background job of a prepared report runs), then what the desk's
	# request costs once the report is a prepared report, as it becomes on a site of this size.
	territory = {"territory": territories[3]}
	timed(
		"Prospect Pipeline report, one territory: computation", lambda: pipeline_report.execute(territory), 3
	)
	timed("Prospect Pipeline report, no filter: computation", lambda: pipeline_report.execute({}), 1)
	was_prepared = frappe.db.get_value("Report", "Prospect Pipeline", "prepared_report")
	pipeline_report.prepare_when_large()
	frappe.db.commit()
	for label, filters in (("no filter", {}), ("one territory", territory)):
		timed(
			f"Prospect Pipeline report, {label}: desk request (prepared report)",
			lambda filters=filters: run_report("Prospect Pipeline", filters=filters),
			3,
		)
	frappe.db.set_value("Report", "Prospect Pipeline", "prepared_report", was_prepared)
	frappe.db.set_default(pipeline_report.SWITCHED, None)
	frappe.db.commit()
	timed("prospect-crm stats", get_stats, 3)
	timed("repair --dry-run", lambda: jobs.repair(dry_run=True), 1, warm=False)
	# The repair's own memory: the peak of what Python allocated during it (rows are read a batch at a time).
	tracemalloc.start()
	jobs.repair(dry_run=True)
	peak = tracemalloc.get_traced_memory()[1]
	tracemalloc.stop()
	emit(
		"scale: repair peak memory",
		{"k": prospects, "rows": rows, "mb": peak / 1024 / 1024, "process_peak_mb": peak_rss_mb()},
	)
	saved = []

	def backfill_save():
		opportunity = frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Prospect",
				"party_name": names[prospects // 2],
				"company": comp,
				"opportunity_amount": 500,
				"currency": currency,
			}
		).insert(ignore_permissions=True)
		saved.append(opportunity.name)

	timed("back-fill save (new opportunity)", backfill_save)
	timed("find_duplicates", lambda: duplicates.find_candidates(prospect=names[prospects // 3]))

	drop_scale_data()


def scale_data(prospects: int, rows: int) -> tuple[list[str], list[str]]:
	"""The scale section's data (kept until drop_scale_data): `prospects` prospects in 10 territories and
	four statuses, `rows` lead and opportunity rows in all, each with its Lead or Opportunity. Returns the
	prospects' names and the territories."""
	frappe.set_user("Administrator")
	comp, currency, owner = company(), frappe.db.get_default("currency") or "EUR", "Administrator"
	territories = []
	for i in range(10):
		name = f"Bench Territory {i}"
		if not frappe.db.exists("Territory", name):
			frappe.get_doc(
				{"doctype": "Territory", "territory_name": name, "parent_territory": "All Territories"}
			).insert(ignore_permissions=True)
		territories.append(name)
	statuses = ("Open", "Engaged", "Lost", "Dormant")
	base = time.time()

	def stamp(i):
		return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(base - i))

	names = [f"BSCALE {i:07d}" for i in range(prospects)]
	for start in range(0, prospects, 10000):
		frappe.db.bulk_insert(
			"Prospect",
			[*STANDARD_COLUMNS, "company_name", "company", "territory", "status", "prospect_owner"],
			[
				(n, stamp(i), stamp(i), owner, owner, 0, n, comp, territories[i % 10], statuses[i % 4], owner)
				for i, n in enumerate(names[start : start + 10000], start)
			],
		)
	per_kind = rows // 2
	# Prospect Opportunity may be named by a sequence (autoincrement): numbers far above it, never reached.
	numbered = frappe.get_meta("Prospect Opportunity").autoname == "autoincrement"

	def row_name(i):
		return 9_000_000_000 + i if numbered else f"BSCALE-PO-{i:07d}"

	lead_status = ("Lead", "Open", "Replied", "Opportunity")
	for start in range(0, per_kind, 10000):
		chunk = range(start, min(start + 10000, per_kind))
		leads = [(f"BSCALE-LEAD-{i:07d}", names[i % prospects], i) for i in chunk]
		frappe.db.bulk_insert(
			"Lead",
			[*STANDARD_COLUMNS, "first_name", "lead_name", "status", "company", "prospect"],
			[
				(
					n,
					stamp(i),
					stamp(i),
					owner,
					owner,
					0,
					f"Bench {i}",
					f"Bench {i}",
					lead_status[i % 4],
					comp,
					p,
				)
				for n, p, i in leads
			],
		)
		frappe.db.bulk_insert(
			"Prospect Lead",
			[*CHILD_COLUMNS, "lead", "lead_name", "status"],
			[
				(f"BSCALE-PL-{i:07d}", stamp(i), stamp(i), owner, owner, 0, i // prospects + 1, p, "Prospect")
				+ ("leads", n, f"Bench {i}", lead_status[i % 4])
				for n, p, i in leads
			],
		)
		opportunities = [(f"BSCALE-OPP-{i:07d}", names[i % prospects], i) for i in chunk]
		frappe.db.bulk_insert(
			"Opportunity",
			[*STANDARD_COLUMNS, "opportunity_from", "party_name", "company", "opportunity_amount"]
			+ ["status", "currency", "probability"],
			[
				(
					n,
					stamp(i),
					stamp(i),
					owner,
					owner,
					0,
					"Prospect",
					p,
					comp,
					100 + i % 900,
					"Open",
					currency,
					50,
				)
				for n, p, i in opportunities
			],
		)
		frappe.db.bulk_insert(
			"Prospect Opportunity",
			[*CHILD_COLUMNS, "opportunity", "amount", "probability", "status"],
			[
				(row_name(i), stamp(i), stamp(i), owner, owner, 0, i // prospects + 1, p, "Prospect")
				+ ("opportunities", n, 100 + i % 900, 50, "Open")
				for n, p, i in opportunities
			],
		)
		frappe.db.commit()
	return names, territories


def drop_scale_data() -> None:
	for doctype, condition in (
		("Prospect Opportunity", "parent like 'BSCALE %%'"),
		("Prospect Lead", "parent like 'BSCALE %%'"),
		("Opportunity", "name like 'BSCALE-OPP-%%'"),
		("Lead", "name like 'BSCALE-LEAD-%%'"),
		("Prospect", "name like 'BSCALE %%'"),
	):
		frappe.db.sql(f"delete from `tab{doctype}` where {condition}")
		frappe.db.commit()
