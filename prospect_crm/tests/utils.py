"""Test helpers shared by the DocType tests, the integration tests and the benchmark: the site's set-up,
factories of prospects, leads, opportunities, contacts, addresses, items, users and data imports, unique
names for data that gets committed and its removal, whitelisted calls as the desk makes them, the SQL
statement counter, and the fault tests' tally (the "fault summary:" line)."""

import atexit

import frappe
from frappe import is_whitelisted

FAULTS = {"faults injected": 0, "writes attempted": 0, "writes confirmed": 0, "rows checked": 0}
LOST_AND_DOUBLED = {"lost": 0, "doubled": 0}


def count_faults(**numbers: int) -> None:
	"""Adds to the fault summary printed when the test process ends (keyword names with underscores for
	spaces: faults_injected, writes_attempted, writes_confirmed, rows_checked, lost, doubled)."""
	if not getattr(count_faults, "registered", False):
		atexit.register(print_fault_summary)
		count_faults.registered = True
	for key, n in numbers.items():
		key = key.replace("_", " ")
		(FAULTS if key in FAULTS else LOST_AND_DOUBLED)[key] += n


def print_fault_summary() -> None:
	print(
		"\nfault summary: "
		+ ", ".join(f"{key}: {n}" for key, n in {**FAULTS, **LOST_AND_DOUBLED}.items())
		+ "; any row lost or doubled fails its test",
		flush=True,
	)


def before_tests():
	"""Complete ERPNext's setup wizard on the test site (ERPNext's own test set-up)."""
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	erpnext_before_tests()


def test_company() -> str:
	return frappe.db.get_value("Company", {}, "name")


def unique(name: str) -> str:
	"""`name` with a random suffix: for data a test commits, so that a re-run on the same site never meets
	what an earlier (or interrupted) run left behind."""
	return f"{name} {frappe.generate_hash(length=6)}"


def make_prospect(company_name: str, **values):
	"""A prospect; names are used as given (each test class's records are rolled back after it)."""
	prospect = frappe.get_doc(
		{"doctype": "Prospect", "company_name": company_name, "company": test_company(), **values}
	)
	return prospect.insert()


def make_lead(first_name: str, prospect: str | None = None, **values):
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": first_name,
			"company": test_company(),
			"prospect": prospect,
			**values,
		}
	)
	return lead.insert()


def make_opportunity(party_name: str, opportunity_from: str = "Prospect", **values):
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": opportunity_from,
			"party_name": party_name,
			"company": test_company(),
			"opportunity_amount": values.pop("opportunity_amount", 1000),
			**values,
		}
	)
	return opportunity.insert()


def make_contact(first_name: str, links, primary: bool = False, email: str | None = None):
	"""A contact linked to each (DocType, name) of `links`."""
	return frappe.get_doc(
		{
			"doctype": "Contact",
			"first_name": first_name,
			"is_primary_contact": int(primary),
			"email_ids": [{"email_id": email, "is_primary": 1}] if email else [],
			"links": [{"link_doctype": doctype, "link_name": name} for doctype, name in links],
		}
	).insert()


def make_address(title: str, links):
	"""An address linked to each (DocType, name) of `links`."""
	return frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": title,
			"address_line1": "3 quai Voltaire",
			"city": "Paris",
			"country": "France",
			"links": [{"link_doctype": doctype, "link_name": name} for doctype, name in links],
		}
	).insert()


def links_of(doctype: str, name: str) -> set[tuple[str, str]]:
	"""The (DocType, name) pairs an Address or Contact is linked to."""
	return {(link.link_doctype, link.link_name) for link in frappe.get_doc(doctype, name).links}


def sales_item() -> str:
	"""A non-stock item to put on quotations (created once per site)."""
	item = frappe.db.get_value("Item", {"item_code": "PCRM Consulting"}, "name")
	if not item:
		item = (
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": "PCRM Consulting",
					"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name"),
					"stock_uom": frappe.db.get_value("UOM", {}, "name"),
					"is_stock_item": 0,
				}
			)
			.insert()
			.name
		)
	return item


def committed_data_prefix(test_class, label: str) -> str:
	"""A name prefix unique to this run for data a test class commits (as Administrator), deleted with
	delete_prospects when the class is done."""
	frappe.set_user("Administrator")
	prefix = unique(label)
	test_class.addClassCleanup(delete_prospects, prefix)
	return prefix


def delete_prospects(prefix: str) -> None:
	"""Deletes, and commits, the prospects whose name starts with `prefix`, their opportunities and
	customers, and the leads whose first name does (addresses and contacts linked only to a deleted
	prospect go with it)."""
	frappe.set_user("Administrator")
	like = ("like", f"{prefix}%")
	for doctype, field in (
		("Opportunity", "party_name"),
		("Customer", "prospect"),
		("Prospect", "name"),
		("Lead", "first_name"),
	):
		for name in frappe.get_all(doctype, filters={field: like}, pluck="name"):
			frappe.delete_doc(doctype, name, force=True)
	frappe.db.commit()


def bulk_leads(test_class, prefix: str, prospect: str, count: int) -> list[str]:
	"""`count` leads naming `prospect`, written with one bulk insert and committed, without their rows (what a
	repair has to place); deleted, with their rows, when the test class is done."""
	from frappe.utils import now

	names = [f"{prefix}-L-{i:05d}" for i in range(count)]
	stamp = now()
	frappe.db.bulk_insert(
		"Lead",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"first_name",
			"lead_name",
			"status",
			"prospect",
		],
		[
			(name, stamp, stamp, "Administrator", "Administrator", name, name, "Lead", prospect)
			for name in names
		],
	)
	frappe.db.commit()
	test_class.addClassCleanup(drop_bulk_leads, prefix)
	return names


def drop_bulk_leads(prefix: str) -> None:
	frappe.db.rollback()
	frappe.db.delete("Prospect Lead", {"lead": ("like", f"{prefix}-L-%")})
	frappe.db.delete("Lead", {"name": ("like", f"{prefix}-L-%")})
	frappe.db.commit()


def new_data_import(doctype: str, csv: str):
	"""A Data Import of `csv` (a private file) that inserts new `doctype` records, not started yet."""
	file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{frappe.scrub(doctype)}-{frappe.generate_hash(length=6)}.csv",
			"content": csv,
			"is_private": 1,
		}
	).insert()
	return frappe.get_doc(
		{
			"doctype": "Data Import",
			"reference_doctype": doctype,
			"import_type": "Insert New Records",
			"import_file": file.file_url,
		}
	).insert()


def make_user(email: str, roles: list[str]) -> str:
	"""A user holding exactly `roles` (created when missing)."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.remove_roles(*[r.role for r in user.roles if r.role not in roles])
	user.add_roles(*roles)
	return email


def call_whitelisted(method: str, **kwargs):
	"""What REST and the desk's frappe.call do with a whitelisted path (frappe.handler.execute_cmd without
	the HTTP request): the app's override replaces the path, which must be whitelisted."""
	for hook in reversed(frappe.get_hooks("override_whitelisted_methods", {}).get(method, [])):
		method = hook
		break
	function = frappe.get_attr(method)
	is_whitelisted(function)
	return frappe.call(function, **kwargs)


class CountQueries:
	"""The SQL statements sent through `frappe.db.sql` while active (`queries`), counted the way Frappe's
	FrappeTestCase.assertQueryCount counts them. Use assertQueryCount for an upper bound; this counter where
	the exact number or the statements themselves are wanted (exact assertions, the benchmark's counts)."""

	def __enter__(self):
		self.queries = []
		self.db = frappe.local.db  # the connection itself, not its proxy
		# Patched on the connection object only, and removed again afterwards, so that a class-level patch
		# (Frappe 15.103's assertQueryCount) still sees every statement.
		self.shadowed = vars(self.db).get("sql")
		original = self.db.sql

		def counting(*args, **kwargs):
			self.queries.append(args[0] if args else kwargs.get("query"))
			return original(*args, **kwargs)

		self.db.sql = counting
		return self

	def __exit__(self, *exc):
		if self.shadowed is None:
			del self.db.sql
		else:
			self.db.sql = self.shadowed

	@property
	def count(self) -> int:
		return len(self.queries)


# ---- the demo data (prospect_crm.demo), which commits ----


def names(doctype: str, filters: dict, field: str = "name") -> list[str]:
	"""The distinct values of `field` (none when an "in" filter has an empty list)."""
	if any(isinstance(value, tuple) and value[0] == "in" and not value[1] for value in filters.values()):
		return []
	return sorted(set(frappe.get_all(doctype, filters=filters, pluck=field)))


def demo_records() -> dict[str, list[str]]:
	"""The demo prospects and every record about them: leads, opportunities, tasks, emails (and those of
	their events), events, addresses and contacts."""
	from prospect_crm.demo import DEMO

	prospects = names("Prospect", {"name": ("in", [spec["company_name"] for spec in DEMO])})
	if not prospects:
		return {}
	leads = names("Lead", {"prospect": ("in", prospects)})
	opportunities = sorted(
		set(names("Prospect Opportunity", {"parent": ("in", prospects)}, "opportunity"))
		| set(names("Opportunity", {"party_name": ("in", prospects + leads)}))
	)
	members = prospects + leads + opportunities
	events = names("Event Participants", {"reference_docname": ("in", members)}, "parent")
	referenced = members + events
	communications = sorted(
		set(names("Communication", {"reference_name": ("in", referenced)}))
		| set(names("Communication Link", {"link_name": ("in", referenced)}, "parent"))
	)
	linked = {"link_doctype": ("in", ("Prospect", "Lead")), "link_name": ("in", prospects + leads)}
	return {
		"Event": events,
		"ToDo": names(
			"ToDo",
			{
				"reference_type": ("in", ("Prospect", "Lead", "Opportunity")),
				"reference_name": ("in", members),
			},
		),
		"Communication": communications,
		"Opportunity": opportunities,
		"Contact": names("Dynamic Link", {"parenttype": "Contact", **linked}, "parent"),
		"Address": names("Dynamic Link", {"parenttype": "Address", **linked}, "parent"),
		"Lead": leads,
		"Prospect": prospects,
	}


def delete_demo_records() -> None:
	"""Deletes, and commits, the demo prospects and every record about them (in the order of demo_records:
	what refers to a document goes before it)."""
	frappe.set_user("Administrator")
	for doctype, records in demo_records().items():
		for name in records:
			# An event takes its own emails along.
			if frappe.db.exists(doctype, name):
				frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	frappe.db.commit()
	from prospect_crm import status

	frappe.cache.delete_value(status.PARENT_MAP_KEY)


def rows_state(prospect: str, leads: list[str]) -> dict:
	"""What the invariants of the fault tests are checked on, read in the site's own process (JSON-ready)."""
	from prospect_crm import backfill

	opportunities = frappe.get_all(
		"Opportunity", filters={"party_name": prospect}, fields=["name", "opportunity_amount"]
	)
	report = backfill.rebuild_all(dry_run=True)
	return {
		"opportunities": {o.name: float(o.opportunity_amount or 0) for o in opportunities},
		"opportunity_rows": frappe.get_all(
			"Prospect Opportunity", filters={"parent": prospect}, pluck="opportunity"
		),
		"lead_rows": [
			[r.lead, r.parent, r.mobile_no]
			for r in frappe.get_all(
				"Prospect Lead", filters={"lead": ("in", leads)}, fields=["lead", "parent", "mobile_no"]
			)
		],
		"mobiles": dict(
			frappe.get_all(
				"Lead", filters={"name": ("in", leads)}, fields=["name", "mobile_no"], as_list=True
			)
		),
		"open_amount": float(frappe.db.get_value("Prospect", prospect, "open_pipeline_amount") or 0),
		"repair": [
			list(change)
			for what in ("added", "refreshed", "removed")
			for change in report[what]
			if change[1] == prospect
		],
	}
