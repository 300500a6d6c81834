"""Sales flows around a prospect: quotations, optional prospect on lead conversion, contacts carried over."""

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm import api
from prospect_crm.prospect_crm.doctype.prospect_crm_settings.prospect_crm_settings import (
	should_ask_for_prospect,
)
from prospect_crm.tests import utils


class TestQuotations(FrappeTestCase):
	def test_quotation_from_prospect_and_from_its_opportunity(self):
		prospect = utils.make_prospect("Quote Corp")
		contact = utils.make_contact("Paul", [("Prospect", prospect.name)], primary=True)
		quotation = api.make_quotation(prospect.name)
		self.assertEqual((quotation.quotation_to, quotation.party_name), ("Prospect", prospect.name))
		quotation.append("items", {"item_code": utils.sales_item(), "qty": 1, "rate": 100})
		quotation.insert()
		self.assertEqual(quotation.contact_person, contact.name, "the primary contact is proposed")
		self.assertIn(
			quotation.name,
			frappe.get_all(
				"Quotation", filters={"quotation_to": "Prospect", "party_name": prospect.name}, pluck="name"
			),
		)

		from erpnext.crm.doctype.opportunity.opportunity import make_quotation

		opportunity = utils.make_opportunity(
			prospect.name, items=[{"item_code": utils.sales_item(), "qty": 2, "rate": 50}]
		)
		from_opportunity = make_quotation(opportunity.name)
		from_opportunity.insert()
		from_opportunity.submit()
		self.assertEqual(
			(from_opportunity.quotation_to, from_opportunity.party_name), ("Prospect", prospect.name)
		)

	def test_open_quotations_follow_the_customer(self):
		prospect = utils.make_prospect("Quote Follow Corp")
		open_quotation = api.make_quotation(prospect.name)
		open_quotation.append("items", {"item_code": utils.sales_item(), "qty": 1, "rate": 100})
		open_quotation.insert()
		customer = api.make_customer(prospect.name)
		customer.insert()
		quotation = frappe.db.get_value(
			"Quotation", open_quotation.name, ["quotation_to", "party_name"], as_dict=True
		)
		self.assertEqual((quotation.quotation_to, quotation.party_name), ("Customer", customer.name))


class TestOptionalProspect(FrappeTestCase):
	def tearDown(self):
		frappe.db.set_single_value(
			"Prospect CRM Settings", "ask_for_prospect", "Only when the lead has a company name"
		)

	def test_setting_decides_whether_to_ask(self):
		with_company = utils.make_lead("Quinn", company_name="Quinn SARL")
		without_company = utils.make_lead("Rose")
		expectations = {
			"Always": (True, True),
			"Only when the lead has a company name": (True, False),
			"Never": (False, False),
		}
		for setting, expected in expectations.items():
			frappe.db.set_single_value("Prospect CRM Settings", "ask_for_prospect", setting)
			self.assertEqual(
				(should_ask_for_prospect(with_company), should_ask_for_prospect(without_company)),
				expected,
				setting,
			)
		self.assertEqual(
			frappe.get_meta("Prospect CRM Settings").get_field("ask_for_prospect").default,
			"Only when the lead has a company name",
		)

	def test_conversion_without_prospect(self):
		from erpnext.crm.doctype.lead.lead import make_opportunity as lead_to_opportunity

		lead = utils.make_lead("Sam", company_name="Sam & Co")
		frappe.db.set_single_value("Prospect CRM Settings", "ask_for_prospect", "Never")
		lead.create_prospect_and_contact({"create_prospect": 1, "prospect_name": "Sam & Co"})
		self.assertFalse(frappe.db.exists("Prospect", "Sam & Co"), "the setting says never")
		opportunity = lead_to_opportunity(lead.name)
		opportunity.insert()
		self.assertEqual((opportunity.opportunity_from, opportunity.party_name), ("Lead", lead.name))

		frappe.db.set_single_value("Prospect CRM Settings", "ask_for_prospect", "Always")
		lead.create_prospect_and_contact({"create_prospect": 1, "prospect_name": "Sam & Co"})
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "prospect"), "Sam & Co")


class TestContactsCarriedOver(FrappeTestCase):
	def test_create_prospect_from_lead_links_contacts_and_addresses_once(self):
		lead = utils.make_lead("Tom", company_name="Tom Industries")
		contact = utils.make_contact("Tom", [("Lead", lead.name)], email="tom.industries@example.com")
		address = utils.make_address("Tom HQ", [("Lead", lead.name)])
		prospect = api.create_prospect_from_lead(lead.name)
		self.assertIn(("Prospect", prospect), utils.links_of("Contact", contact.name))
		self.assertIn(("Prospect", prospect), utils.links_of("Address", address.name))
		# saving again adds no duplicate link
		frappe.get_doc("Lead", lead.name).save()
		frappe.get_doc("Prospect", prospect).save()
		links = [
			link.link_name
			for link in frappe.get_doc("Contact", contact.name).links
			if link.link_doctype == "Prospect"
		]
		self.assertEqual(links, [prospect])

	def test_add_to_prospect_links_them_and_customer_gets_them(self):
		prospect = utils.make_prospect("Carry Corp")
		lead = utils.make_lead("Uma")
		contact = utils.make_contact("Uma", [("Lead", lead.name)], email="uma.carry@example.com")
		address = utils.make_address("Uma office", [("Lead", lead.name)])
		api.add_lead_to_prospect(lead.name, prospect.name)
		self.assertIn(("Prospect", prospect.name), utils.links_of("Contact", contact.name))
		self.assertIn(("Prospect", prospect.name), utils.links_of("Address", address.name))
		customer = api.make_customer(prospect.name)
		customer.insert()
		self.assertIn(("Customer", customer.name), utils.links_of("Contact", contact.name))
		self.assertIn(("Customer", customer.name), utils.links_of("Address", address.name))

	def test_primary_contact_is_proposed_on_new_opportunities(self):
		prospect = utils.make_prospect("Primary Corp")
		utils.make_contact("Other", [("Prospect", prospect.name)])
		primary = utils.make_contact("Vera", [("Prospect", prospect.name)], primary=True)
		opportunity = utils.make_opportunity(prospect.name)
		self.assertEqual(opportunity.contact_person, primary.name)
		self.assertEqual(
			frappe.db.get_value("Prospect Opportunity", {"opportunity": opportunity.name}, "contact_person"),
			primary.name,
		)
