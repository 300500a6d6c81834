"""Addresses and contacts shared between a prospect, its leads, and the customer it becomes.

Links are Dynamic Links on Address/Contact; a link is added only once, and nothing is ever unlinked here.
"""

import frappe
from frappe.contacts.doctype.contact.contact import get_default_contact


def link_documents(from_doctype: str, from_name: str, to_doctype: str, to_name: str) -> None:
	"""Link every Address and Contact of (from_doctype, from_name) to (to_doctype, to_name) too."""
	for doctype in ("Address", "Contact"):
		linked = frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": doctype, "link_doctype": from_doctype, "link_name": from_name},
			pluck="parent",
		)
		for name in sorted(set(linked)):
			doc = frappe.get_doc(doctype, name)
			if not any(link.link_doctype == to_doctype and link.link_name == to_name for link in doc.links):
				doc.append("links", {"link_doctype": to_doctype, "link_name": to_name})
				# The user acted on the lead/prospect; the link follows from it whoever owns the contact.
				doc.save(ignore_permissions=True)


def link_lead_to_its_prospect(lead, method=None):
	"""Lead.on_update: a lead that joins a prospect brings its addresses and contacts along."""
	if lead.get("prospect") and (lead.has_value_changed("prospect") or lead.flags.get("in_insert")):
		link_documents("Lead", lead.name, "Prospect", lead.prospect)


def propose_primary_contact(doc, method=None):
	"""Opportunity/Quotation.validate: a document for a prospect gets the prospect's primary contact."""
	party_type = doc.get("opportunity_from") or doc.get("quotation_to")
	if party_type == "Prospect" and doc.get("party_name") and not doc.get("contact_person"):
		doc.contact_person = get_default_contact("Prospect", doc.party_name)
