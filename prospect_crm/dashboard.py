"""Numbers for the "Prospect CRM" workspace."""

import frappe
from frappe.utils import add_days, get_datetime, now_datetime

from prospect_crm.activities import last_activity
from prospect_crm.compat import count_readable


@frappe.whitelist()
def get_open_prospects(filters=None) -> dict:
	"""Prospects the user may read that have not become a customer yet."""
	converted = frappe.get_all("Customer", filters={"prospect": ("is", "set")}, pluck="prospect")
	filters = {"name": ("not in", converted)} if converted else {}
	return {"value": count_readable("Prospect", filters), "fieldtype": "Int"}


def get_stats(inactive_days: int = 30) -> dict:
	"""Counts for `bench prospect-crm stats`: prospects, rows, open pipeline, prospects without activity."""
	since = add_days(now_datetime(), -inactive_days)
	prospects = frappe.db.count("Prospect")
	# Worked on lately: an email or a comment (activities.last_activity), an edit, or a task touched.
	active = {name for name, at in last_activity().items() if at and get_datetime(at) >= since}
	active.update(
		frappe.db.sql_list(
			"""select reference_name from `tabToDo` where reference_type = 'Prospect' and modified >= %(since)s
			union select name from `tabProspect` where modified >= %(since)s""",
			{"since": since},
		)
	)
	inactive = sorted(set(frappe.get_all("Prospect", pluck="name")) - active)
	return {
		"prospects": prospects,
		"lead_rows": frappe.db.count("Prospect Lead", {"parenttype": "Prospect"}),
		"opportunity_rows": frappe.db.count("Prospect Opportunity", {"parenttype": "Prospect"}),
		"open_pipeline_amount": frappe.db.sql(
			"select coalesce(sum(open_pipeline_amount), 0) from `tabProspect`"
		)[0][0],
		"inactive_days": inactive_days,
		"inactive_prospects": inactive,
	}
