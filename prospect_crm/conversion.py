"""A prospect becoming a customer: one customer per prospect, found again for every later quotation.

Whatever path creates the customer (the prospect's Create > Customer, ERPNext's Quotation > Sales Order or
Sales Invoice, Data Import with a "From Prospect" column), the customer is linked to the prospect, gets the
prospect's addresses and contacts, and the prospect's open quotations move to it.
"""

import frappe

from prospect_crm import compat
from prospect_crm.contacts import link_documents
from prospect_crm.permissions import check_read

CLOSED_QUOTATION_STATUSES = ("Lost", "Ordered", "Expired", "Cancelled")


def customer_of_prospect(prospect: str) -> str | None:
	"""The first customer made from the prospect, by either "From Prospect" field."""
	fields = [compat.CUSTOMER_PROSPECT_FIELD]
	if other := compat.erpnext_customer_prospect_field():
		fields.append(other)
	for field in fields:
		if name := frappe.db.get_value("Customer", {field: prospect}, "name", order_by="creation asc"):
			return name
	return None


def link_prospect_to_customer(customer, method=None):
	"""Customer.after_insert: a customer made from a prospect gets its addresses, contacts and open
	quotations."""
	prospect = customer.get(compat.CUSTOMER_PROSPECT_FIELD)
	if not prospect:
		return
	link_documents("Prospect", prospect, "Customer", customer.name)
	move_open_quotations(prospect, customer.name, customer.customer_name)


def move_open_quotations(prospect: str, customer: str, customer_name: str) -> None:
	quotation = frappe.qb.DocType("Quotation")
	(
		frappe.qb.update(quotation)
		.set(quotation.quotation_to, "Customer")
		.set(quotation.party_name, customer)
		.set(quotation.customer_name, customer_name)
		.where(quotation.quotation_to == "Prospect")
		.where(quotation.party_name == prospect)
		.where(quotation.docstatus < 2)
		.where(quotation.status.notin(CLOSED_QUOTATION_STATUSES))
		.run()
	)


def address_quotation_to_customer(quotation_name: str) -> None:
	"""Before ERPNext maps a quotation addressed to a prospect into an order or an invoice: the prospect's
	customer (made once, then reused) takes the quotation over, so ERPNext finds a customer to bill.

	ERPNext 15.18 looks the prospect up as a Lead (404) and 15.102 makes an unlinked customer each time."""
	quotation = frappe.db.get_value(
		"Quotation", quotation_name, ["name", "quotation_to", "party_name"], as_dict=True
	)
	if not quotation or quotation.quotation_to != "Prospect" or not quotation.party_name:
		return
	check_read("Quotation", quotation.name)
	customer = customer_of_prospect(quotation.party_name)
	if customer:
		move_open_quotations(
			quotation.party_name, customer, frappe.db.get_value("Customer", customer, "customer_name")
		)
	else:
		from prospect_crm.api import make_customer

		# The prospect's own mapping, with its permission checks; after_insert moves the quotations.
		make_customer(quotation.party_name).insert()
	# A closed quotation is not moved by move_open_quotations, but this one is being ordered now.
	if frappe.db.get_value("Quotation", quotation.name, "quotation_to") == "Prospect":
		customer = customer_of_prospect(quotation.party_name)
		frappe.db.set_value(
			"Quotation",
			quotation.name,
			{
				"quotation_to": "Customer",
				"party_name": customer,
				"customer_name": frappe.db.get_value("Customer", customer, "customer_name"),
			},
			update_modified=False,
		)
