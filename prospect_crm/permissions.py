"""Document-level rules Frappe does not have on its own, declared in hooks.py (`has_permission`).

Every Sales User may read every Address and Contact in Frappe. An address or contact that belongs only to
prospects the user may not read (a User Permission on Territory, say) stays hidden too.
"""

import frappe


def address_or_contact_permission(doc, ptype=None, user=None, debug=False):
	links = doc.get("links") or []
	prospects = [link.link_name for link in links if link.link_doctype == "Prospect"]
	if not prospects or len(prospects) != len(links):
		return None  # not only a prospect's: Frappe's own rules decide
	if any(frappe.has_permission("Prospect", "read", doc=name, user=user) for name in prospects):
		return None
	return False
