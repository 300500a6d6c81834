"""The app is installed on the site, its module and hooks are loaded, and its fixtures are applied."""

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.install import MODULE, TAKEN_OVER


class TestAppInstalled(FrappeTestCase):
	def test_app_is_installed(self):
		self.assertIn("prospect_crm", frappe.get_installed_apps())
		self.assertEqual(frappe.db.get_value("Module Def", MODULE, "app_name"), "prospect_crm")

	def test_hooks_are_loaded(self):
		self.assertIn(
			"prospect_crm.backfill.refresh_lead_row", frappe.get_hooks("doc_events")["Lead"]["on_update"]
		)
		self.assertEqual(
			frappe.get_hooks("override_doctype_class")["Opportunity"][-1],
			"prospect_crm.overrides.opportunity.Opportunity",
		)
		from prospect_crm.overrides.lead import Lead

		self.assertIsInstance(frappe.new_doc("Lead"), Lead)

	def test_fixtures_are_applied(self):
		field = frappe.get_meta("Lead").get_field("prospect")
		self.assertIsNotNone(field)
		self.assertEqual((field.fieldtype, field.options), ("Link", "Prospect"))
		self.assertTrue(frappe.db.has_column("Lead", "prospect"))
		self.assertEqual(frappe.get_meta("Customer").get_field("prospect").options, "Prospect")

	def test_doctypes_are_owned_by_the_app(self):
		for doctype in TAKEN_OVER:
			self.assertEqual(frappe.db.get_value("DocType", doctype, "module"), MODULE, doctype)
		self.assertIsNotNone(frappe.get_meta("Prospect").get_field("market_share"))
