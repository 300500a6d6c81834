"""Admin surface: the Prospect Pipeline report, Data Import of prospects with child rows, `bench stats`.
Data Import commits every row it imports, so every name these tests give is unique to the run."""

import os

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, now, today

from prospect_crm import backfill
from prospect_crm.prospect_crm.report.prospect_pipeline.prospect_pipeline import execute
from prospect_crm.tests.server import site_cli
from prospect_crm.tests.utils import (
	committed_data_prefix,
	make_lead,
	make_opportunity,
	make_prospect,
	make_user,
	new_data_import,
	test_company,
	unique,
)


class TestPipelineReport(FrappeTestCase):
	def test_one_line_per_prospect_with_amounts_and_activities(self):
		territory = frappe.db.get_value("Territory", {"is_group": 0}, "name") or "All Territories"
		prospect = make_prospect(unique("Report Corp"), territory=territory)
		make_lead("Ivy", prospect=prospect.name)
		make_opportunity(
			prospect.name, opportunity_amount=1000, probability=50, expected_closing=add_days(today(), 10)
		)
		make_opportunity(
			prospect.name, opportunity_amount=3000, probability=10, expected_closing=add_days(today(), 40)
		)
		lost = make_opportunity(prospect.name, opportunity_amount=99999)
		lost.status = "Lost"
		lost.save()
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": "follow up",
				"reference_type": "Prospect",
				"reference_name": prospect.name,
				"date": add_days(today(), 2),
			}
		).insert()
		prospect.add_comment("Comment", "called them")

		columns, data, _message, chart, *_summary = execute(
			{"company": test_company(), "territory": territory}
		)
		row = next(r for r in data if r["prospect"] == prospect.name)
		self.assertEqual(row["open_leads"], 1)
		self.assertEqual(row["open_opportunities"], 2)
		self.assertEqual(row["pipeline_amount"], 4000)
		self.assertEqual(row["weighted_amount"], 800)
		self.assertEqual(str(row["closing_from"]), add_days(today(), 10))
		self.assertEqual(str(row["closing_to"]), add_days(today(), 40))
		self.assertIsNotNone(row["last_activity"])
		self.assertEqual(str(row["next_activity"])[:10], add_days(today(), 2))
		self.assertIn("pipeline_amount", [c["fieldname"] for c in columns])
		self.assertIn(prospect.name, chart["data"]["labels"])

		# The same numbers as the prospect itself: its next activity, and no row that points to nothing
		# (a row left by a direct database edit counts nowhere, and repair removes it).
		self.assertEqual(
			getdate(row["next_activity"]), frappe.db.get_value("Prospect", prospect.name, "next_activity_on")
		)
		backfill.insert_row(
			backfill.OPPORTUNITY_ROW,
			"CRM-OPP-GONE",
			prospect.name,
			{"amount": 500, "status": "Open"},
			now(),
			"Administrator",
		)
		_columns, data, *_rest = execute({"company": test_company(), "territory": territory})
		row = next(r for r in data if r["prospect"] == prospect.name)
		self.assertEqual((row["open_opportunities"], row["pipeline_amount"]), (2, 4000))
		self.assertIn(
			("Prospect Opportunity", prospect.name, "CRM-OPP-GONE"),
			backfill.rebuild_all(dry_run=True)["removed"],
		)

		_columns, narrowed, *_ = execute(
			{"from_date": add_days(today(), 30), "to_date": add_days(today(), 50)}
		)
		row = next(r for r in narrowed if r["prospect"] == prospect.name)
		self.assertEqual(row["pipeline_amount"], 3000)

	def test_export_as_csv(self):
		from frappe.desk.query_report import export_query

		prospect = make_prospect(unique("Report Export Corp"))
		make_opportunity(prospect.name, opportunity_amount=1234)
		frappe.local.form_dict = frappe._dict(
			report_name="Prospect Pipeline",
			file_format_type="CSV",
			filters=frappe.as_json({"company": test_company()}),
			visible_idx="[]",
		)
		export_query()
		content = frappe.response["filecontent"]
		content = content.decode() if isinstance(content, bytes) else content
		self.assertIn("Pipeline Amount", content)
		self.assertIn(prospect.name, content)
		self.assertEqual(frappe.response["type"], "binary")

	def test_bad_date_range_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			execute({"from_date": today(), "to_date": add_days(today(), -1)})

	def test_report_respects_read_permission(self):
		make_prospect(unique("Report Hidden Corp"))
		frappe.set_user(make_user("pcrm.report.outsider@example.com", []))
		try:
			with self.assertRaises(frappe.PermissionError):
				execute({})
		finally:
			frappe.set_user("Administrator")


class TestDataImport(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.prefix = committed_data_prefix(cls, "PCRM Import")

	def import_csv(self, content):
		data_import = new_data_import("Prospect", content)
		data_import.start_import()
		data_import.reload()
		return data_import

	def test_sample_file_imports_prospects_with_notes(self):
		path = os.path.join(
			frappe.get_app_path("prospect_crm"), "..", "docs", "samples", "prospect_import.csv"
		)
		alpha, beta = f"{self.prefix} Alpha", f"{self.prefix} Beta"
		with open(path) as f:
			content = f.read().replace("{company}", test_company())
		content = content.replace("Import Alpha,", f"{alpha},").replace("Import Beta,", f"{beta},")
		data_import = self.import_csv(content)
		self.assertEqual(
			data_import.status,
			"Success",
			data_import.as_dict().get("import_log")
			or frappe.get_all(
				"Data Import Log", filters={"data_import": data_import.name}, fields=["messages"]
			),
		)
		alpha = frappe.get_doc("Prospect", alpha)
		self.assertEqual(alpha.no_of_employees, "11-50")
		self.assertEqual(alpha.market_share, 5)
		self.assertEqual(len(alpha.notes), 2)
		self.assertEqual(len(frappe.get_doc("Prospect", beta).notes), 1)

	def test_import_with_lead_rows_links_both_sides(self):
		lead = make_lead(f"{self.prefix} Imported")
		gamma = f"{self.prefix} Gamma"
		content = f"Company Name,Company,Lead (Leads)\n{gamma},{test_company()},{lead.name}\n"
		data_import = self.import_csv(content)
		self.assertEqual(data_import.status, "Success")
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "prospect"), gamma)

	def test_template_lists_the_prospect_fields(self):
		from frappe.core.doctype.data_import.exporter import Exporter

		exporter = Exporter(
			"Prospect",
			export_fields={"Prospect": ["company_name", "company", "market_share"], "leads": ["lead"]},
			export_data=False,
			file_type="CSV",
		)
		header = exporter.get_csv_array_for_export()[0]
		self.assertIn("Market Share", header)
		self.assertIn("Lead (Leads)", header)


class TestStatsCommand(FrappeTestCase):
	def test_stats_prints_counts_and_idle_prospects(self):
		result = site_cli("prospect-crm", "stats", "--days", "30")
		self.assertEqual(result.returncode, 0, result.stderr)
		for label in (
			"prospects:",
			"lead rows:",
			"opportunity rows:",
			"open pipeline amount:",
			"without activity for 30 days:",
		):
			self.assertIn(label, result.stdout)
