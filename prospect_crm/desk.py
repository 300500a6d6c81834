"""What the desk shows of prospects by default: the list's columns (a List View Settings record, created
when missing and never overwritten, so an administrator's choice stays) and the owner's full name that the
list shows instead of a user ID."""

import json

import frappe

# The list at 1366 px: status, open pipeline, owner, follow-up (with the next activity's date), territory.
LIST_COLUMNS = (
	("status_field", "Status"),
	("open_pipeline_amount", "Open Pipeline Amount"),
	("prospect_owner_name", "Prospect Owner Name"),
	("follow_up", "Follow-up"),
	("territory", "Territory"),
)


def ensure_list_view_settings() -> None:
	"""after_install / after_migrate: the Prospect list's columns, unless the site already chose its own."""
	if frappe.db.exists("List View Settings", "Prospect"):
		return
	settings = frappe.new_doc("List View Settings")
	settings.name = "Prospect"
	if settings.meta.has_field("total_fields"):
		# Frappe v15 shows 4 columns at 1366 px unless told: the title and the tag columns, then these.
		# (Frappe v16 shows every column of the settings.)
		settings.total_fields = str(len(LIST_COLUMNS) + 2)
	settings.fields = json.dumps([{"fieldname": field, "label": label} for field, label in LIST_COLUMNS])
	settings.insert(ignore_permissions=True, set_name="Prospect")


def fill_owner_names() -> None:
	"""Prospects saved before the field existed, or taken over from ERPNext: the owner's full name."""
	frappe.db.sql(
		"""update `tabProspect` p join `tabUser` u on u.name = p.prospect_owner
		set p.prospect_owner_name = u.full_name
		where coalesce(p.prospect_owner_name, '') != coalesce(u.full_name, '')"""
	)


def remove_list_view_settings() -> None:
	"""before_uninstall: the list settings this app created, unless an administrator changed them."""
	fields = frappe.db.get_value("List View Settings", "Prospect", "fields")
	if fields and [column["fieldname"] for column in json.loads(fields)] == [f for f, _ in LIST_COLUMNS]:
		frappe.delete_doc("List View Settings", "Prospect", ignore_permissions=True, force=True)
