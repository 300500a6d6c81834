"""In-site measurements for `scripts/benchmark`, identical on a site where ERPNext owns Prospect
(baseline) and on a site with prospect_crm. Each function prints one JSON line of results.

Setup data is written directly (same rows on both sites, no hooks) so that only the measured operation
runs through the controllers.
"""

import json
import statistics
import time

import frappe
from frappe.utils import add_days, now, today

MARK = "BENCH:"
STANDARD_COLUMNS = ["name", "creation", "modified", "owner", "modified_by", "docstatus"]
CHILD_COLUMNS = [*STANDARD_COLUMNS, "idx", "parent", "parenttype", "parentfield"]


class QueryCounter:
	def __enter__(self):
		self.count = 0
		self.original = frappe.db.sql

		def counting(*args, **kwargs):
			self.count += 1
			return self.original(*args, **kwargs)

		frappe.db.sql = counting
		return self

	def __exit__(self, *exc):
		frappe.db.sql = self.original


def measure(operation, repeat: int) -> dict:
	"""Median wall time (ms) and query count of `operation()` over `repeat` runs (after one warm-up)."""
	operation()
	frappe.db.commit()
	times, queries = [], []
	for _ in range(repeat):
		with QueryCounter() as counter:
			start = time.perf_counter()
			operation()
			times.append((time.perf_counter() - start) * 1000)
		queries.append(counter.count)
		frappe.db.commit()
	return {"ms": statistics.median(times), "queries": statistics.median(queries), "runs": repeat}


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


def add_rows(prospect: str, k: int, with_leads=True, with_opportunities=True) -> None:
	"""K existing leads and opportunities in the prospect's tables, written directly."""
	stamp, owner = now(), "Administrator"
	comp = company()
	if with_opportunities:
		opportunities, rows = [], []
		for i in range(k):
			name = f"BENCH-OPP-{prospect[-12:]}-{i}"
			opportunities.append(
				(
					name,
					stamp,
					stamp,
					owner,
					owner,
					0,
					"Prospect",
					prospect,
					comp,
					100,
					"Open",
					frappe.db.get_default("currency") or "EUR",
				)
			)
			rows.append(
				(
					frappe.db.get_next_sequence_val("Prospect Opportunity"),
					stamp,
					stamp,
					owner,
					owner,
					0,
					i + 1,
					prospect,
					"Prospect",
					"opportunities",
					name,
					100,
					0,
					"Open",
				)
			)
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
			opportunities,
		)
		columns = [*CHILD_COLUMNS, "opportunity", "amount", "probability"]
		if frappe.db.has_column("Prospect Opportunity", "status"):
			columns.append("status")
		else:
			rows = [row[:-1] for row in rows]
		frappe.db.bulk_insert("Prospect Opportunity", columns, rows)
	if with_leads:
		leads, rows = [], []
		for i in range(k):
			name = f"BENCH-LEAD-{prospect[-12:]}-{i}"
			leads.append((name, stamp, stamp, owner, owner, 0, f"Bench {i}", f"Bench {i}", "Lead", comp))
			rows.append(
				(
					frappe.generate_hash(length=10),
					stamp,
					stamp,
					owner,
					owner,
					0,
					i + 1,
					prospect,
					"Prospect",
					"leads",
					name,
					f"Bench {i}",
					"Lead",
				)
			)
		frappe.db.bulk_insert(
			"Lead",
			[*STANDARD_COLUMNS, "first_name", "lead_name", "status", "company"],
			leads,
		)
		frappe.db.bulk_insert(
			"Prospect Lead",
			[*CHILD_COLUMNS, "lead", "lead_name", "status"],
			rows,
		)
		if frappe.db.has_column("Lead", "prospect"):
			frappe.db.sql(
				"update `tabLead` set prospect = %s where name like %s",
				(prospect, f"BENCH-LEAD-{prospect[-12:]}-%"),
			)
	frappe.db.commit()


def emit(name: str, data: dict) -> None:
	print(MARK + json.dumps({"name": name, **data}, default=str), flush=True)


def backfill(k_values=(0, 100, 1000, 5000), repeat: int = 5) -> None:
	"""1. Save an Opportunity of a prospect holding K opportunities. 2. Update a Lead of a prospect holding
	K leads. Every prospect is filled before any measurement, so the Lead and Opportunity tables are the
	same size for every K and only the prospect's own size changes."""
	frappe.set_user("Administrator")
	prospects = {}
	for k in k_values:
		prospects[k] = fresh_prospect(f"Bench Backfill {k}")
		add_rows(prospects[k], k)
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
	file = frappe.get_doc(
		{"doctype": "File", "file_name": f"bench-{run}.csv", "content": "\n".join(lines), "is_private": 1}
	).insert()
	data_import = frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": "Prospect",
			"import_type": "Insert New Records",
			"import_file": file.file_url,
		}
	).insert()
	frappe.db.commit()
	start = time.perf_counter()
	Importer("Prospect", data_import=data_import).import_data()
	frappe.db.commit()
	seconds = time.perf_counter() - start
	imported = frappe.db.count("Prospect", {"name": ("like", f"Bench Import {run}%")})
	emit("create via Data Import", {"k": imported, "per_second": imported / seconds, "seconds": seconds})


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

		emit("activities", {"k": tasks, **measure(lambda: get_activities(prospect), repeat)})
	else:
		from erpnext.crm.utils import get_open_activities
		from frappe.desk.form.load import get_communications

		def baseline():
			get_open_activities("Prospect", prospect)
			get_communications("Prospect", prospect, limit=500)

		emit("activities", {"k": tasks, **measure(baseline, repeat)})


def setup_rest_target() -> None:
	frappe.set_user("Administrator")
	prospect = fresh_prospect("Bench REST")
	add_rows(prospect, 20)
	emit("rest target", {"prospect": prospect})


def rest_load(base: str, host: str, prospect: str, auth: str, clients: int = 8, seconds: float = 10) -> float:
	"""5. Requests per second of GET /api/resource/Prospect/<name> from `clients` concurrent clients."""
	import threading
	import urllib.parse
	import urllib.request

	url = f"{base}/api/resource/Prospect/{urllib.parse.quote(prospect, safe='')}"
	done, errors = [0], [0]
	stop = time.perf_counter() + seconds
	lock = threading.Lock()

	def client():
		while time.perf_counter() < stop:
			request = urllib.request.Request(url, headers={"Host": host, "Authorization": auth})
			try:
				with urllib.request.urlopen(request, timeout=30) as response:
					response.read()
				with lock:
					done[0] += 1
			except OSError:
				with lock:
					errors[0] += 1

	threads = [threading.Thread(target=client) for _ in range(clients)]
	start = time.perf_counter()
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	elapsed = time.perf_counter() - start
	if errors[0]:
		raise RuntimeError(f"{errors[0]} requests failed")
	return done[0] / elapsed


def api_auth() -> None:
	from frappe.core.doctype.user.user import generate_keys

	secret = generate_keys("Administrator")["api_secret"]
	emit("auth", {"token": f"token {frappe.db.get_value('User', 'Administrator', 'api_key')}:{secret}"})
