"""Who may see and do what, tried over REST like a real client: Guest, a Sales User restricted to one
territory (prospects, their leads, opportunities, addresses, contacts, activities and every whitelisted
method), a Sales User deleting, and a role that may read prospects but not their leads or opportunities."""

import json

import frappe
from frappe.permissions import add_permission

from prospect_crm.tests import utils
from prospect_crm.tests.rest import Client, RestTestCase, api_auth, resource, tally

TERRITORIES = ("PCRM Sec North", "PCRM Sec South")
READER_ROLE = "PCRM Prospect Reader"


def seed_prospect(name: str, territory: str) -> dict:
	"""A prospect of `territory` with a note, a lead, an opportunity, an address, a contact and two tasks."""
	prospect = utils.make_prospect(name, territory=territory, notes=[{"note": f"secret note of {name}"}])
	lead = utils.make_lead(f"{name} lead", prospect=prospect.name, territory=territory)
	opportunity = utils.make_opportunity(prospect.name, territory=territory, opportunity_amount=777)
	address = utils.make_address(f"{name} address", [("Prospect", prospect.name)])
	contact = utils.make_contact(f"{name} contact", [("Prospect", prospect.name)])
	for doctype, ref in (("Prospect", prospect.name), ("Opportunity", opportunity.name)):
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": f"task on {ref}",
				"reference_type": doctype,
				"reference_name": ref,
			}
		).insert()
	return {
		"prospect": prospect.name,
		"lead": lead.name,
		"opportunity": opportunity.name,
		"Address": address.name,
		"Contact": contact.name,
	}


class TestPermissionsOverRest(RestTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		for territory in TERRITORIES:
			if not frappe.db.exists("Territory", territory):
				frappe.get_doc(
					{
						"doctype": "Territory",
						"territory_name": territory,
						"parent_territory": "All Territories",
					}
				).insert()
		cls.north = seed_prospect(f"{cls.prefix} North Corp", TERRITORIES[0])
		cls.south = seed_prospect(f"{cls.prefix} South Corp", TERRITORIES[1])

		cls.north_user = utils.make_user("pcrm.sec.north@example.com", ["Sales User"])
		if not frappe.db.exists("User Permission", {"user": cls.north_user, "allow": "Territory"}):
			frappe.get_doc(
				{
					"doctype": "User Permission",
					"user": cls.north_user,
					"allow": "Territory",
					"for_value": TERRITORIES[0],
					"apply_to_all_doctypes": 1,
				}
			).insert()

		# A role that may read prospects but neither leads nor opportunities.
		if not frappe.db.exists("Role", READER_ROLE):
			frappe.get_doc({"doctype": "Role", "role_name": READER_ROLE, "desk_access": 1}).insert()
		add_permission("Prospect", READER_ROLE, 0)
		cls.addClassCleanup(remove_reader_permission)
		cls.reader = utils.make_user("pcrm.sec.reader@example.com", [READER_ROLE])
		frappe.clear_cache()

		cls.as_north = Client(cls.server, api_auth(cls.north_user))
		cls.as_reader = Client(cls.server, api_auth(cls.reader))
		cls.as_guest = Client(cls.server)
		frappe.db.commit()

	def assertRefused(self, response, what):
		status, body = response
		tally("permissions")
		self.assertIn(status, (401, 403), f"{what}: {status} {str(body)[:300]}")
		self.assertNotIn(
			self.south["prospect"],
			json.dumps(body.get("message", "")) + json.dumps(body.get("data", "")),
			what,
		)

	def test_guest_gets_nothing(self):
		south = self.south["prospect"]
		guest_name = f"{self.prefix} Guest"
		for response, what in (
			(self.as_guest.get(resource("Prospect")), "list"),
			(self.as_guest.get(resource("Prospect", south)), "get"),
			(self.as_guest.get(resource("Contact", self.south["Contact"])), "contact"),
			(self.as_guest.method("prospect_crm.activities.get_activities", prospect=south), "activities"),
			(self.as_guest.method("prospect_crm.api.get_opportunities", prospect=south), "opportunities"),
			(
				self.as_guest.method("frappe.desk.search.search_link", doctype="Prospect", txt="PCRM"),
				"search_link",
			),
			(self.as_guest.method("frappe.client.get_count", doctype="Prospect"), "count"),
			(
				self.as_guest.post(
					resource("Prospect"), {"company_name": guest_name, "company": self.company}
				),
				"create",
			),
		):
			self.assertRefused(response, f"guest {what}")
		self.assertFalse(frappe.db.exists("Prospect", guest_name))

	def test_territory_restricted_sales_user_sees_only_their_territory(self):
		north, south = self.north["prospect"], self.south["prospect"]
		status, body = self.as_north.get(
			resource("Prospect"), limit_page_length=0, fields=json.dumps(["name"])
		)
		names = [row["name"] for row in body["data"]]
		self.assertIn(north, names)
		self.assertNotIn(south, names)
		tally("permissions")

		status, body = self.as_north.method(
			"frappe.client.get_count", doctype="Prospect", filters=json.dumps({"name": south})
		)
		self.assertEqual(body.get("message"), 0)
		status, body = self.as_north.method(
			"frappe.desk.reportview.get_count", doctype="Prospect", filters=json.dumps([["name", "=", south]])
		)
		self.assertEqual(body.get("message"), 0, "the list view's count")
		status, body = self.as_north.method(
			"frappe.desk.search.search_link", doctype="Prospect", txt=self.prefix
		)
		found = [row.get("value") for row in body.get("message", body.get("results", []))]
		self.assertIn(north, found)
		self.assertNotIn(south, found)
		status, body = self.as_north.method(
			"frappe.desk.query_report.run", report_name="Prospect Pipeline", filters=json.dumps({})
		)
		self.assertEqual(status, 200, body)
		self.assertNotIn(south, json.dumps(body["message"]["result"]))
		tally("permissions", 3)

		for response, what in (
			(self.as_north.get(resource("Prospect", south)), "get"),
			(
				self.as_north.method("frappe.desk.form.load.getdoc", doctype="Prospect", name=south),
				"form load",
			),
			(self.as_north.get(resource("Lead", self.south["lead"])), "lead"),
			(self.as_north.get(resource("Opportunity", self.south["opportunity"])), "opportunity"),
			(self.as_north.method("prospect_crm.activities.get_activities", prospect=south), "activities"),
			(
				self.as_north.method(
					"prospect_crm.activities.get_open_activities", ref_doctype="Prospect", ref_docname=south
				),
				"open activities",
			),
			(
				self.as_north.method(
					"erpnext.crm.utils.get_open_activities", ref_doctype="Prospect", ref_docname=south
				),
				"ERPNext's open activities",
			),
			(self.as_north.method("prospect_crm.api.get_opportunities", prospect=south), "opportunities"),
			(
				self.as_north.method(
					"erpnext.crm.doctype.prospect.prospect.get_opportunities", prospect=south
				),
				"ERPNext's get_opportunities",
			),
			(
				self.as_north.method("prospect_crm.api.get_addresses_and_contacts", prospect=south),
				"addresses",
			),
			(self.as_north.method("prospect_crm.api.make_customer", source_name=south), "make_customer"),
			(
				self.as_north.method("prospect_crm.api.make_opportunity", source_name=south),
				"make_opportunity",
			),
			(self.as_north.method("prospect_crm.api.make_quotation", source_name=south), "make_quotation"),
			(
				self.as_north.method(
					"prospect_crm.api.add_lead_to_prospect", lead=self.north["lead"], prospect=south
				),
				"add lead",
			),
			(
				self.as_north.method("prospect_crm.api.create_prospect_from_lead", lead=self.south["lead"]),
				"prospect from lead",
			),
			(self.as_north.put(resource("Prospect", south), {"market_share": 99}), "update"),
			(self.as_north.delete(resource("Prospect", south)), "delete"),
			(
				self.as_north.method(
					"run_doc_method",
					method="add_note",
					dt="Prospect",
					dn=south,
					args=json.dumps({"note": "x"}),
				),
				"add note",
			),
		):
			self.assertRefused(response, f"territory user: {what}")
		frappe.db.rollback()
		south_doc = frappe.get_doc("Prospect", south)
		self.assertNotEqual(south_doc.market_share, 99)
		self.assertEqual(len(south_doc.notes), 1)
		self.assertEqual(frappe.db.get_value("Lead", self.north["lead"], "prospect"), north)

	def test_addresses_and_contacts_of_unreadable_prospects_are_hidden(self):
		for doctype in ("Address", "Contact"):
			with self.subTest(doctype=doctype):
				status, body = self.as_north.get(
					resource(doctype), limit_page_length=0, fields=json.dumps(["name"])
				)
				self.assertEqual(status, 200, body)
				names = [row["name"] for row in body["data"]]
				self.assertIn(self.north[doctype], names, "the list shows the readable prospect's")
				self.assertNotIn(self.south[doctype], names, "the list hides the unreadable prospect's")
				status, body = self.as_north.get(resource(doctype, self.north[doctype]))
				self.assertEqual(status, 200, body)
				self.assertEqual(body["data"]["name"], self.north[doctype])
				self.assertRefused(
					self.as_north.get(resource(doctype, self.south[doctype])), f"territory user: {doctype}"
				)
				tally("permissions", 2)

	def test_sales_user_cannot_delete(self):
		self.assertRefused(
			self.as_north.delete(resource("Prospect", self.north["prospect"])), "sales user delete"
		)
		frappe.db.rollback()
		self.assertTrue(frappe.db.exists("Prospect", self.north["prospect"]))

	def test_user_without_opportunity_access_sees_no_opportunity_data(self):
		north = self.north["prospect"]
		status, body = self.as_reader.get(resource("Prospect", north))
		self.assertEqual(status, 200, body)
		doc = body["data"]
		self.assertFalse(doc.get("opportunities"), "opportunity rows are hidden (permlevel 1)")
		self.assertFalse(doc.get("leads"), "lead rows are hidden (permlevel 1)")
		self.assertNotIn("open_pipeline_amount", {k for k, v in doc.items() if v})
		status, body = self.as_reader.method("frappe.desk.form.load.getdoc", doctype="Prospect", name=north)
		self.assertEqual(status, 200, body)
		self.assertFalse(body["docs"][0].get("opportunities"))
		status, body = self.as_reader.method("prospect_crm.activities.get_activities", prospect=north)
		self.assertEqual(status, 200, body)
		tasks = [t["description"] for t in body["message"]["tasks"]]
		self.assertIn(f"task on {north}", tasks)
		self.assertNotIn(f"task on {self.north['opportunity']}", tasks)
		tally("permissions", 3)
		self.assertRefused(
			self.as_reader.get(resource("Opportunity", self.north["opportunity"])), "reader opportunity"
		)
		self.assertRefused(
			self.as_reader.method("prospect_crm.api.get_opportunities", prospect=north),
			"reader get_opportunities",
		)
		self.assertRefused(
			self.as_reader.put(resource("Prospect", north), {"market_share": 42}), "reader update"
		)


def remove_reader_permission():
	frappe.db.delete("Custom DocPerm", {"parent": "Prospect", "role": READER_ROLE})
	frappe.db.commit()
	frappe.clear_cache(doctype="Prospect")
