"""The bench commands, run as an administrator runs them (Frappe's CLI in a separate process)."""

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.tests import server


def frappe_cli(*args):
	return server.frappe_cli(frappe.local.site, *args)


class TestBenchCommands(FrappeTestCase):
	def test_commands_are_registered(self):
		result = frappe_cli("prospect-crm", "--help")
		self.assertEqual(result.returncode, 0, result.stderr)
		for command in ("repair", "ownership", "demo"):
			self.assertIn(command, result.stdout)

	def test_ownership_reports_our_module_and_dormant_erpnext_copy(self):
		result = frappe_cli("prospect-crm", "ownership")
		self.assertEqual(result.returncode, 0, result.stderr)
		for doctype in ("Prospect", "Prospect Lead", "Prospect Opportunity"):
			self.assertIn(f"{doctype}: module Prospect CRM (app prospect_crm)", result.stdout, result.stdout)
		self.assertEqual(result.stdout.count("ERPNext's copy dormant"), 3)

	def test_repair_dry_run_changes_nothing(self):
		result = frappe_cli("prospect-crm", "repair", "--dry-run")
		self.assertEqual(result.returncode, 0, result.stderr)
		self.assertRegex(result.stdout, r"\d+ row\(s\) to change")
		again = frappe_cli("prospect-crm", "repair", "--dry-run")
		self.assertEqual(result.stdout, again.stdout)

	def test_demo_is_idempotent(self):
		first = frappe_cli("prospect-crm", "demo")
		self.assertEqual(first.returncode, 0, first.stderr)
		second = frappe_cli("prospect-crm", "demo")
		self.assertEqual(second.returncode, 0, second.stderr)
		self.assertIn("kept existing prospect Boulangeries Martin", second.stdout)
		frappe.db.rollback()  # see what the other process committed
		demo = frappe.get_doc("Prospect", "Boulangeries Martin")
		self.assertEqual(len(demo.leads), 2)
		self.assertEqual(len(demo.opportunities), 2)
		self.assertEqual(frappe.db.count("Prospect", {"name": "Boulangeries Martin"}), 1)

	def test_repair_then_nothing_left_to_repair(self):
		result = frappe_cli("prospect-crm", "repair")
		self.assertEqual(result.returncode, 0, result.stderr)
		again = frappe_cli("prospect-crm", "repair", "--dry-run")
		self.assertEqual(again.returncode, 0, again.stderr)
		self.assertIn("0 row(s) to change", again.stdout)
