"""Install, migrate twice, uninstall and reinstall on a second site that held ERPNext-owned prospects.

The commands run as an administrator would run them (Frappe's CLI, in separate processes) against the site
named by PROSPECT_CRM_LIFECYCLE_SITE, which scripts/test creates with ERPNext's own prospect data.
"""

import json
import os
import subprocess

from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from prospect_crm.tests.server import frappe_cli

PROBE = """
import json, sys
import frappe
frappe.init(site=sys.argv[1], sites_path=".")
frappe.connect()
from prospect_crm.tests.legacy import snapshot
doctypes = {}
for name in ("Prospect", "Prospect Lead", "Prospect Opportunity"):
	doctypes[name] = {
		"module": frappe.db.get_value("DocType", name, "module"),
		"fields": sorted(frappe.get_all("DocField", filters={"parent": name}, pluck="name")),
		"fieldnames": sorted(frappe.get_all("DocField", filters={"parent": name}, pluck="fieldname")),
		"columns": sorted(frappe.db.get_table_columns(name)) if frappe.db.table_exists(name) else None,
	}
print("PROBE:" + json.dumps({"snapshot": snapshot(), "doctypes": doctypes,
	"apps": frappe.get_installed_apps(),
	"lead_prospect": frappe.db.has_column("Lead", "prospect") and dict(frappe.get_all("Lead",
		filters={"prospect": ("is", "set")}, fields=["name", "prospect"], as_list=True))}, default=str))
"""


class TestLifecycle(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.site = os.environ.get("PROSPECT_CRM_LIFECYCLE_SITE")
		if not cls.site:
			raise AssertionError("PROSPECT_CRM_LIFECYCLE_SITE is not set: run the suite through scripts/test")
		cls.bench = get_bench_path()

	def frappe_cli(self, *args):
		result = frappe_cli(self.site, *args)
		self.assertEqual(
			result.returncode, 0, f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
		)
		return result.stdout

	def probe(self):
		result = subprocess.run(
			[f"{self.bench}/env/bin/python", "-c", PROBE, self.site],
			cwd=f"{self.bench}/sites",
			capture_output=True,
			text=True,
			timeout=300,
		)
		self.assertEqual(result.returncode, 0, result.stderr[-3000:])
		line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE:"))
		return json.loads(line[len("PROBE:") :])

	def test_install_migrate_uninstall_reinstall_keeps_every_row(self):
		before = self.probe()
		self.assertNotIn("prospect_crm", before["apps"])
		self.assertEqual(before["doctypes"]["Prospect"]["module"], "CRM")
		legacy = before["snapshot"]
		self.assertEqual(len(legacy), 3)
		self.assertTrue(all(p["leads"] and p["opportunities"] and p["notes"] for p in legacy.values()))

		# install: the DocTypes become ours, nothing is lost, Lead.prospect is filled from the rows
		self.frappe_cli("install-app", "prospect_crm")
		installed = self.probe()
		self.assertEqual(installed["snapshot"], legacy)
		for doctype in installed["doctypes"].values():
			self.assertEqual(doctype["module"], "Prospect CRM")
		self.assertIn("market_share", installed["doctypes"]["Prospect"]["columns"])
		expected_links = {row["lead"]: name for name, p in legacy.items() for row in p["leads"]}
		self.assertEqual(installed["lead_prospect"], expected_links)

		# migrate twice: no re-import of ERPNext's JSON (DocField rows keep their names), schema stable
		self.frappe_cli("migrate")
		first = self.probe()
		self.frappe_cli("migrate")
		second = self.probe()
		for state in (first, second):
			self.assertEqual(state["snapshot"], legacy)
			self.assertEqual(state["doctypes"], installed["doctypes"])

		# outside a migrate, an administrator (or an ERPNext patch) reloads ERPNext's definition: the guard
		# stores ours instead (fields are recreated, so their row names change; nothing else does)
		self.frappe_cli(
			"execute",
			"frappe.reload_doc",
			"--kwargs",
			"{'module': 'crm', 'dt': 'doctype', 'dn': 'prospect', 'force': True}",
		)
		reloaded = self.probe()
		self.assertEqual(reloaded["snapshot"], legacy)
		for name, doctype in reloaded["doctypes"].items():
			self.assertEqual(doctype["module"], "Prospect CRM", name)
			self.assertEqual(doctype["fieldnames"], installed["doctypes"][name]["fieldnames"], name)
			self.assertEqual(doctype["columns"], installed["doctypes"][name]["columns"], name)

		# uninstall: handed back to ERPNext, every prospect and row kept
		self.frappe_cli("uninstall-app", "prospect_crm", "--yes", "--no-backup")
		uninstalled = self.probe()
		self.assertNotIn("prospect_crm", uninstalled["apps"])
		self.assertEqual(uninstalled["snapshot"], legacy)
		for doctype in uninstalled["doctypes"].values():
			self.assertEqual(doctype["module"], "CRM")
		self.frappe_cli("migrate")
		self.assertEqual(self.probe()["snapshot"], legacy)

		# reinstall: taken over again, still nothing lost
		self.frappe_cli("install-app", "prospect_crm")
		reinstalled = self.probe()
		self.assertEqual(reinstalled["snapshot"], legacy)
		self.assertEqual(reinstalled["doctypes"]["Prospect"]["module"], "Prospect CRM")
		self.assertEqual(reinstalled["lead_prospect"], expected_links)
