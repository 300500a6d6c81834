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
from prospect_crm.batches import in_batches, keyset
from prospect_crm.busy import retryable


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
	before = saved_before(lead)
	moved = place_row(
		LEAD_ROW,
		lead.name,
		lead.get("prospect"),
		LEAD_ROW.values_from(lead),
		carry=not is_new(lead),
		current=not is_new(lead),
		previous=before.get("prospect") if before else None,
	)
	if moved and not is_new(lead):
		refresh_opportunities_of_leads([lead.name])


def refresh_lead_rows(names: Iterable[str]) -> None:
	"""Rows of leads whose values ERPNext changed without saving them (their status, set with db_set by
	Lead.set_status(update=True) when an Opportunity or Quotation is made for the lead, and by Customer when a
	lead becomes a customer): refreshed from the leads as they are now, in this transaction."""
	names = sorted({name for name in names if name})
	if names:
		fix_group(LEAD_ROW, names)


def refresh_row_of_customer_lead(customer, method=None):
	"""Customer.after_insert / on_update: ERPNext has just set its lead's status to Converted."""
	if customer.get("lead_name"):
		refresh_lead_rows([customer.lead_name])


def remove_lead_row(lead, method=None):
	"""Lead.on_trash: a deleted lead leaves its prospect; the prospect itself is never deleted, and keeps the
	lead's emails and events on its timeline."""
	with retryable(lead):  # a deletion does not go through Lead.delete
		place_row(LEAD_ROW, lead.name, None, {}, carry=False, current=True, previous=lead.get("prospect"))


def is_new(doc) -> bool:
	"""A document being inserted has no history yet to bring along."""
	return bool(getattr(doc, "flags", None) and doc.flags.in_insert)


def saved_before(doc):
	"""The document as Frappe read it (with a lock, so as last committed) before this save; None when not
	saved through Document.save."""
	getter = getattr(doc, "get_doc_before_save", None)
	return getter() if getter else None


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
	prospect = prospect_of_opportunity(opportunity)
	before = saved_before(opportunity)
	previous = prospect
	if before and (before.opportunity_from, before.party_name) != (
		opportunity.get("opportunity_from"),
		opportunity.get("party_name"),
	):
		previous = prospect_of_opportunity(before)
	place_row(
		OPPORTUNITY_ROW,
		opportunity.name,
		prospect,
		OPPORTUNITY_ROW.values_from(opportunity),
		carry=not is_new(opportunity),
		current=not is_new(opportunity),
		previous=previous,
	)


def remove_opportunity_row(opportunity, method=None):
	"""Opportunity.on_trash: its row goes (ERPNext's link check would otherwise refuse the deletion)."""
	with retryable(opportunity):  # a deletion does not go through Opportunity.delete
		place_row(
			OPPORTUNITY_ROW,
			opportunity.name,
			None,
			{},
			carry=False,
			current=True,
			previous=prospect_of_opportunity(opportunity),
		)


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


def place_row(
	kind: RowKind,
	link_name: str,
	prospect: str | None,
	values: dict,
	carry: bool = True,
	current: bool = False,
	previous: str | None = None,
) -> bool:
	"""Make `link_name`'s row appear once, in `prospect`'s table with `values` (in no table when prospect is
	None): add it, refresh it, move it from another prospect or delete it. Returns whether it changed
	prospect. With `carry`, a document that joins or leaves takes its emails, comments and events along
	(history.py): only then, not on a refresh.

	Three statements to update or delete, four to insert, five to move, whatever the prospect's size: read
	the link's rows; lock and bump the parents; delete the rows elsewhere; update the row, or read the
	table's last idx and insert it. The parents are locked before any child row is touched, in one UPDATE
	(so always in the same order): concurrent writers on one prospect queue up instead of deadlocking, and
	none compares timestamps.

	With `current` (a save of an existing document), two statements more: the parents (and `previous`, the
	prospect the document named before this save) are locked first, then the link's rows in them read
	again with a locking read, which sees the latest committed rows. The request's snapshot may be older than
	a row placed meanwhile (by the repair, which held the document while this save waited for it): from the
	snapshot alone this save would add a second row. The locking read goes through the parents' index,
	within prospects already locked, so it never holds an index gap another writer inserts into first.
	"""
	child = DocType(kind.child_doctype)
	amount_columns = (child.amount, child.status) if kind.carries_amount else ()
	rows = (
		frappe.qb.from_(child)
		.select(child.name, child.parent, *amount_columns)
		.where(child[kind.link_field] == link_name)
		.run(as_dict=True)
	)
	if current:
		parents = sorted({row.parent for row in rows} | {name for name in (prospect, previous) if name})
		if parents:
			lock_parents(parents)
			rows = (
				frappe.qb.from_(child)
				.select(child.name, child.parent, *amount_columns)
				.where(child.parent.isin(parents))
				.where(child[kind.link_field] == link_name)
				.for_update()
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


def lock_parents(names: list[str]) -> None:
	prospect = DocType("Prospect")
	frappe.qb.from_(prospect).select(prospect.name).where(prospect.name.isin(names)).orderby(
		prospect.name
	).for_update().run()


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


def copy_row_statuses(only_missing: bool = False) -> None:
	"""Each row's status from its Lead or Opportunity, in one statement per table. At install, only where the
	row has none (ERPNext's Prospect Opportunity has no status: the app adds it); at upgrade, also where it
	differs (earlier versions left a lead's row behind when ERPNext set the lead's status without saving it)."""
	for kind in ROW_KINDS:
		frappe.db.sql(
			f"""update `tab{kind.child_doctype}` as row_ join `tab{kind.source_doctype}` as source_
			on source_.name = row_.`{kind.link_field}`
			set row_.status = source_.status
			where source_.status is not null
			and (ifnull(row_.status, '') = '' {"" if only_missing else "or row_.status != source_.status"})"""
		)


# ---- repair ----


def rebuild_all(dry_run: bool = False, show_progress: bool = False, commit_every: int = 0) -> dict:
	"""Rebuild every prospect's rows from the Leads and Opportunities themselves. Idempotent.

	Streams: the Leads and Opportunities are read a batch at a time with their rows, then the rows whose
	document no longer exists, so memory stays bounded whatever the size of the site. Each changed row is
	placed from its document read again under a lock (`fix_rows`): a Lead or Opportunity saved while the
	repair runs is never put back to what an earlier read saw. With `commit_every` (a background repair), the
	changes are committed in groups of that many rows, so that a run killed half-way keeps what it did and
	holds no lock for long; a re-run does the rest.

	Returns what changed (or would change): `counts` of rows added, refreshed (values differed) and removed,
	and the first LISTED of each as (child DocType, prospect, Lead or Opportunity).
	"""
	from frappe.utils import update_progress_bar

	report = {"added": [], "refreshed": [], "removed": [], "counts": dict.fromkeys(CHANGES, 0)}

	def note(what: str, kind: RowKind, prospect: str, link_name: str) -> None:
		report["counts"][what] += 1
		if len(report[what]) < LISTED:
			report[what].append((kind.child_doctype, prospect, link_name))

	set_lead_prospect_from_rows()
	for kind in ROW_KINDS:
		total = frappe.db.count(kind.source_doctype) if show_progress else 0
		done = 0
		for sources, rows, orphans in source_batches(kind):
			changed = set()
			for source in sources:
				for what, prospect in compare(kind, source, rows.get(source.name, [])):
					note(what, kind, prospect, source.name)
					changed.add(source.name)
			for row in orphans:
				note("removed", kind, row.parent, row.link_name)
				changed.add(row.link_name)
			done += len(sources)
			if show_progress and total:
				update_progress_bar(f"Repairing {kind.child_doctype} rows", min(done, total), total)
			if not dry_run:
				fix_rows(kind, sorted(changed), commit_every)
	if not dry_run:
		# Recomputed from the rows, whatever drift an earlier direct database edit left behind.
		for prospects in in_batches("Prospect", []):
			refresh_pipeline_amount([prospect.name for prospect in prospects])
			if commit_every:
				frappe.db.commit()
		from prospect_crm.status import update_group_amounts

		update_group_amounts()
	return report


CHANGES = ("added", "refreshed", "removed")
# How many changes of each kind the repair's report names (it counts them all).
LISTED = 1000


def source_batches(kind: RowKind):
	"""(documents, their rows by document, rows whose document does not exist), a batch at a time: first the
	Leads (or Opportunities) in name order, each with the prospect that should list it and the row values;
	then the rows left by deleted documents."""
	for sources in keyset(lambda after, size: read_current(kind, after=after, size=size)):
		yield sources, read_rows(kind, [source.name for source in sources]), []
	for orphans in keyset(lambda after, size: read_orphan_rows(kind, after, size)):
		yield [], {}, orphans


def read_current(kind: RowKind, after: str | None = None, size: int = 0, names=None) -> list:
	"""Documents of `kind` (the `size` after `after` in name order, or those in `names`), each with its row
	values and `prospect`: the existing prospect that should list it, None for none."""
	source = DocType(kind.source_doctype)
	prospect = DocType("Prospect")
	query = frappe.qb.from_(source).select(source.name, *(source[field] for field in kind.fields.values()))
	if kind is LEAD_ROW:
		wanted = source.prospect
	else:
		lead = DocType("Lead")
		query = query.left_join(lead).on(
			(source.opportunity_from == "Lead") & (lead.name == source.party_name)
		)
		wanted = (
			Case()
			.when(source.opportunity_from == "Prospect", source.party_name)
			.when(source.opportunity_from == "Lead", lead.prospect)
		)
	query = query.left_join(prospect).on(prospect.name == wanted).select(prospect.name.as_("prospect"))
	if names is not None:
		return query.where(source.name.isin(names)).run(as_dict=True) if names else []
	if after is not None:
		query = query.where(source.name > after)
	return query.orderby(source.name).limit(size).run(as_dict=True)


def read_rows(kind: RowKind, names: list[str]) -> dict[str, list]:
	"""The prospects' rows of these documents, by document."""
	if not names:
		return {}
	child = DocType(kind.child_doctype)
	link = child[kind.link_field]
	rows = {}
	for row in (
		frappe.qb.from_(child)
		.select(child.name, child.parent, link.as_("link_name"), *(child[field] for field in kind.fields))
		.where(child.parenttype == "Prospect")
		.where(link.isin(names))
		.orderby(child.idx)
		.run(as_dict=True)
	):
		rows.setdefault(row.link_name, []).append(row)
	return rows


def read_orphan_rows(kind: RowKind, after: str | None, size: int) -> list:
	"""Rows whose Lead (or Opportunity) does not exist, after the row named `after`."""
	child, source = DocType(kind.child_doctype), DocType(kind.source_doctype)
	link = child[kind.link_field]
	query = (
		frappe.qb.from_(child)
		.left_join(source)
		.on(source.name == link)
		.select(child.name, child.parent, link.as_("link_name"))
		.where(child.parenttype == "Prospect")
		.where(source.name.isnull())
	)
	if after is not None:
		query = query.where(child.name > after)
	return query.orderby(child.name).limit(size).run(as_dict=True)


def compare(kind: RowKind, source, rows: list) -> list[tuple[str, str]]:
	"""What differs between a document and its rows: ("added" | "refreshed" | "removed", prospect) each."""
	changes = []
	kept = next((row for row in rows if row.parent == source.prospect), None) if source.prospect else None
	changes += [("removed", row.parent) for row in rows if row is not kept]
	if source.prospect and not kept:
		changes.append(("added", source.prospect))
	elif kept:
		wanted = kind.values_from(source)
		if any(normalize(kept.get(field)) != normalize(value) for field, value in wanted.items()):
			changes.append(("refreshed", source.prospect))
	return changes


def fix_rows(kind: RowKind, link_names: list[str], commit_every: int) -> None:
	"""Place these documents' rows from the documents as they are now.

	With `commit_every` (the repair of a live site), a group of that many at a time, each group its own
	transaction: the group's documents are locked first (in name order, before any prospect), then read; a
	save of one of them waits for the group's commit instead of being overwritten by what an earlier read saw,
	and since every save also locks its document before its prospect, the two cannot deadlock. A deadlock
	(with a prospect's own save, which locks in the other order) or a lock wait timeout rolls the group back;
	its documents are then fixed one transaction each (fixing one twice changes nothing)."""
	size = commit_every or len(link_names)
	for start in range(0, len(link_names), size or 1):
		group = link_names[start : start + size]
		if not commit_every:
			fix_group(kind, group)
			continue
		frappe.db.commit()  # the group reads in a transaction of its own, begun after its locks
		try:
			fix_group(kind, group)
			frappe.db.commit()
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			frappe.db.rollback()
			for link_name in group:
				retry_fix(kind, link_name)


def retry_fix(kind: RowKind, link_name: str, attempts: int = 3) -> None:
	for attempt in range(attempts):
		try:
			fix_group(kind, [link_name])
			frappe.db.commit()
			return
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			frappe.db.rollback()
			if attempt == attempts - 1:
				raise


def fix_group(kind: RowKind, link_names: list[str]) -> None:
	"""Place these documents' rows from their current values (read after the documents are locked)."""
	lock_sources(kind, link_names)
	sources = {source.name: source for source in read_current(kind, names=link_names)}
	for link_name in link_names:
		source = sources.get(link_name)
		if source:
			place_row(kind, link_name, source.prospect, kind.values_from(source))
		else:
			place_row(kind, link_name, None, {}, carry=False)


def lock_sources(kind: RowKind, link_names: list[str]) -> None:
	"""Lock these Leads (or Opportunities, then their Leads) in name order, with locking reads only: the
	transaction's first plain read, which comes after, then sees their latest committed values."""
	source = DocType(kind.source_doctype)
	locked = (
		frappe.qb.from_(source)
		.select(
			source.name, *((source.opportunity_from, source.party_name) if kind is OPPORTUNITY_ROW else ())
		)
		.where(source.name.isin(link_names))
		.orderby(source.name)
		.for_update()
		.run(as_dict=True)
	)
	if kind is OPPORTUNITY_ROW:
		leads = sorted(
			{row.party_name for row in locked if row.opportunity_from == "Lead" and row.party_name}
		)
		if leads:
			lead = DocType("Lead")
			frappe.qb.from_(lead).select(lead.name).where(lead.name.isin(leads)).orderby(
				lead.name
			).for_update().run()


def normalize(value):
	if value in (None, ""):
		return None
	if isinstance(value, float | int) or hasattr(value, "as_integer_ratio"):
		return float(value)
	return str(value)
