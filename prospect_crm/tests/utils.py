"""Test helpers shared by the DocType tests and the integration tests."""

import frappe


def before_tests():
	"""Complete ERPNext's setup wizard on the test site (ERPNext's own test set-up)."""
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	erpnext_before_tests()


def test_company() -> str:
	return frappe.db.get_value("Company", {}, "name")


def make_prospect(company_name: str, **values):
	"""A prospect; names are used as given (each test class's records are rolled back after it)."""
	prospect = frappe.get_doc(
		{"doctype": "Prospect", "company_name": company_name, "company": test_company(), **values}
	)
	return prospect.insert()


def make_lead(first_name: str, prospect: str | None = None, **values):
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": first_name,
			"company": test_company(),
			"prospect": prospect,
			**values,
		}
	)
	return lead.insert()


def make_opportunity(party_name: str, opportunity_from: str = "Prospect", **values):
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": opportunity_from,
			"party_name": party_name,
			"company": test_company(),
			"opportunity_amount": values.pop("opportunity_amount", 1000),
			**values,
		}
	)
	return opportunity.insert()


def make_user(email: str, roles: list[str]) -> str:
	"""A user holding exactly `roles` (created when missing)."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.remove_roles(*[r.role for r in user.roles if r.role not in roles])
	user.add_roles(*roles)
	return email
