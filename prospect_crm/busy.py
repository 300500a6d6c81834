"""Saves that meet another save of the same prospect: a refusal the user can act on, never a server error.

The back-fill locks a prospect while it writes the prospect's rows, so two saves touching one prospect take
turns. When a save waits longer than the database allows (a lock wait timeout) or is chosen as the victim of a
deadlock, Frappe answers HTTP 500 with a traceback. Here it is refused with HTTP 409 and a message saying that
nothing was saved and that trying again is safe: the request's transaction is rolled back as for any refusal.
How long a request waits is the database's setting (MariaDB: 50 s), or the site's `lock_wait_timeout`.
"""

from contextlib import contextmanager

import frappe
from frappe import _
from frappe.utils import cint


class ProspectBusyError(frappe.ValidationError):
	http_status_code = 409


@contextmanager
def retryable(doc):
	try:
		yield
	except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
		frappe.throw(
			_(
				"{0} {1} was not saved: another user is saving the same prospect at this moment. Nothing was changed; please try again."
			).format(_(doc.doctype), frappe.bold(doc.name or _("New {0}").format(_(doc.doctype)))),
			ProspectBusyError,
			title=_("Please try again"),
		)


class RetryableWrites:
	"""Mixed into Lead, Opportunity and Prospect: their saves and deletions refuse with ProspectBusyError."""

	def insert(self, *args, **kwargs):
		with retryable(self):
			return super().insert(*args, **kwargs)

	def save(self, *args, **kwargs):
		with retryable(self):
			return super().save(*args, **kwargs)

	def delete(self, *args, **kwargs):
		with retryable(self):
			return super().delete(*args, **kwargs)


def limit_lock_waits():
	"""before_request: with `lock_wait_timeout` (seconds) in the site's config, a web request waits at most
	that long for a row another transaction holds, then is refused as above."""
	seconds = cint(frappe.conf.get("lock_wait_timeout"))
	if seconds > 0 and frappe.db:
		frappe.db.sql("set session innodb_lock_wait_timeout = %s", seconds)
