"""The bench commands `prospect-crm repair|ownership|demo`, run as an administrator runs them: Frappe's CLI in
a separate process, which sees only committed data (so these tests commit theirs, under names unique to the
run, and delete it afterwards)."""

import os
import signal
import subprocess
import time

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from prospect_crm.demo import DEMO
from prospect_crm.overrides.lead import Lead
from prospect_crm.tests.server import site_cli
from prospect_crm.tests.utils import (
	bulk_leads,
	committed_data_prefix,
	count_faults,
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
		self.assertIn("Lead class: prospect_crm.overrides.lead.Lead (this app's)", result.stdout)
		self.assertIn(
			"Opportunity class: prospect_crm.overrides.opportunity.Opportunity (this app's)", result.stdout
		)

	def test_ownership_names_another_app_s_override_and_customizations(self):
		"""The last `override_doctype_class` wins: one of another app that does not subclass ours is named as a
		warning; a Customize Form change on Prospect is counted."""
		from frappe.custom.doctype.property_setter.property_setter import make_property_setter

		from prospect_crm.takeover import class_overrides, customizations

		make_property_setter("Prospect", "fax", "hidden", 1, "Check")
		self.assertGreaterEqual(customizations()["Prospect"]["property_setters"], 1)
		hooks = frappe.get_hooks("override_doctype_class")
		other = {**hooks, "Lead": [*hooks["Lead"], "erpnext.crm.doctype.lead.lead.Lead"]}
		lead = next(row for row in class_overrides(other) if row["doctype"] == "Lead")
		self.assertEqual(lead["class"], "erpnext.crm.doctype.lead.lead.Lead")
		self.assertFalse(lead["keeps_ours"])
		subclass = {**hooks, "Lead": [*hooks["Lead"], "prospect_crm.tests.test_commands.AnotherAppsLead"]}
		lead = next(row for row in class_overrides(subclass) if row["doctype"] == "Lead")
		self.assertTrue(lead["keeps_ours"])

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


class AnotherAppsLead(Lead):
	"""What another app that also overrides Lead should do: subclass this app's class."""


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


class TestRepairKilledHalfWay(FrappeTestCase):
	def test_a_repair_killed_half_way_is_finished_by_running_it_again(self):
		"""`kill -9` of a repair placing 1,500 missing rows, once it has committed some: what it committed
		stays, each row once, and running it again places the rest, each row once."""
		prospect, leads, prefix = self.missing_rows("PCRM Killed")
		repair = frappe_process("--site", frappe.local.site, "prospect-crm", "repair")
		self.kill_half_way(repair, prospect, leads)

		again = site_cli("prospect-crm", "repair", timeout=600)
		self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
		self.assert_each_row_once(prospect, leads, prefix)

	def test_a_repair_job_whose_worker_is_killed_is_finished_by_a_re_run(self):
		"""The same repair queued as a background job (`repair --background`) and run by an RQ worker, which
		is killed with its work horse half-way: the job still looks started, yet a re-run queues it anew
		(the killed one is recognised as abandoned) and a worker finishes it, each row once."""
		from frappe.utils.background_jobs import get_job, is_job_enqueued

		from prospect_crm.jobs import REPAIR_JOB_ID, abandoned

		prospect, leads, prefix = self.missing_rows("PCRM Worker Killed")
		queued = site_cli("prospect-crm", "repair", "--background", "--no-wait")
		self.assertIn("queued as job", queued.stdout, queued.stderr)
		self.kill_half_way(frappe_process("worker", "--queue", "long", "--burst"), prospect, leads)
		self.assertTrue(is_job_enqueued(REPAIR_JOB_ID), "the killed job still looks started to RQ")
		self.assertTrue(abandoned(get_job(REPAIR_JOB_ID)))

		again = site_cli("prospect-crm", "repair", "--background", "--no-wait")
		self.assertIn("queued as job", again.stdout, again.stderr)
		worker = frappe_process("worker", "--queue", "long", "--burst")
		self.assertEqual(worker.wait(timeout=900), 0, "the worker ran the queue to its end")
		self.assertFalse(is_job_enqueued(REPAIR_JOB_ID))
		self.assert_each_row_once(prospect, leads, prefix)

	def missing_rows(self, name: str) -> tuple[str, list[str], str]:
		"""A prospect with 1,500 leads whose rows are missing (committed)."""
		prefix = committed_data_prefix(self, name)
		prospect = make_prospect(prefix).name
		frappe.db.commit()
		return prospect, bulk_leads(self, prefix, prospect, 1500), prefix

	def kill_half_way(self, process: subprocess.Popen, prospect: str, leads: list[str]) -> None:
		"""SIGKILL of the process and its children once the repair has committed a group of rows."""
		from prospect_crm.jobs import ROW_CHUNK

		deadline = time.time() + 300
		while True:
			frappe.db.rollback()
			placed = frappe.db.count("Prospect Lead", {"parent": prospect})
			if placed >= ROW_CHUNK:
				break
			self.assertIsNone(process.poll(), "the repair ended before it placed a group of rows")
			self.assertLess(time.time(), deadline, "the repair placed a group of rows")
			time.sleep(0.02)
		os.killpg(process.pid, signal.SIGKILL)
		process.wait()
		count_faults(faults_injected=1)
		frappe.db.rollback()
		placed = frappe.get_all("Prospect Lead", filters={"parent": prospect}, pluck="lead")
		self.assertLess(len(placed), len(leads), "the repair was killed half-way")
		self.assertEqual(len(set(placed)), len(placed), "what it committed holds each row once")

	def assert_each_row_once(self, prospect: str, leads: list[str], prefix: str) -> None:
		frappe.db.rollback()
		rows = frappe.get_all(
			"Prospect Lead",
			filters={"lead": ("like", f"{prefix}-L-%")},
			fields=["lead", "parent"],
			as_list=True,
		)
		count_faults(
			rows_checked=len(rows),
			lost=len(set(leads) - {lead for lead, _ in rows}),
			doubled=len(rows) - len(set(rows)),
		)
		self.assertEqual(sorted(rows), [(lead, prospect) for lead in leads], "each lead's row once")
		dry = site_cli("prospect-crm", "repair", "--dry-run")
		self.assertNotIn(prospect, dry.stdout)


def frappe_process(*args: str) -> subprocess.Popen:
	"""Frappe's CLI in a session of its own (so that it can be killed with the processes it starts)."""
	bench = get_bench_path()
	return subprocess.Popen(
		[f"{bench}/env/bin/python", "-m", "frappe.utils.bench_helper", "frappe", *args],
		cwd=f"{bench}/sites",
		stdout=subprocess.DEVNULL,
		stderr=subprocess.DEVNULL,
		start_new_session=True,
	)
