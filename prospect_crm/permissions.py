"""Document-level rules Frappe does not have on its own, declared in hooks.py (`has_permission`,
`permission_query_conditions`).

Every Sales User may read every Address and Contact in Frappe. An address or contact that belongs only to
prospects the user may not read (a User Permission on Territory, say) stays hidden too.
"""

import frappe

from prospect_crm.compat import readable_names_sql


def address_or_contact_permission(doc, ptype=None, user=None, debug=False):
	links = doc.get("links") or []
	prospects = [link.link_name for link in links if link.link_doctype == "Prospect"]
	if not prospects or len(prospects) != len(links):
		return None  # not only a prospect's: Frappe's own rules decide
	if any(frappe.has_permission("Prospect", "read", doc=name, user=user) for name in prospects):
		return None
	return False


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
