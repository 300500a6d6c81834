"""ERPNext's Opportunity, with its own prospect write switched off: prospect_crm.backfill owns that row.

ERPNext's `update_prospect` re-saves the whole prospect from Opportunity.validate (one query per row,
TimestampMismatchError under concurrency). It is replaced by the doc_events declared in hooks.py.
"""

from erpnext.crm.doctype.opportunity.opportunity import Opportunity as ERPNextOpportunity

from prospect_crm.busy import RetryableWrites


class Opportunity(RetryableWrites, ERPNextOpportunity):
	def update_prospect(self):
		"""Done by prospect_crm.backfill.refresh_opportunity_row (doc_events in hooks.py)."""
