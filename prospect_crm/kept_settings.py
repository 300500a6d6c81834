"""What an uninstall would otherwise delete of what users entered: Prospect CRM Settings and its owner rules.

Frappe deletes a single DocType's values and drops its child tables when the app's module goes. Before that,
the settings are written to a JSON file among the site's private files; installing the app again restores
the newest such file. Columns the app added to other tables (`Lead.prospect`, `Customer.prospect`, the
Prospect fields ERPNext does not have) keep their data: Frappe deletes the fields, not the columns.
"""

import json
import os

import frappe
from frappe import _
from frappe.utils import now_datetime

SETTINGS = "Prospect CRM Settings"
PREFIX = "prospect_crm_settings-"


def folder() -> str:
	return frappe.get_site_path("private", "prospect_crm")


def export() -> str | None:
	"""before_uninstall: the settings as a file; returns its path (None when their DocType is already gone)."""
	if not frappe.db.exists("DocType", SETTINGS):
		return None
	values = frappe.get_single(SETTINGS).as_dict(no_default_fields=True, no_child_table_fields=True)
	values = {key: value for key, value in values.items() if key not in ("doctype", "name")}
	os.makedirs(folder(), exist_ok=True)
	path = os.path.join(folder(), f"{PREFIX}{now_datetime():%Y%m%d-%H%M%S}.json")
	with open(path, "w") as f:
		json.dump(values, f, indent=1, default=str, sort_keys=True)
	print(_("Prospect CRM Settings saved to {0}; installing the app again restores them.").format(path))
	return path


def newest_export() -> str | None:
	if not os.path.isdir(folder()):
		return None
	files = sorted(
		name for name in os.listdir(folder()) if name.startswith(PREFIX) and name.endswith(".json")
	)
	return os.path.join(folder(), files[-1]) if files else None


def restore() -> None:
	"""after_install: the settings an earlier uninstall saved, if any."""
	path = newest_export()
	if not path:
		return
	with open(path) as f:
		values = json.load(f)
	settings = frappe.get_single(SETTINGS)
	meta = settings.meta
	for fieldname, value in values.items():
		field = meta.get_field(fieldname)
		if not field:
			continue
		if field.fieldtype in frappe.model.table_fields:
			settings.set(fieldname, [])
			for row in value or []:
				settings.append(fieldname, row)
		else:
			settings.set(fieldname, value)
	settings.flags.ignore_permissions = True
	settings.save()
	print(_("Prospect CRM Settings restored from {0}.").format(path))
