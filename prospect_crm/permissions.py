"""Every permission rule of the app: the checks whitelisted methods make on each document they touch, and
the document-level rules Frappe does not have on its own, declared in hooks.py (`has_permission`,
`permission_query_conditions`).

Every Sales User may read every Address and Contact in Frappe. An address or contact that belongs only to
prospects the user may not read (a User Permission on Territory, say) stays hidden too.
"""

import frappe
from frappe import _

from prospect_crm.compat import readable_names_sql


def check_read(doctype: str, name: str) -> None:
	"""The document exists and the session user may read it; otherwise a clear, translated error."""
	if not name or not frappe.db.exists(doctype, name):
		frappe.throw(
			_("{0} {1} does not exist.").format(_(doctype), frappe.bold(name)), frappe.DoesNotExistError
		)
	if not frappe.has_permission(doctype, "read", name):
		frappe.throw(
			_("You are not permitted to read {0} {1}.").format(_(doctype), frappe.bold(name)),
			frappe.PermissionError,
		)


def check_permission(doctype: str, ptype: str, name: str | None = None) -> None:
	"""The session user may `ptype` the document (or the DocType when no name is given)."""
	if not frappe.has_permission(doctype, ptype, name):
		target = f"{_(doctype)} {name}" if name else _(doctype)
		frappe.throw(_("You are not permitted to {0} {1}.").format(_(ptype), target), frappe.PermissionError)


def address_or_contact_permission(doc, ptype=None, user=None, debug=False):
	"""has_permission hook of Address and Contact: hidden when linked only to prospects the user may not read;
	otherwise Frappe's own rule for them decides. That rule is called here rather than left to run after us:
	Frappe v15 stops at the first hook that answers and v16 treats a hook answering None as a refusal, so
	answering "no objection" the same way on both means giving Frappe's own answer."""
	from frappe.contacts.address_and_contact import has_permission as frappe_rule

	links = doc.get("links") or []
	prospects = [link.link_name for link in links if link.link_doctype == "Prospect"]
	if prospects and len(prospects) == len(links):
		if not any(frappe.has_permission("Prospect", "read", doc=name, user=user) for name in prospects):
			return False
	return frappe_rule(doc, ptype, user)


def address_or_contact_query(user=None, doctype=None):
	"""Lists of addresses and contacts leave out those that belong only to prospects the user may not read."""
	user = user or frappe.session.user
	if user == "Administrator" or "System Manager" in frappe.get_roles(user):
		return ""
	readable = readable_names_sql("Prospect")
	table = f"`tab{doctype}`"
	link = (
		f"select 1 from `tabDynamic Link` link where link.parent = {table}.name "
		f"and link.parenttype = {frappe.db.escape(doctype)}"
	)
	return (
		f"(not exists ({link} and link.link_doctype = 'Prospect') "
		f"or exists ({link} and (link.link_doctype != 'Prospect' or link.link_name in ({readable}))))"
	)


def address_query(user=None):
	return address_or_contact_query(user, "Address")


def contact_query(user=None):
	return address_or_contact_query(user, "Contact")
