"""Uninstall hooks: `bench uninstall-app prospect_crm` hands the Prospect DocTypes back to ERPNext.

Every row stays: takeover.hand_back re-imports ERPNext's definition before Frappe drops the app's tables,
and the same "were rows lost?" check as install runs before and after Frappe's part.
"""

import frappe
from frappe import _

from prospect_crm import desk, status, takeover
from prospect_crm.compat import restore_erpnext_customer_prospect_field


def before_uninstall():
	takeover.count_rows_before()
	restore_erpnext_customer_prospect_field()
	status.remove_kanban_board()
	desk.remove_list_view_settings()
	takeover.hand_back()
	takeover.check_rows_kept(lost_rows_message(), done=False)


def after_uninstall():
	takeover.check_rows_kept(lost_rows_message())
	frappe.clear_cache()


def lost_rows_message() -> str:
	return _("Handing {0} back to ERPNext lost rows ({1} before, {2} after).")
