"""Demo data for the `up` command and `bench --site S prospect-crm demo`: a French sales pipeline of eight
prospects across several regions and industries, owned by a small sales team, each with its address, leads
and contacts, opportunities at every sales stage, tasks (some overdue, some due this week), notes, emails in
its history and upcoming meetings.

Idempotent: a prospect that already exists is left as it is, so user edits are never lost. What the demo
needs (territories, industries, sales stages, lost reasons, the sales team's users) is created only when
missing, and never changed. Emails are written to the history only, never sent.
"""

import json
import re
import unicodedata
from pathlib import Path

import frappe
from frappe.utils import (
	add_days,
	add_months,
	add_to_date,
	get_fullname,
	get_last_day,
	now_datetime,
	today,
)
from frappe.utils.nestedset import get_root_of

# The sales team: key -> (user, first name, last name, roles). "admin" stands for the Administrator.
# fmt: off
TEAM = {
	"camille": ("camille.durand@example.com", "Camille", "Durand", ("Sales User", "Sales Manager")),
	"julien": ("julien.moreau@example.com", "Julien", "Moreau", ("Sales User",)),
	"ines": ("ines.roux@example.com", "Inès", "Roux", ("Sales User",)),
}
# fmt: on

# ERPNext's own sales stages, from the first contact to the negotiation (created when missing).
SALES_STAGES = (
	"Prospecting",
	"Qualification",
	"Needs Analysis",
	"Value Proposition",
	"Identifying Decision Makers",
	"Perception Analysis",
	"Proposal/Price Quote",
	"Negotiation/Review",
)


def slug(text: str, separator: str = "-") -> str:
	"""`text` as lowercase ASCII words joined by `separator` ("Transports Lefèvre": "transports-lefevre")."""
	ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
	return separator.join(re.sub(r"[^a-z0-9]+", " ", ascii_text).split())


# The pipeline, one entry per prospect (demo_data.json). Dates are relative to today: a task is due
# `due_in_days` from today (negative: overdue while open), a note or an email was written `days_ago` days ago,
# an event is `in_days` days from today at `at` (one hour long), an opportunity closes at the end of the month
# `closing_in_months` from now (0: this one). `from_lead`, `on_lead` and an email's `lead` name one of the
# prospect's leads by position (0 for the first); a lead's `status` null is the one ERPNext gives it (e.g.
# Opportunity once an opportunity is made from it). People's emails are at the prospect's `domain`.
DEMO = json.loads((Path(__file__).parent / "demo_data.json").read_text())


def load_demo_data() -> None:
	"""Creates the demo prospects that do not exist yet (one line printed per prospect), then commits."""
	company = frappe.db.get_value("Company", {}, "name")
	if not company:
		print("no company: complete the setup wizard first")
		return
	muted = frappe.flags.mute_emails
	# An inserted Communication is only recorded, never sent; mail stays muted all the same meanwhile.
	frappe.flags.mute_emails = True
	try:
		missing = [spec for spec in DEMO if not frappe.db.exists("Prospect", spec["company_name"])]
		if missing:
			create_reference_records()
		for spec in DEMO:
			if spec in missing:
				create_demo_prospect(spec, company)
				print(f"created demo prospect {spec['company_name']}")
			else:
				print(f"kept existing prospect {spec['company_name']}")
	finally:
		frappe.flags.mute_emails = muted
	frappe.db.commit()


# ---- what the prospects need ----


def create_reference_records() -> None:
	"""The sales team, territories, industries, sales stages and lost reasons, each only when missing."""
	for user, first_name, last_name, roles in TEAM.values():
		if not frappe.db.exists("User", user):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": user,
					"first_name": first_name,
					"last_name": last_name,
					"enabled": 1,
					"user_type": "System User",
					"send_welcome_email": 0,
					"roles": [{"role": role} for role in roles],
				}
			).insert(ignore_permissions=True)
			# A demo user's address has no mailbox: their notifications stay in the desk.
			frappe.db.set_value("Notification Settings", user, "enable_email_notifications", 0)
	root = get_root_of("Territory")
	for territory in sorted({spec["territory"] for spec in DEMO}):
		ensure("Territory", territory, territory_name=territory, parent_territory=root, is_group=0)
	for industry in sorted({spec["industry"] for spec in DEMO}):
		ensure("Industry Type", industry, industry=industry)
	for stage in SALES_STAGES:
		ensure("Sales Stage", stage, stage_name=stage)
	for spec in DEMO:
		for row in spec["opportunities"]:
			if row["lost_reason"]:
				ensure("Opportunity Lost Reason", row["lost_reason"], lost_reason=row["lost_reason"])


def ensure(doctype: str, name: str, **values) -> None:
	if not frappe.db.exists(doctype, name):
		frappe.get_doc({"doctype": doctype, **values}).insert(ignore_permissions=True)


def user_of(key: str) -> str:
	return "Administrator" if key == "admin" else TEAM[key][0]


def email_of(user: str) -> str:
	return frappe.db.get_value("User", user, "email") or user


# ---- one prospect ----


def create_demo_prospect(spec: dict, company: str) -> None:
	owner = user_of(spec["owner"])
	prospect = frappe.get_doc(
		{
			"doctype": "Prospect",
			"company_name": spec["company_name"],
			"company": company,
			"territory": spec["territory"],
			"industry": spec["industry"],
			"no_of_employees": spec["no_of_employees"],
			"annual_revenue": spec["annual_revenue"],
			"currency": frappe.get_cached_value("Company", company, "default_currency"),
			"market_share": spec["market_share"],
			"website": spec["website"],
			"prospect_owner": owner,
			"notes": [
				{
					"note": f"<p>{row['text']}</p>",
					"added_by": owner,
					"added_on": add_to_date(now_datetime(), days=-row["days_ago"], hours=-2),
				}
				for row in spec["notes"]
			],
		}
	).insert()
	frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": spec["company_name"],
			"address_type": "Office",
			"address_line1": spec["address_line1"],
			"pincode": spec["pincode"],
			"city": spec["city"],
			"country": frappe.db.get_value("Company", company, "country") or "France",
			"is_primary_address": 1,
			"links": [{"link_doctype": "Prospect", "link_name": prospect.name}],
		}
	).insert()
	# A lead whose email another lead already has is left out, with what refers to it.
	leads = [create_lead(row, spec, prospect.name, company) for row in spec["leads"]]
	for row in spec["emails"]:
		if leads[row["lead"]]:
			create_email(row, leads[row["lead"]], spec["company_name"])
	for row in spec["opportunities"]:
		create_opportunity(row, prospect, leads, company)
	# Emails received reopen a lead (Frappe sets it Open): the table's status is set once they are in.
	for row, doc in zip(spec["leads"], leads, strict=True):
		if doc and row["status"] and not frappe.db.exists("Opportunity", {"party_name": doc.name}):
			doc.reload()
			if doc.status != row["status"]:
				doc.status = row["status"]
				doc.save()
	for row in spec["tasks"]:
		on_lead = leads[row["on_lead"]] if row["on_lead"] is not None else None
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": row["description"],
				"status": row["status"],
				"priority": "High" if row["due_in_days"] < 0 else "Medium",
				"date": add_days(today(), row["due_in_days"]),
				"allocated_to": on_lead.lead_owner if on_lead else owner,
				"reference_type": "Lead" if on_lead else "Prospect",
				"reference_name": on_lead.name if on_lead else prospect.name,
			}
		).insert()
	for row in spec["events"]:
		starts_on = f"{add_days(today(), row['in_days'])} {row['at']}:00"
		frappe.get_doc(
			{
				"doctype": "Event",
				"subject": f"{row['subject']} – {spec['company_name']}",
				"event_category": row["category"],
				"event_type": "Public",
				"status": "Open",
				"send_reminder": 0,
				"starts_on": starts_on,
				"ends_on": add_to_date(starts_on, hours=1),
				"event_participants": [{"reference_doctype": "Prospect", "reference_docname": prospect.name}],
			}
		).insert()


def create_lead(row: dict, spec: dict, prospect: str, company: str):
	"""The lead and, unless CRM Settings already made one, its contact (linked to the lead and the
	prospect). None when another lead has its email."""
	address = f"{slug(row['first_name'])}.{slug(row['last_name'])}@{spec['domain']}"
	if frappe.db.exists("Lead", {"email_id": address}):
		return None
	doc = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": row["first_name"],
			"last_name": row["last_name"],
			"job_title": row["job_title"],
			"email_id": address,
			"status": row["status"] or "Lead",
			"lead_owner": user_of(row["owner"]),
			"company_name": spec["company_name"],
			"company": company,
			"territory": spec["territory"],
			"industry": spec["industry"],
			"city": spec["city"],
			"prospect": prospect,
		}
	).insert()
	if not frappe.db.exists("Contact Email", {"email_id": address, "parenttype": "Contact"}):
		frappe.get_doc(
			{
				"doctype": "Contact",
				"first_name": row["first_name"],
				"last_name": row["last_name"],
				"designation": row["job_title"],
				"email_ids": [{"email_id": address, "is_primary": 1}],
				"links": [
					{"link_doctype": "Lead", "link_name": doc.name},
					{"link_doctype": "Prospect", "link_name": prospect},
				],
			}
		).insert()
	return doc


def create_email(row: dict, lead_doc, company_name: str) -> None:
	"""An email of the history (a Communication; inserting one sends nothing)."""
	user = lead_doc.lead_owner
	if row["sent_or_received"] == "Sent":
		sender, sender_name, recipient = email_of(user), get_fullname(user), lead_doc.email_id
		content = (
			f"<p>Bonjour {lead_doc.first_name},</p><p>{row['body']}</p>"
			f"<p>Bien cordialement,<br>{sender_name}</p>"
		)
	else:
		sender, sender_name, recipient = lead_doc.email_id, lead_doc.lead_name, email_of(user)
		content = (
			f"<p>Bonjour,</p><p>{row['body']}</p><p>Cordialement,<br>{sender_name}<br>{company_name}</p>"
		)
	domain = lead_doc.email_id.split("@")[1]
	frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": row["sent_or_received"],
			"subject": row["subject"],
			"content": content,
			"sender": sender,
			"sender_full_name": sender_name,
			"recipients": recipient,
			"communication_date": add_to_date(now_datetime(), days=-row["days_ago"], hours=-3),
			"message_id": f"<{frappe.generate_hash(length=16)}@{domain}>",
			"reference_doctype": "Lead",
			"reference_name": lead_doc.name,
		}
	).insert(ignore_permissions=True)


def create_opportunity(row: dict, prospect, leads: list, company: str) -> None:
	"""From the prospect, or from one of its leads (the prospect's rows are back-filled either way)."""
	from_lead = leads[row["from_lead"]] if row["from_lead"] is not None else None
	frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Lead" if from_lead else "Prospect",
			"party_name": from_lead.name if from_lead else prospect.name,
			"company": company,
			"currency": prospect.currency,
			"opportunity_amount": row["amount"],
			"probability": row["probability"],
			"sales_stage": row["stage"],
			"expected_closing": closing_date(row["closing_in_months"]),
			"opportunity_owner": prospect.prospect_owner,
			# From a prospect, its primary contact is proposed (contacts.py); from a lead, the lead's own.
			"contact_person": frappe.db.get_value(
				"Contact Email", {"email_id": from_lead.email_id, "parenttype": "Contact"}, "parent"
			)
			if from_lead
			else None,
			"status": row["status"],
			"lost_reasons": [{"lost_reason": row["lost_reason"]}] if row["lost_reason"] else [],
		}
	).insert()


def closing_date(months: int):
	"""The last day of the month `months` months from now (0: this month)."""
	return get_last_day(add_months(today(), months))
