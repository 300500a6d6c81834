"""Whitelisted entry points of prospect_crm: conversions and lead membership.

Each checks the caller's permission on every document it reads or writes before touching it.
"""

import frappe
from frappe import _
from frappe.contacts.address_and_contact import load_address_and_contact
from frappe.model.mapper import get_mapped_doc

from prospect_crm import compat
from prospect_crm.backfill import OPPORTUNITY_ROW_FIELDS
from prospect_crm.conversion import address_quotation_to_customer, customer_of_prospect
from prospect_crm.permissions import check_permission, check_read


@frappe.whitelist()
def add_lead_to_prospect(lead: str, prospect: str) -> None:
	"""Put a lead in a prospect by setting Lead.prospect; the back-fill writes the row."""
	check_read("Lead", lead)
	check_read("Prospect", prospect)
	check_permission("Lead", "write", lead)
	check_permission("Prospect", "write", prospect)
	lead_doc = frappe.get_doc("Lead", lead)
	if lead_doc.get("prospect") and lead_doc.prospect != prospect:
		frappe.throw(
			_("Lead {0} already belongs to prospect {1}; a lead belongs to one prospect at most.").format(
				frappe.bold(lead), frappe.bold(lead_doc.prospect)
			)
		)
	lead_doc.prospect = prospect
	lead_doc.save()
	frappe.msgprint(
		_("Lead {0} has been added to prospect {1}.").format(frappe.bold(lead), frappe.bold(prospect)),
		title=_("Lead -> Prospect"),
		indicator="green",
	)


@frappe.whitelist()
def create_prospect_from_lead(lead: str, company_name: str | None = None) -> str:
	"""Create a prospect prefilled from a lead, with the lead in it. Returns the prospect's name."""
	check_read("Lead", lead)
	check_permission("Lead", "write", lead)
	check_permission("Prospect", "create")
	lead_doc = frappe.get_doc("Lead", lead)
	if lead_doc.get("prospect"):
		frappe.throw(
			_("Lead {0} already belongs to prospect {1}.").format(
				frappe.bold(lead), frappe.bold(lead_doc.prospect)
			)
		)
	prospect = frappe.new_doc("Prospect")
	prospect.update(prospect_values_from_lead(lead_doc))
	if company_name:
		prospect.company_name = company_name
	if not prospect.company_name:
		frappe.throw(_("Set the lead's Organization Name, or give a company name for the prospect."))
	prospect.append("leads", {"lead": lead})
	prospect.insert()
	return prospect.name


def prospect_values_from_lead(lead) -> dict:
	return {
		"company_name": lead.company_name,
		"no_of_employees": lead.no_of_employees,
		"industry": lead.industry,
		"market_segment": lead.market_segment,
		"annual_revenue": lead.annual_revenue,
		"territory": lead.territory,
		"fax": lead.fax,
		"website": lead.website,
		"prospect_owner": lead.lead_owner,
		"company": lead.company,
	}


@frappe.whitelist()
def get_opportunities(prospect: str) -> list[dict]:
	"""The prospect's opportunities the caller may read (ERPNext's version checks nothing)."""
	check_read("Prospect", prospect)
	return frappe.get_list(
		"Opportunity",
		filters={"opportunity_from": "Prospect", "party_name": prospect},
		fields=[
			"name",
			"status",
			"creation",
			"contact_email",
			"contact_mobile",
			*OPPORTUNITY_ROW_FIELDS.values(),
		],
		limit=0,
	)


def map_prospect(source_name, target_doctype, set_missing_values, target_doc=None, **mapping):
	"""A new `target_doctype` mapped from the prospect, for a caller who may read it and create the target."""
	check_read("Prospect", source_name)
	check_permission(target_doctype, "create")
	return get_mapped_doc(
		"Prospect",
		source_name,
		{"Prospect": {"doctype": target_doctype, "field_no_map": ["notes", "currency"], **mapping}},
		target_doc,
		set_missing_values,
	)


@frappe.whitelist()
def make_customer(source_name: str, target_doc=None):
	"""A Customer mapped from the prospect; a prospect becomes one customer, which is then reused."""
	existing = customer_of_prospect(source_name)
	if existing:
		frappe.throw(
			_("Prospect {0} is already customer {1}.").format(
				frappe.bold(source_name), frappe.get_desk_link("Customer", existing)
			),
			frappe.DuplicateEntryError,
			title=_("Customer exists"),
		)

	def set_missing_values(source, target):
		target.customer_type = "Company"
		target.customer_name = source.company_name
		target.set(compat.CUSTOMER_PROSPECT_FIELD, source.name)
		if other := compat.erpnext_customer_prospect_field():
			target.set(other, source.name)
		target.customer_group = source.customer_group or frappe.db.get_default("Customer Group")

	return map_prospect(
		source_name,
		"Customer",
		set_missing_values,
		target_doc,
		field_map={"currency": "default_currency", "prospect_owner": "account_manager"},
		field_no_map=["notes"],
	)


@frappe.whitelist()
def make_quotation(source_name: str, target_doc=None):
	"""A quotation for the prospect, or for its customer once it has become one."""
	customer = customer_of_prospect(source_name)

	def set_missing_values(source, target):
		target.quotation_to = "Customer" if customer else "Prospect"
		target.party_name = customer or source.name
		target.customer_name = (
			frappe.db.get_value("Customer", customer, "customer_name") if customer else source.company_name
		)
		if source.currency:
			target.currency = source.currency
		target.run_method("set_missing_values")

	return map_prospect(source_name, "Quotation", set_missing_values, target_doc)


@frappe.whitelist()
def make_opportunity(source_name: str, target_doc=None):
	def set_missing_values(source, target):
		target.opportunity_from = "Prospect"
		target.party_name = source.name
		target.customer_name = source.company_name
		target.opportunity_owner = source.prospect_owner
		target.customer_group = source.customer_group or frappe.db.get_default("Customer Group")
		if source.currency:
			target.currency = source.currency

	return map_prospect(source_name, "Opportunity", set_missing_values, target_doc)


@frappe.whitelist()
def make_sales_order(source_name: str, target_doc=None, args=None):
	"""ERPNext's Quotation > Sales Order, with a quotation for a prospect billed to the prospect's customer."""
	from erpnext.selling.doctype.quotation import quotation

	address_quotation_to_customer(source_name)
	return compat.call_with_supported_args(
		quotation.make_sales_order, source_name=source_name, target_doc=target_doc, args=args
	)


@frappe.whitelist()
def make_sales_invoice(source_name: str, target_doc=None, args=None):
	"""ERPNext's Quotation > Sales Invoice, with the same customer rule as make_sales_order."""
	from erpnext.selling.doctype.quotation import quotation

	address_quotation_to_customer(source_name)
	return compat.call_with_supported_args(
		quotation.make_sales_invoice, source_name=source_name, target_doc=target_doc, args=args
	)


@frappe.whitelist()
def get_addresses_and_contacts(prospect: str) -> dict:
	check_read("Prospect", prospect)
	doc = frappe.get_doc("Prospect", prospect)
	load_address_and_contact(doc)
	return {"addr_list": doc.get("__onload").addr_list, "contact_list": doc.get("__onload").contact_list}


@frappe.whitelist()
def get_count(doctype: str, filters=None, debug=False, cache=False) -> int:
	"""`frappe.client.get_count` counts without any permission check in Frappe v15: for the documents this
	app shows (prospects, leads, opportunities) count only what the caller may read."""
	from frappe.client import get_count as frappe_get_count
	from frappe.utils import get_safe_filters

	if doctype not in ("Prospect", "Lead", "Opportunity"):
		return frappe_get_count(doctype, filters, debug, cache)
	check_permission(doctype, "read")
	return compat.count_readable(doctype, get_safe_filters(filters))


@frappe.whitelist()
def merge_preview(source: str, target: str) -> dict:
	"""What merging prospect `source` into `target` would move, fill and drop ("Merge into..." dialog)."""
	from prospect_crm import merge

	return merge.preview(source, target)


@frappe.whitelist(methods=["POST"])
def merge_prospects(source: str, target: str) -> str:
	"""Merge prospect `source` into `target` (delete on source, write on target); returns the kept name."""
	from prospect_crm import merge

	return merge.merge(source, target)


@frappe.whitelist()
def find_duplicates(
	prospect: str | None = None, company_name: str | None = None, website: str | None = None
) -> list[dict]:
	"""Prospects the caller may read that may be duplicates of `prospect`, or of the company name and website
	being typed (given values replace the prospect's stored ones), each with the reasons: see
	prospect_crm.duplicates.find_candidates."""
	from prospect_crm.duplicates import find_candidates, website_domain

	check_permission("Prospect", "read")
	for label, value in (("Prospect", prospect), ("Company Name", company_name), ("Website", website)):
		if value is not None and not isinstance(value, str):
			frappe.throw(_("{0} must be text.").format(_(label)))
		if value and len(value) > 140:
			frappe.throw(_("{0} is too long (at most {1} characters).").format(_(label), 140))
	if not (prospect or (company_name or "").strip() or (website or "").strip()):
		frappe.throw(_("Give a prospect, a company name or a website to look for duplicates."))
	if prospect:
		check_read("Prospect", prospect)
	if (website or "").strip() and not website_domain(website):
		frappe.throw(
			_("Website {0} is not a valid web address.").format(
				frappe.bold(frappe.utils.escape_html(website))
			)
		)
	return find_candidates(prospect, company_name, website)


@frappe.whitelist()
def needs_follow_up(user: str | None = None) -> list[str]:
	"""The "Needs follow-up" view over REST: open or engaged prospects of `user` (default: the caller) with an
	overdue follow-up or none planned, among those the caller may read."""
	from prospect_crm.follow_up import needs_follow_up_filters

	check_permission("Prospect", "read")
	return frappe.get_list(
		"Prospect",
		filters=needs_follow_up_filters(user or frappe.session.user),
		pluck="name",
		order_by="next_activity_on asc, name asc",
		limit=0,
	)
