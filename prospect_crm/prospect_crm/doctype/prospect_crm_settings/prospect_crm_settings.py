# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""Prospect CRM Settings: whether converting a lead offers to create a prospect, and the free-mail domains
that never make two prospects duplicates (read by prospect_crm.duplicates), and the thresholds of the Engaged
and Dormant statuses (read by prospect_crm.status)."""

import re

import frappe
from frappe import _
from frappe.model.document import Document

DOMAIN_PATTERN = re.compile(r"^[a-z0-9*]([a-z0-9*.-]*[a-z0-9*])?$")


class ProspectCRMSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from prospect_crm.prospect_crm.doctype.prospect_owner_rule.prospect_owner_rule import (
			ProspectOwnerRule,
		)

		ask_for_prospect: DF.Literal["Always", "Only when the lead has a company name", "Never"]
		dormant_after_days: DF.Int
		engaged_within_days: DF.Int
		free_mail_domains: DF.SmallText | None
		owner_rules: DF.Table[ProspectOwnerRule]
		send_follow_up_digest: DF.Check
	# end: auto-generated types

	def onload(self):
		# Settings saved before the field existed: the form shows the list in force, not an empty field.
		if not (self.free_mail_domains or "").strip():
			self.free_mail_domains = default_of("free_mail_domains")

	def validate(self):
		# Emptied, the list is the shipped one again (an empty list would take every contact's email domain).
		domains = parse_domains(self.free_mail_domains)
		self.free_mail_domains = "\n".join(domains) if domains else default_of("free_mail_domains")


def default_of(fieldname: str) -> str:
	return frappe.get_meta("Prospect CRM Settings").get_field(fieldname).default or ""


def parse_domains(text: str | None, strict: bool = True) -> list[str]:
	"""One domain per line, lowercase, without a leading "@"; blank lines and repeats dropped. A line that is
	not a domain is refused (`strict`) or skipped."""
	domains = []
	for line in (text or "").splitlines():
		domain = line.strip().lower().lstrip("@")
		if not domain or domain in domains:
			continue
		if not DOMAIN_PATTERN.match(domain):
			if not strict:
				continue
			frappe.throw(
				_("{0} is not a domain name (one domain per line, * matches anything).").format(
					frappe.bold(line.strip())
				)
			)
		domains.append(domain)
	return domains


def free_mail_domains() -> list[str]:
	"""The free-mail domains (patterns with *) in force: the saved list, or the shipped one if none is saved."""
	value = frappe.db.sql(
		"select value from `tabSingles` where doctype = %s and field = %s",
		("Prospect CRM Settings", "free_mail_domains"),
	)
	return parse_domains(value and value[0][0], strict=False) or parse_domains(
		default_of("free_mail_domains")
	)


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
