"""Writes while Redis does not answer are refused before they start, never half done.

Frappe keeps its cache, its background jobs and its realtime events in Redis. When Redis is down, Frappe's
cache calls fail quietly: a save still writes the database but cannot clear the cached copies it changed
(which Redis serves again, stale, once it returns), and a save that queues a job after its commit answers
HTTP 500 although it was written. So a request that may write (any method but GET, HEAD and OPTIONS) is
refused first with HTTP 503 and a message saying that nothing was saved; reads go on. A site that prefers
Frappe's behaviour sets `prospect_crm_writes_without_redis: 1` in its site config.
"""

import frappe
import redis
from frappe import _

READ_METHODS = ("GET", "HEAD", "OPTIONS")


class RedisUnavailableError(frappe.ValidationError):
	http_status_code = 503


def refuse_writes_without_redis():
	"""before_request: ping the cache and queue Redis of the site before a request that may write."""
	request = getattr(frappe.local, "request", None)
	if not request or request.method in READ_METHODS or frappe.conf.get("prospect_crm_writes_without_redis"):
		return
	try:
		frappe.cache.ping()
		if frappe.conf.get("redis_queue") and frappe.conf.get("redis_queue") != frappe.conf.get(
			"redis_cache"
		):
			from frappe.utils.background_jobs import get_redis_connection_without_auth

			get_redis_connection_without_auth().ping()
	except redis.exceptions.RedisError:
		frappe.throw(
			_(
				"The site's Redis server does not answer, so nothing was saved. Please try again in a moment; if it lasts, tell your administrator."
			),
			RedisUnavailableError,
			title=_("Please try again"),
		)
