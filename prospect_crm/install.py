"""Taking the Prospect DocTypes over from ERPNext without losing a row, and keeping them ours on migrate.

ERPNext v15 ships `Prospect`, `Prospect Lead` and `Prospect Opportunity` in its CRM module. This app declares
the same DocTypes in its module "Prospect CRM". Installing imports our JSON over ERPNext's definition: the
tables and every row stay, new columns are added. On each `bench migrate`, ERPNext is synced before us and
its JSON differs from the stored hash, so Frappe would re-import it (module back to CRM, our fields gone)
before re-importing ours. `before_migrate` keeps ERPNext's copies dormant for that run instead.
"""

import os

import frappe
from frappe.modules.import_file import calculate_hash

from prospect_crm.compat import merge_customer_prospect_fields

MODULE = "Prospect CRM"
TAKEN_OVER = ("Prospect", "Prospect Lead", "Prospect Opportunity")


def doctype_folder(doctype: str) -> str:
	return frappe.scrub(doctype)


def erpnext_json_path(doctype: str) -> str:
	folder = doctype_folder(doctype)
	return os.path.realpath(frappe.get_app_path("erpnext", "crm", "doctype", folder, f"{folder}.json"))


def our_json_path(doctype: str) -> str:
	folder = doctype_folder(doctype)
	return os.path.realpath(
		frappe.get_app_path("prospect_crm", "prospect_crm", "doctype", folder, f"{folder}.json")
	)


def owner_module(doctype: str) -> str | None:
	return frappe.db.get_value("DocType", doctype, "module")


def before_install():
	"""Count what ERPNext holds, so after_install can prove nothing was lost."""
	frappe.flags.prospect_crm_counts_before = table_counts()


def after_install():
	counts_before = frappe.flags.pop("prospect_crm_counts_before", None) or {}
	counts_after = table_counts()
	for table, count in counts_before.items():
		if counts_after.get(table, 0) < count:
			frappe.throw(
				frappe._("Taking over {0} lost rows ({1} before, {2} after).").format(
					table, count, counts_after.get(table, 0)
				)
			)
	from frappe.utils.fixtures import sync_fixtures

	from prospect_crm.backfill import set_lead_prospect_from_rows

	# Lead.prospect must exist before it is filled from ERPNext's rows; Frappe syncs fixtures later.
	sync_fixtures("prospect_crm")
	set_lead_prospect_from_rows()
	merge_customer_prospect_fields()
	add_prospect_to_crm_sales_pipeline()
	if counts_before.get("Prospect"):
		print(
			"prospect_crm now owns {}; kept {} prospects, {} lead rows, {} opportunity rows.".format(
				", ".join(TAKEN_OVER),
				counts_after.get("Prospect", 0),
				counts_after.get("Prospect Lead", 0),
				counts_after.get("Prospect Opportunity", 0),
			)
		)


def table_counts() -> dict[str, int]:
	counts = {}
	for doctype in TAKEN_OVER:
		if frappe.db.table_exists(doctype):
			counts[doctype] = frappe.db.count(doctype)
	return counts


def before_migrate():
	"""Keep ERPNext's copies of our DocTypes dormant while this migrate syncs ERPNext."""
	from frappe.model import sync
	from frappe.modules import import_file

	for module in (sync, import_file):
		original = module.import_file_by_path
		if getattr(original, "prospect_crm_guard", False):
			continue

		def guarded(path, *args, _original=original, **kwargs):
			if is_dormant_erpnext_copy(path):
				return False
			return _original(path, *args, **kwargs)

		guarded.prospect_crm_guard = True
		module.import_file_by_path = guarded


def is_dormant_erpnext_copy(path: str) -> bool:
	"""True for ERPNext's JSON of a DocType this app owns on this site."""
	if "erpnext" not in frappe.get_installed_apps():
		return False
	real_path = os.path.realpath(path)
	for doctype in TAKEN_OVER:
		if real_path == erpnext_json_path(doctype):
			return owner_module(doctype) == MODULE
	return False


def after_migrate():
	"""Re-assert ownership if something (a restore, a manual reload) handed a DocType back to ERPNext."""
	from frappe.modules.import_file import import_file_by_path

	for doctype in TAKEN_OVER:
		path = our_json_path(doctype)
		stored = frappe.db.get_value("DocType", doctype, ["module", "migration_hash"], as_dict=True)
		if not stored or stored.module != MODULE or stored.migration_hash != calculate_hash(path):
			import_file_by_path(path, force=True)
	merge_customer_prospect_fields()
	add_prospect_to_crm_sales_pipeline()
	frappe.db.commit()


def ownership_report() -> list[dict]:
	"""Which app owns each taken-over DocType, and whether ERPNext's copy is dormant."""
	rows = []
	for doctype in TAKEN_OVER:
		stored = frappe.db.get_value("DocType", doctype, ["module", "migration_hash"], as_dict=True) or {}
		module = stored.get("module")
		rows.append(
			{
				"doctype": doctype,
				"module": module,
				"app": frappe.db.get_value("Module Def", module, "app_name") if module else None,
				"matches_our_json": stored.get("migration_hash") == calculate_hash(our_json_path(doctype)),
				"erpnext_copy_dormant": module == MODULE,
				"rows": frappe.db.count(doctype) if frappe.db.table_exists(doctype) else 0,
			}
		)
	return rows


def add_prospect_to_crm_sales_pipeline() -> None:
	"""The user's manual opens prospects from CRM > Sales Pipeline; ERPNext lists them under Masters."""
	if not frappe.db.exists("Workspace", "CRM"):
		return
	workspace = frappe.get_doc("Workspace", "CRM")
	links = workspace.links
	card = next(
		(i for i, link in enumerate(links) if link.type == "Card Break" and link.label == "Sales Pipeline"),
		None,
	)
	if card is None:
		return
	end = next((i for i in range(card + 1, len(links)) if links[i].type == "Card Break"), len(links))
	if any(link.link_to == "Prospect" for link in links[card + 1 : end]):
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
	for idx, link in enumerate(links, 1):
		link.idx = idx
	try:
		workspace.save(ignore_permissions=True)
	except Exception:
		# A customized workspace that cannot be saved must not stop an install or a migrate.
		frappe.log_error(title="prospect_crm: could not add Prospect to the CRM workspace")
