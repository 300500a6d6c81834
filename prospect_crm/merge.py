"""Merging one prospect into another: what would move (the preview), the permission rule, and the merge itself.

A merge is Frappe's own rename onto an existing name (`frappe.rename_doc(..., merge=True)`, which the desk's
Rename dialog and REST's `frappe.client.rename_doc` use too): Frappe re-points every Link and Dynamic Link,
attachment and assignment; `Prospect.after_rename` then moves what Frappe does not (notes, rows, tags, empty
overview fields). It runs in the caller's transaction, so a failure leaves both prospects as they were.
"""

import frappe
from frappe import _

from prospect_crm.permissions import check_permission, check_read

# What follows the merged prospect, as (label, DocType, filters on the merged prospect's name).
MOVING = (
	("Leads", "Lead", lambda name: {"prospect": name}),
	("Opportunities", "Opportunity", lambda name: {"opportunity_from": "Prospect", "party_name": name}),
	("Quotations", "Quotation", lambda name: {"quotation_to": "Prospect", "party_name": name}),
	("Customers", "Customer", lambda name: {"prospect": name}),
	("Notes", "CRM Note", lambda name: {"parenttype": "Prospect", "parent": name}),
	(
		"Addresses",
		"Dynamic Link",
		lambda name: {"parenttype": "Address", "link_doctype": "Prospect", "link_name": name},
	),
	(
		"Contacts",
		"Dynamic Link",
		lambda name: {"parenttype": "Contact", "link_doctype": "Prospect", "link_name": name},
	),
	("Comments", "Comment", lambda name: {"reference_doctype": "Prospect", "reference_name": name}),
	(
		"Emails",
		"Communication",
		lambda name: {"reference_doctype": "Prospect", "reference_name": name},
	),
	(
		"Emails on the timeline",
		"Communication Link",
		lambda name: {"link_doctype": "Prospect", "link_name": name},
	),
	("Tasks", "ToDo", lambda name: {"reference_type": "Prospect", "reference_name": name}),
	(
		"Events",
		"Event Participants",
		lambda name: {"reference_doctype": "Prospect", "reference_docname": name},
	),
	("Attachments", "File", lambda name: {"attached_to_doctype": "Prospect", "attached_to_name": name}),
)

# Child rows that point at a prospect from a contact, an address, an email or an event: one linked to both
# prospects points twice at the kept one after Frappe's rename. As (DocType, type field, name field).
SHARED_LINKS = (
	("Dynamic Link", "link_doctype", "link_name"),
	("Communication Link", "link_doctype", "link_name"),
	("Event Participants", "reference_doctype", "reference_docname"),
)

# Overview fields a merge fills on the kept prospect when it has no value of its own.
OVERVIEW_FIELDS = (
	"industry",
	"market_segment",
	"customer_group",
	"territory",
	"no_of_employees",
	"annual_revenue",
	"currency",
	"market_share",
	"fax",
	"website",
	"prospect_owner",
)


def check_merge_permission(source: str, target: str) -> None:
	"""Merging needs delete on the merged prospect and write on the one kept."""
	check_read("Prospect", source)
	check_read("Prospect", target)
	check_permission("Prospect", "delete", source)
	check_permission("Prospect", "write", target)


def preview(source: str, target: str) -> dict:
	"""What merging `source` into `target` moves, and where the two disagree (the kept prospect wins)."""
	if source == target:
		frappe.throw(_("A prospect cannot be merged into itself."))
	check_merge_permission(source, target)
	moves = [
		{"label": _(label), "count": frappe.db.count(doctype, filters(source))}
		for label, doctype, filters in MOVING
	]
	kept, merged = frappe.get_doc("Prospect", target), frappe.get_doc("Prospect", source)
	filled, conflicts = [], []
	for field in OVERVIEW_FIELDS:
		label = _(kept.meta.get_label(field))
		ours, theirs = kept.get(field), merged.get(field)
		if theirs and not ours:
			filled.append({"field": field, "label": label, "value": theirs})
		elif theirs and ours and theirs != ours:
			conflicts.append({"field": field, "label": label, "kept": ours, "dropped": theirs})
	return {
		"source": source,
		"target": target,
		"moves": [move for move in moves if move["count"]],
		"filled": filled,
		"conflicts": conflicts,
	}


def merge(source: str, target: str) -> str:
	"""Merge `source` into `target` through Frappe's rename with merge; returns the kept prospect's name."""
	if source == target:
		frappe.throw(_("A prospect cannot be merged into itself."))
	check_merge_permission(source, target)
	return frappe.rename_doc("Prospect", source, target, merge=True, show_alert=False)


def normalize_assignments(*names: str) -> None:
	"""Frappe's merge parses `_assign` as JSON and fails on the empty string some older prospects hold."""
	prospect = frappe.qb.DocType("Prospect")
	frappe.qb.update(prospect).set(prospect._assign, None).where(prospect.name.isin(names)).where(
		prospect._assign == ""
	).run()


def move_what_frappe_does_not(source: str, target: str) -> None:
	"""Prospect.after_rename on a merge: notes, tags and empty overview fields of the merged prospect; links
	that both prospects had become one."""
	drop_doubled_links(target)
	note = frappe.qb.DocType("CRM Note")
	frappe.qb.update(note).set(note.parent, target).where(note.parenttype == "Prospect").where(
		note.parent == source
	).run()
	merged = frappe.db.get_value("Prospect", source, ["_user_tags", *OVERVIEW_FIELDS], as_dict=True)
	kept = frappe.db.get_value("Prospect", target, ["_user_tags", *OVERVIEW_FIELDS], as_dict=True)
	if not merged or not kept:
		return
	values = {field: merged[field] for field in OVERVIEW_FIELDS if merged[field] and not kept[field]}
	tags = [tag for tag in (kept._user_tags or "").split(",") if tag]
	tags += [tag for tag in (merged._user_tags or "").split(",") if tag and tag not in tags]
	if tags:
		values["_user_tags"] = "," + ",".join(tags)
	if values:
		frappe.db.set_value("Prospect", target, values, update_modified=False)


def drop_doubled_links(target: str) -> None:
	"""Keep one link to `target` per contact, address, email and event (the first in its table)."""
	for doctype, type_field, name_field in SHARED_LINKS:
		table = frappe.qb.DocType(doctype)
		rows = (
			frappe.qb.from_(table)
			.select(table.name, table.parenttype, table.parent)
			.where(table[type_field] == "Prospect")
			.where(table[name_field] == target)
			.orderby(table.parenttype)
			.orderby(table.parent)
			.orderby(table.idx)
			.run(as_dict=True)
		)
		seen, doubled = set(), []
		for row in rows:
			key = (row.parenttype, row.parent)
			if key in seen:
				doubled.append(row.name)
			else:
				seen.add(key)
		if doubled:
			frappe.qb.from_(table).delete().where(table.name.isin(doubled)).run()
