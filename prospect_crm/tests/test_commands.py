"""The bench commands `prospect-crm repair|ownership|demo`, run as an administrator runs them: Frappe's CLI in
a separate process, which sees only committed data (so these tests commit theirs, under names unique to the
run, and delete it afterwards)."""

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.demo import DEMO
from prospect_crm.tests.server import site_cli
from prospect_crm.tests.utils import (
	committed_data_prefix,
	delete_demo_records,
	make_lead,
	make_opportunity,
	make_prospect,
)


class TestBenchCommands(FrappeTestCase):
	def test_commands_are_registered(self):
		result = site_cli("prospect-crm", "--help")
		self.assertEqual(result.returncode, 0, result.stderr)
		for command in ("repair", "ownership", "demo", "stats"):
			self.assertIn(command, result.stdout)

	def test_ownership_reports_our_module_and_dormant_erpnext_copy(self):
		result = site_cli("prospect-crm", "ownership")
		self.assertEqual(result.returncode, 0, result.stderr)
		for doctype in ("Prospect", "Prospect Lead", "Prospect Opportunity"):
			self.assertIn(f"{doctype}: module Prospect CRM (app prospect_crm)", result.stdout, result.stdout)
		self.assertEqual(result.stdout.count("ERPNext's copy dormant"), 3)

	def test_demo_is_idempotent(self):
		self.addCleanup(delete_demo_records)
		first = site_cli("prospect-crm", "demo")
		self.assertEqual(first.returncode, 0, first.stderr)
		frappe.db.rollback()  # see what the other process committed
		before = demo_documents()
		second = site_cli("prospect-crm", "demo")
		self.assertEqual(second.returncode, 0, second.stderr)
		for spec in DEMO:
			self.assertIn(f"kept existing prospect {spec['company_name']}", second.stdout)
		self.assertNotIn("created demo prospect", second.stdout)
		frappe.db.rollback()
		self.assertEqual(demo_documents(), before, "the second run created nothing")
		demo = frappe.get_doc("Prospect", "Boulangeries Martin")
		self.assertEqual(len(demo.leads), 2)
		self.assertEqual(len(demo.opportunities), 2)


def demo_documents() -> dict[str, list[str]]:
	"""Every document the demo makes for its prospects: leads, opportunities, addresses, contacts, tasks."""
	prospects = [spec["company_name"] for spec in DEMO]
	leads = frappe.get_all("Lead", filters={"prospect": ("in", prospects)}, pluck="name")
	links = frappe.get_all(
		"Dynamic Link",
		filters={"link_doctype": "Prospect", "link_name": ("in", prospects)},
		fields=["parenttype", "parent"],
	)
	return {
		"Lead": sorted(leads),
		"Opportunity": sorted(
			frappe.get_all("Opportunity", filters={"party_name": ("in", prospects)}, pluck="name")
		),
		"Address and Contact": sorted(f"{link.parenttype} {link.parent}" for link in links),
		"ToDo": sorted(
			frappe.get_all(
				"ToDo", filters={"reference_name": ("in", prospects + leads)}, pluck="name", order_by="name"
			)
		),
	}


class TestRepairCommand(FrappeTestCase):
	"""Drift made directly in the database (a missing lead row, a stale opportunity amount), which the dry run
	reports without writing and the repair fixes."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.prefix = committed_data_prefix(cls, "PCRM Repair")
		cls.prospect = make_prospect(cls.prefix).name
		cls.lead = make_lead(f"{cls.prefix} lead", prospect=cls.prospect).name
		cls.opportunity = make_opportunity(cls.prospect, opportunity_amount=500).name
		frappe.db.commit()

	def setUp(self):
		frappe.db.delete("Prospect Lead", {"lead": self.lead})
		frappe.db.set_value("Prospect Opportunity", {"opportunity": self.opportunity}, "amount", 1)
		frappe.db.commit()  # the CLI is another process
		self.assertEqual(self.drift(), {"lead rows": 0, "opportunity amount": 1})

	def drift(self) -> dict:
		frappe.db.rollback()  # a fresh snapshot of what the other process committed
		return {
			"lead rows": frappe.db.count("Prospect Lead", {"lead": self.lead, "parent": self.prospect}),
			"opportunity amount": frappe.db.get_value(
				"Prospect Opportunity", {"opportunity": self.opportunity}, "amount"
			),
		}

	def test_dry_run_reports_the_drift_and_writes_nothing(self):
		result = site_cli("prospect-crm", "repair", "--dry-run")
		self.assertEqual(result.returncode, 0, result.stderr)
		self.assertIn(f"would be added: Prospect Lead {self.lead} in {self.prospect}", result.stdout)
		self.assertIn(
			f"would be refreshed: Prospect Opportunity {self.opportunity} in {self.prospect}", result.stdout
		)
		self.assertRegex(result.stdout, r"\n[1-9]\d* row\(s\) to change")
		self.assertEqual(self.drift(), {"lead rows": 0, "opportunity amount": 1}, "the dry run wrote nothing")

	def test_repair_fixes_the_drift_then_nothing_is_left_to_repair(self):
		result = site_cli("prospect-crm", "repair")
		self.assertEqual(result.returncode, 0, result.stderr)
		self.assertIn(f"added: Prospect Lead {self.lead} in {self.prospect}", result.stdout)
		self.assertIn(f"refreshed: Prospect Opportunity {self.opportunity} in {self.prospect}", result.stdout)
		self.assertEqual(self.drift(), {"lead rows": 1, "opportunity amount": 500})
		again = site_cli("prospect-crm", "repair", "--dry-run")
		self.assertEqual(again.returncode, 0, again.stderr)
		self.assertNotIn(self.prospect, again.stdout)
		self.assertIn("0 row(s) to change", again.stdout)
