"""Talking to a live site over HTTP like a real REST client: the client, resource paths, API keys, a test
case holding a server of the site (tests/server.py) for its class, and the tally of cases the REST tests
tried, printed once when the test process ends as the "safety summary:" line (scripts/test shows it)."""

import atexit
import json
import urllib.error
import urllib.parse
import urllib.request

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.tests.server import LiveServer, artifacts_dir
from prospect_crm.tests.utils import delete_prospects, test_company, unique


class Client:
	"""JSON requests to a server of tests/server.py, authenticated with `auth` (see api_auth) or as Guest.
	Every call returns (HTTP status, decoded body); errors are answers, not exceptions."""

	def __init__(self, server, auth: str | None = None):
		self.base, self.host, self.auth = server.base, server.site, auth

	def request(self, method: str, path: str, data=None, params=None):
		url = self.base + path
		if params:
			url += "?" + urllib.parse.urlencode(params)
		body = None
		headers = {"Accept": "application/json", "Host": self.host}
		if data is not None:
			body = json.dumps(data).encode()
			headers["Content-Type"] = "application/json"
		if self.auth:
			headers["Authorization"] = self.auth
		req = urllib.request.Request(url, data=body, method=method, headers=headers)
		try:
			with urllib.request.urlopen(req, timeout=120) as response:
				return response.status, json.loads(response.read() or b"{}")
		except urllib.error.HTTPError as e:
			raw = e.read()
			try:
				return e.code, json.loads(raw or b"{}")
			except ValueError:
				return e.code, {"raw": raw.decode(errors="replace")}

	def get(self, path, **params):
		return self.request("GET", path, params=params or None)

	def post(self, path, data):
		return self.request("POST", path, data=data)

	def put(self, path, data):
		return self.request("PUT", path, data=data)

	def delete(self, path):
		return self.request("DELETE", path)

	def method(self, dotted, **args):
		return self.request("POST", f"/api/method/{dotted}", data=args)


def resource(doctype: str, name=None) -> str:
	"""/api/resource/<DocType>[/<name>], quoted."""
	path = f"/api/resource/{urllib.parse.quote(doctype, safe='')}"
	return path + (f"/{urllib.parse.quote(str(name), safe='')}" if name else "")


def api_keys(user: str) -> tuple[str, str]:
	"""A new API secret for `user` (any previous one stops working): (api_key, api_secret). The caller
	commits, so that the server, another process, sees it."""
	from frappe.core.doctype.user.user import generate_keys

	secret = generate_keys(user)["api_secret"]
	return frappe.db.get_value("User", user, "api_key"), secret


def api_auth(user: str) -> str:
	"""The Authorization header of a new API secret for `user` (see api_keys)."""
	key, secret = api_keys(user)
	return f"token {key}:{secret}"


class RestTestCase(FrappeTestCase):
	"""A live server of the site for the whole class (`server_class`: LiveServer, or WorkerServer for real
	parallelism), an Administrator client (`admin`), and `self.prefix`, unique to the run, to start the
	names of committed data with: whatever bears it is deleted after the class, whatever happens."""

	server_class = LiveServer

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.company = test_company()
		cls.prefix = unique("PCRM Sec")
		auth = api_auth("Administrator")
		frappe.db.commit()
		cls.server = cls.server_class(artifacts_dir("rest"))
		# Class cleanups run even when setUpClass fails, tearDownClass does not (last added, first run).
		cls.addClassCleanup(cls.server.stop)
		cls.addClassCleanup(delete_prospects, cls.prefix)
		cls.admin = Client(cls.server, auth)


SUMMARY: dict[str, int] = {}


def tally(category: str, n: int = 1) -> None:
	"""Counts `n` cases tried in `category`; the totals are printed when the test process ends."""
	if not SUMMARY:
		atexit.register(print_summary)
	SUMMARY[category] = SUMMARY.get(category, 0) + n


def print_summary() -> None:
	print(
		"\nsafety summary: "
		+ ", ".join(f"{category}: {n} cases tried" for category, n in sorted(SUMMARY.items()))
		+ "; any failure fails its test",
		flush=True,
	)
