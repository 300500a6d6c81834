"""Demo data for the `up` command: a few prospects with leads, opportunities, addresses, contacts, notes
and tasks. Idempotent: a prospect that already exists is left as it is, so user edits are never lost."""

import unicodedata

import frappe
from frappe.utils import add_days, now, today


def demo_prospect(company_name, no_of_employees, annual_revenue, market_share, city, leads, opportunities):
	"""One demo prospect: its overview, its leads (first name, last name, email) and its opportunities
	(amount, probability). Its website is made from its name."""
	ascii_name = unicodedata.normalize("NFKD", company_name).encode("ascii", "ignore").decode()
	return {
		"company_name": company_name,
		"no_of_employees": no_of_employees,
		"annual_revenue": annual_revenue,
		"market_share": market_share,
		"website": f"https://{'-'.join(ascii_name.lower().split())}.example.com",
		"city": city,
		"leads": leads,
		"opportunities": opportunities,
	}


# A table: name, employees, annual revenue, market share, city, leads, opportunities.
# fmt: off
DEMO = [
	demo_prospect("Boulangeries Martin", "51-200", 4500000, 8, "Lyon",
		[("Claire", "Martin", "claire.martin@example.com"), ("Hugo", "Bernard", "hugo.bernard@example.com")],
		[(12000, 40), (3500, 70)]),
	demo_prospect("Transports Lefèvre", "201-500", 18000000, 3.5, "Lille",
		[("Sophie", "Lefèvre", "sophie.lefevre@example.com")], [(48000, 25)]),
	demo_prospect("Atelier Dubois", "1-10", 350000, 12, "Nantes",
		[("Lucas", "Dubois", "lucas.dubois@example.com")], [(2500, 60)]),
]
# fmt: on


def load_demo_data() -> None:
	company = frappe.db.get_value("Company", {}, "name")
	if not company:
		print("no company: complete the setup wizard first")
		return
	for spec in DEMO:
		if frappe.db.exists("Prospect", spec["company_name"]):
			print(f"kept existing prospect {spec['company_name']}")
			continue
		create_demo_prospect(spec, company)
		print(f"created demo prospect {spec['company_name']}")
	frappe.db.commit()


def create_demo_prospect(spec: dict, company: str) -> None:
	prospect = frappe.get_doc(
		{
			"doctype": "Prospect",
			"company_name": spec["company_name"],
			"company": company,
			"no_of_employees": spec["no_of_employees"],
			"annual_revenue": spec["annual_revenue"],
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"market_share": spec["market_share"],
			"website": spec["website"],
			"prospect_owner": "Administrator",
			"notes": [
				{
					"note": "<p>Premier contact au salon professionnel.</p>",
					"added_by": "Administrator",
					"added_on": now(),
				}
			],
		}
	).insert()
	frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": spec["company_name"],
			"address_type": "Office",
			"address_line1": "1 place de la République",
			"city": spec["city"],
			"country": frappe.db.get_value("Company", company, "country") or "France",
			"links": [{"link_doctype": "Prospect", "link_name": prospect.name}],
		}
	).insert()
	for first_name, last_name, email in spec["leads"]:
		lead = frappe.get_doc(
			{
				"doctype": "Lead",
				"first_name": first_name,
				"last_name": last_name,
				"email_id": email,
				"company_name": spec["company_name"],
				"company": company,
				"prospect": prospect.name,
			}
		).insert()
		if not frappe.db.exists(
			"Dynamic Link", {"parenttype": "Contact", "link_doctype": "Prospect", "link_name": prospect.name}
		):
			contact = frappe.get_doc(
				{
					"doctype": "Contact",
					"first_name": first_name,
					"last_name": last_name,
					"email_ids": [{"email_id": email, "is_primary": 1}],
					"links": [{"link_doctype": "Prospect", "link_name": prospect.name}],
				}
			)
			contact.insert()
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": f"Rappeler {first_name} {last_name}",
				"reference_type": "Lead",
				"reference_name": lead.name,
				"date": add_days(today(), 3),
			}
		).insert()
	for amount, probability in spec["opportunities"]:
		frappe.get_doc(
			{
				"doctype": "Opportunity",
				"opportunity_from": "Prospect",
				"party_name": prospect.name,
				"company": company,
				"opportunity_amount": amount,
				"probability": probability,
				"expected_closing": add_days(today(), 45),
			}
		).insert()
	frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": f"Préparer la proposition pour {spec['company_name']}",
			"reference_type": "Prospect",
			"reference_name": prospect.name,
			"date": add_days(today(), 7),
		}
	).insert()
