"""Every write of a prospect's Lead and Opportunity rows, and of Lead.prospect which must agree with them.
A saved Lead or Opportunity places its own row only, in a few statements whatever the prospect's size;
a saved Prospect takes its lead rows' values from here, and its leads table decides Lead.prospect.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import frappe
from frappe.query_builder import Case, DocType
from frappe.query_builder.functions import Coalesce, Max
from frappe.utils import flt, now

from prospect_crm import contacts, history


@dataclass(frozen=True)
class RowKind:
	"""One kind of row a prospect lists: its table, the document it stands for and what it copies from it."""

	child_doctype: str
	parentfield: str
	link_field: str
	source_doctype: str
	# row field <- field of the source document
	fields: Mapping[str, str]
	# whether the row's amount counts in the prospect's open pipeline amount
	carries_amount: bool

	def values_from(self, source) -> dict:
		return {row_field: source.get(field) for row_field, field in self.fields.items()}


# The two row kinds: child DocType, its table field, its link field, the source DocType; then each row field
# with the source field it copies.
LEAD_ROW = RowKind(
	"Prospect Lead",
	"leads",
	"lead",
	"Lead",
	fields=MappingProxyType(
		dict(lead_name="lead_name", status="status", email="email_id")
		| dict(mobile_no="mobile_no", lead_owner="lead_owner")
	),
	carries_amount=False,
)
OPPORTUNITY_ROW = RowKind(
	"Prospect Opportunity",
	"opportunities",
	"opportunity",
	"Opportunity",
	fields=MappingProxyType(
		dict(amount="opportunity_amount", currency="currency", stage="sales_stage", status="status")
		| dict(probability="probability", expected_closing="expected_closing")
		| dict(deal_owner="opportunity_owner", contact_person="contact_person")
	),
	carries_amount=True,
)
ROW_KINDS = (LEAD_ROW, OPPORTUNITY_ROW)

# Names other modules (api.py, the pipeline report, contract.py) use.
LEAD_ROW_FIELDS = LEAD_ROW.fields
OPPORTUNITY_ROW_FIELDS = OPPORTUNITY_ROW.fields
CLOSED_OPPORTUNITY_STATUSES = ("Lost", "Closed", "Converted")
NUMERIC_TYPES = ("Currency", "Float", "Percent", "Int", "Check")


# ---- Lead ----


def refresh_lead_row(lead, method=None):
	"""Lead.on_update: the lead's row goes to its prospect (added, refreshed, moved or removed); when the
	lead changes prospect, its opportunities follow it."""
	moved = place_row(
		LEAD_ROW, lead.name, lead.get("prospect"), LEAD_ROW.values_from(lead), carry=not is_new(lead)
	)
	if moved and not is_new(lead):
		refresh_opportunities_of_leads([lead.name])


def remove_lead_row(lead, method=None):
	"""Lead.on_trash: a deleted lead leaves its prospect; the prospect itself is never deleted, and keeps the
	lead's emails and events on its timeline."""
	place_row(LEAD_ROW, lead.name, None, {}, carry=False)


def is_new(doc) -> bool:
	"""A document being inserted has no history yet to bring along."""
	return bool(getattr(doc, "flags", None) and doc.flags.in_insert)


# ---- Opportunity ----


def listing_prospect(
	opportunity_from: str | None, party_name: str | None, lead_prospect: str | None
) -> str | None:
	"""The prospect listing an opportunity: the prospect it is for, or the prospect of the lead it is for
	(`lead_prospect`, read by the caller)."""
	if opportunity_from == "Prospect":
		return party_name or None
	if opportunity_from == "Lead" and party_name:
		return lead_prospect or None
	return None


def prospect_of_opportunity(opportunity) -> str | None:
	opportunity_from, party_name = opportunity.get("opportunity_from"), opportunity.get("party_name")
	lead_prospect = None
	if opportunity_from == "Lead" and party_name:
		lead_prospect = frappe.db.get_value("Lead", party_name, "prospect")
	return listing_prospect(opportunity_from, party_name, lead_prospect)


def prospects_of_opportunities(names: Iterable[str]) -> dict[str, str | None]:
	"""prospect_of_opportunity of many opportunities in one query; names that do not exist are left out."""
	names = [name for name in names if name]
	if not names:
		return {}
	opportunity, lead = DocType("Opportunity"), DocType("Lead")
	rows = (
		frappe.qb.from_(opportunity)
		.left_join(lead)
		.on((opportunity.opportunity_from == "Lead") & (lead.name == opportunity.party_name))
		.select(opportunity.name, opportunity.opportunity_from, opportunity.party_name, lead.prospect)
		.where(opportunity.name.isin(names))
		.run(as_dict=True)
	)
	return {row.name: listing_prospect(row.opportunity_from, row.party_name, row.prospect) for row in rows}


def refresh_opportunity_row(opportunity, method=None):
	"""Opportunity.on_update: its row goes to its prospect (added, refreshed, moved or removed)."""
	place_row(
		OPPORTUNITY_ROW,
		opportunity.name,
		prospect_of_opportunity(opportunity),
		OPPORTUNITY_ROW.values_from(opportunity),
		carry=not is_new(opportunity),
	)


def remove_opportunity_row(opportunity, method=None):
	"""Opportunity.on_trash: its row goes (ERPNext's link check would otherwise refuse the deletion)."""
	place_row(OPPORTUNITY_ROW, opportunity.name, None, {}, carry=False)


def refresh_opportunities_of_leads(leads: list[str]) -> None:
	"""The opportunities for these leads go where their lead now is."""
	fields = ["name", "opportunity_from", "party_name", *OPPORTUNITY_ROW.fields.values()]
	for opportunity in frappe.get_all(
		"Opportunity", filters={"opportunity_from": "Lead", "party_name": ("in", leads)}, fields=fields
	):
		refresh_opportunity_row(opportunity)


# ---- a whole prospect ----


def refresh_rows_of_prospect(prospect: str) -> None:
	"""Write the row of every lead and opportunity of one prospect (after a merge moved them to it)."""
	leads = frappe.get_all(
		"Lead", filters={"prospect": prospect}, fields=["name", "prospect", *LEAD_ROW.fields.values()]
	)
	for lead in leads:
		refresh_lead_row(lead)
	opportunity_fields = ["name", "opportunity_from", "party_name", *OPPORTUNITY_ROW.fields.values()]
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


def open_pipeline_amount(opportunity_rows) -> float:
	"""A prospect's open pipeline amount: what its opportunity rows add up to (Prospect.validate)."""
	return sum(open_amount(row) for row in opportunity_rows)


def read_sources(kind: RowKind, names: Iterable[str], *fields: str) -> dict[str, frappe._dict]:
	"""The existing source documents of rows naming `names`, by name, with `fields` and the row values."""
	sources = frappe.get_all(
		kind.source_doctype,
		filters={"name": ("in", list(names))},
		fields=["name", *fields, *kind.fields.values()],
	)
	return {source.name: source for source in sources}


def copy_into_rows(kind: RowKind, rows, sources: Mapping[str, dict]) -> None:
	"""Prospect.validate: each row takes its source's current values, which Frappe's save of the prospect
	then writes with the table (the controller writes no row itself)."""
	for row in rows:
		source = sources.get(row.get(kind.link_field))
		if source:
			row.update(kind.values_from(source))


def keep_opportunity_rows(prospect) -> None:
	"""Prospect.validate: the opportunities table is the server's (each Opportunity writes its own row). A save
	that leaves out rows, from the desk or over REST, keeps those whose Opportunity still exists: one query."""
	if prospect.is_new():
		return
	listed = {row.opportunity for row in prospect.opportunities}
	child, opportunity = DocType(OPPORTUNITY_ROW.child_doctype), DocType("Opportunity")
	stored = (
		frappe.qb.from_(child)
		.join(opportunity)
		.on(opportunity.name == child.opportunity)
		.select(child.opportunity, *(child[field] for field in OPPORTUNITY_ROW.fields))
		.where((child.parent == prospect.name) & (child.parenttype == "Prospect"))
		.orderby(child.idx)
		.run(as_dict=True)
	)
	for row in stored:
		if row.opportunity not in listed:
			prospect.append(OPPORTUNITY_ROW.parentfield, row)


def follow_leads_table(prospect) -> None:
	"""Prospect.on_update: the leads table is the user's intent. Listed leads join the prospect (with their
	addresses and contacts), the others leave it.

	Lead.prospect is set directly, not by saving each Lead: the rows are already in the table (Frappe has just
	written it), and of the Lead hooks only the linking of addresses and contacts is left to do, done here.
	"""
	listed = {row.lead for row in prospect.leads if row.lead}
	lead = DocType("Lead")
	members = lead.prospect == prospect.name
	if listed:
		members = members | lead.name.isin(sorted(listed))
	current = frappe.qb.from_(lead).select(lead.name, lead.prospect).where(members).run()
	joining = sorted(name for name, was_in in current if name in listed and was_in != prospect.name)
	leaving = sorted(name for name, _was_in in current if name not in listed)
	if joining:
		frappe.db.set_value("Lead", {"name": ("in", joining)}, "prospect", prospect.name)
		for name in joining:
			contacts.link_documents("Lead", name, "Prospect", prospect.name)
			history.joined("Lead", name, prospect.name)
	if leaving:
		frappe.db.set_value("Lead", {"name": ("in", leaving)}, "prospect", None)
		for name in leaving:
			history.left("Lead", name, [prospect.name])
	if joining or leaving:
		refresh_opportunities_of_leads([*joining, *leaving])


def release_leads(prospect: str) -> None:
	"""Prospect.on_trash: the leads of a deleted prospect stay, in no prospect."""
	lead = DocType("Lead")
	frappe.qb.update(lead).set(lead.prospect, None).where(lead.prospect == prospect).run()


# ---- the one writer of a row ----


def place_row(kind: RowKind, link_name: str, prospect: str | None, values: dict, carry: bool = True) -> bool:
	"""Make `link_name`'s row appear once, in `prospect`'s table with `values` (in no table when prospect is
	None): add it, refresh it, move it from another prospect or delete it. Returns whether it changed
	prospect. With `carry`, a document that joins or leaves takes its emails, comments and events along
	(history.py): only then, not on a refresh.

	Three statements to update or delete, four to insert, five to move, whatever the prospect's size: read
	the link's rows; lock and bump the parents; delete the rows elsewhere; update the row, or read the
	table's last idx and insert it. The parents are locked before any child row is touched, in one UPDATE
	(so always in the same order): concurrent writers on one prospect queue up instead of deadlocking, and
	none compares timestamps.
	"""
	child = DocType(kind.child_doctype)
	amount_columns = (child.amount, child.status) if kind.carries_amount else ()
	rows = (
		frappe.qb.from_(child)
		.select(child.name, child.parent, *amount_columns)
		.where(child[kind.link_field] == link_name)
		.run(as_dict=True)
	)
	kept = next((row for row in rows if row.parent == prospect), None) if prospect else None
	# Rows in other prospects go, and so do duplicates in this one (left by older data).
	stale = [row for row in rows if row is not kept]
	parents = {row.parent for row in stale}
	if prospect:
		parents.add(prospect)
	if not parents:
		return False
	values = not_null(kind, values)
	timestamp, user = now(), frappe.session.user

	# The open pipeline amount moves by the difference this one row makes (no sum over the table).
	pipeline_delta = dict.fromkeys(parents, 0.0)
	if kind.carries_amount:
		for row in stale:
			pipeline_delta[row.parent] -= open_amount(row)
		if prospect:
			pipeline_delta[prospect] += open_amount(values) - (open_amount(kept) if kept else 0)
	# Status (Open/Engaged/Dormant) and group amounts follow in the same UPDATE (status.py).
	gaining, losing = set(), set()
	if kind.carries_amount:
		from prospect_crm.status import is_open

		losing = {row.parent for row in stale if is_open(row)}
		if prospect and is_open(values):
			gaining.add(prospect)
		elif prospect and kept and is_open(kept):
			losing.add(prospect)
		losing -= gaining
	lock_prospects(sorted(parents), timestamp, pipeline_delta, gaining, losing, link_name)

	if stale:
		frappe.qb.from_(child).delete().where(child.name.isin([row.name for row in stale])).run()
	if kept:
		update = frappe.qb.update(child).set(child.modified, timestamp).set(child.modified_by, user)
		for field, value in values.items():
			update = update.set(child[field], value)
		update.where(child.name == kept.name).run()
	elif prospect:
		insert_row(kind, link_name, prospect, values, timestamp, user)

	moved = bool(stale) if not prospect else not kept
	if carry and moved:
		left = {row.parent for row in stale}
		if prospect:
			history.joined(kind.source_doctype, link_name, prospect, left)
		else:
			history.left(kind.source_doctype, link_name, left)

	for name in parents:
		frappe.publish_realtime(
			"doc_update",
			{"modified": timestamp, "doctype": "Prospect", "name": name},
			doctype="Prospect",
			docname=name,
			after_commit=True,
		)
	return moved


def open_amount(row) -> float:
	"""What an opportunity row adds to the open pipeline."""
	return 0.0 if (row.get("status") or "") in CLOSED_OPPORTUNITY_STATUSES else flt(row.get("amount"))


def not_null(kind: RowKind, values: dict) -> dict:
	"""Numeric columns are NOT NULL: an Opportunity without amount or probability writes 0."""
	meta = frappe.get_meta(kind.child_doctype)
	return {
		field: (0 if value is None and meta.get_field(field).fieldtype in NUMERIC_TYPES else value)
		for field, value in values.items()
	}


def lock_prospects(
	names: list[str],
	timestamp,
	pipeline_delta: Mapping[str, float] | None = None,
	gaining: set[str] = frozenset(),
	losing: set[str] = frozenset(),
	link_name: str | None = None,
) -> None:
	"""Bump the parents' modified (so an open form reloads rather than saving a stale table over the new
	row) and move their open pipeline amounts, in one UPDATE that also takes their row locks. The same UPDATE
	moves the group amounts of their parent companies (without bumping those) and re-derives the status of
	a prospect that gains or loses an open opportunity (status.py)."""
	from prospect_crm import status

	prospect = DocType("Prospect")
	moved = {name: delta for name, delta in (pipeline_delta or {}).items() if delta}
	groups = status.group_deltas(moved)
	ancestors = sorted(set(groups) - set(names))
	if ancestors:
		bumped = Case().when(prospect.name.isin(names), timestamp).else_(prospect.modified)
		update = frappe.qb.update(prospect).set(prospect.modified, bumped)
	else:
		update = frappe.qb.update(prospect).set(prospect.modified, timestamp)
	if moved:
		delta = Case()
		for name, amount in moved.items():
			delta = delta.when(prospect.name == name, amount)
		update = update.set(prospect.open_pipeline_amount, prospect.open_pipeline_amount + delta.else_(0))
		group_delta = Case()
		for name, amount in groups.items():
			group_delta = group_delta.when(prospect.name == name, amount)
		update = update.set(
			prospect.group_pipeline_amount, prospect.group_pipeline_amount + group_delta.else_(0)
		)
	if gaining or losing:
		update = update.set(prospect.status, status.lock_update_status(prospect, gaining, losing, link_name))
	update.where(prospect.name.isin([*names, *ancestors])).run()


def refresh_pipeline_amount(names: list[str]) -> None:
	"""Recompute the open pipeline amount of these prospects from their rows (repair)."""
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


def insert_row(kind: RowKind, link_name: str, prospect: str, values: dict, timestamp, user) -> None:
	"""Append a row to the prospect's table."""
	child = DocType(kind.child_doctype)
	# A plain (snapshot) read, as a separate statement: reading max(idx) inside the INSERT would lock the
	# index gap after this prospect's rows, and inserts into the neighbouring prospects would wait for us.
	idx = (
		frappe.qb.from_(child).select(Coalesce(Max(child.idx), 0) + 1).where(child.parent == prospect).run()
	)[0][0]
	columns = {
		"parent": prospect,
		"parenttype": "Prospect",
		"parentfield": kind.parentfield,
		"owner": user,
		"modified_by": user,
		"creation": timestamp,
		"modified": timestamp,
		"docstatus": 0,
		"idx": idx,
		kind.link_field: link_name,
		**values,
	}
	if frappe.get_meta(kind.child_doctype).autoname == "autoincrement":
		# nextval() in the INSERT saves a statement; the sequence is Frappe's (frappe.database.sequence).
		name = f"nextval(`{frappe.scrub(kind.child_doctype + '_id_seq')}`)"
	else:
		name = "%(name)s"
		columns["name"] = frappe.generate_hash(length=10)
	column_names = ", ".join(f"`{column}`" for column in columns if column != "name")
	placeholders = ", ".join(f"%({column})s" for column in columns if column != "name")
	frappe.db.sql(
		f"insert into `tab{kind.child_doctype}` (`name`, {column_names}) values ({name}, {placeholders})",
		columns,
	)


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


def rebuild_all(dry_run: bool = False, show_progress: bool = False, commit_every: int = 0) -> dict:
	"""Rebuild every prospect's rows from the Leads and Opportunities themselves. Idempotent.

	Returns what changed (or would change): rows added, refreshed (values differed) and removed. With
	`commit_every` (a background repair), the changes are committed in chunks of that many rows, so that a run
	killed half-way keeps what it did and holds no lock for long; a re-run does the rest.
	"""
	from frappe.utils import update_progress_bar

	report = {"added": [], "refreshed": [], "removed": []}
	set_lead_prospect_from_rows()
	wanted = wanted_rows()

	for kind in ROW_KINDS:
		existing = frappe.get_all(
			kind.child_doctype,
			filters={"parenttype": "Prospect"},
			fields=["parent", kind.link_field, *kind.fields.keys()],
		)
		seen = set()
		for row in existing:
			key = (kind.child_doctype, row.get(kind.link_field))
			want = wanted.get(key)
			if not want or want[0] != row.parent or key in seen:
				report["removed"].append((kind.child_doctype, row.parent, row.get(kind.link_field)))
				continue
			seen.add(key)
			if any(normalize(row.get(f)) != normalize(v) for f, v in want[1].items()):
				report["refreshed"].append((kind.child_doctype, row.parent, row.get(kind.link_field)))
		for (doctype, link_name), (prospect, _values) in wanted.items():
			if doctype == kind.child_doctype and (doctype, link_name) not in seen:
				report["added"].append((kind.child_doctype, prospect, link_name))

		if not dry_run:
			changed = {
				link_name
				for what in ("added", "refreshed", "removed")
				for doctype, _parent, link_name in report[what]
				if doctype == kind.child_doctype
			}
			for position, link_name in enumerate(sorted(changed)):
				if show_progress:
					update_progress_bar(f"Repairing {kind.child_doctype} rows", position, len(changed))
				prospect, values = wanted.get((kind.child_doctype, link_name), (None, {}))
				place_row(kind, link_name, prospect, values)
				if commit_every and (position + 1) % commit_every == 0:
					frappe.db.commit()
	if not dry_run:
		# Recomputed from the rows, whatever drift an earlier direct database edit left behind.
		refresh_pipeline_amount(frappe.get_all("Prospect", pluck="name"))
		from prospect_crm.status import update_group_amounts

		update_group_amounts()
	return report


def wanted_rows() -> dict[tuple[str, str], tuple[str, dict]]:
	"""(child DocType, Lead or Opportunity) -> (prospect, row values), as the Leads and Opportunities say."""
	wanted = {}
	for lead in frappe.get_all(
		"Lead", filters={"prospect": ("is", "set")}, fields=["name", "prospect", *LEAD_ROW.fields.values()]
	):
		wanted[(LEAD_ROW.child_doctype, lead.name)] = (lead.prospect, LEAD_ROW.values_from(lead))
	lead_prospects = dict(
		frappe.get_all("Lead", filters={"prospect": ("is", "set")}, fields=["name", "prospect"], as_list=True)
	)
	for opportunity in frappe.get_all(
		"Opportunity",
		filters={"opportunity_from": ("in", ("Prospect", "Lead"))},
		fields=["name", "opportunity_from", "party_name", *OPPORTUNITY_ROW.fields.values()],
	):
		prospect = listing_prospect(
			opportunity.opportunity_from, opportunity.party_name, lead_prospects.get(opportunity.party_name)
		)
		if prospect and frappe.db.exists("Prospect", prospect):
			wanted[(OPPORTUNITY_ROW.child_doctype, opportunity.name)] = (
				prospect,
				OPPORTUNITY_ROW.values_from(opportunity),
			)
	return wanted


def normalize(value):
	if value in (None, ""):
		return None
	if isinstance(value, float | int) or hasattr(value, "as_integer_ratio"):
		return float(value)
	return str(value)
