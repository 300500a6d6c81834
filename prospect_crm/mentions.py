"""@mentions in a prospect's notes: the mentioned users are notified (Frappe's Notification Log, type
Mention, emailed as their notification settings say), each only if they may read the prospect."""

import frappe
from frappe import _
from frappe.desk.doctype.notification_log.notification_log import (
	get_title,
	get_title_html,
	make_notification_logs,
)
from frappe.desk.notifications import extract_mentions
from frappe.utils import get_fullname


def mentioned_users(content: str | None) -> list[str]:
	"""Enabled system users mentioned in `content` (by name or email), in order, once each."""
	users = []
	for mention in extract_mentions(content or ""):
		user = frappe.db.get_value(
			"User",
			{"name": mention, "enabled": 1, "user_type": "System User"},
			"name",
		) or frappe.db.get_value("User", {"email": mention, "enabled": 1, "user_type": "System User"}, "name")
		if user and user not in users:
			users.append(user)
	return users


def notify(doc, content: str | None, previous: str | None = None) -> dict[str, list[str]]:
	"""Notify the users mentioned in `content` (and not already in `previous`, an edited note's old text)
	who may read `doc`. Returns {"notified": [...], "refused": [...]}; the author is told who was not."""
	already = set(mentioned_users(previous)) if previous else set()
	notified, refused = [], []
	for user in mentioned_users(content):
		if user in already or user == frappe.session.user:
			continue
		if frappe.has_permission(doc.doctype, "read", doc=doc, user=user):
			notified.append(user)
		else:
			refused.append(user)
	if notified:
		make_notification_logs(
			frappe._dict(
				{
					"type": "Mention",
					"document_type": doc.doctype,
					"document_name": doc.name,
					"subject": _("{0} mentioned you in a note in {1} {2}").format(
						frappe.bold(get_fullname(frappe.session.user)),
						frappe.bold(_(doc.doctype)),
						get_title_html(get_title(doc.doctype, doc.name)),
					),
					"from_user": frappe.session.user,
					"email_content": content,
				}
			),
			[frappe.db.get_value("User", user, "email") for user in notified],
		)
	if refused:
		frappe.msgprint(
			_("Not notified, as they may not read this {0}: {1}").format(
				_(doc.doctype), ", ".join(frappe.bold(get_fullname(user)) for user in refused)
			),
			indicator="orange",
			alert=True,
		)
	return {"notified": notified, "refused": refused}
