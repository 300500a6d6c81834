"""Open tasks and events, and the activity history, of a prospect and of its leads and opportunities.

Every function checks that the caller may read the prospect, and only returns what belongs to documents
the caller may read: a lead or opportunity they cannot see contributes nothing.
"""

import frappe
from frappe import _
from frappe.query_builder import DocType

from prospect_crm.permissions import check_read


def readable_references(prospect: str) -> list[tuple[str, str]]:
	"""(doctype, name) of the prospect and of each of its leads and opportunities the user may read."""
	references = [("Prospect", prospect)]
	leads = frappe.get_all(
		"Prospect Lead", filters={"parent": prospect, "parenttype": "Prospect"}, pluck="lead"
	)
	opportunities = frappe.get_all(
		"Prospect Opportunity", filters={"parent": prospect, "parenttype": "Prospect"}, pluck="opportunity"
	)
	if leads and frappe.has_permission("Lead", "read"):
		readable = frappe.get_list("Lead", filters={"name": ("in", leads)}, pluck="name", limit=0)
		references += [("Lead", name) for name in readable]
	if opportunities and frappe.has_permission("Opportunity", "read"):
		readable = frappe.get_list(
			"Opportunity", filters={"name": ("in", opportunities)}, pluck="name", limit=0
		)
		references += [("Opportunity", name) for name in readable]
	return references


def references_condition(doctype_column, name_column, references: list[tuple[str, str]]):
	"""(doctype_column, name_column) is one of the references."""
	condition = None
	for doctype, name in references:
		clause = (doctype_column == doctype) & (name_column == name)
		condition = clause if condition is None else condition | clause
	return condition


def select_referenced(doctype: str, references: list[tuple[str, str]], fields: list[str], link=None):
	"""A query on `doctype` for the rows that point to one of the references, with `fields` and the
	reference itself; `link` names the (doctype, name) columns when they are not reference_doctype/_name."""
	table = DocType(doctype)
	type_column, name_column = link or ("reference_doctype", "reference_name")
	condition = references_condition(table[type_column], table[name_column], references)
	columns = [*fields, type_column, name_column]
	return table, frappe.qb.from_(table).select(*(table[field] for field in columns)).where(condition)


def todos(references: list[tuple[str, str]], is_open: bool = True) -> list[dict]:
	"""Open tasks, or with is_open=False the completed and cancelled ones (the history)."""
	todo, query = select_referenced(
		"ToDo",
		references,
		["name", "description", "allocated_to", "date", "status"],
		link=("reference_type", "reference_name"),
	)
	return (
		query.where((todo.status == "Open") if is_open else (todo.status != "Open"))
		.orderby(todo.date, order=frappe.qb.asc if is_open else frappe.qb.desc)
		.run(as_dict=True)
	)


def events(references: list[tuple[str, str]], is_open: bool = True) -> list[dict]:
	"""Open events, or with is_open=False the closed and cancelled ones (the history)."""
	participant = DocType("Event Participants")
	condition = references_condition(participant.reference_doctype, participant.reference_docname, references)
	names = (
		frappe.qb.from_(participant).select(participant.parent).distinct().where(condition).run(pluck=True)
	)
	if not names:
		return []
	# get_list applies Event's own rules: private events of other users stay hidden.
	return frappe.get_list(
		"Event",
		filters={"name": ("in", names), "status": "Open" if is_open else ("!=", "Open")},
		fields=["name", "subject", "event_category", "starts_on", "ends_on", "description", "status"],
		order_by="starts_on asc" if is_open else "starts_on desc",
		limit=0,
	)


@frappe.whitelist()
def get_open_activities(ref_doctype: str, ref_docname: str) -> dict:
	"""Replaces ERPNext's unchecked `erpnext.crm.utils.get_open_activities` (see hooks.py). Returns what
	ERPNext v16 returns (the history too, which its activities panel shows; v15's ignores it)."""
	if not ref_docname or not frappe.db.exists(ref_doctype, ref_docname):
		# ERPNext's forms ask for an unsaved document too: nothing exists yet, nothing to show.
		if not frappe.has_permission(ref_doctype, "read"):
			frappe.throw(
				_("You are not permitted to read {0}.").format(_(ref_doctype)), frappe.PermissionError
			)
		return {"tasks": [], "events": [], "tasks_history": [], "events_history": []}
	check_read(ref_doctype, ref_docname)
	if ref_doctype == "Prospect":
		references = readable_references(ref_docname)
	else:
		references = [(ref_doctype, ref_docname)]
	return {
		"tasks": todos(references),
		"events": events(references),
		"tasks_history": todos(references, is_open=False),
		"events_history": events(references, is_open=False),
	}


@frappe.whitelist()
def get_activities(prospect: str) -> dict:
	"""Open tasks and events, plus every Communication and Comment of the prospect and its leads and
	opportunities, newest first."""
	check_read("Prospect", prospect)
	references = readable_references(prospect)
	return {
		"tasks": todos(references),
		"events": events(references),
		"communications": communications(references, prospect),
		"comments": comments(references),
	}


def communications(references: list[tuple[str, str]], prospect: str) -> list[dict]:
	"""Emails and other communications of the references, and those linked to the prospect's timeline."""
	communication = DocType("Communication")
	link = DocType("Communication Link")
	linked = (
		frappe.qb.from_(link)
		.select(link.parent)
		.where((link.link_doctype == "Prospect") & (link.link_name == prospect))
	)
	fields = ["name", "communication_type", "communication_medium", "subject", "sender", "recipients"]
	fields += ["sent_or_received", "communication_date", "reference_doctype", "reference_name"]
	condition = references_condition(
		communication.reference_doctype, communication.reference_name, references
	)
	return (
		frappe.qb.from_(communication)
		.select(*(communication[field] for field in fields))
		.where(condition | communication.name.isin(linked))
		.orderby(communication.communication_date, order=frappe.qb.desc)
		.limit(500)
		.run(as_dict=True)
	)


def comments(references: list[tuple[str, str]]) -> list[dict]:
	comment, query = select_referenced(
		"Comment", references, ["name", "comment_type", "content", "comment_email", "creation"]
	)
	return (
		query.where(comment.comment_type.isin(["Comment", "Info", "Edit", "Created", "Attachment", "Like"]))
		.orderby(comment.creation, order=frappe.qb.desc)
		.limit(500)
		.run(as_dict=True)
	)
