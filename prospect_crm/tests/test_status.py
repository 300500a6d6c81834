"""A prospect's lifecycle status (each value, the daily job, the back-fill), lost reasons (mark, reopen, refusal
without reasons), the default kanban board, parent companies (cycles refused, group amounts after row
changes) and the pipeline report's count by status and grouping by parent company."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime

from prospect_crm import status
from prospect_crm.tests.utils import make_opportunity, make_prospect


def status_of(name: str) -> str:
	return frappe.db.get_value("Prospect", name, "status")


def lost_reason(name: str) -> str:
	if not frappe.db.exists("Opportunity Lost Reason", name):
		frappe.get_doc({"doctype": "Opportunity Lost Reason", "lost_reason": name}).insert()
	return name


def age(prospect: str, days: int) -> None:
	"""Make the prospect `days` old (as if created then), without any activity since."""
	frappe.db.set_value(
		"Prospect", prospect, "creation", add_days(now_datetime(), -days), update_modified=False
	)


def comment(prospect: str, days_ago: int = 0) -> None:
	doc = frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Comment",
			"reference_doctype": "Prospect",
			"reference_name": prospect,
			"content": "Called them",
		}
	).insert(ignore_permissions=True)
	if days_ago:
		# As if written then: the comment's date and the prospect's last activity (prospect_crm.follow_up).
		at = add_days(now_datetime(), -days_ago)
		frappe.db.set_value("Comment", doc.name, "creation", at, update_modified=False)
		frappe.db.set_value("Prospect", prospect, "last_activity_on", at, update_modified=False)


class StatusTestCase(FrappeTestCase):
	def tearDown(self):
		# The parent map is cached across requests; rolled-back test prospects must not stay in it.
		frappe.cache.delete_value(status.PARENT_MAP_KEY)


class TestDerivedStatus(StatusTestCase):
	def test_a_new_prospect_is_open(self):
		prospect = make_prospect("Status New")
		self.assertEqual(prospect.status, "Open")
		self.assertEqual(status_of(prospect.name), "Open")

	def test_an_open_opportunity_engages_and_closing_it_does_not(self):
		prospect = make_prospect("Status Opportunity")
		opportunity = make_opportunity(prospect.name, opportunity_amount=500)
		self.assertEqual(status_of(prospect.name), "Engaged")
		opportunity.reload()
		opportunity.status = "Closed"
		opportunity.save()
		self.assertEqual(status_of(prospect.name), "Open")
		self.assertEqual(status.derive([prospect.name]), {prospect.name: "Open"})

	def test_closing_one_of_two_open_opportunities_stays_engaged(self):
		prospect = make_prospect("Status Two Opportunities")
		first = make_opportunity(prospect.name)
		make_opportunity(prospect.name)
		first.reload()
		first.status = "Closed"
		first.save()
		self.assertEqual(status_of(prospect.name), "Engaged")

	def test_recent_activity_engages_old_activity_does_not(self):
		prospect = make_prospect("Status Activity")
		age(prospect.name, 60)
		comment(prospect.name, days_ago=40)
		status.update_statuses([prospect.name])
		self.assertEqual(status_of(prospect.name), "Open")
		comment(prospect.name)
		status.update_statuses([prospect.name])
		self.assertEqual(status_of(prospect.name), "Engaged")

	def test_no_activity_for_the_threshold_is_dormant(self):
		prospect = make_prospect("Status Dormant")
		age(prospect.name, 100)
		status.daily()
		self.assertEqual(status_of(prospect.name), "Dormant")
		# The thresholds are settings.
		frappe.db.set_single_value("Prospect CRM Settings", "dormant_after_days", 200)
		try:
			status.update_statuses([prospect.name])
			self.assertEqual(status_of(prospect.name), "Open")
		finally:
			frappe.db.set_single_value("Prospect CRM Settings", "dormant_after_days", 90)
		status.update_statuses([prospect.name])
		self.assertEqual(status_of(prospect.name), "Dormant")
		# A dormant prospect with a new open opportunity is engaged at once (the back-fill).
		make_opportunity(prospect.name)
		self.assertEqual(status_of(prospect.name), "Engaged")

	def test_a_linked_customer_converts(self):
		prospect = make_prospect("Status Converted")
		frappe.get_doc(
			{"doctype": "Customer", "customer_name": "Status Converted Customer", "prospect": prospect.name}
		).insert()
		self.assertEqual(status_of(prospect.name), "Converted")
		make_opportunity(prospect.name)
		self.assertEqual(status_of(prospect.name), "Converted")
		status.daily()
		self.assertEqual(status_of(prospect.name), "Converted")

	def test_the_daily_job_is_set_based_and_keeps_modified(self):
		prospects = [make_prospect(f"Status Job {i}") for i in range(5)]
		for prospect in prospects:
			age(prospect.name, 120)
		modified = {p.name: frappe.db.get_value("Prospect", p.name, "modified") for p in prospects}
		queries = []
		original = frappe.db.sql

		def counting(*args, **kwargs):
			queries.append(args[0] if args else kwargs.get("query"))
			return original(*args, **kwargs)

		frappe.db.sql = counting
		try:
			status.update_statuses()
		finally:
			frappe.db.sql = original
		self.assertLessEqual(len(queries), 12, "\n".join(map(str, queries)))
		for prospect in prospects:
			self.assertEqual(status_of(prospect.name), "Dormant")
			self.assertEqual(
				frappe.db.get_value("Prospect", prospect.name, "modified"), modified[prospect.name]
			)


class TestLostReasons(StatusTestCase):
	def test_mark_as_lost_and_reopen(self):
		prospect = make_prospect("Status Lost")
		make_opportunity(prospect.name)
		prospect.reload()
		prospect.mark_as_lost([lost_reason("Too expensive"), lost_reason("No budget")], "Chose a competitor")
		prospect.reload()
		self.assertEqual(prospect.status, "Lost")
		self.assertEqual([r.lost_reason for r in prospect.lost_reasons], ["Too expensive", "No budget"])
		self.assertEqual(prospect.lost_detail, "Chose a competitor")
		# Neither the daily job nor the back-fill moves a lost prospect.
		status.daily()
		make_opportunity(prospect.name)
		self.assertEqual(status_of(prospect.name), "Lost")

		prospect.reload()
		prospect.reopen()
		prospect.reload()
		self.assertEqual(prospect.status, "Engaged")
		self.assertEqual((prospect.lost_reasons, prospect.lost_detail), ([], None))

	def test_lost_without_reasons_is_refused(self):
		prospect = make_prospect("Status Lost Refused")
		with self.assertRaisesRegex(frappe.ValidationError, "lost reason"):
			prospect.mark_as_lost([])
		# A kanban drag to Lost goes through frappe.client.set_value: refused the same way.
		with self.assertRaisesRegex(frappe.ValidationError, "Mark as Lost"):
			frappe.client.set_value("Prospect", prospect.name, "status", "Lost")
		self.assertEqual(status_of(prospect.name), "Open")

	def test_a_drag_out_of_lost_reopens(self):
		prospect = make_prospect("Status Dragged Out")
		prospect.mark_as_lost([lost_reason("Too expensive")])
		frappe.client.set_value("Prospect", prospect.name, "status", "Engaged")
		prospect.reload()
		self.assertEqual((prospect.status, prospect.lost_reasons), ("Open", []))

	def test_only_a_lost_prospect_reopens(self):
		prospect = make_prospect("Status Not Lost")
		with self.assertRaises(frappe.ValidationError):
			prospect.reopen()


class TestKanbanBoard(StatusTestCase):
	def test_default_board_by_status_with_pipeline_amount(self):
		status.ensure_kanban_board()
		board = frappe.get_doc("Kanban Board", status.KANBAN_BOARD)
		self.assertEqual((board.reference_doctype, board.field_name), ("Prospect", "status"))
		self.assertEqual([c.column_name for c in board.columns], list(status.STATUSES))
		self.assertIn("open_pipeline_amount", frappe.parse_json(board.fields))

	def test_a_kanban_drag_to_lost_is_refused_without_reasons(self):
		from frappe.desk.doctype.kanban_board.kanban_board import update_order_for_single_card

		status.ensure_kanban_board()
		prospect = make_prospect("Status Kanban")
		board = frappe.get_doc("Kanban Board", status.KANBAN_BOARD)
		next(c for c in board.columns if c.column_name == "Open").order = frappe.as_json([prospect.name])
		board.save()
		with self.assertRaisesRegex(frappe.ValidationError, "Mark as Lost"):
			update_order_for_single_card(status.KANBAN_BOARD, prospect.name, "Open", "Lost", 0, 0)
		self.assertEqual(status_of(prospect.name), "Open")

	def test_dormant_number_card(self):
		card = frappe.get_doc("Number Card", "Dormant Prospects")
		self.assertEqual((card.document_type, card.function), ("Prospect", "Count"))
		self.assertIn("Dormant", card.filters_json)


class TestParentCompanies(StatusTestCase):
	def test_cycles_are_refused(self):
		group = make_prospect("Status Group")
		subsidiary = make_prospect("Status Subsidiary", parent_prospect=group.name)
		grandchild = make_prospect("Status Grandchild", parent_prospect=subsidiary.name)
		group.reload()
		group.parent_prospect = grandchild.name
		with self.assertRaisesRegex(frappe.ValidationError, "cannot be the parent company"):
			group.save()
		subsidiary.reload()
		subsidiary.parent_prospect = subsidiary.name
		with self.assertRaisesRegex(frappe.ValidationError, "cannot be the parent company"):
			subsidiary.save()

	def test_subsidiaries_are_connections(self):
		links = frappe.get_meta("Prospect").links
		self.assertIn(
			("Prospect", "parent_prospect"), [(link.link_doctype, link.link_fieldname) for link in links]
		)

	def test_group_amounts_follow_row_changes(self):
		group = make_prospect("Status Amount Group")
		subsidiary = make_prospect("Status Amount Subsidiary", parent_prospect=group.name)
		grandchild = make_prospect("Status Amount Grandchild", parent_prospect=subsidiary.name)
		other = make_prospect("Status Amount Other")

		def amounts():
			names = [group.name, subsidiary.name, grandchild.name, other.name]
			return [frappe.db.get_value("Prospect", name, "group_pipeline_amount") for name in names]

		opportunity = make_opportunity(grandchild.name, opportunity_amount=100)
		make_opportunity(group.name, opportunity_amount=10)
		self.assertEqual(amounts(), [110, 100, 100, 0])
		opportunity.reload()
		opportunity.opportunity_amount = 150
		opportunity.save()
		self.assertEqual(amounts(), [160, 150, 150, 0])
		opportunity.reload()
		opportunity.party_name = other.name
		opportunity.save()
		self.assertEqual(amounts(), [10, 0, 0, 150])
		opportunity.reload()
		opportunity.party_name = grandchild.name
		opportunity.save()
		opportunity.reload()
		opportunity.status = "Closed"
		opportunity.save()
		self.assertEqual(amounts(), [10, 0, 0, 0])
		opportunity.reload()
		opportunity.status = "Open"
		opportunity.save()
		# The subsidiary leaves the group: both chains are recomputed.
		subsidiary.reload()
		subsidiary.parent_prospect = other.name
		subsidiary.save()
		self.assertEqual(amounts(), [10, 150, 150, 150])
		# The set-based recomputation agrees with what the back-fill kept.
		before = amounts()
		status.update_group_amounts()
		self.assertEqual(amounts(), before)


class TestPipelineReport(StatusTestCase):
	def test_count_by_status_and_group_by_parent(self):
		from prospect_crm.prospect_crm.report.prospect_pipeline.prospect_pipeline import execute

		group = make_prospect("Status Report Group", territory=None)
		subsidiary = make_prospect("Status Report Subsidiary", parent_prospect=group.name)
		make_opportunity(subsidiary.name, opportunity_amount=300)
		make_opportunity(group.name, opportunity_amount=200)
		_columns, data, _message, _chart, summary = execute({"parent_prospect": group.name})
		self.assertEqual([row["prospect"] for row in data], [subsidiary.name])
		counts = {entry["label"]: entry["value"] for entry in summary}
		self.assertEqual(counts["Engaged"], 1)

		_columns, data, _message, _chart, summary = execute({"group_by_parent": 1})
		grouped = {row["prospect"]: row for row in data}
		self.assertNotIn(subsidiary.name, grouped)
		self.assertEqual(grouped[group.name]["pipeline_amount"], 500)
		self.assertEqual(grouped[group.name]["companies"], 2)
