"""The demo data (prospect_crm.demo): a pipeline that looks real (regions, industries, owners, leads at every
status, opportunities at every sales stage, tasks overdue and due this week, notes, emails in the history,
meetings this week), emails never sent, a second run that creates nothing and a user's edit that survives it.

load_demo_data commits: the demo's records are removed before the class (what an earlier run or the demo
command's test left) and after it, so that the other tests on the site never meet them."""

import contextlib
import io

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_datetime, getdate, now_datetime, today
from frappe.utils.nestedset import get_root_of

from prospect_crm.demo import DEMO, TEAM, load_demo_data
from prospect_crm.tests.utils import delete_demo_records, demo_records, test_company

PROSPECTS = [spec["company_name"] for spec in DEMO]
# Counted around a second run: none may grow.
COUNTED = (
	"Prospect",
	"Lead",
	"Opportunity",
	"ToDo",
	"Communication",
	"Event",
	"Address",
	"Contact",
	"User",
	"Territory",
	"Industry Type",
	"Sales Stage",
	"Email Queue",
)


def run_demo() -> str:
	"""load_demo_data, with what it prints."""
	output = io.StringIO()
	with contextlib.redirect_stdout(output):
		load_demo_data()
	return output.getvalue()


class TestDemoData(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		delete_demo_records()
		cls.addClassCleanup(delete_demo_records)
		cls.queued = frappe.db.count("Email Queue")
		started = now_datetime()
		cls.output = run_demo()
		cls.seconds = (now_datetime() - started).total_seconds()
		cls.records = demo_records()

	def prospects(self) -> list:
		return frappe.get_all(
			"Prospect",
			filters={"name": ("in", PROSPECTS)},
			fields=[
				"name",
				"territory",
				"industry",
				"prospect_owner",
				"no_of_employees",
				"annual_revenue",
				"currency",
				"market_share",
				"website",
			],
		)

	def open_opportunities(self) -> list:
		return frappe.get_all(
			"Opportunity",
			filters={"name": ("in", self.records["Opportunity"]), "status": "Open"},
			fields=["name", "sales_stage", "expected_closing", "opportunity_amount", "probability"],
		)

	def test_every_demo_prospect_is_created_quickly(self):
		self.assertGreaterEqual(len(PROSPECTS), 8)
		for name in ("Boulangeries Martin", "Transports Lefèvre", "Atelier Dubois"):
			self.assertIn(name, PROSPECTS)
		for name in PROSPECTS:
			self.assertIn(f"created demo prospect {name}", self.output)
		self.assertEqual(self.records["Prospect"], sorted(PROSPECTS))
		self.assertLess(self.seconds, 30)

	def test_prospects_span_regions_industries_and_owners(self):
		prospects = self.prospects()
		territories = {p.territory for p in prospects}
		self.assertGreaterEqual(len(territories), 3)
		root = get_root_of("Territory")
		for territory in territories:
			self.assertEqual(frappe.db.get_value("Territory", territory, "parent_territory"), root)
		self.assertGreaterEqual(len({p.industry for p in prospects}), 3)
		self.assertTrue(all(frappe.db.exists("Industry Type", p.industry) for p in prospects))
		owners = {p.prospect_owner for p in prospects}
		self.assertIn("Administrator", owners)
		team = owners - {"Administrator"}
		self.assertGreaterEqual(len(team), 2, "spread over the sales team")
		self.assertTrue(any("Sales Manager" in frappe.get_roles(owner) for owner in team), "a sales manager")
		for user, *_ in TEAM.values():
			self.assertEqual(frappe.db.get_value("User", user, ["enabled", "user_type"]), (1, "System User"))
			self.assertIn("Sales User", frappe.get_roles(user))
		currency = frappe.db.get_value("Company", test_company(), "default_currency")
		for prospect in prospects:
			self.assertTrue(prospect.no_of_employees and prospect.website, prospect.name)
			self.assertGreater(prospect.annual_revenue, 0)
			self.assertGreater(prospect.market_share, 0)
			self.assertEqual(prospect.currency, currency)

	def test_each_prospect_has_an_address_contacts_and_leads(self):
		leads = frappe.get_all(
			"Lead",
			filters={"name": ("in", self.records["Lead"])},
			fields=["name", "prospect", "first_name", "last_name", "email_id", "lead_owner", "status"],
		)
		for name in PROSPECTS:
			addresses = [
				a
				for a in self.records["Address"]
				if frappe.db.exists(
					"Dynamic Link", {"parent": a, "link_doctype": "Prospect", "link_name": name}
				)
			]
			self.assertTrue(addresses, name)
			self.assertTrue(frappe.db.get_value("Address", addresses[0], "city"))
			self.assertTrue(
				frappe.db.exists(
					"Dynamic Link", {"parenttype": "Contact", "link_doctype": "Prospect", "link_name": name}
				),
				name,
			)
			own = [lead for lead in leads if lead.prospect == name]
			self.assertTrue(1 <= len(own) <= 3, name)
			self.assertEqual(len(frappe.get_doc("Prospect", name).leads), len(own), "rows back-filled")
		self.assertTrue(all(lead.first_name and lead.last_name and lead.email_id for lead in leads))
		self.assertGreaterEqual(len({lead.lead_owner for lead in leads}), 2)
		self.assertGreaterEqual(len({lead.status for lead in leads}), 3, "statuses spread")

	def test_open_opportunities_span_sales_stages_and_months(self):
		opportunities = self.open_opportunities()
		self.assertGreater(len(opportunities), len(self.records["Opportunity"]) / 2, "most are open")
		self.assertLess(len(opportunities), len(self.records["Opportunity"]), "one or two are not")
		self.assertGreaterEqual(len({o.sales_stage for o in opportunities}), 4)
		self.assertTrue(all(frappe.db.exists("Sales Stage", o.sales_stage) for o in opportunities))
		self.assertTrue(all(o.opportunity_amount > 0 and o.probability > 0 for o in opportunities))
		closings = [getdate(o.expected_closing) for o in opportunities]
		self.assertTrue(all(closing >= getdate(today()) for closing in closings))
		self.assertGreaterEqual(len({(c.year, c.month) for c in closings}), 3, "this month, next, later")
		rows = frappe.get_all(
			"Prospect Opportunity", filters={"parent": ("in", PROSPECTS)}, pluck="opportunity"
		)
		self.assertEqual(sorted(rows), self.records["Opportunity"], "every one is in its prospect's rows")

	def test_open_tasks_overdue_and_due_this_week(self):
		tasks = frappe.get_all(
			"ToDo",
			filters={"name": ("in", self.records["ToDo"]), "status": "Open", "date": ("is", "set")},
			fields=["reference_type", "date", "allocated_to"],
		)
		dates = [getdate(t.date) for t in tasks]
		self.assertTrue(any(date < getdate(today()) for date in dates), "one overdue")
		self.assertTrue(
			any(getdate(today()) <= date <= getdate(add_days(today(), 6)) for date in dates), "one this week"
		)
		self.assertEqual({t.reference_type for t in tasks}, {"Prospect", "Lead"})
		self.assertTrue(all(t.allocated_to for t in tasks))
		self.assertTrue(frappe.db.exists("ToDo", {"name": ("in", self.records["ToDo"]), "status": "Closed"}))

	def test_each_prospect_has_notes(self):
		for name in PROSPECTS:
			notes = frappe.get_doc("Prospect", name).notes
			self.assertTrue(1 <= len(notes) <= 2, name)
			for row in notes:
				self.assertTrue(row.note and row.added_by)
				self.assertLess(get_datetime(row.added_on), now_datetime())

	def test_emails_in_the_history_are_never_sent(self):
		emails = frappe.get_all(
			"Communication",
			filters={"name": ("in", self.records["Communication"]), "communication_medium": "Email"},
			fields=[
				"name",
				"communication_type",
				"sent_or_received",
				"subject",
				"sender",
				"recipients",
				"communication_date",
				"reference_doctype",
				"reference_name",
			],
		)
		self.assertGreaterEqual(len(emails), len(PROSPECTS))
		self.assertEqual({e.sent_or_received for e in emails}, {"Sent", "Received"})
		lead_prospect = dict(
			frappe.get_all(
				"Lead", filters={"name": ("in", self.records["Lead"])}, fields=["name", "prospect"], as_list=1
			)
		)
		for row in emails:
			self.assertEqual(row.communication_type, "Communication")
			self.assertTrue(row.subject and row.sender and row.recipients)
			self.assertLess(get_datetime(row.communication_date), now_datetime())
			self.assertEqual(row.reference_doctype, "Lead")
			self.assertTrue(
				frappe.db.exists(
					"Communication Link",
					{
						"parent": row.name,
						"link_doctype": "Prospect",
						"link_name": lead_prospect[row.reference_name],
					},
				),
				"on its prospect's timeline",
			)
		self.assertEqual(frappe.db.count("Email Queue"), self.queued, "nothing queued for sending")

	def test_open_events_this_week_with_the_prospect(self):
		events = frappe.get_all(
			"Event",
			filters={"name": ("in", self.records["Event"]), "status": "Open"},
			fields=["name", "starts_on", "event_type"],
		)
		self.assertTrue(events)
		for row in events:
			self.assertTrue(now_datetime() < get_datetime(row.starts_on) < get_datetime(add_days(today(), 7)))
			self.assertTrue(
				frappe.db.exists(
					"Event Participants",
					{
						"parent": row.name,
						"reference_doctype": "Prospect",
						"reference_docname": ("in", PROSPECTS),
					},
				)
			)

	def test_second_run_creates_nothing_and_keeps_user_edits(self):
		prospect = frappe.get_doc("Prospect", "Atelier Dubois")
		edited = next(spec["territory"] for spec in DEMO if spec["territory"] != prospect.territory)
		prospect.territory = edited
		prospect.market_share = 42
		prospect.save()
		frappe.db.commit()
		before = {doctype: frappe.db.count(doctype) for doctype in COUNTED}
		records = demo_records()

		output = run_demo()

		for name in PROSPECTS:
			self.assertIn(f"kept existing prospect {name}", output)
		self.assertNotIn("created demo prospect", output)
		self.assertEqual({doctype: frappe.db.count(doctype) for doctype in COUNTED}, before)
		self.assertEqual(demo_records(), records)
		self.assertEqual(
			frappe.db.get_value("Prospect", "Atelier Dubois", ["territory", "market_share"]), (edited, 42)
		)
