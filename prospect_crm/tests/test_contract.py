"""The upstream contract (prospect_crm/contract.py) holds for the Frappe and ERPNext this bench runs, and the
checker does report a name that went away upstream.
"""

import tempfile
from pathlib import Path

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm import contract

UPDATE_PROSPECT = "erpnext.crm.doctype.lead.lead.Lead.update_prospect"
REMOVE_LINK = "erpnext.crm.doctype.lead.lead.Lead.remove_link_from_prospect"


class TestUpstreamContract(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.frappe_path = Path(frappe.get_app_path("frappe", ".."))
		cls.erpnext_path = Path(frappe.get_app_path("erpnext", ".."))
		cls.findings = contract.check(cls.frappe_path, cls.erpnext_path)

	def test_every_name_the_app_relies_on_exists(self):
		missing = contract.problems(self.findings)
		if missing:
			self.fail("upstream names missing:\n" + "\n".join(finding.line() for finding in missing))
		found = {finding.name for finding in self.findings if finding.status == "ok"}
		self.assertIn(UPDATE_PROSPECT, found)
		self.assertIn("erpnext.crm.utils.get_open_activities", found)

	def test_the_contract_lists_every_upstream_method_the_app_overrides(self):
		uncovered = [finding for finding in self.findings if finding.kind == "override coverage"]
		if uncovered:
			self.fail("overrides missing from the contract:\n" + "\n".join(f.line() for f in uncovered))

	def test_a_renamed_upstream_method_is_reported(self):
		source = Path(frappe.get_app_path("erpnext", "crm", "doctype", "lead", "lead.py"))
		text = source.read_text(encoding="utf-8")
		self.assertIn("def update_prospect(self", text)
		with tempfile.TemporaryDirectory() as erpnext_path:
			copy = Path(erpnext_path, "erpnext", "crm", "doctype", "lead", "lead.py")
			copy.parent.mkdir(parents=True)
			copy.write_text(text.replace("def update_prospect(self", "def update_prospect_row(self"))
			findings = contract.check(self.frappe_path, erpnext_path)

		missing = {finding.name: finding for finding in contract.problems(findings)}
		self.assertIn(UPDATE_PROSPECT, missing)
		self.assertEqual(missing[UPDATE_PROSPECT].where, "erpnext/crm/doctype/lead/lead.py")
		self.assertIn("switch off ERPNext's own write", missing[UPDATE_PROSPECT].line())
		# The copied file was read: what it still defines is found.
		self.assertIn(REMOVE_LINK, {finding.name for finding in findings if finding.status == "ok"})

	def test_the_command_line_against_source_trees(self):
		"""`python -m prospect_crm.contract --frappe F --erpnext E`, as pointed at other versions' sources:
		0 and a summary when every name exists, 1 when one is missing, 2 for a folder without the package."""
		import subprocess
		import sys

		def run(*args: str) -> subprocess.CompletedProcess:
			return subprocess.run(
				[sys.executable, "-m", "prospect_crm.contract", *args],
				capture_output=True,
				text=True,
				timeout=300,
			)

		trees = ("--frappe", str(self.frappe_path), "--erpnext", str(self.erpnext_path))
		ok = run(*trees)
		self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
		self.assertTrue(ok.stdout.splitlines()[0].startswith("Frappe "), ok.stdout)
		self.assertEqual(ok.stdout.splitlines()[-1], contract.summary(self.findings))
		with tempfile.TemporaryDirectory() as erpnext_path:
			package = Path(erpnext_path, "erpnext")
			package.mkdir()
			(package / "__init__.py").write_text('__version__ = "99.0.0"\n')
			broken = run("--frappe", str(self.frappe_path), "--erpnext", erpnext_path)
			self.assertEqual(broken.returncode, 1, broken.stdout + broken.stderr)
			self.assertIn(UPDATE_PROSPECT, broken.stdout)
			self.assertIn("ERPNext 99.0.0", broken.stdout.splitlines()[0])
		wrong = run("--frappe", str(self.frappe_path), "--erpnext", tempfile.gettempdir())
		self.assertEqual(wrong.returncode, 2)
		self.assertIn("no erpnext/__init__.py there", wrong.stderr)
