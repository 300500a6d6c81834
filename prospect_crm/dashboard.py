"""Numbers for the "Prospect CRM" workspace."""

import frappe

from prospect_crm.compat import count_readable


@frappe.whitelist()
def get_open_prospects(filters=None) -> dict:
	"""Prospects the user may read that have not become a customer yet."""
	converted = frappe.get_all("Customer", filters={"prospect": ("is", "set")}, pluck="prospect")
	filters = {"name": ("not in", converted)} if converted else {}
	return {"value": count_readable("Prospect", filters), "fieldtype": "Int"}


def get_stats(inactive_days: int = 30) -> dict:
	"""Counts for `bench prospect-crm stats`: prospects, rows, open pipeline, prospects without activity."""
	from frappe.utils import add_days, now_datetime

	since = add_days(now_datetime(), -inactive_days)
	prospects = frappe.db.count("Prospect")
	active = set(
		frappe.db.sql_list(
			"""select reference_name from `tabCommunication`
				where reference_doctype = 'Prospect' and communication_date >= %(since)s
			union select l.link_name from `tabCommunication Link` l join `tabCommunication` c on c.name = l.parent
				where l.link_doctype = 'Prospect' and c.communication_date >= %(since)s
			union select reference_name from `tabComment`
				where reference_doctype = 'Prospect' and comment_type = 'Comment' and creation >= %(since)s
			union select reference_name from `tabToDo` where reference_type = 'Prospect' and modified >= %(since)s
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
