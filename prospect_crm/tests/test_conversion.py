"""A prospect becoming a customer by every path (its Create > Customer, ERPNext's Quotation > Sales Order and
Sales Invoice, a Customer saved with ERPNext's own "From Prospect" field), and prospects renamed and merged."""

import frappe
from frappe.model.mapper import make_mapped_doc
from frappe.tests.utils import FrappeTestCase

from prospect_crm import api, compat
from prospect_crm.conversion import customer_of_prospect
from prospect_crm.tests import utils

QUOTATION = "erpnext.selling.doctype.quotation.quotation"


def submitted_quotation(prospect: str, rate: float = 100):
	quotation = api.make_quotation(prospect)
	quotation.append("items", {"item_code": utils.sales_item(), "qty": 1, "rate": rate})
	quotation.insert()
	quotation.submit()
	return quotation


def customers_of(prospect: str) -> set[str]:
	names = set(frappe.get_all("Customer", filters={"prospect": prospect}, pluck="name"))
	if other := compat.erpnext_customer_prospect_field():
		names |= set(frappe.get_all("Customer", filters={other: prospect}, pluck="name"))
	return names


class TestQuotationToSalesOrder(FrappeTestCase):
	def test_sales_order_from_the_desk_creates_one_linked_customer_and_reuses_it(self):
		prospect = utils.make_prospect("Order Path Corp")
		contact = utils.make_contact("Olga", [("Prospect", prospect.name)], primary=True)
		address = utils.make_address("Order HQ", [("Prospect", prospect.name)])
		first = submitted_quotation(prospect.name)

		# The Quotation form's Create > Sales Order goes through make_mapped_doc.
		order = make_mapped_doc(f"{QUOTATION}.make_sales_order", first.name)
		customer = customer_of_prospect(prospect.name)
		self.assertTrue(customer, "a customer is made for the prospect")
		self.assertEqual(order.customer, customer)
		self.assertEqual(customers_of(prospect.name), {customer})
		if other := compat.erpnext_customer_prospect_field():
			self.assertEqual(frappe.db.get_value("Customer", customer, other), prospect.name)
		self.assertIn(("Customer", customer), utils.links_of("Contact", contact.name))
		self.assertIn(("Customer", customer), utils.links_of("Address", address.name))
		self.assertEqual(
			frappe.db.get_value("Quotation", first.name, ["quotation_to", "party_name"]),
			("Customer", customer),
			"the ordered quotation moves to the customer",
		)
		order.delivery_date = frappe.utils.add_days(frappe.utils.nowdate(), 7)
		order.insert()

		# The prospect's next quotation is addressed to that customer; one addressed to the prospect
		# (from one of its opportunities, say) is ordered by the same customer too.
		self.assertEqual(
			(api.make_quotation(prospect.name).quotation_to, api.make_quotation(prospect.name).party_name),
			("Customer", customer),
		)
		from erpnext.crm.doctype.opportunity.opportunity import make_quotation

		opportunity = utils.make_opportunity(
			prospect.name, items=[{"item_code": utils.sales_item(), "qty": 1, "rate": 9}]
		)
		second = make_quotation(opportunity.name)
		second.insert()
		second.submit()
		self.assertEqual((second.quotation_to, second.party_name), ("Prospect", prospect.name))
		second_order = utils.call_whitelisted(f"{QUOTATION}.make_sales_order", source_name=second.name)
		self.assertEqual(second_order.customer, customer)
		self.assertEqual(customers_of(prospect.name), {customer}, "no second customer ('Name - 1')")

	def test_sales_invoice_path_uses_the_prospect_customer(self):
		prospect = utils.make_prospect("Invoice Path Corp")
		quotation = submitted_quotation(prospect.name)
		invoice = utils.call_whitelisted(f"{QUOTATION}.make_sales_invoice", source_name=quotation.name)
		self.assertEqual(invoice.customer, customer_of_prospect(prospect.name))
		self.assertEqual(len(customers_of(prospect.name)), 1)

	def test_create_customer_twice_is_refused_clearly(self):
		prospect = utils.make_prospect("Twice Corp")
		api.make_customer(prospect.name).insert()
		with self.assertRaises(frappe.DuplicateEntryError):
			api.make_customer(prospect.name)

	def test_sales_order_needs_read_permission_on_the_quotation(self):
		from prospect_crm.tests.utils import make_user

		prospect = utils.make_prospect("Perm Order Corp")
		quotation = submitted_quotation(prospect.name)
		user = make_user("pcrm-no-quotation@example.com", [])
		frappe.set_user(user)
		try:
			with self.assertRaises(frappe.PermissionError):
				utils.call_whitelisted(f"{QUOTATION}.make_sales_order", source_name=quotation.name)
		finally:
			frappe.set_user("Administrator")
		self.assertFalse(customers_of(prospect.name), "nothing was created")


class TestOneFromProspectField(FrappeTestCase):
	def test_the_desk_shows_one_from_prospect_field(self):
		meta = frappe.get_meta("Customer")
		visible = [f.fieldname for f in meta.fields if f.options == "Prospect" and not f.hidden]
		self.assertEqual(visible, ["prospect"])

	def test_a_customer_saved_with_either_field_knows_its_prospect(self):
		prospect = utils.make_prospect("Either Field Corp")
		other = compat.erpnext_customer_prospect_field()
		customer = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": "Either Field Corp",
				"customer_type": "Company",
				(other or "prospect"): prospect.name,
			}
		).insert()
		self.assertEqual(customer.prospect, prospect.name)
		if other:
			self.assertEqual(customer.get(other), prospect.name)
		self.assertEqual(customer_of_prospect(prospect.name), customer.name)

	def test_migrate_keeps_values_stored_in_either_field(self):
		other = compat.erpnext_customer_prospect_field()
		prospect = utils.make_prospect("Stored Field Corp")
		customer = frappe.get_doc(
			{"doctype": "Customer", "customer_name": "Stored Field Corp", "customer_type": "Company"}
		).insert()
		if not other:
			# ERPNext without its own field: nothing to merge, nothing hidden.
			compat.merge_customer_prospect_fields()
			self.assertFalse(
				frappe.db.exists("Property Setter", {"doc_type": "Customer", "field_name": "prospect_name"})
			)
			return
		frappe.db.set_value("Customer", customer.name, {other: prospect.name, "prospect": None})
		compat.merge_customer_prospect_fields()
		self.assertEqual(frappe.db.get_value("Customer", customer.name, "prospect"), prospect.name)
		self.assertTrue(
			frappe.db.get_value(
				"Property Setter",
				{"doc_type": "Customer", "field_name": other, "property": "hidden"},
				"value",
			)
		)


class TestRename(FrappeTestCase):
	def test_rename_moves_rows_and_links(self):
		prospect = utils.make_prospect("Rename Old Corp")
		lead = utils.make_lead("Rita", prospect=prospect.name)
		opportunity = utils.make_opportunity(prospect.name, opportunity_amount=300)
		contact = utils.make_contact("Rita", [("Prospect", prospect.name)])
		prospect.reload()
		prospect.add_note("kept across the rename")

		new = utils.call_whitelisted(
			"frappe.client.rename_doc", doctype="Prospect", old_name=prospect.name, new_name="Rename New Corp"
		)
		self.assertEqual(new, "Rename New Corp")
		self.assertFalse(frappe.db.exists("Prospect", "Rename Old Corp"))
		renamed = frappe.get_doc("Prospect", new)
		self.assertEqual(renamed.company_name, new)
		self.assertEqual([row.lead for row in renamed.leads], [lead.name])
		self.assertEqual([row.opportunity for row in renamed.opportunities], [opportunity.name])
		self.assertEqual(len(renamed.notes), 1)
		self.assertEqual(renamed.open_pipeline_amount, 300)
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "prospect"), new)
		self.assertEqual(frappe.db.get_value("Opportunity", opportunity.name, "party_name"), new)
		self.assertIn(("Prospect", new), utils.links_of("Contact", contact.name))
		renamed.save()  # still valid after the rename

	def test_rename_onto_an_existing_prospect_merges(self):
		kept = utils.make_prospect("Merge Target Corp")
		merged = utils.make_prospect("Merge Source Corp")
		kept_lead = utils.make_lead("Kim", prospect=kept.name)
		merged_lead = utils.make_lead("Max", prospect=merged.name)
		utils.make_opportunity(kept.name, opportunity_amount=100)
		merged_opportunity = utils.make_opportunity(merged.name, opportunity_amount=250)
		lead_opportunity = utils.make_opportunity(
			merged_lead.name, opportunity_from="Lead", opportunity_amount=50
		)
		merged.reload()
		merged.add_note("from the merged prospect")

		frappe.rename_doc("Prospect", merged.name, kept.name, merge=True)
		self.assertFalse(frappe.db.exists("Prospect", merged.name))
		result = frappe.get_doc("Prospect", kept.name)
		self.assertEqual({row.lead for row in result.leads}, {kept_lead.name, merged_lead.name})
		self.assertIn(merged_opportunity.name, {row.opportunity for row in result.opportunities})
		self.assertIn(lead_opportunity.name, {row.opportunity for row in result.opportunities})
		self.assertEqual(len(result.opportunities), 3)
		self.assertEqual(result.open_pipeline_amount, 400)
		self.assertEqual([note.note for note in result.notes], ["from the merged prospect"])
		self.assertEqual(frappe.db.get_value("Lead", merged_lead.name, "prospect"), kept.name)
		self.assertFalse(
			frappe.db.exists("Prospect Lead", {"parent": merged.name}), "no row left under the merged name"
		)
		result.save()


class TestCustomerDataImport(FrappeTestCase):
	def test_imported_customer_with_from_prospect_gets_contacts_and_quotations(self):
		from frappe.core.doctype.data_import.importer import Importer

		# Data Import commits: a name of its own each run keeps the test repeatable on one site.
		company = f"Imported Customer Corp {frappe.generate_hash(length=6)}"
		prospect = utils.make_prospect(company)
		contact = utils.make_contact("Ines", [("Prospect", prospect.name)])
		address = utils.make_address("Imported", [("Prospect", prospect.name)])
		quotation = submitted_quotation(prospect.name)
		file = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "customers-from-prospects.csv",
				"content": f"Customer Name,Customer Type,From Prospect\n{company},Company,{prospect.name}",
				"is_private": 1,
			}
		).insert()
		data_import = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Customer",
				"import_type": "Insert New Records",
				"import_file": file.file_url,
			}
		).insert()
		Importer("Customer", data_import=data_import).import_data()
		customer = customer_of_prospect(prospect.name)
		self.assertTrue(customer, frappe.get_all("Data Import Log", fields=["messages"], limit=3))
		self.assertIn(("Customer", customer), utils.links_of("Contact", contact.name))
		self.assertIn(("Customer", customer), utils.links_of("Address", address.name))
		self.assertEqual(
			frappe.db.get_value("Quotation", quotation.name, ["quotation_to", "party_name"]),
			("Customer", customer),
		)
		# The prospect's next quotation is for the imported customer, and its order makes no second one.
		following = submitted_quotation(prospect.name)
		self.assertEqual((following.quotation_to, following.party_name), ("Customer", customer))
		order = utils.call_whitelisted(f"{QUOTATION}.make_sales_order", source_name=following.name)
		self.assertEqual(order.customer, customer)
		self.assertEqual(customers_of(prospect.name), {customer})
