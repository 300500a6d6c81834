# Copyright (c) 2026, prospect_crm contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


class ProspectCRMSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		ask_for_prospect: DF.Literal["Always", "Only when the lead has a company name", "Never"]
	# end: auto-generated types

	pass


def should_ask_for_prospect(lead) -> bool:
	"""Whether converting this lead into an opportunity offers to create a prospect first."""
	if lead.get("prospect"):
		return False
	setting = (
		frappe.db.get_single_value("Prospect CRM Settings", "ask_for_prospect")
		# Never saved yet: the default declared in the DocType.
		or frappe.get_meta("Prospect CRM Settings").get_field("ask_for_prospect").default
	)
	if setting == "Always":
		return True
	if setting == "Never":
		return False
	return bool((lead.get("company_name") or "").strip())
