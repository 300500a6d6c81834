"""The app's integration tests (each DocType's own tests live beside it)."""

import frappe

# Under tests Frappe sends notification emails (assignments, mentions) at once, and sending commits the
# transaction that each test class rolls back at its end: muted, they stay in the Email Queue.
if getattr(frappe.local, "flags", None) is not None:
	frappe.flags.mute_emails = True
