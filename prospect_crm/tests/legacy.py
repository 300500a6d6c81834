"""ERPNext-owned prospect data, created before prospect_crm is installed, and a snapshot to compare with.

`seed_erpnext_prospects` runs on a site where ERPNext still owns Prospect (through ERPNext's own code), so
the takeover tests start from the data real sites hold.
"""

import json

import frappe

SEED_PREFIX = "Legacy Prospect"


def seed_erpnext_prospects(count: int = 3) -> None:
	if frappe.db.get_value("DocType", "Prospect", "module") != "CRM":
		raise RuntimeError("seed_erpnext_prospects must run while ERPNext owns Prospect")
	company = frappe.db.get_value("Company", {}, "name")
	for i in range(count):
		name = f"{SEED_PREFIX} {i}"
		if frappe.db.exists("Prospect", name):
			continue
		leads = []
		for j in range(2):
			lead = frappe.get_doc(
				{
					"doctype": "Lead",
					"first_name": f"Legacy{i}",
					"last_name": f"Contact{j}",
					"email_id": f"legacy{i}.{j}@example.com",
					"mobile_no": f"+33 6 00 00 0{i} {j}0",
					"company_name": name,
					"company": company,
				}
			).insert(ignore_permissions=True)
			leads.append(lead.name)
		prospect = frappe.get_doc(
			{
				"doctype": "Prospect",
				"company_name": name,
				"company": company,
				"no_of_employees": "11-50",
				"annual_revenue": 1000 * (i + 1),
				"fax": "+33 1 00 00 00 0" + str(i),
				"website": f"https://legacy{i}.example.com",
				"leads": [{"lead": lead} for lead in leads],
				"notes": [
					{
						"note": f"<p>Legacy note {i}</p>",
						"added_by": "Administrator",
						"added_on": "2024-01-01 10:00:00",
					}
				],
			}
		).insert(ignore_permissions=True)
		for k in range(2):
			# ERPNext's Opportunity.update_prospect appends the row to the prospect itself.
			frappe.get_doc(
				{
					"doctype": "Opportunity",
					"opportunity_from": "Prospect",
					"party_name": prospect.name,
					"company": company,
					"opportunity_amount": 500 * (k + 1),
					"probability": 20 * (k + 1),
					"expected_closing": "2027-01-15",
				}
			).insert(ignore_permissions=True)
	frappe.db.commit()


def snapshot() -> dict:
	"""Every legacy prospect with its child rows, in a comparable form (ERPNext's own fields only)."""
	data = {}
	for name in sorted(
		frappe.get_all("Prospect", filters={"name": ("like", f"{SEED_PREFIX}%")}, pluck="name")
	):
		prospect = frappe.db.get_value(
			"Prospect",
			name,
			["company_name", "company", "no_of_employees", "annual_revenue", "fax", "website"],
			as_dict=True,
		)
		prospect["leads"] = frappe.get_all(
			"Prospect Lead",
			filters={"parent": name},
			fields=["name", "lead", "lead_name", "email", "mobile_no", "status", "idx"],
			order_by="idx",
		)
		prospect["opportunities"] = frappe.get_all(
			"Prospect Opportunity",
			filters={"parent": name},
			fields=["name", "opportunity", "amount", "probability", "expected_closing", "idx"],
			order_by="idx",
		)
		prospect["notes"] = frappe.get_all(
			"CRM Note",
			filters={"parent": name, "parenttype": "Prospect"},
			fields=["note", "added_by", "added_on"],
		)
		data[name] = prospect
	return json.loads(frappe.as_json(data))
