# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt

from frappe.model.document import Document


class ProspectLead(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		email: DF.Data | None
		lead: DF.Link
		lead_name: DF.Data | None
		lead_owner: DF.Data | None
		mobile_no: DF.Data | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		status: DF.Data | None
	# end: auto-generated types

	pass
