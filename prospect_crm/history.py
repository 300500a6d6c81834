"""A prospect's history: what its leads and opportunities lived through before they joined it, and the
emails of the people and the domain it stands for.

- `joined` / `left` (called by backfill.place_row and backfill.follow_leads_table, the writers of a
  prospect's rows): the Communications of a lead or opportunity get a timeline link to the prospect and its
  open Events get the prospect as participant; its Comments are copied as ERPNext's Prospect did when CRM
  Settings "Carry forward communication and comments" is on. Links, never copies of emails; never twice.
  A document that moves to another prospect takes its links and copies along.
- `link_matching_prospects` (Communication.after_insert): an email from or to a contact of a prospect, a
  lead of a prospect or an address at a prospect's website domain (never a free-mail domain) is linked to
  that prospect, with indexed lookups whatever the number of prospects.
- `relink_all` (install, a patch, the repair command, which also matches the existing mail): the same for
  what existed before.
"""

from collections.abc import Iterable

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Max
from frappe.utils import parse_addr, split_emails

from prospect_crm.batches import in_batches, keyset
from prospect_crm.duplicates import FreeMail, company_domain, website_domain

# The columns of a Communication that hold addresses (addresses_of).
ADDRESS_FIELDS = ("sender", "recipients", "cc", "bcc")
# Event statuses ERPNext's own carry-over counts as open.
OPEN_EVENT_STATUS = "Open"


def carry_forward() -> bool:
	"""ERPNext's CRM Settings switch: on, the past comments of a joining document are copied."""
	return bool(
		frappe.db.get_single_value("CRM Settings", "carry_forward_communication_and_comments", cache=False)
	)


# ---- a lead or opportunity joins or leaves a prospect ----


def joined(doctype: str, name: str, prospect: str, left: Iterable[str] = ()) -> None:
	"""`doctype` `name` is now part of `prospect` (it was part of the prospects in `left`): its emails and open
	events always, its comments when CRM Settings carry them forward."""
	left = sorted(set(left) - {prospect})
	communications = communications_of(doctype, name)
	link_communications(communications, prospect)
	unlink_communications(communications, left, leaving=(doctype, name))
	if carry_forward():
		carry_comments(doctype, name, prospect, left)
	elif left:
		# Switched off, no new copies; those made for the prospects it left move with it.
		move_comment_copies(comments_of(doctype, name), left, prospect)
	events = open_events_of(doctype, name)
	add_participant(events, prospect)
	remove_participant(events, left)
	follow_activities(doctype, name, communications, events, [prospect, *left])


def left(doctype: str, name: str, prospects: Iterable[str]) -> None:
	"""`doctype` `name` left these prospects without joining another: their links to its history go (the
	emails and events stay on the lead or opportunity); comment copies stay, as comments written there
	(they move only with a document that joins another prospect)."""
	prospects = sorted(set(prospects))
	if not prospects:
		return
	communications = communications_of(doctype, name)
	unlink_communications(communications, prospects, leaving=(doctype, name))
	events = open_events_of(doctype, name)
	remove_participant(events, prospects)
	follow_activities(doctype, name, [], events, prospects)


def follow_activities(
	doctype: str, name: str, communications: list[str], events: list[str], prospects
) -> None:
	"""The prospects' last and next activity after a document joined or left them (follow_up.py): its
	latest email moves the last activity of the prospect it joined; its open tasks and events count in
	their next activity. Nothing to read when it has no email, task or event."""
	from prospect_crm import follow_up

	if communications:
		communication = DocType("Communication")
		latest = (
			frappe.qb.from_(communication)
			.select(Max(communication.communication_date))
			.where(communication.name.isin(communications))
			.run()
		)[0][0]
		if latest:
			follow_up.touch({prospects[0]}, latest)
	todo = DocType("ToDo")
	has_tasks = (
		frappe.qb.from_(todo)
		.select(todo.name)
		.where((todo.reference_type == doctype) & (todo.reference_name == name) & (todo.status == "Open"))
		.limit(1)
		.run()
	)
	if events or has_tasks:
		follow_up.refresh_next(prospects)


def communications_of(doctype: str, name: str) -> list[str]:
	"""Communications about `doctype` `name`: referencing it, or linked to its timeline (one statement)."""
	return sorted(
		set(
			frappe.db.sql(
				"""select name from `tabCommunication`
				where reference_doctype = %(doctype)s and reference_name = %(name)s
				union
				select parent from `tabCommunication Link`
				where link_doctype = %(doctype)s and link_name = %(name)s and parenttype = 'Communication'""",
				{"doctype": doctype, "name": name},
				pluck=True,
			)
		)
	)


def link_communications(communications: list[str], prospect: str) -> int:
	"""Timeline links from these communications to the prospect, where there is none yet."""
	if not communications:
		return 0
	communication, link = DocType("Communication"), DocType("Communication Link")
	already = set(
		frappe.qb.from_(link)
		.select(link.parent)
		.where(
			(link.parent.isin(communications))
			& (link.link_doctype == "Prospect")
			& (link.link_name == prospect)
		)
		.run(pluck=True)
	)
	missing = [name for name in communications if name not in already]
	if not missing:
		return 0
	# Those referencing the prospect itself are on its timeline already.
	rows = (
		frappe.qb.from_(communication)
		.select(communication.name, communication.communication_date)
		.where(communication.name.isin(missing))
		.where(
			(communication.reference_doctype != "Prospect")
			| communication.reference_doctype.isnull()
			| (communication.reference_name != prospect)
		)
		.run()
	)
	for name, communication_date in rows:
		insert_link(name, prospect, communication_date)
	return len(rows)


def insert_link(communication: str, prospect: str, communication_date) -> None:
	idx = frappe.db.sql(
		"select coalesce(max(idx), 0) + 1 from `tabCommunication Link` where parent = %s", communication
	)[0][0]
	frappe.get_doc(
		{
			"doctype": "Communication Link",
			"parent": communication,
			"parenttype": "Communication",
			"parentfield": "timeline_links",
			"idx": idx,
			"link_doctype": "Prospect",
			"link_name": prospect,
			"communication_date": communication_date,
		}
	).db_insert()


def unlink_communications(
	communications: list[str], prospects: list[str], leaving: tuple[str, str] | None = None
) -> None:
	"""Remove the timeline links from these communications to these prospects, except those the prospect
	keeps for their addresses: another of its contacts or leads, or its domain, is on the email (the contacts
	of the `leaving` document go with it)."""
	if not communications or not prospects:
		return
	link = DocType("Communication Link")
	matching = prospects_matching_communications(communications, leaving)
	for prospect in prospects:
		gone = [name for name in communications if name not in matching.get(prospect, ())]
		if gone:
			frappe.qb.from_(link).delete().where(
				link.parent.isin(gone)
				& (link.parenttype == "Communication")
				& (link.link_doctype == "Prospect")
				& (link.link_name == prospect)
			).run()


def prospects_matching_communications(
	communications: list[str], leaving: tuple[str, str] | None = None
) -> dict[str, set[str]]:
	"""prospect -> the communications among these that it links by their addresses, not counting the
	contacts of the `leaving` document."""
	result: dict[str, set[str]] = {}
	communication = DocType("Communication")
	rows = (
		frappe.qb.from_(communication)
		.select(communication.name, *(communication[field] for field in ADDRESS_FIELDS))
		.where(communication.name.isin(communications))
		.run(as_dict=True)
	)
	free_mail = FreeMail()
	for row in rows:
		for prospect in prospects_for_addresses(addresses_of(row), free_mail, leaving):
			result.setdefault(prospect, set()).add(row.name)
	return result


def comments_of(doctype: str, name: str) -> list[dict]:
	comment = DocType("Comment")
	fields = ["content", "comment_email", "comment_by", "creation", "owner", "modified_by", "modified"]
	return (
		frappe.qb.from_(comment)
		.select(*(comment[field] for field in fields))
		.where(
			(comment.reference_doctype == doctype)
			& (comment.reference_name == name)
			& (comment.comment_type == "Comment")
		)
		.run(as_dict=True)
	)


def carry_comments(doctype: str, name: str, prospect: str, left: list[str]) -> None:
	"""Copies of the comments written on `doctype` `name`, on the prospect (as ERPNext's copy_comments), once;
	copies made for a prospect it left are moved rather than copied again."""
	originals = comments_of(doctype, name)
	if not originals:
		return
	move_comment_copies(originals, left, prospect)
	comment = DocType("Comment")
	existing = {
		(row.content, row.comment_email, str(row.creation))
		for row in (
			frappe.qb.from_(comment)
			.select(comment.content, comment.comment_email, comment.creation)
			.where(
				(comment.reference_doctype == "Prospect")
				& (comment.reference_name == prospect)
				& (comment.comment_type == "Comment")
			)
			.run(as_dict=True)
		)
	}
	for original in originals:
		if (original.content, original.comment_email, str(original.creation)) in existing:
			continue
		# As written on the lead or opportunity: same author and time, no new notification.
		frappe.get_doc(
			{
				"doctype": "Comment",
				"comment_type": "Comment",
				"reference_doctype": "Prospect",
				"reference_name": prospect,
				**original,
			}
		).db_insert()


def move_comment_copies(originals: list[dict], from_prospects: list[str], to_prospect: str) -> None:
	"""Copies of these comments on prospects the document left go to the prospect it joined."""
	if not from_prospects:
		return
	comment = DocType("Comment")
	for original in originals:
		frappe.qb.update(comment).set(comment.reference_name, to_prospect).where(
			(comment.reference_doctype == "Prospect")
			& comment.reference_name.isin(from_prospects)
			& (comment.comment_type == "Comment")
			& (comment.content == original.content)
			& (comment.comment_email == original.comment_email)
			& (comment.creation == original.creation)
		).run()


def open_events_of(doctype: str, name: str) -> list[str]:
	event, participant = DocType("Event"), DocType("Event Participants")
	return (
		frappe.qb.from_(participant)
		.join(event)
		.on(event.name == participant.parent)
		.select(event.name)
		.distinct()
		.where(
			(participant.reference_doctype == doctype)
			& (participant.reference_docname == name)
			& (event.status == OPEN_EVENT_STATUS)
		)
		.run(pluck=True)
	)


def add_participant(events: list[str], prospect: str) -> None:
	if not events:
		return
	participant = DocType("Event Participants")
	already = set(
		frappe.qb.from_(participant)
		.select(participant.parent)
		.where(
			participant.parent.isin(events)
			& (participant.reference_doctype == "Prospect")
			& (participant.reference_docname == prospect)
		)
		.run(pluck=True)
	)
	for event in events:
		if event in already:
			continue
		idx = frappe.db.sql(
			"select coalesce(max(idx), 0) + 1 from `tabEvent Participants` where parent = %s", event
		)[0][0]
		frappe.get_doc(
			{
				"doctype": "Event Participants",
				"parent": event,
				"parenttype": "Event",
				"parentfield": "event_participants",
				"idx": idx,
				"reference_doctype": "Prospect",
				"reference_docname": prospect,
			}
		).db_insert()


def remove_participant(events: list[str], prospects: list[str]) -> None:
	if not events or not prospects:
		return
	participant = DocType("Event Participants")
	frappe.qb.from_(participant).delete().where(
		participant.parent.isin(events)
		& (participant.reference_doctype == "Prospect")
		& participant.reference_docname.isin(prospects)
	).run()


# ---- emails matched by address ----


def addresses_of(communication) -> set[str]:
	"""The email addresses a communication is from and to, lowercase."""
	addresses = set()
	for field in ADDRESS_FIELDS:
		for entry in split_emails(communication.get(field) or ""):
			address = (parse_addr(entry)[1] or "").strip().lower()
			if "@" in address:
				addresses.add(address)
	return addresses


def domains_of(addresses: Iterable[str], free_mail: FreeMail) -> set[str]:
	"""The company domains of these addresses and of their parent domains (mail.acme.fr -> acme.fr)."""
	domains = set()
	for address in addresses:
		domain = website_domain(address.rsplit("@", 1)[1])
		while domain.count(".") >= 1:
			if company_domain(domain, free_mail):
				domains.add(domain)
			domain = domain.split(".", 1)[1]
	return domains


def prospects_for_addresses(
	addresses: set[str], free_mail: FreeMail | None = None, leaving: tuple[str, str] | None = None
) -> set[str]:
	"""Prospects these addresses belong to: through a contact linked to the prospect, a lead of the prospect,
	or the prospect's website domain (the contacts of a `leaving` (doctype, name) not counted). Indexed
	lookups: Contact Email.email_id, Contact.email_id, Lead.email_id, Prospect.website_domain."""
	if not addresses:
		return set()
	free_mail = free_mail or FreeMail()
	# One statement: the contacts' prospects (a contact's addresses are in Contact Email, its primary one
	# also in Contact.email_id; the `leaving` document's own contacts left out), the leads' prospects and
	# the prospects of the company domains.
	domains = sorted(domains_of(addresses, free_mail)) or [""]
	leaving_doctype, leaving_name = leaving or ("", "")
	prospects = frappe.db.sql(
		"""select dl.link_name from `tabDynamic Link` dl
		where dl.parenttype = 'Contact' and dl.link_doctype = 'Prospect'
			and dl.parent in (
				select ce.parent from `tabContact Email` ce
				where ce.parenttype = 'Contact' and ce.email_id in %(addresses)s
				union
				select c.name from `tabContact` c where c.email_id in %(addresses)s
			)
			and not exists (
				select 1 from `tabDynamic Link` own
				where own.parent = dl.parent and own.parenttype = 'Contact'
					and own.link_doctype = %(leaving_doctype)s and own.link_name = %(leaving_name)s
			)
		union
		select l.prospect from `tabLead` l
		where l.email_id in %(addresses)s and l.prospect is not null and l.prospect != ''
		union
		select p.name from `tabProspect` p where p.website_domain in %(domains)s""",
		{
			"addresses": sorted(addresses),
			"domains": domains,
			"leaving_doctype": leaving_doctype,
			"leaving_name": leaving_name,
		},
		pluck=True,
	)
	return {name for name in prospects if name}


def link_matching_prospects(communication, method=None) -> None:
	"""Communication.after_insert: an email about a prospect's people or domain goes on its timeline."""
	if communication.communication_type not in ("Communication", "Automated Message"):
		return
	prospects = prospects_for_addresses(addresses_of(communication))
	if not prospects:
		return
	linked = {
		row.link_name for row in communication.get("timeline_links") or [] if row.link_doctype == "Prospect"
	}
	if communication.reference_doctype == "Prospect":
		linked.add(communication.reference_name)
	for prospect in sorted(prospects - linked):
		row = communication.append(
			"timeline_links",
			{
				"link_doctype": "Prospect",
				"link_name": prospect,
				"communication_date": communication.communication_date,
			},
		)
		row.db_insert()


# ---- existing data ----


def members_with_history(doctype: str, names: list[str], chunk: int = 1000) -> set[str]:
	"""The `doctype` documents among `names` that `joined` has anything to do for: referenced or linked by an
	email, commented, taking part in an event, or with an open task."""
	found = set()
	for start in range(0, len(names), chunk):
		values = {"doctype": doctype, "names": names[start : start + chunk]}
		for statement in (
			"""select reference_name from `tabCommunication`
			where reference_doctype = %(doctype)s and reference_name in %(names)s""",
			"""select link_name from `tabCommunication Link`
			where link_doctype = %(doctype)s and link_name in %(names)s and parenttype = 'Communication'""",
			"""select reference_name from `tabComment`
			where reference_doctype = %(doctype)s and reference_name in %(names)s and comment_type = 'Comment'""",
			"""select reference_docname from `tabEvent Participants`
			where reference_doctype = %(doctype)s and reference_docname in %(names)s""",
			"""select reference_name from `tabToDo`
			where reference_type = %(doctype)s and reference_name in %(names)s and status = 'Open'""",
		):
			found.update(frappe.db.sql(statement, values, pluck=True))
	return found


def relink_all(match_emails: bool = True) -> dict:
	"""The links above for what existed before: every member's history on its prospect (install, patch,
	repair) and, with `match_emails` (repair), every email matched by address, which reads the whole mail
	history. Idempotent; returns how many links, participants and comment copies were added."""
	before = {
		"links": frappe.db.count("Communication Link", {"link_doctype": "Prospect"}),
		"participants": frappe.db.count("Event Participants", {"reference_doctype": "Prospect"}),
		"comments": frappe.db.count("Comment", {"reference_doctype": "Prospect", "comment_type": "Comment"}),
	}
	for child, field, doctype in (
		("Prospect Lead", "lead", "Lead"),
		("Prospect Opportunity", "opportunity", "Opportunity"),
	):
		# A batch of rows at a time (memory bounded); only members with a history have something to link:
		# a few statements per batch find them, instead of several per member.
		for rows in in_batches(child, [field, "parent"], [[child, "parenttype", "=", "Prospect"]]):
			with_history = members_with_history(doctype, [row[field] for row in rows])
			for row in rows:
				if row[field] in with_history:
					joined(doctype, row[field], row.parent)
	if match_emails:
		link_stored_emails()
	return {
		"links": frappe.db.count("Communication Link", {"link_doctype": "Prospect"}) - before["links"],
		"participants": frappe.db.count("Event Participants", {"reference_doctype": "Prospect"})
		- before["participants"],
		"comments": frappe.db.count("Comment", {"reference_doctype": "Prospect", "comment_type": "Comment"})
		- before["comments"],
	}


def link_stored_emails() -> None:
	"""Every stored email linked to the prospects its addresses match (repair)."""
	communication = DocType("Communication")
	free_mail = FreeMail()

	def read(after, size):
		query = (
			frappe.qb.from_(communication)
			.select(
				communication.name,
				*(communication[field] for field in ADDRESS_FIELDS),
				communication.communication_date,
				communication.reference_doctype,
				communication.reference_name,
			)
			.where(communication.communication_type.isin(["Communication", "Automated Message"]))
		)
		if after is not None:
			query = query.where(communication.name > after)
		return query.orderby(communication.name).limit(size).run(as_dict=True)

	for row in (row for batch in keyset(read) for row in batch):
		prospects = prospects_for_addresses(addresses_of(row), free_mail)
		if row.reference_doctype == "Prospect":
			prospects.discard(row.reference_name)
		for prospect in sorted(prospects):
			if not frappe.db.exists(
				"Communication Link", {"parent": row.name, "link_doctype": "Prospect", "link_name": prospect}
			):
				insert_link(row.name, prospect, row.communication_date)
