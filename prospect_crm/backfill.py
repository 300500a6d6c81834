"""Every write of a prospect's Lead and Opportunity rows, one row at a time.

A saved Lead or Opportunity refreshes (or moves, or removes) its own row only: no full save of the
prospect, no rewrite of other rows, and the same handful of queries whatever the prospect's size.
The parent's `modified` is bumped with a single UPDATE so that open forms reload instead of saving
stale tables over the new row; concurrent writers never compare timestamps, so none of them fails.
"""

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce, Max
from frappe.utils import flt, now

LEAD_ROW_FIELDS = {
	"lead_name": "lead_name",
	"status": "status",
	"email": "email_id",
	"mobile_no": "mobile_no",
	"lead_owner": "lead_owner",
}
NUMERIC_TYPES = ("Currency", "Float", "Percent", "Int", "Check")
CLOSED_OPPORTUNITY_STATUSES = ("Lost", "Closed", "Converted")
OPPORTUNITY_ROW_FIELDS = {
	"amount": "opportunity_amount",
	"currency": "currency",
	"stage": "sales_stage",
	"status": "status",
	"probability": "probability",
	"expected_closing": "expected_closing",
	"deal_owner": "opportunity_owner",
	"contact_person": "contact_person",
}


# ---- Lead ----


def refresh_lead_row(lead, method=None):
	"""Write the lead's row into its prospect (adding, moving or removing it)."""
	values = {row_field: lead.get(field) for row_field, field in LEAD_ROW_FIELDS.items()}
	upsert_row("Prospect Lead", "leads", "lead", lead.name, lead.get("prospect"), values)


def remove_lead_row(lead, method=None):
	"""A deleted lead leaves its prospect; the prospect itself is never deleted."""
	upsert_row("Prospect Lead", "leads", "lead", lead.name, None, {})


# ---- Opportunity ----


def prospect_of_opportunity(opportunity) -> str | None:
	if opportunity.get("opportunity_from") == "Prospect":
		return opportunity.get("party_name") or None
	if opportunity.get("opportunity_from") == "Lead" and opportunity.get("party_name"):
		return frappe.db.get_value("Lead", opportunity.party_name, "prospect") or None
	return None


def refresh_opportunity_row(opportunity, method=None):
	values = {row_field: opportunity.get(field) for row_field, field in OPPORTUNITY_ROW_FIELDS.items()}
	upsert_row(
		"Prospect Opportunity",
		"opportunities",
		"opportunity",
		opportunity.name,
		prospect_of_opportunity(opportunity),
		values,
	)


def remove_opportunity_row(opportunity, method=None):
	upsert_row("Prospect Opportunity", "opportunities", "opportunity", opportunity.name, None, {})


# ---- a whole prospect ----


def refresh_rows_of_prospect(prospect: str) -> None:
	"""Write the row of every lead and opportunity of one prospect (after a merge moved them to it)."""
	leads = frappe.get_all(
		"Lead", filters={"prospect": prospect}, fields=["name", "prospect", *LEAD_ROW_FIELDS.values()]
	)
	for lead in leads:
		refresh_lead_row(lead)
	opportunity_fields = ["name", "opportunity_from", "party_name", *OPPORTUNITY_ROW_FIELDS.values()]
	opportunities = frappe.get_all(
		"Opportunity",
		filters={"opportunity_from": "Prospect", "party_name": prospect},
		fields=opportunity_fields,
	)
	if leads:
		opportunities += frappe.get_all(
			"Opportunity",
			filters={"opportunity_from": "Lead", "party_name": ("in", [lead.name for lead in leads])},
			fields=opportunity_fields,
		)
	for opportunity in opportunities:
		refresh_opportunity_row(opportunity)


# ---- the one writer ----


def upsert_row(child_doctype, parentfield, link_field, link_name, prospect, values):
	"""Make `link_name` appear in exactly `prospect`'s table (or in none when prospect is None).

	A constant number of queries whatever the prospect's size. The parent rows are locked first, always
	in the same order, so concurrent writers on one prospect queue up instead of deadlocking.
	"""
	child = DocType(child_doctype)
	is_opportunity = child_doctype == "Prospect Opportunity"
	amount_columns = [child.amount, child.status] if is_opportunity else []
	stale = frappe.qb.from_(child).select(child.parent, *amount_columns).where(child[link_field] == link_name)
	if prospect:
		stale = stale.where(child.parent != prospect)
	stale_rows = stale.run(as_dict=True)
	parents = {row.parent for row in stale_rows}
	if prospect:
		parents.add(prospect)
	if not parents:
		return
	timestamp, user = now(), frappe.session.user
	values = not_null(child_doctype, values)
	lock_prospects(sorted(parents), timestamp)
	# The open pipeline amount moves by the difference this one row makes (no sum over the table).
	pipeline_delta = dict.fromkeys(parents, 0.0)
	for row in stale_rows:
		pipeline_delta[row.parent] -= open_amount(row) if is_opportunity else 0

	if stale_rows:
		delete = frappe.qb.from_(child).delete().where(child[link_field] == link_name)
		if prospect:
			delete = delete.where(child.parent != prospect)
		delete.run()

	if prospect:
		existing = frappe.db.get_value(
			child_doctype,
			{"parent": prospect, "parenttype": "Prospect", link_field: link_name},
			["name", *(("amount", "status") if is_opportunity else ())],
			as_dict=True,
		)
		if existing:
			update = frappe.qb.update(child).set(child.modified, timestamp).set(child.modified_by, user)
			for field, value in values.items():
				update = update.set(child[field], value)
			update.where(child.name == existing.name).run()
		else:
			insert_row(child_doctype, parentfield, link_field, link_name, prospect, values, timestamp, user)
		if is_opportunity:
			pipeline_delta[prospect] += open_amount(values) - (open_amount(existing) if existing else 0)

	prospect_table = DocType("Prospect")
	for name, delta in pipeline_delta.items():
		if delta:
			(
				frappe.qb.update(prospect_table)
				.set(prospect_table.open_pipeline_amount, prospect_table.open_pipeline_amount + delta)
				.where(prospect_table.name == name)
				.run()
			)
	for name in parents:
		frappe.publish_realtime(
			"doc_update",
			{"modified": timestamp, "doctype": "Prospect", "name": name},
			doctype="Prospect",
			docname=name,
			after_commit=True,
		)


def open_amount(row) -> float:
	"""What an opportunity row adds to the open pipeline."""
	return 0.0 if (row.get("status") or "") in CLOSED_OPPORTUNITY_STATUSES else flt(row.get("amount"))


def not_null(child_doctype: str, values: dict) -> dict:
	"""Numeric columns are NOT NULL: an Opportunity without amount or probability writes 0."""
	meta = frappe.get_meta(child_doctype)
	return {
		field: (0 if value is None and meta.get_field(field).fieldtype in NUMERIC_TYPES else value)
		for field, value in values.items()
	}


def lock_prospects(names: list[str], timestamp) -> None:
	"""Bump the parents' modified (so an open form reloads rather than saving a stale table over the new
	row); this also takes their row locks before any child row is touched."""
	prospect = DocType("Prospect")
	frappe.qb.update(prospect).set(prospect.modified, timestamp).where(prospect.name.isin(names)).run()


def refresh_pipeline_amount(names: list[str]) -> None:
	if not names:
		return
	frappe.db.sql(
		"""update `tabProspect` p set open_pipeline_amount = (
			select coalesce(sum(o.amount), 0) from `tabProspect Opportunity` o
			where o.parent = p.name and o.parenttype = 'Prospect'
			and coalesce(o.status, '') not in %(closed)s
		) where p.name in %(names)s""",
		{"names": names, "closed": CLOSED_OPPORTUNITY_STATUSES},
	)


def insert_row(child_doctype, parentfield, link_field, link_name, prospect, values, timestamp, user):
	child = DocType(child_doctype)
	columns = {
		"parent": prospect,
		"parenttype": "Prospect",
		"parentfield": parentfield,
		"owner": user,
		"modified_by": user,
		"creation": timestamp,
		"modified": timestamp,
		"docstatus": 0,
		link_field: link_name,
		**values,
	}
	if frappe.get_meta(child_doctype).autoname == "autoincrement":
		columns["name"] = frappe.db.get_next_sequence_val(child_doctype)
	else:
		columns["name"] = frappe.generate_hash(length=10)
	next_idx = (
		frappe.qb.from_(child).select(Coalesce(Max(child.idx), 0) + 1).where(child.parent == prospect).run()
	)[0][0]
	columns["idx"] = next_idx
	frappe.qb.into(child).columns(*columns).insert(*columns.values()).run()


# ---- keeping Lead.prospect and the leads table in agreement ----


def set_lead_prospect_from_rows() -> int:
	"""Set Lead.prospect from existing Prospect Lead rows (ERPNext's data has no such field)."""
	lead = DocType("Lead")
	row = DocType("Prospect Lead")
	pairs = (
		frappe.qb.from_(row)
		.join(lead)
		.on(lead.name == row.lead)
		.select(row.lead, row.parent)
		.where(row.parenttype == "Prospect")
		.where(lead.prospect.isnull() | (lead.prospect == ""))
		.orderby(row.creation)
		.run()
	)
	for lead_name, parent in pairs:
		frappe.db.set_value("Lead", lead_name, "prospect", parent, update_modified=False)
	return len(pairs)


# ---- repair ----


def rebuild_all(dry_run: bool = False, show_progress: bool = False) -> dict:
	"""Rebuild every prospect's rows from the Leads and Opportunities themselves. Idempotent.

	Returns what changed (or would change): rows added, refreshed (values differed) and removed.
	"""
	from frappe.utils import update_progress_bar

	report = {"added": [], "refreshed": [], "removed": []}
	set_lead_prospect_from_rows()

	wanted = {}
	for lead in frappe.get_all(
		"Lead", filters={"prospect": ("is", "set")}, fields=["name", "prospect", *LEAD_ROW_FIELDS.values()]
	):
		wanted[("Prospect Lead", lead.name)] = (
			lead.prospect,
			{row_field: lead.get(field) for row_field, field in LEAD_ROW_FIELDS.items()},
		)
	opportunity_fields = ["name", "opportunity_from", "party_name", *OPPORTUNITY_ROW_FIELDS.values()]
	lead_prospects = dict(
		frappe.get_all("Lead", filters={"prospect": ("is", "set")}, fields=["name", "prospect"], as_list=True)
	)
	for opp in frappe.get_all(
		"Opportunity", filters={"opportunity_from": ("in", ("Prospect", "Lead"))}, fields=opportunity_fields
	):
		prospect = (
			opp.party_name if opp.opportunity_from == "Prospect" else lead_prospects.get(opp.party_name)
		)
		if prospect and frappe.db.exists("Prospect", prospect):
			wanted[("Prospect Opportunity", opp.name)] = (
				prospect,
				{row_field: opp.get(field) for row_field, field in OPPORTUNITY_ROW_FIELDS.items()},
			)

	specs = {
		"Prospect Lead": ("leads", "lead", LEAD_ROW_FIELDS),
		"Prospect Opportunity": ("opportunities", "opportunity", OPPORTUNITY_ROW_FIELDS),
	}
	for child_doctype, (parentfield, link_field, row_fields) in specs.items():
		existing = frappe.get_all(
			child_doctype,
			filters={"parenttype": "Prospect"},
			fields=["parent", link_field, *row_fields.keys()],
		)
		seen = set()
		for row in existing:
			key = (child_doctype, row.get(link_field))
			want = wanted.get(key)
			if not want or want[0] != row.parent or key in seen:
				report["removed"].append((child_doctype, row.parent, row.get(link_field)))
				continue
			seen.add(key)
			if any(normalize(row.get(f)) != normalize(v) for f, v in want[1].items()):
				report["refreshed"].append((child_doctype, row.parent, row.get(link_field)))
		for (doctype, link_name), (prospect, _values) in wanted.items():
			if doctype == child_doctype and (doctype, link_name) not in seen:
				report["added"].append((child_doctype, prospect, link_name))

		if not dry_run:
			changed = {
				link_name
				for kind in ("added", "refreshed", "removed")
				for doctype, _parent, link_name in report[kind]
				if doctype == child_doctype
			}
			for position, link_name in enumerate(sorted(changed)):
				if show_progress:
					update_progress_bar(f"Repairing {child_doctype} rows", position, len(changed))
				parents = frappe.get_all(child_doctype, filters={link_field: link_name}, pluck="parent")
				frappe.db.delete(child_doctype, {link_field: link_name, "parenttype": "Prospect"})
				want = wanted.get((child_doctype, link_name))
				if want:
					upsert_row(child_doctype, parentfield, link_field, link_name, want[0], want[1])
				emptied = sorted(set(parents) - {want and want[0]})
				if emptied:
					lock_prospects(emptied, now())
	if not dry_run:
		# Recomputed from the rows, whatever drift an earlier direct database edit left behind.
		refresh_pipeline_amount(frappe.get_all("Prospect", pluck="name"))
	return report


def normalize(value):
	if value in (None, ""):
		return None
	if isinstance(value, float | int) or hasattr(value, "as_integer_ratio"):
		return float(value)
	return str(value)
