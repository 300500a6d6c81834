"""The few places where Frappe/ERPNext v15 releases differ, detected by behaviour, never by version number.

- ERPNext 15.102 gives Customer its own "From Prospect" link (`prospect_name`) beside ours (`prospect`):
  ours stays the one the desk shows, ERPNext's is hidden and both always hold the same value, so that
  ERPNext's own "existing customer of this prospect" lookup finds the customer we made.
- Whitelisted ERPNext functions gained parameters over the releases (`make_sales_order(..., args=None)`).
"""

import inspect

import frappe
from frappe.custom.doctype.property_setter.property_setter import make_property_setter

CUSTOMER_PROSPECT_FIELD = "prospect"
ERPNEXT_CUSTOMER_PROSPECT_FIELD = "prospect_name"


def erpnext_customer_prospect_field() -> str | None:
	"""`prospect_name` when ERPNext's own Customer DocType declares it (not a custom field of ours). Read from
	the cached meta: this runs on every Customer save and in the status job."""
	field = frappe.get_meta("Customer").get_field(ERPNEXT_CUSTOMER_PROSPECT_FIELD)
	if field and not field.get("is_custom_field"):
		return ERPNEXT_CUSTOMER_PROSPECT_FIELD
	return None


def sync_customer_prospect_fields(customer, method=None) -> None:
	"""Customer.validate: both "From Prospect" links carry the same prospect, whichever one was set."""
	other = erpnext_customer_prospect_field()
	if not other:
		return
	ours, theirs = customer.get(CUSTOMER_PROSPECT_FIELD), customer.get(other)
	if ours == theirs:
		return
	if ours and (not theirs or customer.is_new() or customer.has_value_changed(CUSTOMER_PROSPECT_FIELD)):
		customer.set(other, ours)
	else:
		customer.set(CUSTOMER_PROSPECT_FIELD, theirs)


def merge_customer_prospect_fields() -> None:
	"""Install/migrate: hide ERPNext's duplicate field and copy values between the two, keeping every one."""
	other = erpnext_customer_prospect_field()
	if not other or not frappe.db.has_column("Customer", CUSTOMER_PROSPECT_FIELD):
		return
	customer = frappe.qb.DocType("Customer")
	ours, theirs = customer[CUSTOMER_PROSPECT_FIELD], customer[other]
	frappe.qb.update(customer).set(ours, theirs).where(ours.isnull() | (ours == "")).where(
		theirs.notnull() & (theirs != "")
	).run()
	frappe.qb.update(customer).set(theirs, ours).where(theirs.isnull() | (theirs == "")).where(
		ours.notnull() & (ours != "")
	).run()
	make_property_setter("Customer", other, "hidden", 1, "Check", validate_fields_for_doctype=False)


def restore_erpnext_customer_prospect_field() -> None:
	"""Uninstall: ERPNext's own field is shown again (its values were kept in step all along)."""
	other = erpnext_customer_prospect_field()
	if other:
		frappe.db.delete(
			"Property Setter", {"doc_type": "Customer", "field_name": other, "property": "hidden"}
		)
		frappe.clear_cache(doctype="Customer")


def call_with_supported_args(function, **kwargs):
	"""Call an ERPNext function with only the keyword arguments its signature accepts (None ones dropped)."""
	parameters = inspect.signature(inspect.unwrap(function)).parameters
	accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
	return function(
		**{
			key: value
			for key, value in kwargs.items()
			if value is not None and (accepts_any or key in parameters)
		}
	)


def readable_names_sql(doctype: str, filters=None) -> str:
	"""SQL selecting the names of the `doctype` documents the session user may read (permission rules and
	User Permissions applied by frappe.get_list). Frappe v15 returns the unrun query as SQL text, Frappe v16
	as a query object."""
	query = frappe.get_list(doctype, filters=filters, fields=["name"], order_by=None, limit=0, run=0)
	return query if isinstance(query, str) else query.get_sql()


def count_readable(doctype: str, filters=None) -> int:
	"""How many `doctype` documents matching `filters` the session user may read. Frappe v16 refuses SQL
	functions written as strings in get_list's fields, so the count wraps the permission-checked query."""
	return frappe.db.sql(f"select count(*) from ({readable_names_sql(doctype, filters)}) readable")[0][0]
