"""Numbers for the "Prospect CRM" workspace."""

import frappe

from prospect_crm import numbers
from prospect_crm.compat import count_readable


def card(value, fieldtype: str, route: list | None = None, route_options: dict | None = None) -> dict:
	"""A Number Card method's answer; clicking the card opens `route` with `route_options`."""
	return {"value": value, "fieldtype": fieldtype, "route": route, "route_options": route_options}


@frappe.whitelist()
@frappe.read_only()
def get_open_prospects(filters=None) -> dict:
	"""Open or engaged prospects the user may read."""
	filters = {"status": ("in", numbers.FOLLOWED_STATUSES)}
	return card(
		count_readable("Prospect", filters),
		"Int",
		["List", "Prospect"],
		{"status": ["in", list(numbers.FOLLOWED_STATUSES)]},
	)


@frappe.whitelist()
@frappe.read_only()
def weighted_pipeline(filters=None) -> dict:
	"""The weighted pipeline of the prospects the user may read."""
	value = numbers.weighted_pipeline(numbers.readable())
	return card(value, "Currency", ["query-report", "Prospect Pipeline"])


@frappe.whitelist()
@frappe.read_only()
def closing_this_month(filters=None) -> dict:
	"""The open pipeline of the readable prospects expected to close this month."""
	first, last = numbers.this_month()
	value = numbers.closing_between(numbers.readable(), first, last)
	return card(
		value,
		"Currency",
		["query-report", "Prospect Pipeline"],
		{"from_date": str(first), "to_date": str(last)},
	)


@frappe.whitelist()
@frappe.read_only()
def without_activity(filters=None) -> dict:
	"""Open or engaged prospects the user may read without activity for 30 days; the card opens them."""
	names = numbers.prospects_without_activity(numbers.INACTIVE_DAYS, readable_only=True)
	# A list filter cannot say "last activity, or creation when none": the card names them (up to a page).
	route_options = {"name": ["in", names]} if 0 < len(names) <= 500 else None
	return card(len(names), "Int", ["List", "Prospect"], route_options)


@frappe.read_only()
def get_stats(inactive_days: int = numbers.INACTIVE_DAYS) -> dict:
	"""Counts for `bench prospect-crm stats`: prospects, rows, open pipeline, prospects without activity
	(prospect_crm.numbers's definitions)."""
	return {
		"prospects": frappe.db.count("Prospect"),
		"lead_rows": frappe.db.count("Prospect Lead", {"parenttype": "Prospect"}),
		"opportunity_rows": frappe.db.count("Prospect Opportunity", {"parenttype": "Prospect"}),
		"open_pipeline_amount": frappe.db.sql(
			"select coalesce(sum(open_pipeline_amount), 0) from `tabProspect`"
		)[0][0],
		"inactive_days": inactive_days,
		"inactive_prospects": numbers.prospects_without_activity(inactive_days),
	}
