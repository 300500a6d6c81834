"""ERPNext's Lead, with its own prospect writes switched off: prospect_crm.backfill owns those rows.

ERPNext's `update_prospect` rewrites the row from Lead.on_update and `remove_link_from_prospect` deletes a
prospect whose only lead is deleted. Both are replaced by the doc_events declared in hooks.py.
"""

import frappe
from erpnext.crm.doctype.lead.lead import Lead as ERPNextLead

from prospect_crm.busy import RetryableWrites


class Lead(RetryableWrites, ERPNextLead):
	def update_prospect(self):
		"""Done by prospect_crm.backfill.refresh_lead_row (doc_events in hooks.py)."""

	def remove_link_from_prospect(self):
		"""Done by prospect_crm.backfill.remove_lead_row, which never deletes the prospect."""

	def set_status(self, update=False, status=None, update_modified=True):
		"""ERPNext sets a lead's status without saving it when an Opportunity or a Quotation is made for it: the
		prospect's row follows."""
		super().set_status(update=update, status=status, update_modified=update_modified)
		if update and self.get("prospect"):
			from prospect_crm.backfill import refresh_lead_rows

			refresh_lead_rows([self.name])

	def onload(self):
		"""The form's Create > Opportunity asks for a prospect only when the settings say so (lead.js)."""
		from prospect_crm.prospect_crm.doctype.prospect_crm_settings.prospect_crm_settings import (
			should_ask_for_prospect,
		)

		super().onload()
		self.set_onload("ask_for_prospect", should_ask_for_prospect(self))

	def get_linked_prospects(self):
		return [{"parent": self.prospect}] if self.get("prospect") else []

	@frappe.whitelist()
	def create_prospect_and_contact(self, data):
		"""ERPNext's conversion dialog: the prospect is created the permission-checked way, and only when
		the Prospect CRM Settings allow offering it."""
		from prospect_crm.api import create_prospect_from_lead
		from prospect_crm.prospect_crm.doctype.prospect_crm_settings.prospect_crm_settings import (
			should_ask_for_prospect,
		)

		data = frappe._dict(data)
		if data.create_contact:
			self.create_contact()
		if data.create_prospect and should_ask_for_prospect(self):
			create_prospect_from_lead(self.name, data.prospect_name)
