# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt

"""The Prospect document: its fields and validation, its leads table deciding Lead.prospect, the open pipeline
amount, notes, and what a save costs whatever the number of rows it lists."""

from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.prospect_crm.doctype.prospect.prospect import Prospect
from prospect_crm.tests.utils import (
	CountQueries,
	make_contact,
	make_lead,
	make_opportunity,
	make_prospect,
	test_company,
)

# The setup wizard's masters are enough; ERPNext's generic test records for these are not needed.
test_ignore = [
	"Lead",
	"Opportunity",
	"Customer Group",
	"Territory",
	"Industry Type",
	"Market Segment",
	"Company",
	"User",
	"Currency",
	"Contact",
]


class TestProspect(FrappeTestCase):
	def test_named_by_company_name_and_fields_kept(self):
		prospect = make_prospect(
			"  Acme Fields  ",
			customer_group=frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
			no_of_employees="51-200",
			annual_revenue=250000,
			currency="EUR",
			market_share=12.5,
			territory=frappe.db.get_value("Territory", {}, "name"),
			prospect_owner="Administrator",
			website="acme.example.com",
			fax="+33 1 23 45 67 89",
		)
		self.assertEqual(prospect.name, "Acme Fields")
		saved = frappe.get_doc("Prospect", "Acme Fields")
		self.assertEqual(saved.company_name, "Acme Fields")
		self.assertEqual(saved.market_share, 12.5)
		self.assertEqual(saved.website, "https://acme.example.com")
		self.assertEqual(saved.company, test_company())

	def test_duplicate_company_name_case_and_spaces(self):
		make_prospect("Duplicate Corp")
		for variant in ("duplicate corp", "  DUPLICATE CORP ", "Duplicate Corp"):
			with self.assertRaises(frappe.DuplicateEntryError, msg=variant):
				make_prospect(variant)
		self.assertEqual(frappe.db.count("Prospect", {"company_name": "Duplicate Corp"}), 1)

	def test_market_share_bounds(self):
		for bad in (-1, 100.5, 1000):
			with self.assertRaises(frappe.ValidationError):
				make_prospect(f"Share {bad}", market_share=bad)
		self.assertEqual(make_prospect("Share OK", market_share=100).market_share, 100)

	def test_company_is_required(self):
		prospect = make_prospect("No Company")
		prospect.company = None
		with self.assertRaises(frappe.MandatoryError):
			prospect.save()

	def test_adding_lead_in_table_sets_lead_prospect_and_removing_clears_it(self):
		lead = make_lead("Table", email_id="table.lead@example.com")
		prospect = make_prospect("Table Corp", leads=[{"lead": lead.name}])
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "prospect"), prospect.name)
		row = frappe.get_all(
			"Prospect Lead", filters={"parent": prospect.name}, fields=["lead_name", "email"]
		)
		self.assertEqual(row, [{"lead_name": lead.lead_name, "email": "table.lead@example.com"}])
		prospect.reload()
		prospect.leads = []
		prospect.save()
		self.assertFalse(frappe.db.get_value("Lead", lead.name, "prospect"))

	def test_lead_in_two_prospects_is_refused(self):
		lead = make_lead("Twice")
		make_prospect("First Owner", leads=[{"lead": lead.name}])
		with self.assertRaises(frappe.ValidationError):
			make_prospect("Second Owner", leads=[{"lead": lead.name}])
		self.assertFalse(frappe.db.exists("Prospect", "Second Owner"))
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "prospect"), "First Owner")

	def test_missing_lead_is_refused(self):
		with self.assertRaises(frappe.LinkValidationError):
			make_prospect("Ghost Lead Corp", leads=[{"lead": "CRM-LEAD-DOES-NOT-EXIST"}])

	def test_address_and_contact_are_loaded_and_unlinked_on_delete(self):
		prospect = make_prospect("Address Corp")
		other = make_prospect("Other Address Corp")
		shared = frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": "Shared",
				"address_line1": "1 rue de la Paix",
				"city": "Paris",
				"country": "France",
				"links": [
					{"link_doctype": "Prospect", "link_name": prospect.name},
					{"link_doctype": "Prospect", "link_name": other.name},
				],
			}
		).insert()
		contact = make_contact("Alice", [("Prospect", prospect.name)])
		loaded = frappe.get_doc("Prospect", prospect.name)
		loaded.run_method("onload")
		self.assertEqual([a.name for a in loaded.get("__onload").addr_list], [shared.name])
		self.assertEqual([c.name for c in loaded.get("__onload").contact_list], [contact.name])

		frappe.delete_doc("Prospect", prospect.name)
		self.assertTrue(frappe.db.exists("Address", shared.name), "an address another document links is kept")
		links = frappe.get_all("Dynamic Link", filters={"parent": shared.name}, pluck="link_name")
		self.assertEqual(links, [other.name])

	def test_delete_prospect_keeps_its_leads(self):
		prospect = make_prospect("Delete Keeps Leads")
		lead = make_lead("Kept", prospect=prospect.name)
		frappe.delete_doc("Prospect", prospect.name)
		self.assertTrue(frappe.db.exists("Lead", lead.name))
		self.assertFalse(frappe.db.get_value("Lead", lead.name, "prospect"))

	def test_open_pipeline_amount(self):
		prospect = make_prospect("Pipeline Corp")
		make_opportunity(prospect.name, opportunity_amount=1000)
		lost = make_opportunity(prospect.name, opportunity_amount=300)
		self.assertEqual(frappe.db.get_value("Prospect", prospect.name, "open_pipeline_amount"), 1300)
		lost.status = "Lost"
		lost.save()
		self.assertEqual(frappe.db.get_value("Prospect", prospect.name, "open_pipeline_amount"), 1000)
		prospect.reload()
		prospect.save()
		self.assertEqual(prospect.open_pipeline_amount, 1000)
		reopened = make_opportunity(prospect.name, opportunity_amount=50)
		reopened.opportunity_amount = 70
		reopened.save()
		self.assertEqual(frappe.db.get_value("Prospect", prospect.name, "open_pipeline_amount"), 1070)
		frappe.delete_doc("Opportunity", reopened.name)
		self.assertEqual(frappe.db.get_value("Prospect", prospect.name, "open_pipeline_amount"), 1000)


# Frappe's own Document.save, not this app, costs two statements per child row: the link check of the row
# (which fetches its fetch_from values) and the UPDATE that rewrites it.
FRAPPE_STATEMENTS_PER_ROW = 2


class TestProspectSaveCost(FrappeTestCase):
	def listed_prospect(self, size: int):
		"""A prospect listing `size` leads and `size` opportunities, saved once (the leads have joined it)."""
		prospect = make_prospect(f"Save Cost {size}")
		for i in range(size):
			# Inserted directly: their own hooks are not what is measured.
			lead = frappe.get_doc({"doctype": "Lead", "first_name": f"Cost{i}", "company": prospect.company})
			lead.name = f"PCRM-COST-LEAD-{size}-{i}"
			lead.db_insert()
			opportunity = frappe.get_doc(
				{
					"doctype": "Opportunity",
					"opportunity_from": "Prospect",
					"party_name": prospect.name,
					"company": prospect.company,
					"opportunity_amount": 10,
					"status": "Open",
				}
			)
			opportunity.name = f"PCRM-COST-OPP-{size}-{i}"
			opportunity.db_insert()
			prospect.append("leads", {"lead": lead.name})
			prospect.append("opportunities", {"opportunity": opportunity.name})
		prospect.save()
		self.assertEqual(frappe.db.count("Lead", {"prospect": prospect.name}), size)
		self.assertEqual(prospect.open_pipeline_amount, 10 * size)
		return frappe.get_doc("Prospect", prospect.name)

	def save_statements(self, prospect) -> tuple[list[str], list[str]]:
		"""(statements of the whole save, statements of the controller's validate and on_update)."""
		controller = []

		def counted(method):
			def run(doc):
				with CountQueries() as counter:
					method(doc)
				controller.extend(counter.queries)

			return run

		with (
			patch.object(Prospect, "validate", counted(Prospect.validate)),
			patch.object(Prospect, "on_update", counted(Prospect.on_update)),
			CountQueries() as whole,
		):
			prospect.save()
		return whole.queries, controller

	def test_save_costs_the_same_for_10_and_100_listed_rows(self):
		small_whole, small_controller = self.save_statements(self.listed_prospect(10))
		large_whole, large_controller = self.save_statements(self.listed_prospect(100))
		self.assertEqual(len(small_controller), len(large_controller), "\n".join(map(str, large_controller)))
		# What still grows is Frappe's own work per child row (its link check and row update), at most
		# FRAPPE_STATEMENTS_PER_ROW per row (Frappe v16 serves some link checks from its request cache).
		tables = 2
		growth = len(large_whole) - len(small_whole)
		self.assertLessEqual(growth, FRAPPE_STATEMENTS_PER_ROW * tables * (100 - 10))
		self.assertGreaterEqual(growth, tables * (100 - 10), "each listed row is still written")


class TestProspectNotes(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")

	def test_add_edit_delete_sanitized_with_author_and_time(self):
		prospect = make_prospect("Notes Corp")
		prospect.add_note('<p>first <img src=x onerror="alert(1)"></p>')
		prospect.reload()
		self.assertEqual(len(prospect.notes), 1)
		note = prospect.notes[0]
		self.assertEqual(note.added_by, "Administrator")
		self.assertIsNotNone(note.added_on)
		self.assertNotIn("onerror", note.note)

		prospect.edit_note("<p>edited<script>alert(1)</script></p>", str(note.name))
		prospect.reload()
		self.assertIn("edited", prospect.notes[0].note)
		self.assertNotIn("<script", prospect.notes[0].note)

		prospect.delete_note(str(prospect.notes[0].name))
		prospect.reload()
		self.assertEqual(prospect.notes, [])
		with self.assertRaises(frappe.DoesNotExistError):
			prospect.delete_note("999999999")

	def test_notes_need_write_access(self):
		prospect = make_prospect("Notes Locked Corp")
		email = "pcrm.notes.reader@example.com"
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{"doctype": "User", "email": email, "first_name": "Reader", "send_welcome_email": 0}
			).insert()
		frappe.set_user(email)
		with self.assertRaises(frappe.PermissionError):
			prospect.add_note("<p>not allowed</p>")
