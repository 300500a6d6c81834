"""Completes ERPNext's setup wizard without questions, for the `up` command and the test site.

Calls Frappe's own `setup_complete`, so the site ends exactly as if a person had gone through the wizard.
"""

import frappe
from frappe.utils import now_datetime


def complete_setup_wizard(
	company_name: str = "Prospect Demo",
	company_abbr: str = "PD",
	country: str = "France",
	currency: str = "EUR",
	timezone: str = "Europe/Paris",
	language: str = "English",
) -> None:
	"""Run the setup wizard once; does nothing when a company already exists."""
	if frappe.db.a_row_exists("Company"):
		print("setup wizard already completed")
		return

	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	year = now_datetime().year
	frappe.local.lang = "en"
	setup_complete(
		{
			"language": language,
			"country": country,
			"timezone": timezone,
			"currency": currency,
			"full_name": "Administrator",
			"email": "admin@example.com",
			"password": None,
			"company_name": company_name,
			"company_abbr": company_abbr,
			"chart_of_accounts": "Standard",
			"fy_start_date": f"{year}-01-01",
			"fy_end_date": f"{year}-12-31",
			"setup_demo": 0,
		}
	)
	frappe.db.commit()
	print(f"setup wizard completed for {company_name}")
