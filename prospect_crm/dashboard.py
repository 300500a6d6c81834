"""Numbers for the "Prospect CRM" workspace."""

import frappe


@frappe.whitelist()
def get_open_prospects(filters=None) -> dict:
	"""Prospects the user may read that have not become a customer yet."""
	converted = frappe.get_all("Customer", filters={"prospect": ("is", "set")}, pluck="prospect")
	filters = {"name": ("not in", converted)} if converted else {}
	total = frappe.get_list("Prospect", filters=filters, fields=["count(name) as total"])[0].total
	return {"value": total, "fieldtype": "Int"}
