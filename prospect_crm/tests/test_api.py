"""Conversions, lead membership and activities: behaviour and permission checks of the whitelisted methods."""

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm import activities, api
from prospect_crm.tests import utils


class TestPermissions(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")

	def test_role_permissions(self):
		sales_user = utils.make_user("pcrm.sales.user@example.com", ["Sales User"])
		sales_manager = utils.make_user("pcrm.sales.manager@example.com", ["Sales Manager"])
		for user, can_delete in ((sales_user, False), (sales_manager, True), ("Administrator", True)):
			for ptype in ("read", "write", "create"):
				self.assertTrue(frappe.has_permission("Prospect", ptype, user=user), (user, ptype))
			self.assertEqual(bool(frappe.has_permission("Prospect", "delete", user=user)), can_delete, user)

	def test_user_without_read_gets_nothing(self):
		prospect = utils.make_prospect("Secret Corp")
		utils.make_opportunity(prospect.name)
		outsider = utils.make_user("pcrm.outsider@example.com", ["Accounts User"])
		frappe.set_user(outsider)
		for call in (
			lambda: api.get_opportunities(prospect.name),
			lambda: activities.get_activities(prospect.name),
			lambda: activities.get_open_activities("Prospect", prospect.name),
			lambda: api.make_customer(prospect.name),
			lambda: api.make_opportunity(prospect.name),
			lambda: api.get_addresses_and_contacts(prospect.name),
		):
			with self.assertRaises(frappe.PermissionError):
				call()

	def test_add_lead_to_prospect_needs_write(self):
		prospect = utils.make_prospect("Write Corp")
		lead = utils.make_lead("Erin")
		outsider = utils.make_user("pcrm.outsider2@example.com", ["Accounts User"])
		frappe.set_user(outsider)
		with self.assertRaises(frappe.PermissionError):
			api.add_lead_to_prospect(lead.name, prospect.name)
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.get_value("Lead", lead.name, "prospect"))
		api.add_lead_to_prospect(lead.name, prospect.name)
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "prospect"), prospect.name)
		self.assertEqual(frappe.db.count("Prospect Lead", {"lead": lead.name, "parent": prospect.name}), 1)
		other = utils.make_prospect("Write Corp Two")
		with self.assertRaises(frappe.ValidationError):
			api.add_lead_to_prospect(lead.name, other.name)


class TestActivityHistory(FrappeTestCase):
	def test_open_activities_also_return_the_history(self):
		prospect = utils.make_prospect("History Corp")
		lead = utils.make_lead("Hana", prospect=prospect.name)
		todo = {"doctype": "ToDo", "reference_type": "Lead", "reference_name": lead.name}
		open_task = frappe.get_doc({**todo, "description": "Call back"}).insert()
		done_task = frappe.get_doc({**todo, "description": "Sent the brochure", "status": "Closed"}).insert()
		event = {"doctype": "Event", "event_type": "Public", "starts_on": frappe.utils.now_datetime()}
		past = frappe.get_doc(
			{
				**event,
				"subject": "First visit",
				"status": "Closed",
				"event_participants": [{"reference_doctype": "Prospect", "reference_docname": prospect.name}],
			}
		).insert()
		result = activities.get_open_activities("Prospect", prospect.name)
		self.assertEqual([t.name for t in result["tasks"]], [open_task.name])
		self.assertEqual([t.name for t in result["tasks_history"]], [done_task.name])
		self.assertEqual(result["events"], [])
		self.assertEqual([e.name for e in result["events_history"]], [past.name])


class TestCounts(FrappeTestCase):
	"""Counts (list views, the workspace's number card) count only what the user may read, on every Frappe."""

	def tearDown(self):
		frappe.set_user("Administrator")

	def test_counts_follow_user_permissions(self):
		from frappe.permissions import add_user_permission

		from prospect_crm import dashboard

		territories = frappe.get_all("Territory", filters={"is_group": 0}, pluck="name", limit=2)
		north = utils.make_prospect("Count North Corp", territory=territories[0])
		utils.make_prospect("Count South Corp", territory=territories[-1])
		user = utils.make_user("pcrm.counter@example.com", ["Sales User"])
		add_user_permission("Prospect", north.name, user)
		filters = {"company_name": ("like", "Count % Corp")}
		self.assertEqual(api.get_count("Prospect", filters), 2)

		frappe.set_user(user)
		self.assertEqual(api.get_count("Prospect", filters), 1)
		self.assertEqual(api.get_count("Prospect", frappe.as_json(filters)), 1, "filters as JSON, like REST")
		self.assertEqual(dashboard.get_open_prospects()["value"], len(frappe.get_list("Prospect", limit=0)))
		self.assertEqual(dashboard.get_open_prospects()["value"], 1)


class TestConversions(FrappeTestCase):
	def test_make_customer_maps_fields_and_links_addresses_and_contacts(self):
		prospect = utils.make_prospect("Convert Corp", currency="EUR", website="convert.example.com")
		address = utils.make_address("Convert HQ", [("Prospect", prospect.name)])
		contact = utils.make_contact("Fanny", [("Prospect", prospect.name)])
		customer = api.make_customer(prospect.name)
		self.assertEqual(customer.customer_name, "Convert Corp")
		self.assertEqual(customer.customer_type, "Company")
		self.assertEqual(customer.prospect, prospect.name)
		self.assertEqual(customer.default_currency, "EUR")
		customer.insert()
		for doctype, name in (("Address", address.name), ("Contact", contact.name)):
			self.assertIn(("Customer", customer.name), utils.links_of(doctype, name))
			self.assertIn(("Prospect", prospect.name), utils.links_of(doctype, name))

	def test_make_opportunity_from_prospect(self):
		prospect = utils.make_prospect("Opportunity Source", prospect_owner="Administrator")
		opportunity = api.make_opportunity(prospect.name)
		self.assertEqual((opportunity.opportunity_from, opportunity.party_name), ("Prospect", prospect.name))
		opportunity.opportunity_amount = 10
		opportunity.insert()
		self.assertEqual(
			frappe.db.count(
				"Prospect Opportunity", {"opportunity": opportunity.name, "parent": prospect.name}
			),
			1,
		)

	def test_create_prospect_from_lead(self):
		lead = utils.make_lead(
			"Gina", company_name="Lead Made Corp", website="leadmade.example.com", no_of_employees="11-50"
		)
		name = api.create_prospect_from_lead(lead.name)
		prospect = frappe.get_doc("Prospect", name)
		self.assertEqual(prospect.company_name, "Lead Made Corp")
		self.assertEqual(prospect.no_of_employees, "11-50")
		self.assertEqual([row.lead for row in prospect.leads], [lead.name])
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "prospect"), name)


class TestActivities(FrappeTestCase):
	def test_open_tasks_events_and_communications_of_prospect_leads_and_opportunities(self):
		prospect = utils.make_prospect("Activity Corp")
		lead = utils.make_lead("Hugo", prospect=prospect.name, email_id="hugo@example.com")
		opportunity = utils.make_opportunity(prospect.name)
		for doctype, name in (
			("Prospect", prospect.name),
			("Lead", lead.name),
			("Opportunity", opportunity.name),
		):
			frappe.get_doc(
				{
					"doctype": "ToDo",
					"description": f"Call {name}",
					"reference_type": doctype,
					"reference_name": name,
				}
			).insert()
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": "done",
				"status": "Closed",
				"reference_type": "Prospect",
				"reference_name": prospect.name,
			}
		).insert()
		event = frappe.get_doc(
			{
				"doctype": "Event",
				"subject": "Demo meeting",
				"event_type": "Public",
				"starts_on": "2027-01-10 10:00:00",
				"event_participants": [{"reference_doctype": "Lead", "reference_docname": lead.name}],
			}
		).insert()
		communication = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Sent",
				"subject": "Hello Hugo",
				"content": "Hi",
				"reference_doctype": "Lead",
				"reference_name": lead.name,
			}
		).insert(ignore_permissions=True)

		data = activities.get_activities(prospect.name)
		self.assertEqual(len(data["tasks"]), 3)
		self.assertEqual([e.name for e in data["events"]], [event.name])
		self.assertIn(communication.name, [c.name for c in data["communications"]])
		timeline = {
			(link.link_doctype, link.link_name)
			for link in frappe.get_doc("Communication", communication.name).timeline_links
		}
		self.assertIn(("Prospect", prospect.name), timeline, "the email shows on the prospect's timeline")
		self.assertEqual(activities.get_open_activities("Prospect", prospect.name)["tasks"], data["tasks"])

	def test_email_from_the_composer_shows_in_the_history(self):
		from frappe.core.doctype.communication.email import make

		prospect = utils.make_prospect("Email History Corp")
		result = make(
			doctype="Prospect",
			name=prospect.name,
			subject="Proposition commerciale",
			content="<p>Bonjour</p>",
			recipients="buyer@example.com",
			communication_medium="Email",
			send_email=False,
		)
		data = activities.get_activities(prospect.name)
		self.assertIn(result["name"], [c.name for c in data["communications"]])
