"""Who is following a prospect up: when it was last worked on, what is planned next, and a daily digest.

- `last_activity_on`: the latest email, comment, note, completed task or closed event of the prospect or of
  its leads and opportunities. Moved forward by the hooks of those documents (one UPDATE, never a save).
- `next_activity_on` and `follow_up`: the earliest open task date or open event start among the same
  documents (a task without a date, such as the owner's assignment, plans nothing; Frappe dates other
  assignments today by default), and what that means today: Planned, Overdue (the date has passed) or
  None planned. Recomputed for the prospects a task or event touches (two indexed queries), and by the daily
  job as dates pass.
- The daily digest: each prospect owner gets the list of their open or engaged prospects that need a
  follow-up, as a Notification Log entry and an email through Frappe's email queue.
"""

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Min
from frappe.utils import get_datetime, getdate, now_datetime, today

from prospect_crm.batches import in_batches

PLANNED, OVERDUE, NONE_PLANNED = "Planned", "Overdue", "None planned"
FOLLOWED_STATUSES = ("Open", "Engaged")
MEMBER_DOCTYPES = ("Prospect", "Lead", "Opportunity")


# ---- which prospects a document is about ----


def prospects_of(references: list[tuple[str, str]]) -> set[str]:
	"""The prospects of these (doctype, name) references: the prospect itself, a lead's prospect, the
	prospect listing an opportunity."""
	prospects = {name for doctype, name in references if doctype == "Prospect" and name}
	leads = sorted({name for doctype, name in references if doctype == "Lead" and name})
	opportunities = sorted({name for doctype, name in references if doctype == "Opportunity" and name})
	if leads:
		prospects |= set(
			frappe.get_all(
				"Lead", filters={"name": ("in", leads), "prospect": ("is", "set")}, pluck="prospect"
			)
		)
	if opportunities:
		from prospect_crm.backfill import prospects_of_opportunities

		prospects |= {p for p in prospects_of_opportunities(opportunities).values() if p}
	return {name for name in prospects if name}


def members(prospects: list[str]) -> dict[tuple[str, str], set[str]]:
	"""(doctype, name) of these prospects and of every lead and opportunity they list -> the prospects."""
	owner = {("Prospect", name): {name} for name in prospects}
	for child, field, doctype in (
		("Prospect Lead", "lead", "Lead"),
		("Prospect Opportunity", "opportunity", "Opportunity"),
	):
		for member, parent in frappe.get_all(
			child,
			filters={"parent": ("in", prospects), "parenttype": "Prospect"},
			fields=[field, "parent"],
			as_list=True,
		):
			owner.setdefault((doctype, member), set()).add(parent)
	return owner


def names_by_doctype(owner: dict[tuple[str, str], set[str]]) -> dict[str, list[str]]:
	by_doctype: dict[str, list[str]] = {}
	for doctype, name in owner:
		by_doctype.setdefault(doctype, []).append(name)
	return by_doctype


# ---- last activity ----


def touch(prospects: set[str], at=None) -> None:
	"""These prospects were worked on at `at` (now by default): last_activity_on moves forward, never back."""
	if not prospects:
		return
	# Never in the future: Frappe writes an event's "Meeting" communication at the event's start.
	at = min(get_datetime(at or now_datetime()), now_datetime())
	prospect = DocType("Prospect")
	frappe.qb.update(prospect).set(prospect.last_activity_on, at).where(
		prospect.name.isin(sorted(prospects))
		& (prospect.last_activity_on.isnull() | (prospect.last_activity_on < at))
	).run()


def on_communication(communication, method=None) -> None:
	"""Communication.after_insert (after the timeline links are written, history.py)."""
	references = [(communication.reference_doctype, communication.reference_name)]
	references += [(row.link_doctype, row.link_name) for row in communication.get("timeline_links") or []]
	references = [(doctype, name) for doctype, name in references if doctype in MEMBER_DOCTYPES]
	if references:
		touch(prospects_of(references), communication.communication_date or communication.creation)


def on_comment(comment, method=None) -> None:
	"""Comment.after_insert: a comment written on a prospect, a lead or an opportunity."""
	if comment.comment_type == "Comment" and comment.reference_doctype in MEMBER_DOCTYPES:
		touch(prospects_of([(comment.reference_doctype, comment.reference_name)]), comment.creation)


def on_todo(todo, method=None) -> None:
	"""ToDo.on_update / on_trash: a task of a prospect, lead or opportunity was added, moved, done or
	cancelled (or deleted)."""
	if todo.reference_type not in MEMBER_DOCTYPES or not todo.reference_name:
		return
	prospects = prospects_of([(todo.reference_type, todo.reference_name)])
	if method != "on_trash" and todo.status == "Closed" and todo.has_value_changed("status"):
		touch(prospects)
	refresh_next(prospects)


def on_event(event, method=None) -> None:
	"""Event.on_update / on_trash: an event with a prospect, lead or opportunity among its participants."""
	references = [
		(row.reference_doctype, row.reference_docname)
		for row in event.get("event_participants") or []
		if row.reference_doctype in MEMBER_DOCTYPES
	]
	if not references:
		return
	prospects = prospects_of(references)
	if method != "on_trash" and event.status == "Closed" and event.has_value_changed("status"):
		touch(prospects)
	refresh_next(prospects)


# ---- next activity ----


def among(type_column, name_column, by_doctype: dict[str, list[str]]):
	"""(type_column, name_column) names one of the documents of `by_doctype` (DocType -> names)."""
	condition = None
	for doctype, names in by_doctype.items():
		clause = (type_column == doctype) & name_column.isin(names)
		condition = clause if condition is None else condition | clause
	return condition


def next_activities(prospects: list[str]) -> dict[str, object]:
	"""prospect -> the earliest open task date or open event start (None: nothing planned), in two queries
	over the members' tasks and event participations (both indexed by reference)."""
	owner = members(prospects)
	by_doctype = names_by_doctype(owner)
	result = dict.fromkeys(prospects)

	def note(reference, date):
		for prospect in owner.get(reference, ()):
			if date and (result[prospect] is None or getdate(date) < result[prospect]):
				result[prospect] = getdate(date)

	todo = DocType("ToDo")
	condition = among(todo.reference_type, todo.reference_name, by_doctype)
	for reference_type, reference_name, date in (
		frappe.qb.from_(todo)
		.select(todo.reference_type, todo.reference_name, Min(todo.date))
		.where((todo.status == "Open") & todo.date.isnotnull() & condition)
		.groupby(todo.reference_type, todo.reference_name)
		.run()
	):
		note((reference_type, reference_name), date)

	event, participant = DocType("Event"), DocType("Event Participants")
	condition = among(participant.reference_doctype, participant.reference_docname, by_doctype)
	for reference_doctype, reference_docname, starts_on in (
		frappe.qb.from_(participant)
		.join(event)
		.on(event.name == participant.parent)
		.select(participant.reference_doctype, participant.reference_docname, Min(event.starts_on))
		.where((event.status == "Open") & condition)
		.groupby(participant.reference_doctype, participant.reference_docname)
		.run()
	):
		note((reference_doctype, reference_docname), starts_on)
	return result


def state(next_on) -> str:
	if not next_on:
		return NONE_PLANNED
	if next_on and getdate(next_on) < getdate(today()):
		return OVERDUE
	return PLANNED


def refresh_next(prospects) -> None:
	"""Recompute next_activity_on and follow_up of these prospects (single-row updates, no save)."""
	prospects = sorted(p for p in prospects if p)
	if not prospects:
		return
	prospect = DocType("Prospect")
	for name, next_on in next_activities(prospects).items():
		frappe.qb.update(prospect).set(prospect.next_activity_on, next_on).set(
			prospect.follow_up, state(next_on)
		).where(prospect.name == name).run()


def refresh_all() -> None:
	"""Every prospect's last and next activity from the data (patch, repair), in chunks."""
	for prospects in in_batches("Prospect", [], size=500):
		chunk = [prospect.name for prospect in prospects]
		refresh_next(chunk)
		last = last_activity_with_members(chunk)
		for name, at in last.items():
			touch({name}, at)


def last_activity_with_members(prospects: list[str]) -> dict[str, object]:
	"""The latest email, comment, completed task or closed event of each prospect and of its members."""
	owner = members(prospects)
	latest: dict[str, object] = {}

	def note(reference, at):
		for prospect in owner.get(reference, ()):
			if at and (prospect not in latest or get_datetime(at) > get_datetime(latest[prospect])):
				latest[prospect] = at

	for doctype, names in names_by_doctype(owner).items():
		for name, at in frappe.db.sql(
			"""select reference_name, max(communication_date) from `tabCommunication`
			where reference_doctype = %(doctype)s and reference_name in %(names)s group by reference_name""",
			{"doctype": doctype, "names": names},
		):
			note((doctype, name), at)
		for name, at in frappe.db.sql(
			"""select l.link_name, max(c.communication_date) from `tabCommunication Link` l
			join `tabCommunication` c on c.name = l.parent
			where l.link_doctype = %(doctype)s and l.link_name in %(names)s group by l.link_name""",
			{"doctype": doctype, "names": names},
		):
			note((doctype, name), at)
		for name, at in frappe.db.sql(
			"""select reference_name, max(creation) from `tabComment` where comment_type = 'Comment'
			and reference_doctype = %(doctype)s and reference_name in %(names)s group by reference_name""",
			{"doctype": doctype, "names": names},
		):
			note((doctype, name), at)
		for name, at in frappe.db.sql(
			"""select reference_name, max(modified) from `tabToDo` where status = 'Closed'
			and reference_type = %(doctype)s and reference_name in %(names)s group by reference_name""",
			{"doctype": doctype, "names": names},
		):
			note((doctype, name), at)
		for name, at in frappe.db.sql(
			"""select p.reference_docname, max(e.modified) from `tabEvent Participants` p
			join `tabEvent` e on e.name = p.parent where e.status = 'Closed'
			and p.reference_doctype = %(doctype)s and p.reference_docname in %(names)s
			group by p.reference_docname""",
			{"doctype": doctype, "names": names},
		):
			note((doctype, name), at)
	for parent, at in frappe.db.sql(
		"""select parent, max(added_on) from `tabCRM Note` where parenttype = 'Prospect'
		and parent in %(names)s group by parent""",
		{"names": prospects},
	):
		note(("Prospect", parent), at)
	return latest


def flip_overdue() -> int:
	"""Daily: planned follow-ups whose date has passed become overdue (one UPDATE)."""
	prospect = DocType("Prospect")
	overdue = frappe.get_all(
		"Prospect", filters={"follow_up": PLANNED, "next_activity_on": ("<", today())}, pluck="name"
	)
	if overdue:
		frappe.qb.update(prospect).set(prospect.follow_up, OVERDUE).where(prospect.name.isin(overdue)).run()
	return len(overdue)


# ---- needing a follow-up ----


def needs_follow_up_filters(user: str | None = None) -> dict:
	"""The "Needs follow-up" view: open or engaged prospects of `user` with no planned activity or an
	overdue one."""
	filters = {"status": ("in", FOLLOWED_STATUSES), "follow_up": ("in", (OVERDUE, NONE_PLANNED))}
	if user:
		filters["prospect_owner"] = user
	return filters


# ---- the daily digest ----


def digest_enabled_for(user: str) -> bool:
	if not frappe.db.get_single_value("Prospect CRM Settings", "send_follow_up_digest"):
		return False
	value = frappe.db.get_value("Notification Settings", user, "prospect_follow_up_digest")
	return value is None or bool(value)


def digest_rows(user: str) -> list[dict]:
	return frappe.get_all(
		"Prospect",
		filters=needs_follow_up_filters(user),
		fields=["name", "company_name", "status", "follow_up", "next_activity_on", "last_activity_on"],
		order_by="follow_up desc, next_activity_on asc, name asc",
		limit=200,
	)


def digest_content(user: str, rows: list[dict]) -> tuple[str, str]:
	"""(subject, HTML) of a user's digest, in the user's language."""
	from frappe.utils import escape_html, format_date, get_url_to_form

	subject = _("{0} prospects need a follow-up").format(len(rows))
	lines = []
	for row in rows:
		when = ""
		if row.follow_up == OVERDUE and row.next_activity_on:
			when = _("overdue since {0}").format(format_date(row.next_activity_on))
		else:
			when = _("no activity planned")
		lines.append(
			f'<li><a href="{get_url_to_form("Prospect", row.name)}">{escape_html(row.company_name or row.name)}'
			f"</a> ({escape_html(_(row.status))}): {escape_html(when)}</li>"
		)
	body = f"<p>{escape_html(subject)}:</p><ul>{''.join(lines)}</ul>"
	return subject, body


def send_digest(user: str) -> str | None:
	"""The digest of one user, when they have prospects to follow up: a Notification Log entry and an
	email in the queue. Returns the subject, or None when nothing was sent."""
	if not digest_enabled_for(user):
		return None
	rows = digest_rows(user)
	if not rows:
		return None
	email = frappe.db.get_value("User", {"name": user, "enabled": 1}, "email")
	if not email:
		return None
	language = frappe.db.get_value("User", user, "language") or frappe.db.get_default("lang") or "en"
	previous = frappe.local.lang
	frappe.local.lang = language
	try:
		frappe.local.lang_full_dict = None
		subject, body = digest_content(user, rows)
	finally:
		frappe.local.lang = previous
		frappe.local.lang_full_dict = None
	log = frappe.new_doc("Notification Log")
	log.update(
		{
			"for_user": user,
			"type": "Alert",
			"subject": subject,
			"email_content": body,
			"document_type": "Prospect",
			"document_name": rows[0].name,
		}
	)
	log.flags.prospect_crm_digest = True
	log.insert(ignore_permissions=True)
	frappe.sendmail(recipients=[email], subject=subject, message=body, now=False, delayed=True)
	return subject


def daily() -> None:
	"""Scheduler (daily): overdue follow-ups, then each owner's digest."""
	flip_overdue()
	if not frappe.db.get_single_value("Prospect CRM Settings", "send_follow_up_digest"):
		return
	owners = frappe.get_all(
		"Prospect",
		filters=needs_follow_up_filters(),
		distinct=True,
		pluck="prospect_owner",
	)
	for user in sorted({owner for owner in owners if owner}):
		try:
			send_digest(user)
		except Exception:
			frappe.log_error(title=f"prospect_crm: follow-up digest for {user}")
