"""Handing the Prospect DocTypes back to ERPNext on `bench uninstall-app prospect_crm`, keeping every row.

Frappe's uninstall drops the table of every DocType whose module belongs to the app. Re-importing ERPNext's
own JSON first moves the DocTypes back to ERPNext's CRM module, so their tables (and our extra columns,
with their values) stay where they are.
"""

import frappe
from frappe.modules.import_file import import_file_by_path

from prospect_crm.compat import restore_erpnext_customer_prospect_field
from prospect_crm.install import MODULE, TAKEN_OVER, erpnext_json_path, table_counts


def before_uninstall():
	frappe.flags.prospect_crm_counts_before = table_counts()
	restore_erpnext_customer_prospect_field()
	for doctype in TAKEN_OVER:
		if frappe.db.get_value("DocType", doctype, "module") == MODULE:
			import_file_by_path(erpnext_json_path(doctype), force=True)
	frappe.db.commit()
	still_ours = frappe.get_all(
		"DocType", filters={"name": ("in", TAKEN_OVER), "module": MODULE}, pluck="name"
	)
	if still_ours:
		frappe.throw(frappe._("Could not hand {0} back to ERPNext; nothing was removed.").format(still_ours))


def after_uninstall():
	counts_before = frappe.flags.pop("prospect_crm_counts_before", None) or {}
	counts_after = table_counts()
	for table, count in counts_before.items():
		if counts_after.get(table, 0) != count:
			print(f"WARNING: {table} had {count} rows before uninstall and has {counts_after.get(table, 0)}")
	frappe.clear_cache()
