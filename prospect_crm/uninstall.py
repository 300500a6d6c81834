"""Uninstall hooks: `bench uninstall-app prospect_crm` hands the Prospect DocTypes back to ERPNext.

Every row stays: takeover.hand_back re-imports ERPNext's definition before Frappe drops the app's tables,
and the same "were rows lost?" check as install runs before and after Frappe's part.
"""

import inspect

import frappe
from frappe import _

from prospect_crm import desk, kept_settings, status, takeover
from prospect_crm.compat import restore_erpnext_customer_prospect_field
from prospect_crm.install import remove_prospect_from_crm_sales_pipeline


def before_uninstall():
	if is_dry_run():
		# Frappe runs this hook on a dry run too: say what would happen, change nothing.
		print(
			_(
				"Dry run: {0} would be handed back to ERPNext first, so their tables and rows would be kept; nothing was changed."
			).format(", ".join(takeover.TAKEN_OVER))
		)
		return
	takeover.count_rows_before()
	kept_settings.export()
	restore_erpnext_customer_prospect_field()
	remove_prospect_from_crm_sales_pipeline()
	status.remove_kanban_board()
	desk.remove_list_view_settings()
	takeover.hand_back()
	takeover.check_rows_kept(lost_rows_message(), done=False)


def after_uninstall():
	if is_dry_run():
		return
	takeover.check_rows_kept(lost_rows_message())
	frappe.clear_cache()


def lost_rows_message() -> str:
	return _("Handing {0} back to ERPNext lost rows ({1} before, {2} after).")


def is_dry_run() -> bool:
	"""Whether this uninstall is `bench uninstall-app --dry-run`: Frappe's remove_app passes the hooks no
	arguments, so its own `dry_run` is read from its frame."""
	frame = inspect.currentframe()
	while frame:
		code = frame.f_code
		if code.co_name == "remove_app" and frame.f_globals.get("__name__") == "frappe.installer":
			return bool(frame.f_locals.get("dry_run"))
		frame = frame.f_back
	return False
