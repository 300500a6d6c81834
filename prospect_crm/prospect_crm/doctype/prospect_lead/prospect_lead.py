# Copyright (c) 2026, prospect_crm contributors
# License: MIT. See license.txt

from frappe.model.document import Document


class ProspectLead(Document):
	# begin: auto-generated types
	# end: auto-generated types

	pass
