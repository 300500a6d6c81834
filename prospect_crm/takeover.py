"""Who owns `Prospect`, `Prospect Lead` and `Prospect Opportunity`: the takeover from ERPNext, the guard
that keeps ERPNext's definition from coming back, the hand-back on uninstall, the one "were rows lost?"
check and the ownership report. install.py, uninstall.py and `bench prospect-crm ownership` call it.
"""

import os
from contextlib import contextmanager

import frappe
from frappe import _
from frappe.model import no_value_fields, table_fields
from frappe.modules.import_file import calculate_hash, import_file_by_path, read_doc_from_file

APP = "prospect_crm"
MODULE = "Prospect CRM"
TAKEN_OVER = ("Prospect", "Prospect Lead", "Prospect Opportunity")


def doctype_folder(doctype: str) -> str:
	return frappe.scrub(doctype)


def erpnext_json_path(doctype: str) -> str:
	folder = doctype_folder(doctype)
	return os.path.realpath(frappe.get_app_path("erpnext", "crm", "doctype", folder, f"{folder}.json"))


def our_json_path(doctype: str) -> str:
	folder = doctype_folder(doctype)
	return os.path.realpath(frappe.get_app_path(APP, APP, "doctype", folder, f"{folder}.json"))


def owner_module(doctype: str) -> str | None:
	return frappe.db.get_value("DocType", doctype, "module")


# ---- the guard ------------------------------------------------------------------------------------------


def keep_ours(doc, method=None) -> None:
	"""doc_events["DocType"]["before_import"]: ERPNext's definition of a DocType we own becomes ours.

	Every path that loads a DocType from its JSON (migrate's sync, an ERPNext patch's `reload_doc`, an
	admin's `bench execute frappe.reload_doc`, `import_file_by_path(..., force=True)`) ends in Frappe's
	`import_doc`, which runs this hook before it deletes the stored definition and inserts the incoming one.
	Swapping the incoming content for our JSON there means what gets stored is always ours: module, fields
	and columns stay, and no row or value is touched. The hook is registered only while the app is
	installed; our own uninstall is let through so it can hand the DocTypes back.
	"""
	if doc.name not in TAKEN_OVER or doc.module == MODULE or frappe.flags.prospect_crm_handing_back:
		return
	if APP not in frappe.get_installed_apps():
		return
	replace_with_our_definition(doc)
	print(
		f"prospect_crm: kept {doc.name} in module {MODULE} (an import of ERPNext's definition was replaced)"
	)


def replace_with_our_definition(doc) -> None:
	ours = read_doc_from_file(our_json_path(doc.name))
	# import_doc ran this on the incoming dict already (it orders fields by field_order); ours needs it too.
	prepare = getattr(doc, "prepare_for_import", None)
	if callable(prepare):
		prepare(ours)
	# A property set in ERPNext's JSON and absent from ours must not survive the swap.
	for df in doc.meta.fields:
		if df.fieldtype in table_fields:
			doc.set(df.fieldname, [])
		elif df.fieldtype not in no_value_fields:
			doc.set(df.fieldname, None)
	doc.update(ours)


def guard_registered() -> bool:
	hooks = frappe.get_hooks("doc_events").get("DocType", {}).get("before_import", [])
	return f"{APP}.takeover.keep_ours" in hooks


@contextmanager
def handing_back():
	"""Lets ERPNext's definition through the guard: only our uninstall hands the DocTypes back."""
	frappe.flags.prospect_crm_handing_back = True
	try:
		yield
	finally:
		frappe.flags.prospect_crm_handing_back = False


def skip_erpnext_copies_while_migrating() -> None:
	"""before_migrate: migrate's sync does not even read ERPNext's copies of our DocTypes.

	The guard alone would keep them ours, but ERPNext's JSON differs from the stored hash on every migrate:
	each would be imported (as ours) and then ours again, recreating every DocField of the three DocTypes
	twice per migrate. Skipping the file is cheaper and leaves the stored definition untouched.
	"""
	from frappe.model import sync
	from frappe.modules import import_file

	for module in (sync, import_file):
		original = module.import_file_by_path
		if getattr(original, "prospect_crm_guard", False):
			continue

		def skipping(path, *args, _original=original, **kwargs):
			if is_dormant_erpnext_copy(path):
				return False
			return _original(path, *args, **kwargs)

		skipping.prospect_crm_guard = True
		module.import_file_by_path = skipping


def is_dormant_erpnext_copy(path: str) -> bool:
	"""True for ERPNext's JSON of a DocType this app owns on this site (and is not handing back)."""
	if frappe.flags.prospect_crm_handing_back or "erpnext" not in frappe.get_installed_apps():
		return False
	real_path = os.path.realpath(path)
	for doctype in TAKEN_OVER:
		if real_path == erpnext_json_path(doctype):
			return owner_module(doctype) == MODULE
	return False


# ---- taking over and handing back ------------------------------------------------------------------------


def take_over() -> None:
	"""Stores our JSON wherever the stored definition is not exactly it (a restore, a guarded import)."""
	for doctype in TAKEN_OVER:
		stored = frappe.db.get_value("DocType", doctype, ["module", "migration_hash"], as_dict=True)
		path = our_json_path(doctype)
		if not stored or stored.module != MODULE or stored.migration_hash != calculate_hash(path):
			import_file_by_path(path, force=True)


def hand_back() -> None:
	"""Re-imports ERPNext's own JSON, so Frappe's uninstall finds none of the DocTypes in our module.

	Frappe's uninstall drops the table of every DocType of the app's modules; once the DocTypes are in
	ERPNext's CRM module again, their tables (and our extra columns, with their values) stay.
	"""
	unusable = [
		erpnext_json_path(doctype)
		for doctype in TAKEN_OVER
		if owner_module(doctype) == MODULE and not is_erpnext_definition(erpnext_json_path(doctype), doctype)
	]
	if unusable:
		frappe.throw(
			_(
				"Cannot hand the Prospect DocTypes back to ERPNext: ERPNext's definition is missing or is not ERPNext's ({0}). Restore ERPNext's files (for example `git checkout` in apps/erpnext), then uninstall again. Nothing was removed."
			).format(", ".join(unusable))
		)
	with handing_back():
		for doctype in TAKEN_OVER:
			if owner_module(doctype) == MODULE:
				import_file_by_path(erpnext_json_path(doctype), force=True)
	frappe.db.commit()
	still_ours = [doctype for doctype in TAKEN_OVER if owner_module(doctype) == MODULE]
	if still_ours:
		frappe.throw(
			_("Could not hand {0} back to ERPNext; nothing was removed.").format(", ".join(still_ours))
		)


def is_erpnext_definition(path: str, doctype: str) -> bool:
	"""Whether `path` holds a DocType definition of `doctype` in ERPNext's CRM module."""
	try:
		definition = read_doc_from_file(path)
	except (OSError, ValueError):  # missing, unreadable or not JSON
		return False
	return (
		isinstance(definition, dict)
		and definition.get("doctype") == "DocType"
		and definition.get("name") == doctype
		and definition.get("module") == "CRM"
		and bool(definition.get("fields"))
	)


# ---- rows ------------------------------------------------------------------------------------------------


def table_counts() -> dict[str, int]:
	counts = {}
	for doctype in TAKEN_OVER:
		if frappe.db.table_exists(doctype):
			counts[doctype] = frappe.db.count(doctype)
	return counts


def count_rows_before() -> None:
	frappe.flags.prospect_crm_counts_before = table_counts()


def check_rows_kept(message: str, *, done: bool = True) -> dict[str, int]:
	"""The one "were rows lost?" check of install and uninstall, against `count_rows_before`.

	Throws `message` (translated, with {0} table, {1} rows before, {2} rows now) for the first table
	holding fewer rows than before; returns the counts before. `done` forgets them, so a later check in
	the same process cannot compare with a stale count.
	"""
	if done:
		before = frappe.flags.pop("prospect_crm_counts_before", None) or {}
	else:
		before = frappe.flags.get("prospect_crm_counts_before") or {}
	after = table_counts()
	for table, count in before.items():
		if after.get(table, 0) < count:
			frappe.throw(message.format(table, count, after.get(table, 0)))
	return before


def kept_summary() -> str:
	counts = table_counts()
	return "{} now owns {}; kept {} prospects, {} lead rows, {} opportunity rows.".format(
		APP,
		", ".join(TAKEN_OVER),
		counts.get("Prospect", 0),
		counts.get("Prospect Lead", 0),
		counts.get("Prospect Opportunity", 0),
	)


# ---- report ----------------------------------------------------------------------------------------------


def file_hash(path: str) -> str | None:
	return calculate_hash(path) if os.path.exists(path) else None


def class_overrides(hooks: dict | None = None) -> list[dict]:
	"""For Lead and Opportunity: the class Frappe uses (the last `override_doctype_class` of the installed
	apps wins) and whether it is this app's, or subclasses it (then the back-fill still runs)."""
	import importlib

	hooks = frappe.get_hooks("override_doctype_class") if hooks is None else hooks
	if not isinstance(hooks, dict):  # no installed app overrides a class: Frappe answers an empty list
		hooks = {}
	rows = []
	for doctype, ours in (
		("Lead", "prospect_crm.overrides.lead.Lead"),
		("Opportunity", "prospect_crm.overrides.opportunity.Opportunity"),
	):
		paths = hooks.get(doctype) or []
		used = paths[-1] if paths else None
		keeps_ours = used == ours
		if used and not keeps_ours:
			try:
				module, _, name = used.rpartition(".")
				ours_module, _, ours_name = ours.rpartition(".")
				used_class = getattr(importlib.import_module(module), name)
				keeps_ours = issubclass(used_class, getattr(importlib.import_module(ours_module), ours_name))
			except Exception:
				keeps_ours = False
		rows.append({"doctype": doctype, "class": used, "ours": ours, "keeps_ours": keeps_ours, "all": paths})
	return rows


def customizations() -> dict[str, dict[str, int]]:
	"""Customize Form changes on the taken-over DocTypes (property setters, custom fields): install, migrate,
	the guard and uninstall keep them, as Frappe does for any DocType."""
	return {
		doctype: {
			"property_setters": frappe.db.count("Property Setter", {"doc_type": doctype}),
			"custom_fields": frappe.db.count("Custom Field", {"dt": doctype}),
		}
		for doctype in TAKEN_OVER
	}


def ownership_report() -> list[dict]:
	"""Which app owns each DocType, whether our definition is stored, whether ERPNext's copy is dormant.

	A guarded import leaves ERPNext's file hash stored with our definition (Frappe writes the hash of the
	file it was asked to import): that still counts as ours, and tells migrate ERPNext's copy is handled.
	"""
	guarded = guard_registered()
	rows = []
	for doctype in TAKEN_OVER:
		stored = frappe.db.get_value("DocType", doctype, ["module", "migration_hash"], as_dict=True) or {}
		module = stored.get("module")
		hashes = {file_hash(our_json_path(doctype)), file_hash(erpnext_json_path(doctype))} - {None}
		ours = module == MODULE and stored.get("migration_hash") in hashes
		rows.append(
			{
				"doctype": doctype,
				"module": module,
				"app": frappe.db.get_value("Module Def", module, "app_name") if module else None,
				"matches_our_json": ours,
				"erpnext_copy_dormant": module == MODULE and guarded,
				"rows": frappe.db.count(doctype) if frappe.db.table_exists(doctype) else 0,
			}
		)
	return rows
