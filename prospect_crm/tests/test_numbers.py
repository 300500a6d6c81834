"""One definition of each number (prospect_crm.numbers): the form's summary, the pipeline report, the
workspace's cards and `stats` agree on the same data; the status reads the stored last activity; the list's
columns and the owner's full name; the workspace has no duplicate shortcut."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_first_day, now_datetime, today

from prospect_crm import backfill, dashboard, desk, numbers, status
from prospect_crm.prospect_crm.dashboard_chart_source.prospect_count_by_status import (
	prospect_count_by_status,
)
from prospect_crm.prospect_crm.dashboard_chart_source.prospect_pipeline_by_owner import (
	prospect_pipeline_by_owner,
)
from prospect_crm.prospect_crm.dashboard_chart_source.prospect_pipeline_by_stage import (
	prospect_pipeline_by_stage,
)
from prospect_crm.prospect_crm.report.prospect_pipeline.prospect_pipeline import execute
from prospect_crm.tests.utils import (
	CountQueries,
	make_lead,
	make_opportunity,
	make_prospect,
	make_user,
	unique,
)


def onload_summary(name: str) -> dict:
	doc = frappe.get_doc("Prospect", name)
	doc.run_method("onload")
	return doc.get_onload()["summary"]


class TestNumbers(FrappeTestCase):
	def setUp(self):
		self.owner = make_user(f"{frappe.generate_hash(length=8)}@numbers.example.com", ["Sales User"])
		# Being assigned the prospect notifies the owner; no mail for it (a site may have no email account).
		if not frappe.db.exists("Notification Settings", self.owner):
			frappe.get_doc({"doctype": "Notification Settings", "name": self.owner}).insert(
				ignore_permissions=True
			)
		frappe.db.set_value("Notification Settings", self.owner, "enable_email_notifications", 0)
		frappe.db.set_value(
			"User",
			self.owner,
			{"first_name": "Camille", "last_name": "Numbers", "full_name": "Camille Numbers"},
		)
		self.prospect = make_prospect(unique("Numbers Corp"), prospect_owner=self.owner)
		name = self.prospect.name
		make_lead("Open Lead", prospect=name)
		make_lead("Replied Lead", prospect=name, status="Replied")
		make_lead("Converted Lead", prospect=name, status="Do Not Contact")
		closing = add_days(get_first_day(today()), 3)
		make_opportunity(name, opportunity_amount=1000, probability=50, expected_closing=closing)
		make_opportunity(
			name, opportunity_amount=3000, probability=10, expected_closing=add_days(today(), 70)
		)
		lost = make_opportunity(name, opportunity_amount=99999, probability=90)
		lost.status = "Lost"
		lost.save()
		# A row that points to nothing (left by a direct database edit) counts nowhere.
		backfill.insert_row(
			backfill.OPPORTUNITY_ROW,
			"CRM-OPP-NOWHERE",
			name,
			{"amount": 5000, "probability": 100, "status": "Open"},
			frappe.utils.now(),
			"Administrator",
		)

	def test_form_summary_report_and_cards_agree(self):
		name = self.prospect.name
		summary = onload_summary(name)
		self.assertEqual(summary["open_leads"], 2)
		self.assertEqual(summary["open_opportunities"], 2)
		self.assertEqual(summary["pipeline_amount"], 4000)
		self.assertEqual(summary["weighted_amount"], 800)
		self.assertEqual(summary["owner_names"][self.owner], "Camille Numbers")
		self.assertEqual(
			summary["pipeline_amount"], frappe.db.get_value("Prospect", name, "open_pipeline_amount")
		)

		row = next(r for r in execute({"prospect_owner": self.owner})[1] if r["prospect"] == name)
		for key in ("open_leads", "open_opportunities", "pipeline_amount", "weighted_amount"):
			self.assertEqual(row[key], summary[key], key)

		# The cards add up the same rows over every readable prospect: this prospect's share is its own.
		before = dashboard.weighted_pipeline()["value"]
		closing_before = dashboard.closing_this_month()["value"]
		lost = make_opportunity(name, opportunity_amount=2000, probability=25, expected_closing=today())
		self.assertAlmostEqual(dashboard.weighted_pipeline()["value"] - before, 500)
		self.assertAlmostEqual(dashboard.closing_this_month()["value"] - closing_before, 2000)
		self.assertEqual(onload_summary(name)["weighted_amount"], 1300)
		lost.reload()
		lost.status = "Lost"
		lost.save()
		self.assertAlmostEqual(dashboard.weighted_pipeline()["value"], before)

		stages = prospect_pipeline_by_stage.get()
		expected_by_stage = {}
		for row in frappe.get_all(
			"Prospect Opportunity",
			filters={"parenttype": "Prospect", "status": ("not in", ("Lost", "Closed", "Converted"))},
			fields=["opportunity", "stage", "amount"],
		):
			if frappe.db.exists("Opportunity", row.opportunity):
				stage = frappe._(row.stage) if row.stage else frappe._("No stage")
				expected_by_stage[stage] = expected_by_stage.get(stage, 0) + row.amount
		self.assertEqual(
			dict(zip(stages["labels"], stages["datasets"][0]["values"], strict=True)), expected_by_stage
		)

		by_status = prospect_count_by_status.get()
		stored = {
			name: frappe.db.count("Prospect", {"status": name}) for name in status.STATUSES if name != "Open"
		}
		stored["Open"] = frappe.db.count("Prospect") - sum(stored.values())
		self.assertEqual(by_status["labels"], [frappe._(name) for name in status.STATUSES])
		self.assertEqual(by_status["datasets"][0]["values"], [stored[name] for name in status.STATUSES])

		chart = prospect_pipeline_by_owner.get()
		self.assertIn("Camille Numbers", chart["labels"])
		index = chart["labels"].index("Camille Numbers")
		self.assertEqual(chart["datasets"][0]["values"][index], 4000)
		self.assertEqual(chart["datasets"][1]["values"][index], 800)

	def test_cards_count_only_what_the_user_may_read(self):
		reader = make_user(f"{frappe.generate_hash(length=8)}@numbers.example.com", ["Sales User"])
		# A "%" in the name a permission inlines into the readable prospects' SQL.
		other = make_prospect(unique("Numbers 100% Elsewhere"))
		frappe.get_doc(
			{"doctype": "User Permission", "user": reader, "allow": "Prospect", "for_value": other.name}
		).insert(ignore_permissions=True)
		frappe.set_user(reader)
		try:
			self.assertEqual(dashboard.weighted_pipeline()["value"], 0)
			self.assertEqual(dashboard.closing_this_month()["value"], 0)
			self.assertEqual(dashboard.without_activity()["value"], 0)
			self.assertEqual(dashboard.get_open_prospects()["value"], 1)
			self.assertEqual(prospect_pipeline_by_owner.get()["labels"], [])
			self.assertEqual(prospect_pipeline_by_stage.get()["labels"], [])
			counts = prospect_count_by_status.get()["datasets"][0]["values"]
			self.assertEqual(sum(counts), 1, "only the prospect the user may read")
		finally:
			frappe.set_user("Administrator")

	def test_without_activity_is_one_definition(self):
		quiet = make_prospect(unique("Numbers Quiet"))
		old = add_days(now_datetime(), -45)
		frappe.db.set_value("Prospect", quiet.name, "creation", old, update_modified=False)
		status.update_statuses([quiet.name])
		self.assertEqual(status.derive([quiet.name])[quiet.name], "Open")
		self.assertIn(quiet.name, numbers.prospects_without_activity(30))
		self.assertIn(quiet.name, dashboard.get_stats(30)["inactive_prospects"])
		card = dashboard.without_activity()
		self.assertIn(quiet.name, card["route_options"]["name"][1])
		self.assertEqual(card["value"], len(numbers.prospects_without_activity(30, readable_only=True)))
		# A note is an activity: the prospect leaves the list, and the status reads the same date.
		quiet.reload()
		quiet.add_note("Rappel fait")
		self.assertNotIn(quiet.name, numbers.prospects_without_activity(30))
		self.assertNotIn(quiet.name, dashboard.get_stats(30)["inactive_prospects"])
		self.assertEqual(status.derive([quiet.name])[quiet.name], "Engaged")

	def test_owner_full_name_is_stored_for_the_list(self):
		self.assertEqual(
			frappe.db.get_value("Prospect", self.prospect.name, "prospect_owner_name"), "Camille Numbers"
		)
		frappe.db.set_value("Prospect", self.prospect.name, "prospect_owner_name", None)
		desk.fill_owner_names()
		self.assertEqual(
			frappe.db.get_value("Prospect", self.prospect.name, "prospect_owner_name"), "Camille Numbers"
		)

	def test_the_pipeline_of_most_prospects_reads_every_row_once(self):
		"""Past WHOLE_SITE_FROM prospects (half the site or more) pipeline() reads all rows instead of naming
		the prospects, then counts again those holding a row that points to nothing: the same numbers, for the
		prospects asked only."""
		names = frappe.get_all("Prospect", pluck="name")
		asked = [name for name in names if name != self.prospect.name] + [self.prospect.name]
		named = numbers.pipeline(asked[1:])
		self.addCleanup(setattr, numbers, "WHOLE_SITE_FROM", numbers.WHOLE_SITE_FROM)
		numbers.WHOLE_SITE_FROM = 1
		with CountQueries() as counter:
			whole = numbers.pipeline(asked[1:])
		self.assertEqual(whole, named)
		self.assertNotIn(asked[0], whole)
		self.assertEqual(whole[self.prospect.name].pipeline_amount, 4000)
		aggregates = [query for query in counter.queries if "group by row.parent" in query]
		# Two over every row, then two again for the prospects holding a row whose document is gone (this one).
		self.assertEqual(["row.parent in" in query for query in aggregates], [False, False, True, True])

	def test_the_report_becomes_a_prepared_report_on_a_big_site_once(self):
		from prospect_crm.prospect_crm.report.prospect_pipeline import prospect_pipeline

		self.addCleanup(frappe.db.set_default, prospect_pipeline.SWITCHED, None)
		self.addCleanup(frappe.db.set_value, "Report", "Prospect Pipeline", "prepared_report", 0)
		self.addCleanup(setattr, prospect_pipeline, "PREPARED_FROM", prospect_pipeline.PREPARED_FROM)
		frappe.db.set_default(prospect_pipeline.SWITCHED, None)
		self.assertFalse(prospect_pipeline.prepare_when_large(), "a small site runs it directly")
		self.assertEqual(frappe.db.get_value("Report", "Prospect Pipeline", "prepared_report"), 0)
		prospect_pipeline.PREPARED_FROM = frappe.db.count("Prospect")
		self.assertTrue(prospect_pipeline.prepare_when_large())
		self.assertEqual(frappe.db.get_value("Report", "Prospect Pipeline", "prepared_report"), 1)
		# An administrator turns it off again: it stays off.
		frappe.db.set_value("Report", "Prospect Pipeline", "prepared_report", 0)
		self.assertFalse(prospect_pipeline.prepare_when_large())
		self.assertEqual(frappe.db.get_value("Report", "Prospect Pipeline", "prepared_report"), 0)


class TestDeskDefaults(FrappeTestCase):
	def test_list_columns_at_1366_px(self):
		settings = frappe.get_doc("List View Settings", "Prospect")
		fields = [column["fieldname"] for column in json.loads(settings.fields)]
		self.assertEqual(
			fields, ["status_field", "open_pipeline_amount", "prospect_owner_name", "follow_up", "territory"]
		)
		if settings.meta.has_field("total_fields"):
			self.assertEqual(int(settings.total_fields), len(fields) + 2)
		meta = frappe.get_meta("Prospect")
		for fieldname in fields[1:]:
			self.assertTrue(meta.get_field(fieldname).in_list_view, fieldname)
		# An administrator's own settings are kept by a migrate, and by an uninstall.
		mine = json.dumps([{"fieldname": "status_field"}, {"fieldname": "territory"}])
		settings.fields = mine
		settings.save()
		desk.ensure_list_view_settings()
		desk.remove_list_view_settings()
		self.assertEqual(frappe.db.get_value("List View Settings", "Prospect", "fields"), mine)

	def test_workspace_cards_chart_and_shortcuts(self):
		workspace = frappe.get_doc("Workspace", "Prospect CRM")
		cards = {row.number_card_name for row in workspace.number_cards}
		self.assertTrue({"Weighted Pipeline", "Closing This Month", "Without Activity for 30 Days"} <= cards)
		for card in cards:
			doc = frappe.get_doc("Number Card", card)
			if doc.type == "Custom":
				result = frappe.get_attr(doc.method)()
				self.assertIn("value", result)
		charts = {row.chart_name for row in workspace.charts}
		self.assertTrue({"Prospect Pipeline by Owner", "Prospect Count by Status"} <= charts)
		shortcuts = [(row.link_to, row.doc_view or "List") for row in workspace.shortcuts]
		self.assertEqual(len(shortcuts), len(set(shortcuts)))
		self.assertIn(("Prospect", "New"), shortcuts)
		linked = {row.link_to for row in workspace.links if row.type == "Link"}
		self.assertFalse(linked & {link_to for link_to, _view in shortcuts}, "a card repeats a shortcut")
		# The Lead shortcut counts what the report counts: open leads of prospects.
		lead = next(row for row in workspace.shortcuts if row.link_to == "Lead")
		stats = json.loads(lead.stats_filter)
		self.assertEqual(stats["status"], ["not in", list(numbers.CLOSED_LEAD_STATUSES)])
		self.assertEqual(stats["prospect"], ["is", "set"])
