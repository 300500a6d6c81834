# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""A row of Prospect CRM Settings' owner rules: new prospects in `territory` go to `user` (owners.py)."""

from frappe.model.document import Document


class ProspectOwnerRule(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		last_assigned_on: DF.Datetime | None
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		territory: DF.Link | None
		user: DF.Link
	# end: auto-generated types

	pass
