"""Who owns a prospect: the rules of Prospect CRM Settings (territory -> users) give a new prospect without a
Prospect Owner its owner, and the owner of a prospect always holds its assignment (a ToDo), moved when the
owner changes.

A rule applies to its territory and every territory under it; the nearest rule wins, a rule without a
territory applies everywhere else. Several users on the same territory take new prospects in turn
(round-robin: the one assigned longest ago goes next).
"""

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import now_datetime

SETTINGS = "Prospect CRM Settings"


def owner_for(territory: str | None) -> str | None:
	"""The user the rules give a new prospect in `territory` (None: no rule applies)."""
	rule, user = DocType("Prospect Owner Rule"), DocType("User")
	rules = (
		frappe.qb.from_(rule)
		.join(user)
		.on(user.name == rule.user)
		.select(rule.name, rule.territory, rule.user, rule.last_assigned_on, rule.idx)
		.where((rule.parent == SETTINGS) & (rule.parenttype == SETTINGS) & (user.enabled == 1))
		.orderby(rule.idx)
		.run(as_dict=True)
	)
	if not rules:
		return None
	chain = territory_chain(territory)
	candidates = []
	for name in chain:
		candidates = [row for row in rules if row.territory == name]
		if candidates:
			break
	if not candidates:
		candidates = [row for row in rules if not row.territory]
	if not candidates:
		return None
	# Never assigned first, then the one assigned longest ago.
	chosen = min(
		candidates,
		key=lambda row: (row.last_assigned_on is not None, str(row.last_assigned_on or ""), row.idx),
	)
	frappe.qb.update(rule).set(rule.last_assigned_on, now_datetime()).where(rule.name == chosen.name).run()
	return chosen.user


def territory_chain(territory: str | None) -> list[str]:
	"""The territory and its ancestors, nearest first; without a territory, the root territories (where
	Frappe's default territory puts rules and prospects given none)."""
	if not territory:
		return frappe.get_all(
			"Territory", filters=[["parent_territory", "is", "not set"]], order_by="lft", pluck="name"
		)
	bounds = frappe.db.get_value("Territory", territory, ["lft", "rgt"])
	if not bounds:
		return [territory]
	lft, rgt = bounds
	return frappe.get_all(
		"Territory", filters={"lft": ("<=", lft), "rgt": (">=", rgt)}, order_by="lft desc", pluck="name"
	)


def set_owner(prospect, method=None) -> None:
	"""Prospect.before_insert: the rules give an owner to a new prospect that has none."""
	if not prospect.get("prospect_owner"):
		owner = owner_for(prospect.get("territory"))
		if owner:
			prospect.prospect_owner = owner


def follow_owner(prospect, method=None) -> None:
	"""Prospect.on_update: the owner holds the prospect's assignment; a new owner takes it over."""
	owner = prospect.get("prospect_owner")
	before = prospect.get_doc_before_save()
	previous = before.get("prospect_owner") if before else None
	if not prospect.flags.in_insert and owner == previous:
		return
	if previous and previous != owner:
		close_assignment(prospect, previous)
	if owner:
		assign(prospect, owner)


def open_assignment(prospect, user: str) -> dict:
	"""The filters of `user`'s open assignment (ToDo) of the prospect."""
	return {
		"reference_type": "Prospect",
		"reference_name": prospect.name,
		"allocated_to": user,
		"status": "Open",
	}


def assign(prospect, user: str) -> None:
	from frappe.desk.form import assign_to

	if frappe.db.exists("ToDo", open_assignment(prospect, user)):
		return
	if not frappe.has_permission("Prospect", "read", doc=prospect, user=user):
		frappe.msgprint(
			_("{0} may not read prospect {1}: it was not assigned to them.").format(
				frappe.bold(user), frappe.bold(prospect.name)
			),
			indicator="orange",
			alert=True,
		)
		return
	assign_to.add(
		{
			"assign_to": [user],
			"doctype": "Prospect",
			"name": prospect.name,
			"description": _("Prospect owner of {0}").format(prospect.company_name or prospect.name),
		},
		ignore_permissions=True,
	)
	# An ownership, not a task due today (ToDo's default date): it plans no follow-up (follow_up.py).
	frappe.db.set_value("ToDo", open_assignment(prospect, user), "date", None, update_modified=False)
	from prospect_crm.follow_up import refresh_next

	refresh_next([prospect.name])


def close_assignment(prospect, user: str) -> None:
	"""The previous owner's open assignment is closed (Frappe's "remove" of an assignment)."""
	from frappe.desk.form import assign_to

	if frappe.db.exists("ToDo", open_assignment(prospect, user)):
		assign_to.remove("Prospect", prospect.name, user, ignore_permissions=True)
