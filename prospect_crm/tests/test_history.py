"""A prospect's history and follow-up: the emails, comments and events of a lead or opportunity reach the
prospect by every path it joins (and move with it), emails matched by address, @mentions in notes, last and
next activity, the daily digest, and owners given by territory rules."""

import frappe
from frappe.desk.form.load import getdoc
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_datetime, getdate, now_datetime, strip_html, today

from prospect_crm import follow_up, history
from prospect_crm.tests.utils import (
	call_whitelisted,
	make_contact,
	make_lead,
	make_opportunity,
	make_prospect,
	make_user,
	unique,
)


def received_email(sender: str, subject: str, recipients: str = "sales@example.com", **reference):
	"""An email as the inbox receives it (Frappe's hooks run as on a real insert)."""
	return frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"sender": sender,
			"recipients": recipients,
			"subject": subject,
			"content": f"<p>{subject}</p>",
			**reference,
		}
	).insert(ignore_permissions=True)


def comment_on(doctype: str, name: str, content: str):
	return frappe.get_doc(
		{
			"doctype": "Comment",
			"comment_type": "Comment",
			"reference_doctype": doctype,
			"reference_name": name,
			"content": content,
		}
	).insert(ignore_permissions=True)


def open_event(doctype: str, name: str, subject: str, starts_on=None):
	return frappe.get_doc(
		{
			"doctype": "Event",
			"subject": subject,
			"event_type": "Public",
			"starts_on": starts_on or add_days(now_datetime(), 3),
			"event_participants": [{"reference_doctype": doctype, "reference_docname": name}],
		}
	).insert(ignore_permissions=True)


def text(content: str | None) -> str:
	"""A comment's words, whatever HTML Frappe stored or shows around them."""
	return strip_html(content or "").strip()


def docinfo(prospect: str) -> frappe._dict:
	"""What the desk form receives for the prospect (its timeline)."""
	frappe.response.pop("docinfo", None)
	getdoc("Prospect", prospect)
	return frappe._dict(frappe.response["docinfo"])


def names(rows) -> list[str]:
	return [row.get("name") for row in rows]


def task(doctype: str, name: str, date, status: str = "Open"):
	return frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": "Call back",
			"allocated_to": "Administrator",
			"reference_type": doctype,
			"reference_name": name,
			"date": date,
			"status": status,
		}
	).insert(ignore_permissions=True)


class HistoryCase(FrappeTestCase):
	def setUp(self):
		frappe.db.set_single_value("CRM Settings", "carry_forward_communication_and_comments", 1)

	def lead_with_history(self, label: str):
		"""A lead with a received email, a comment and an open event, before it is in any prospect."""
		lead = make_lead(unique(label), email_id=f"{frappe.generate_hash(length=8)}@lead-mail.test")
		email = received_email(
			lead.email_id, f"Before joining {label}", reference_doctype="Lead", reference_name=lead.name
		)
		comment = comment_on("Lead", lead.name, f"Met {label} at the fair")
		event = open_event("Lead", lead.name, f"Demo {label}")
		# ERPNext may touch the lead when it receives an email (CRM Settings "Update timestamp on new
		# communication"): work on the stored version.
		lead.reload()
		return lead, email, comment, event

	def assert_history_on(self, prospect: str, email, comment, event):
		info = docinfo(prospect)
		self.assertEqual(names(info.communications).count(email.name), 1, info.communications)
		contents = [text(row.get("content")) for row in info.comments]
		self.assertEqual(contents.count(text(comment.content)), 1, contents)
		participants = {
			(row.reference_doctype, row.reference_docname)
			for row in frappe.get_doc("Event", event.name).event_participants
		}
		self.assertIn(("Prospect", prospect), participants)

	def assert_history_not_on(self, prospect: str, email, comment, event):
		info = docinfo(prospect)
		self.assertNotIn(email.name, names(info.communications))
		self.assertNotIn(text(comment.content), [text(row.get("content")) for row in info.comments])
		participants = {
			(row.reference_doctype, row.reference_docname)
			for row in frappe.get_doc("Event", event.name).event_participants
		}
		self.assertNotIn(("Prospect", prospect), participants)


class TestCarriedOverHistory(HistoryCase):
	def test_lead_prospect_set_on_the_lead(self):
		lead, email, comment, event = self.lead_with_history("Setter")
		prospect = make_prospect(unique("History Setter"))
		lead.prospect = prospect.name
		lead.save()
		self.assert_history_on(prospect.name, email, comment, event)
		# Saved again (and the repair run): still once.
		lead.reload()
		lead.save()
		history.relink_all()
		self.assert_history_on(prospect.name, email, comment, event)

	def test_add_to_prospect(self):
		lead, email, comment, event = self.lead_with_history("Adder")
		prospect = make_prospect(unique("History Adder"))
		call_whitelisted(
			"erpnext.crm.doctype.lead.lead.add_lead_to_prospect", lead=lead.name, prospect=prospect.name
		)
		self.assert_history_on(prospect.name, email, comment, event)

	def test_create_prospect_from_lead(self):
		lead, email, comment, event = self.lead_with_history("Creator")
		name = call_whitelisted(
			"prospect_crm.api.create_prospect_from_lead", lead=lead.name, company_name=unique("Created Co")
		)
		self.assert_history_on(name, email, comment, event)

	def test_lead_added_in_the_table(self):
		lead, email, comment, event = self.lead_with_history("Table")
		prospect = make_prospect(unique("History Table"))
		prospect.append("leads", {"lead": lead.name})
		prospect.save()
		self.assert_history_on(prospect.name, email, comment, event)
		# Removed from the table: the prospect's links to the lead's history go, the lead keeps it.
		prospect.reload()
		prospect.leads = []
		prospect.save()
		info = docinfo(prospect.name)
		self.assertNotIn(email.name, names(info.communications))
		self.assertEqual(frappe.db.get_value("Communication", email.name, "reference_name"), lead.name)

	def test_opportunity_of_a_lead_that_joins(self):
		lead = make_lead(unique("Opportunist"))
		opportunity = make_opportunity(lead.name, "Lead")
		email = received_email(
			"buyer@opportunity-mail.test",
			"Quote please",
			reference_doctype="Opportunity",
			reference_name=opportunity.name,
		)
		prospect = make_prospect(unique("History Opportunity"))
		lead.reload()
		lead.prospect = prospect.name
		lead.save()
		# The lead's opportunity follows it into the prospect, with its email.
		self.assertEqual(
			frappe.db.get_value("Prospect Opportunity", {"opportunity": opportunity.name}, "parent"),
			prospect.name,
		)
		self.assertEqual(names(docinfo(prospect.name).communications).count(email.name), 1)

	def test_moving_a_lead_moves_its_links(self):
		lead, email, comment, event = self.lead_with_history("Mover")
		first, second = make_prospect(unique("History First")), make_prospect(unique("History Second"))
		lead.prospect = first.name
		lead.save()
		self.assert_history_on(first.name, email, comment, event)
		lead.reload()
		lead.prospect = second.name
		lead.save()
		self.assert_history_on(second.name, email, comment, event)
		self.assert_history_not_on(first.name, email, comment, event)

	def test_merge_keeps_the_history(self):
		lead, email, comment, event = self.lead_with_history("Merged")
		source, target = make_prospect(unique("History Source")), make_prospect(unique("History Target"))
		lead.prospect = source.name
		lead.save()
		call_whitelisted("prospect_crm.api.merge_prospects", source=source.name, target=target.name)
		self.assert_history_on(target.name, email, comment, event)

	def test_switched_off_emails_and_events_but_no_comment_copies(self):
		frappe.db.set_single_value("CRM Settings", "carry_forward_communication_and_comments", 0)
		lead, email, comment, event = self.lead_with_history("Off")
		prospect = make_prospect(unique("History Off"))
		lead.prospect = prospect.name
		lead.save()
		info = docinfo(prospect.name)
		self.assertEqual(names(info.communications).count(email.name), 1)
		self.assertNotIn(text(comment.content), [text(row.get("content")) for row in info.comments])
		later = received_email(
			lead.email_id, "After joining", reference_doctype="Lead", reference_name=lead.name
		)
		self.assertEqual(names(docinfo(prospect.name).communications).count(later.name), 1)


class TestRepairLinksExistingHistory(HistoryCase):
	def test_relink_all_brings_what_existed_before(self):
		"""Data from before this version: a lead already in a prospect, an email already received."""
		from prospect_crm import backfill

		lead, email, comment, event = self.lead_with_history("Before")
		prospect = make_prospect(unique("History Before"))
		frappe.db.set_value("Lead", lead.name, "prospect", prospect.name)
		backfill.place_row(backfill.LEAD_ROW, lead.name, prospect.name, {}, carry=False)
		contact_address = f"{frappe.generate_hash(length=8)}@contact-mail.test"
		make_contact(unique("Old"), [("Prospect", prospect.name)], email=contact_address)
		old_email = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Received",
				"sender": contact_address,
				"subject": "Received last year",
			}
		)
		old_email.db_insert()  # as stored before the app linked emails by address
		self.assert_history_not_on(prospect.name, email, comment, event)

		added = history.relink_all()
		self.assertGreaterEqual(added["links"], 2)
		self.assert_history_on(prospect.name, email, comment, event)
		self.assertIn(old_email.name, names(docinfo(prospect.name).communications))
		# Run again: nothing more.
		self.assertEqual(history.relink_all(), {"links": 0, "participants": 0, "comments": 0})


class TestEmailsMatchedByAddress(HistoryCase):
	def test_contact_domain_and_free_mail(self):
		domain = f"{frappe.generate_hash(length=8)}.example.org"
		prospect = make_prospect(unique("Matched"), website=f"https://www.{domain}/about")
		self.assertEqual(prospect.website_domain, domain)
		contact_address = f"{frappe.generate_hash(length=8)}@contact-mail.test"
		make_contact(unique("Claire"), [("Prospect", prospect.name)], email=contact_address)

		from_contact = received_email(f"Claire <{contact_address.upper()}>", "From the contact")
		from_domain = received_email(f"ceo@mail.{domain}", "From the domain")
		to_domain = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Sent",
				"sender": "sales@example.com",
				"recipients": f"buyer@{domain}",
				"subject": "Our offer",
				"content": "offer",
			}
		).insert(ignore_permissions=True)
		free_mail = received_email("someone@gmail.com", "Free mail")
		info = names(docinfo(prospect.name).communications)
		for email in (from_contact, from_domain, to_domain):
			self.assertEqual(info.count(email.name), 1, email.subject)
		self.assertNotIn(free_mail.name, info)

	def test_free_mail_website_links_nothing_and_two_prospects_both_get_it(self):
		gmail = make_prospect(unique("Gmail Website"), website="gmail.com")
		self.assertNotIn(
			received_email("x@gmail.com", "Free").name, names(docinfo(gmail.name).communications)
		)
		one, two = make_prospect(unique("Twin One")), make_prospect(unique("Twin Two"))
		address_one = f"{frappe.generate_hash(length=8)}@one-mail.test"
		lead_two = make_lead(
			unique("Twin"), prospect=two.name, email_id=f"{frappe.generate_hash(length=8)}@two-mail.test"
		)
		make_contact(unique("One"), [("Prospect", one.name)], email=address_one)
		both = received_email(address_one, "To both", recipients=lead_two.email_id)
		self.assertIn(both.name, names(docinfo(one.name).communications))
		self.assertIn(both.name, names(docinfo(two.name).communications))

	def test_new_email_proposes_contacts_and_leads(self):
		prospect = make_prospect(unique("Recipients"))
		contact_address = f"{frappe.generate_hash(length=8)}@contact-mail.test"
		make_contact(unique("Paul"), [("Prospect", prospect.name)], email=contact_address)
		lead = make_lead(
			unique("Recipient"),
			prospect=prospect.name,
			email_id=f"{frappe.generate_hash(length=8)}@lead-mail.test",
		)
		doc = frappe.get_doc("Prospect", prospect.name)
		doc.run_method("onload")
		self.assertEqual(sorted(doc.get_onload().email_recipients), sorted([contact_address, lead.email_id]))


class TestMentions(FrappeTestCase):
	def test_mentioned_reader_notified_and_non_reader_refused(self):
		reader = make_user("pcrm.mention.reader@example.com", ["Sales User"])
		outsider = make_user("pcrm.mention.outsider@example.com", ["Accounts User"])
		prospect = make_prospect(unique("Mentioned"))

		def mention(user):
			return f'<span class="mention" data-id="{user}" data-value="{user}">@{user}</span>'

		before = frappe.db.count("Notification Log", {"document_name": prospect.name, "type": "Mention"})
		prospect.add_note(f"<p>{mention(reader)} and {mention(outsider)}: please call</p>")
		logs = frappe.get_all(
			"Notification Log",
			filters={"document_type": "Prospect", "document_name": prospect.name, "type": "Mention"},
			pluck="for_user",
		)
		self.assertEqual(before, 0)
		self.assertEqual(logs, [reader])
		# Editing the note without a new mention notifies nobody again.
		prospect.reload()
		prospect.edit_note(prospect.notes[0].note + "<p>done</p>", str(prospect.notes[0].name))
		self.assertEqual(
			frappe.db.count("Notification Log", {"document_name": prospect.name, "type": "Mention"}), 1
		)
		# A note is an activity.
		self.assertIsNotNone(frappe.db.get_value("Prospect", prospect.name, "last_activity_on"))


class TestFollowUp(HistoryCase):
	def state(self, prospect: str):
		return frappe.db.get_value(
			"Prospect", prospect, ["follow_up", "next_activity_on", "last_activity_on"], as_dict=True
		)

	def test_last_and_next_activity_after_each_kind(self):
		prospect = make_prospect(unique("Follow"))
		lead = make_lead(unique("Follower"), prospect=prospect.name)
		self.assertEqual(self.state(prospect.name).follow_up, follow_up.NONE_PLANNED)
		self.assertIsNone(self.state(prospect.name).last_activity_on)

		# An email of its lead.
		email = received_email(
			"x@lead-mail.test", "Hello", reference_doctype="Lead", reference_name=lead.name
		)
		self.assertEqual(
			get_datetime(self.state(prospect.name).last_activity_on), get_datetime(email.communication_date)
		)
		# A comment on the prospect, dated later.
		frappe.db.set_value("Prospect", prospect.name, "last_activity_on", add_days(now_datetime(), -5))
		comment_on("Prospect", prospect.name, "Called")
		self.assertGreater(
			get_datetime(self.state(prospect.name).last_activity_on), add_days(now_datetime(), -1)
		)

		# A task on the lead, due in 5 days: planned.
		future = task("Lead", lead.name, add_days(today(), 5))
		state = self.state(prospect.name)
		self.assertEqual(
			(state.follow_up, getdate(state.next_activity_on)), ("Planned", getdate(add_days(today(), 5)))
		)
		# An event on the prospect, sooner: the next activity.
		event = open_event("Prospect", prospect.name, "Visit", starts_on=add_days(now_datetime(), 2))
		self.assertEqual(getdate(self.state(prospect.name).next_activity_on), getdate(add_days(today(), 2)))
		# A task past its date: overdue.
		late = task("Prospect", prospect.name, add_days(today(), -1))
		self.assertEqual(self.state(prospect.name).follow_up, "Overdue")
		# Done and closed: the last activity moves to now, nothing is left planned.
		frappe.db.set_value("Prospect", prospect.name, "last_activity_on", add_days(now_datetime(), -5))
		for doc in (late, future):
			doc.reload()
			doc.status = "Closed"
			doc.save()
		event.reload()
		event.status = "Closed"
		event.save()
		state = self.state(prospect.name)
		self.assertEqual(state.follow_up, "None planned")
		self.assertIsNone(state.next_activity_on)
		self.assertGreater(get_datetime(state.last_activity_on), add_days(now_datetime(), -1))

	def test_a_joining_lead_brings_its_activities(self):
		lead = make_lead(unique("Busy"))
		email = received_email(
			"busy@lead-mail.test", "Old thread", reference_doctype="Lead", reference_name=lead.name
		)
		task("Lead", lead.name, add_days(today(), 4))
		prospect = make_prospect(unique("Joined Busy"))
		lead.reload()
		lead.prospect = prospect.name
		lead.save()
		state = self.state(prospect.name)
		self.assertEqual(
			(state.follow_up, getdate(state.next_activity_on)), ("Planned", getdate(add_days(today(), 4)))
		)
		self.assertEqual(get_datetime(state.last_activity_on), get_datetime(email.communication_date))
		# It leaves: its task no longer plans anything for the prospect.
		lead.reload()
		lead.prospect = None
		lead.save()
		self.assertEqual(self.state(prospect.name).follow_up, "None planned")

	def test_daily_job_flips_overdue_and_needs_follow_up(self):
		owner = make_user(f"pcrm.follow.{frappe.generate_hash(length=6)}@example.com", ["Sales User"])
		planned = make_prospect(unique("Planned"), prospect_owner=owner)
		task("Prospect", planned.name, add_days(today(), 1))
		# The date passes.
		frappe.db.set_value("Prospect", planned.name, "next_activity_on", add_days(today(), -1))
		follow_up.flip_overdue()
		self.assertEqual(frappe.db.get_value("Prospect", planned.name, "follow_up"), "Overdue")
		nothing = make_prospect(unique("Nothing"), prospect_owner=owner)
		listed = frappe.get_all("Prospect", filters=follow_up.needs_follow_up_filters(owner), pluck="name")
		self.assertIn(planned.name, listed)
		self.assertIn(nothing.name, listed)
		self.assertEqual(
			sorted(call_whitelisted("prospect_crm.api.needs_follow_up", user=owner)),
			sorted(listed),
		)

	def test_digest_content_and_email_queue(self):
		frappe.db.set_single_value("Prospect CRM Settings", "send_follow_up_digest", 1)
		owner = make_user(f"pcrm.digest.{frappe.generate_hash(length=6)}@example.com", ["Sales User"])
		frappe.db.set_value("User", owner, "language", "fr")
		overdue = make_prospect(unique("Digest Overdue"), prospect_owner=owner)
		task("Prospect", overdue.name, add_days(today(), -3))
		idle = make_prospect(unique("Digest Idle"), prospect_owner=owner)
		planned = make_prospect(unique("Digest Planned"), prospect_owner=owner)
		task("Prospect", planned.name, add_days(today(), 3))
		queued = frappe.db.count("Email Queue")

		subject = follow_up.send_digest(owner)
		self.assertEqual(subject, "2 prospects nécessitent un suivi")
		log = frappe.get_last_doc("Notification Log", filters={"for_user": owner})
		self.assertEqual(log.subject, subject)
		self.assertIn(overdue.company_name, log.email_content)
		self.assertIn(idle.company_name, log.email_content)
		self.assertNotIn(planned.company_name, log.email_content)
		self.assertIn("en retard depuis", log.email_content)
		self.assertEqual(frappe.db.count("Email Queue"), queued + 1)
		email = frappe.get_last_doc("Email Queue")
		self.assertIn(owner, [row.recipient for row in email.recipients])

		# Switched off for the user: nothing.
		if not frappe.db.exists("Notification Settings", owner):
			frappe.get_doc({"doctype": "Notification Settings", "name": owner}).insert(
				ignore_permissions=True
			)
		frappe.db.set_value("Notification Settings", owner, "prospect_follow_up_digest", 0)
		self.assertIsNone(follow_up.send_digest(owner))
		frappe.db.set_value("User", owner, "language", "en")


class TestOwnersByTerritory(FrappeTestCase):
	def setUp(self):
		self.settings = frappe.get_single("Prospect CRM Settings")
		self.settings.owner_rules = []

	def tearDown(self):
		settings = frappe.get_single("Prospect CRM Settings")
		settings.owner_rules = []
		settings.save()

	def territory(self, name: str, parent: str | None = None) -> str:
		if not frappe.db.exists("Territory", name):
			root = frappe.db.get_value("Territory", {"is_group": 1, "parent_territory": ("in", ("", None))})
			frappe.get_doc(
				{
					"doctype": "Territory",
					"territory_name": name,
					"parent_territory": parent or root,
					"is_group": 1,
				}
			).insert(ignore_permissions=True)
		return name

	def open_assignees(self, prospect: str) -> list[str]:
		return frappe.get_all(
			"ToDo",
			filters={"reference_type": "Prospect", "reference_name": prospect, "status": "Open"},
			pluck="allocated_to",
		)

	def test_territory_rules_round_robin_and_reassignment(self):
		france = self.territory("PCRM France")
		paris = self.territory("PCRM Paris", france)
		anna = make_user("pcrm.owner.anna@example.com", ["Sales User"])
		bruno = make_user("pcrm.owner.bruno@example.com", ["Sales User"])
		chloe = make_user("pcrm.owner.chloe@example.com", ["Sales User"])
		for territory, user in ((france, anna), (france, bruno), (None, chloe)):
			self.settings.append("owner_rules", {"territory": territory, "user": user})
		self.settings.save()

		# A territory under France takes France's rule; two users take turns.
		first = make_prospect(unique("Paris One"), territory=paris)
		second = make_prospect(unique("Paris Two"), territory=paris)
		third = make_prospect(unique("Paris Three"), territory=paris)
		owners = [frappe.db.get_value("Prospect", p.name, "prospect_owner") for p in (first, second, third)]
		self.assertEqual(owners, [anna, bruno, anna])
		self.assertEqual(self.open_assignees(first.name), [anna])
		# Elsewhere: the rule without territory. An owner given by the user stays.
		elsewhere = make_prospect(unique("Elsewhere"))
		self.assertEqual(elsewhere.prospect_owner, chloe)
		given = make_prospect(unique("Given"), territory=paris, prospect_owner=chloe)
		self.assertEqual(given.prospect_owner, chloe)

		# A new owner takes the assignment over.
		first.reload()
		first.prospect_owner = chloe
		first.save()
		self.assertEqual(self.open_assignees(first.name), [chloe])
