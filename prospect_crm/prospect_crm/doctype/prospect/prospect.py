# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""The Prospect controller: validation of a prospect and of its tables, notes, rename and merge, deletion.
What goes into its lead and opportunity rows, and into Lead.prospect, is prospect_crm.backfill's to decide.
"""

import math
import re
from urllib.parse import urlparse

import frappe
from erpnext.crm.utils import CRMNote
from frappe import _
from frappe.contacts.address_and_contact import delete_contact_and_address, load_address_and_contact
from frappe.model.base_document import BaseDocument
from frappe.utils import cstr, flt, now

from prospect_crm import backfill, follow_up, mentions, numbers, owners, status
from prospect_crm.busy import RetryableWrites
from prospect_crm.duplicates import website_domain


class Prospect(RetryableWrites, CRMNote):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from erpnext.crm.doctype.crm_note.crm_note import CRMNote
		from erpnext.crm.doctype.opportunity_lost_reason_detail.opportunity_lost_reason_detail import (
			OpportunityLostReasonDetail,
		)
		from frappe.types import DF

		from prospect_crm.prospect_crm.doctype.prospect_lead.prospect_lead import ProspectLead
		from prospect_crm.prospect_crm.doctype.prospect_opportunity.prospect_opportunity import (
			ProspectOpportunity,
		)

		annual_revenue: DF.Currency
		company: DF.Link
		company_name: DF.Data
		currency: DF.Link | None
		customer_group: DF.Link | None
		fax: DF.Data | None
		follow_up: DF.Literal["Planned", "Overdue", "None planned"]
		group_pipeline_amount: DF.Currency
		industry: DF.Link | None
		last_activity_on: DF.Datetime | None
		leads: DF.Table[ProspectLead]
		lost_detail: DF.SmallText | None
		lost_reasons: DF.TableMultiSelect[OpportunityLostReasonDetail]
		market_segment: DF.Link | None
		market_share: DF.Percent
		next_activity_on: DF.Date | None
		no_of_employees: DF.Literal["", "1-10", "11-50", "51-200", "201-500", "501-1000", "1000+"]
		notes: DF.Table[CRMNote]
		open_pipeline_amount: DF.Currency
		opportunities: DF.Table[ProspectOpportunity]
		parent_prospect: DF.Link | None
		prospect_owner: DF.Link | None
		prospect_owner_name: DF.Data | None
		status: DF.Literal["Open", "Engaged", "Converted", "Lost", "Dormant"]
		territory: DF.Link | None
		website: DF.Data | None
		website_domain: DF.Data | None
	# end: auto-generated types

	def onload(self):
		load_address_and_contact(self)
		self.set_onload("email_recipients", email_recipients(self))
		self.set_onload("summary", numbers.summary(self))

	# REST clients may send anything: a wrong type is a clear validation error, never a server error.
	def extend(self, key, value):
		if key in self._table_fieldnames and value is not None and not isinstance(value, list | tuple):
			frappe.throw(_("{0} must be a list of rows.").format(_(self.meta.get_label(key))))
		return super().extend(key, value)

	def append(self, key, value=None, *args, **kwargs):
		# *args/**kwargs: Frappe 15.103 added `position`, which 15.19 does not know.
		if key in self._table_fieldnames and value is not None and not isinstance(value, dict | BaseDocument):
			frappe.throw(_("Each row of {0} must be an object.").format(_(self.meta.get_label(key))))
		return super().append(key, value, *args, **kwargs)

	def before_validate(self):
		self.validate_value_types()
		self.company_name = (self.company_name or "").strip()
		if self.website:
			self.website = self.website.strip()
			if "://" not in self.website:
				self.website = f"https://{self.website}"
		# Indexed: emails at this domain reach the prospect's timeline (history.py).
		self.website_domain = website_domain(self.website) or None

	def validate(self):
		self.validate_company_name()
		self.validate_website()
		self.validate_market_share()
		self.validate_leads()
		backfill.keep_opportunity_rows(self)
		self.validate_opportunities()
		self.open_pipeline_amount = backfill.open_pipeline_amount(self.opportunities)
		status.validate(self)

	def before_insert(self):
		owners.set_owner(self)

	def on_update(self):
		backfill.follow_leads_table(self)
		status.after_prospect_save(self)
		owners.follow_owner(self)

	@frappe.whitelist()
	def mark_as_lost(self, lost_reasons, lost_detail: str | None = None):
		"""Lost, with one or more reasons (names of Opportunity Lost Reason) and an optional detail."""
		status.mark_as_lost(self, lost_reasons, lost_detail)

	@frappe.whitelist()
	def reopen(self):
		"""Back from Lost to the derived status; the reasons are cleared."""
		status.reopen(self)

	def before_rename(self, old: str, new: str, merge: bool = False):
		"""A merge (rename onto an existing prospect, from the desk, REST or "Merge into...") needs delete on
		the merged prospect and write on the one kept."""
		if merge:
			from prospect_crm.merge import check_merge_permission, normalize_assignments

			check_merge_permission(old, new)
			normalize_assignments(old, new)

	def after_rename(self, old: str, new: str, merge: bool = False):
		"""Frappe has re-pointed every link (Lead.prospect, opportunities, quotations, customers, addresses,
		contacts, comments, emails, tasks, events, attachments) from `old` to `new`. A plain rename renames
		the company too; a merge also brings what Frappe does not move (merge.py) and rebuilds this
		prospect's rows from its leads and opportunities, then its status (a customer of the merged one converts it)."""
		if merge:
			from prospect_crm.merge import move_what_frappe_does_not

			move_what_frappe_does_not(old, new)
			backfill.refresh_rows_of_prospect(new)
			status.update_statuses([new])
		elif self.company_name == old:
			self.db_set("company_name", new, update_modified=False)
		status.after_rename(new)

	def on_trash(self):
		backfill.release_leads(self.name)
		delete_contact_and_address(self.doctype, self.name)

	# Notes: ERPNext's CRMNote methods only need read access, edit without saving (so without sanitizing)
	# and notify every mentioned user; these require write access, always save, and notify only the
	# mentioned users who may read the prospect (mentions.py).
	@frappe.whitelist()
	def add_note(self, note: str):
		self.check_permission("write")
		self.append("notes", {"note": note, "added_by": frappe.session.user, "added_on": now()})
		self.save()
		follow_up.touch({self.name})
		mentions.notify(self, self.notes[-1].note)

	@frappe.whitelist()
	def edit_note(self, note: str, row_id: str):
		self.check_permission("write")
		row = self.get_note(row_id)
		previous = row.note
		row.note = note
		self.save()
		mentions.notify(self, row.note, previous)

	@frappe.whitelist()
	def delete_note(self, row_id: str):
		self.check_permission("write")
		self.remove(self.get_note(row_id))
		self.save()

	def get_note(self, row_id):
		for row in self.notes:
			if cstr(row.name) == cstr(row_id):
				return row
		frappe.throw(_("Note {0} does not exist.").format(row_id), frappe.DoesNotExistError)

	def validate_company_name(self):
		if not self.company_name:
			frappe.throw(_("Company Name is mandatory."), frappe.MandatoryError)
		filters = {"company_name": self.company_name}
		if not self.is_new():
			filters["name"] = ("!=", self.name)
		duplicate = frappe.db.get_value("Prospect", filters, "name")
		if duplicate:
			frappe.throw(
				_(
					"A prospect named {0} already exists (names are compared ignoring case and spaces)."
				).format(frappe.bold(duplicate)),
				frappe.DuplicateEntryError,
			)

	def validate_value_types(self):
		for field in self.meta.fields:
			value = self.get(field.fieldname)
			if value is None or value == "":
				continue
			label = _(field.label)
			if field.fieldtype in ("Data", "Link", "Select", "Text Editor", "Small Text", "Text"):
				if isinstance(value, int | float) and not isinstance(value, bool):
					self.set(field.fieldname, str(value))
				elif not isinstance(value, str):
					frappe.throw(_("{0} must be text.").format(label))
			elif field.fieldtype in ("Currency", "Float", "Percent", "Int"):
				try:
					number = float(value)
				except (TypeError, ValueError):
					frappe.throw(_("{0} must be a number.").format(label))
				if not math.isfinite(number) or abs(number) >= 1e12:
					frappe.throw(_("{0} is out of range.").format(label))

	def validate_website(self):
		if self.website and not is_web_address(self.website):
			frappe.throw(_("Website {0} is not a valid web address.").format(frappe.bold(self.website)))

	def validate_market_share(self):
		if self.market_share is not None and not 0 <= flt(self.market_share) <= 100:
			frappe.throw(_("Market Share must be between 0 and 100 percent."))

	def validate_leads(self):
		seen = set()
		for row in self.leads:
			if row.lead in seen:
				frappe.throw(_("Row #{0}: Lead {1} is listed twice.").format(row.idx, frappe.bold(row.lead)))
			seen.add(row.lead)
		if not seen:
			return
		# Checked here: Frappe skips the link check of a field that has fetch_from fields.
		leads = backfill.read_sources(backfill.LEAD_ROW, seen, "prospect")
		missing = seen - set(leads)
		if missing:
			frappe.throw(
				_("Could not find Lead {0}.").format(
					", ".join(frappe.bold(name) for name in sorted(missing))
				),
				frappe.LinkValidationError,
			)
		for lead in leads.values():
			if lead.prospect and lead.prospect != self.name:
				frappe.throw(
					_(
						"Lead {0} already belongs to prospect {1}; a lead belongs to one prospect at most."
					).format(frappe.bold(lead.name), frappe.bold(lead.prospect))
				)
		backfill.copy_into_rows(backfill.LEAD_ROW, self.leads, leads)

	def validate_opportunities(self):
		# One query for the whole table, then the rows in order (the first bad row is the one reported).
		prospects = backfill.prospects_of_opportunities({row.opportunity for row in self.opportunities})
		seen = set()
		for row in self.opportunities:
			if row.opportunity in seen:
				frappe.throw(
					_("Row #{0}: Opportunity {1} is listed twice.").format(
						row.idx, frappe.bold(row.opportunity)
					)
				)
			seen.add(row.opportunity)
			if row.opportunity not in prospects:
				frappe.throw(
					_("Row #{0}: Could not find Opportunity {1}.").format(
						row.idx, frappe.bold(row.opportunity)
					),
					frappe.LinkValidationError,
				)
			if prospects[row.opportunity] != self.name:
				frappe.throw(
					_("Row #{0}: Opportunity {1} is not for this prospect or one of its leads.").format(
						row.idx, frappe.bold(row.opportunity)
					)
				)


def email_recipients(prospect) -> list[str]:
	"""The addresses "New Email" proposes: the prospect's contacts' (from the onload just loaded) and its
	leads', once each."""
	addresses = []
	for contact in prospect.get_onload().get("contact_list") or []:
		addresses.append(contact.get("email_id"))
	addresses += [row.email for row in prospect.leads]
	seen, result = set(), []
	for address in addresses:
		key = (address or "").strip().lower()
		if key and key not in seen:
			seen.add(key)
			result.append(address.strip())
	return result


HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


def is_web_address(url: str) -> bool:
	"""An http(s) address whose host is a real domain name (internationalized names allowed)."""
	try:
		parsed = urlparse(url)
		host = (parsed.hostname or "").encode("idna").decode("ascii")
	except (ValueError, UnicodeError):
		return False
	return parsed.scheme in ("http", "https") and bool(HOSTNAME.match(host)) and " " not in url
