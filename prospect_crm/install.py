"""Install and migrate hooks: the takeover of the Prospect DocTypes (takeover.py) and what installing adds.

Each hook is a few calls; how the DocTypes change owner without losing a row lives in takeover.py. Also owns
the Prospect link this app adds to ERPNext's CRM workspace.
"""

import json
import os

import frappe
from frappe import _

from prospect_crm import desk, kept_settings, status, takeover
from prospect_crm.compat import merge_customer_prospect_fields
from prospect_crm.prospect_crm.report.prospect_pipeline.prospect_pipeline import prepare_when_large


def before_install():
	takeover.count_rows_before()


def after_install():
	before = takeover.check_rows_kept(_("Taking over {0} lost rows ({1} before, {2} after)."))
	from frappe.utils.fixtures import sync_fixtures

	from prospect_crm.backfill import copy_row_statuses, set_lead_prospect_from_rows

	# Lead.prospect must exist before it is filled from ERPNext's rows; Frappe syncs fixtures later.
	sync_fixtures("prospect_crm")
	set_lead_prospect_from_rows()
	copy_row_statuses(only_missing=True)
	merge_customer_prospect_fields()
	add_prospect_to_crm_sales_pipeline()
	bring_history()
	desk.fill_owner_names()
	desk.ensure_list_view_settings()
	status.after_install()
	kept_settings.restore()
	if before.get("Prospect"):
		print(takeover.kept_summary())


def before_migrate():
	takeover.skip_erpnext_copies_while_migrating()


def after_migrate():
	takeover.take_over()
	add_indexes()
	merge_customer_prospect_fields()
	add_prospect_to_crm_sales_pipeline()
	status.ensure_kanban_board()
	desk.ensure_list_view_settings()
	prepare_when_large()
	frappe.db.commit()


def add_indexes() -> None:
	"""Emails are matched to prospects by their contacts' addresses (history.py): index them."""
	frappe.db.add_index("Contact Email", ["email_id"])


def bring_history() -> None:
	"""Prospects that existed before (taken over from ERPNext, or before this version) get their website
	domain (indexed, for matching emails), the history of their leads and opportunities on their timeline,
	and their last and next activity (history.py, follow_up.py)."""
	from prospect_crm import follow_up, history
	from prospect_crm.duplicates import website_domain

	add_indexes()
	for name, website in frappe.get_all("Prospect", fields=["name", "website"], as_list=True):
		frappe.db.set_value(
			"Prospect", name, "website_domain", website_domain(website) or None, update_modified=False
		)
	# The members' history only: matching every stored email by address is the repair command's (it reads
	# the whole mail history, too long for an install or a migrate on a large site).
	history.relink_all(match_emails=False)
	follow_up.refresh_all()


def add_prospect_to_crm_sales_pipeline() -> None:
	"""The user's manual opens prospects from CRM > Sales Pipeline; ERPNext lists them under Masters."""
	if not frappe.db.exists("Workspace", "CRM"):
		return
	workspace = frappe.get_doc("Workspace", "CRM")
	links = workspace.links
	card = sales_pipeline_card(links)
	if card is None or prospect_in_sales_pipeline(links) is not None:
		return
	prospect_link = frappe.new_doc("Workspace Link")
	prospect_link.update(
		{
			"type": "Link",
			"label": "Prospect",
			"link_type": "DocType",
			"link_to": "Prospect",
			"onboard": 0,
			"hidden": 0,
		}
	)
	links.insert(card + 1, prospect_link)
	links[card].link_count = (links[card].link_count or 0) + 1
	save_crm_workspace(workspace)


def remove_prospect_from_crm_sales_pipeline() -> None:
	"""before_uninstall: ERPNext's CRM workspace as it was, without the link this app added."""
	if not frappe.db.exists("Workspace", "CRM"):
		return
	if prospect_in_sales_pipeline(erpnext_crm_workspace()) is not None:
		return
	workspace = frappe.get_doc("Workspace", "CRM")
	links = workspace.links
	ours = prospect_in_sales_pipeline(links)
	if ours is None:
		return
	card = sales_pipeline_card(links)
	del links[ours]
	links[card].link_count = max((links[card].link_count or 1) - 1, 0)
	save_crm_workspace(workspace)


def sales_pipeline_card(links) -> int | None:
	return next(
		(
			i
			for i, link in enumerate(links)
			if link.get("type") == "Card Break" and link.get("label") == "Sales Pipeline"
		),
		None,
	)


def prospect_in_sales_pipeline(links) -> int | None:
	"""The index of the Prospect link within the Sales Pipeline card of these workspace links, if it has one."""
	card = sales_pipeline_card(links)
	if card is None:
		return None
	end = next((i for i in range(card + 1, len(links)) if links[i].get("type") == "Card Break"), len(links))
	return next((i for i in range(card + 1, end) if links[i].get("link_to") == "Prospect"), None)


def erpnext_crm_workspace() -> list[dict]:
	"""The links of ERPNext's own CRM workspace file: what the workspace holds without this app."""
	path = frappe.get_app_path("erpnext", "crm", "workspace", "crm", "crm.json")
	if not os.path.exists(path):
		return []
	with open(path) as f:
		return json.load(f).get("links") or []


def save_crm_workspace(workspace) -> bool:
	for idx, link in enumerate(workspace.links, 1):
		link.idx = idx
	try:
		workspace.save(ignore_permissions=True)
		return True
	except Exception:
		# A customized workspace that cannot be saved must not stop an install, a migrate or an uninstall.
		frappe.log_error(title="prospect_crm: could not change the CRM workspace")
		return False
