"""Permissions, bad input, property-based payloads and concurrency, tried over HTTP like a real client.

The data is committed (the server is another process) under names starting with "PCRM Sec", and removed
afterwards. Each class prints a one-line summary of the cases it tried.
"""

import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_bench_path

from prospect_crm.tests.server import LiveServer, artifacts_dir, free_port
from prospect_crm.tests.utils import make_user, test_company

SUMMARY: dict[str, int] = {}


def count(category: str, n: int = 1) -> None:
	SUMMARY[category] = SUMMARY.get(category, 0) + n


class Client:
	def __init__(self, base: str, auth: str | None = None, host: str | None = None):
		self.base, self.auth, self.host = base, auth, host

	def request(self, method: str, path: str, data=None, params=None):
		url = self.base + path
		if params:
			url += "?" + urllib.parse.urlencode(params)
		body = None
		headers = {"Accept": "application/json"}
		if data is not None:
			body = json.dumps(data).encode()
			headers["Content-Type"] = "application/json"
		if self.auth:
			headers["Authorization"] = self.auth
		if self.host:
			headers["Host"] = self.host
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


def resource(doctype, name=None):
	path = f"/api/resource/{urllib.parse.quote(doctype, safe='')}"
	return path + (f"/{urllib.parse.quote(str(name), safe='')}" if name else "")


def api_auth(user: str) -> str:
	from frappe.core.doctype.user.user import generate_keys

	secret = generate_keys(user)["api_secret"]
	return f"token {frappe.db.get_value('User', user, 'api_key')}:{secret}"


def seed_prospect(name: str, territory: str, company: str) -> dict:
	prospect = frappe.get_doc(
		{
			"doctype": "Prospect",
			"company_name": name,
			"company": company,
			"territory": territory,
			"notes": [{"note": f"secret note of {name}"}],
		}
	).insert()
	lead = frappe.get_doc(
		{
			"doctype": "Lead",
			"first_name": f"{name} lead",
			"company": company,
			"territory": territory,
			"prospect": prospect.name,
		}
	).insert()
	opportunity = frappe.get_doc(
		{
			"doctype": "Opportunity",
			"opportunity_from": "Prospect",
			"party_name": prospect.name,
			"company": company,
			"territory": territory,
			"opportunity_amount": 777,
		}
	).insert()
	address = frappe.get_doc(
		{
			"doctype": "Address",
			"address_title": f"{name} address",
			"address_line1": "1 rue secrète",
			"city": "Paris",
			"country": "France",
			"links": [{"link_doctype": "Prospect", "link_name": prospect.name}],
		}
	).insert()
	for doctype, ref in (("Prospect", prospect.name), ("Opportunity", opportunity.name)):
		frappe.get_doc(
			{
				"doctype": "ToDo",
				"description": f"task on {ref}",
				"reference_type": doctype,
				"reference_name": ref,
			}
		).insert()
	return {
		"prospect": prospect.name,
		"lead": lead.name,
		"opportunity": opportunity.name,
		"address": address.name,
	}


def cleanup(prefix: str) -> None:
	frappe.set_user("Administrator")
	for name in frappe.get_all("Opportunity", filters={"party_name": ("like", f"{prefix}%")}, pluck="name"):
		frappe.delete_doc("Opportunity", name, force=True)
	for name in frappe.get_all("Customer", filters={"prospect": ("like", f"{prefix}%")}, pluck="name"):
		frappe.delete_doc("Customer", name, force=True)
	for name in frappe.get_all("Prospect", filters={"name": ("like", f"{prefix}%")}, pluck="name"):
		frappe.delete_doc("Prospect", name, force=True)
	for name in frappe.get_all("Lead", filters={"first_name": ("like", f"{prefix}%")}, pluck="name"):
		frappe.delete_doc("Lead", name, force=True)
	frappe.db.commit()


class SecurityCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.company = test_company()
		cls.server = LiveServer(artifacts_dir("rest"))
		cls.admin = Client(cls.server.base, api_auth("Administrator"))
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.server.stop()
		super().tearDownClass()


class TestPermissionsOverRest(SecurityCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		try:
			cls.seed()
		except Exception:
			cls.server.stop()  # tearDownClass does not run when setUpClass fails
			raise

	@classmethod
	def seed(cls):
		for territory in ("PCRM Sec North", "PCRM Sec South"):
			if not frappe.db.exists("Territory", territory):
				frappe.get_doc(
					{
						"doctype": "Territory",
						"territory_name": territory,
						"parent_territory": "All Territories",
					}
				).insert()
		cls.north = seed_prospect("PCRM Sec North Corp", "PCRM Sec North", cls.company)
		cls.south = seed_prospect("PCRM Sec South Corp", "PCRM Sec South", cls.company)

		cls.north_user = make_user("pcrm.sec.north@example.com", ["Sales User"])
		if not frappe.db.exists("User Permission", {"user": cls.north_user, "allow": "Territory"}):
			frappe.get_doc(
				{
					"doctype": "User Permission",
					"user": cls.north_user,
					"allow": "Territory",
					"for_value": "PCRM Sec North",
					"apply_to_all_doctypes": 1,
				}
			).insert()

		# A role that may read prospects but neither leads nor opportunities.
		if not frappe.db.exists("Role", "PCRM Prospect Reader"):
			frappe.get_doc(
				{"doctype": "Role", "role_name": "PCRM Prospect Reader", "desk_access": 1}
			).insert()
		from frappe.permissions import add_permission

		add_permission("Prospect", "PCRM Prospect Reader", 0)
		cls.reader = make_user("pcrm.sec.reader@example.com", ["PCRM Prospect Reader"])
		frappe.clear_cache()

		cls.as_north = Client(cls.server.base, api_auth(cls.north_user))
		cls.as_reader = Client(cls.server.base, api_auth(cls.reader))
		cls.as_guest = Client(cls.server.base)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cleanup("PCRM Sec")
		frappe.db.delete("Custom DocPerm", {"parent": "Prospect", "role": "PCRM Prospect Reader"})
		frappe.db.commit()
		frappe.clear_cache(doctype="Prospect")
		super().tearDownClass()

	def assertRefused(self, response, what):
		status, body = response
		count("permissions")
		self.assertIn(status, (401, 403), f"{what}: {status} {str(body)[:300]}")
		self.assertNotIn(
			self.south["prospect"],
			json.dumps(body.get("message", "")) + json.dumps(body.get("data", "")),
			what,
		)

	def test_guest_gets_nothing(self):
		south = self.south["prospect"]
		for response, what in (
			(self.as_guest.get(resource("Prospect")), "list"),
			(self.as_guest.get(resource("Prospect", south)), "get"),
			(self.as_guest.method("prospect_crm.activities.get_activities", prospect=south), "activities"),
			(self.as_guest.method("prospect_crm.api.get_opportunities", prospect=south), "opportunities"),
			(
				self.as_guest.method("frappe.desk.search.search_link", doctype="Prospect", txt="PCRM"),
				"search_link",
			),
			(self.as_guest.method("frappe.client.get_count", doctype="Prospect"), "count"),
			(
				self.as_guest.post(
					resource("Prospect"), {"company_name": "PCRM Sec Guest", "company": self.company}
				),
				"create",
			),
		):
			self.assertRefused(response, f"guest {what}")
		self.assertFalse(frappe.db.exists("Prospect", "PCRM Sec Guest"))

	def test_territory_restricted_sales_user_sees_only_their_territory(self):
		north, south = self.north["prospect"], self.south["prospect"]
		status, body = self.as_north.get(
			resource("Prospect"), limit_page_length=0, fields=json.dumps(["name"])
		)
		names = [row["name"] for row in body["data"]]
		self.assertIn(north, names)
		self.assertNotIn(south, names)
		count("permissions")

		status, body = self.as_north.method(
			"frappe.client.get_count", doctype="Prospect", filters=json.dumps({"name": south})
		)
		self.assertEqual(body.get("message"), 0)
		status, body = self.as_north.method(
			"frappe.desk.reportview.get_count", doctype="Prospect", filters=json.dumps([["name", "=", south]])
		)
		self.assertEqual(body.get("message"), 0, "the list view's count")
		status, body = self.as_north.method(
			"frappe.desk.search.search_link", doctype="Prospect", txt="PCRM Sec"
		)
		found = [row.get("value") for row in body.get("message", body.get("results", []))]
		self.assertIn(north, found)
		self.assertNotIn(south, found)
		status, body = self.as_north.method(
			"frappe.desk.query_report.run", report_name="Prospect Pipeline", filters=json.dumps({})
		)
		self.assertEqual(status, 200, body)
		self.assertNotIn(south, json.dumps(body["message"]["result"]))
		count("permissions", 3)

		for doctype in ("Address",):
			status, body = self.as_north.get(
				resource(doctype), limit_page_length=0, fields=json.dumps(["name"])
			)
			self.assertEqual(status, 200, body)
			names = [row["name"] for row in body["data"]]
			self.assertIn(self.north["address"], names)
			self.assertNotIn(self.south["address"], names)
			count("permissions")

		for response, what in (
			(self.as_north.get(resource("Prospect", south)), "get"),
			(
				self.as_north.method("frappe.desk.form.load.getdoc", doctype="Prospect", name=south),
				"form load",
			),
			(self.as_north.get(resource("Lead", self.south["lead"])), "lead"),
			(self.as_north.get(resource("Opportunity", self.south["opportunity"])), "opportunity"),
			(self.as_north.get(resource("Address", self.south["address"])), "address"),
			(self.as_north.method("prospect_crm.activities.get_activities", prospect=south), "activities"),
			(
				self.as_north.method(
					"prospect_crm.activities.get_open_activities", ref_doctype="Prospect", ref_docname=south
				),
				"open activities",
			),
			(
				self.as_north.method(
					"erpnext.crm.utils.get_open_activities", ref_doctype="Prospect", ref_docname=south
				),
				"ERPNext's open activities",
			),
			(self.as_north.method("prospect_crm.api.get_opportunities", prospect=south), "opportunities"),
			(
				self.as_north.method(
					"erpnext.crm.doctype.prospect.prospect.get_opportunities", prospect=south
				),
				"ERPNext's get_opportunities",
			),
			(
				self.as_north.method("prospect_crm.api.get_addresses_and_contacts", prospect=south),
				"addresses",
			),
			(self.as_north.method("prospect_crm.api.make_customer", source_name=south), "make_customer"),
			(
				self.as_north.method("prospect_crm.api.make_opportunity", source_name=south),
				"make_opportunity",
			),
			(self.as_north.method("prospect_crm.api.make_quotation", source_name=south), "make_quotation"),
			(
				self.as_north.method(
					"prospect_crm.api.add_lead_to_prospect", lead=self.north["lead"], prospect=south
				),
				"add lead",
			),
			(
				self.as_north.method("prospect_crm.api.create_prospect_from_lead", lead=self.south["lead"]),
				"prospect from lead",
			),
			(self.as_north.put(resource("Prospect", south), {"market_share": 99}), "update"),
			(self.as_north.delete(resource("Prospect", south)), "delete"),
			(
				self.as_north.method(
					"run_doc_method",
					method="add_note",
					dt="Prospect",
					dn=south,
					args=json.dumps({"note": "x"}),
				),
				"add note",
			),
		):
			self.assertRefused(response, f"territory user: {what}")
		frappe.db.rollback()
		south_doc = frappe.get_doc("Prospect", south)
		self.assertNotEqual(south_doc.market_share, 99)
		self.assertEqual(len(south_doc.notes), 1)
		self.assertEqual(frappe.db.get_value("Lead", self.north["lead"], "prospect"), north)

	def test_sales_user_cannot_delete(self):
		self.assertRefused(
			self.as_north.delete(resource("Prospect", self.north["prospect"])), "sales user delete"
		)
		frappe.db.rollback()
		self.assertTrue(frappe.db.exists("Prospect", self.north["prospect"]))

	def test_user_without_opportunity_access_sees_no_opportunity_data(self):
		north = self.north["prospect"]
		status, body = self.as_reader.get(resource("Prospect", north))
		self.assertEqual(status, 200, body)
		doc = body["data"]
		self.assertFalse(doc.get("opportunities"), "opportunity rows are hidden (permlevel 1)")
		self.assertFalse(doc.get("leads"), "lead rows are hidden (permlevel 1)")
		self.assertNotIn("open_pipeline_amount", {k for k, v in doc.items() if v})
		status, body = self.as_reader.method("frappe.desk.form.load.getdoc", doctype="Prospect", name=north)
		self.assertEqual(status, 200, body)
		self.assertFalse(body["docs"][0].get("opportunities"))
		status, body = self.as_reader.method("prospect_crm.activities.get_activities", prospect=north)
		self.assertEqual(status, 200, body)
		tasks = [t["description"] for t in body["message"]["tasks"]]
		self.assertIn(f"task on {north}", tasks)
		self.assertNotIn(f"task on {self.north['opportunity']}", tasks)
		count("permissions", 3)
		self.assertRefused(
			self.as_reader.get(resource("Opportunity", self.north["opportunity"])), "reader opportunity"
		)
		self.assertRefused(
			self.as_reader.method("prospect_crm.api.get_opportunities", prospect=north),
			"reader get_opportunities",
		)
		self.assertRefused(
			self.as_reader.put(resource("Prospect", north), {"market_share": 42}), "reader update"
		)


BAD_INPUTS = [
	# (what, payload over a valid base, expected status, normalized field check or None)
	("invalid website", {"website": "not a web address"}, 417, None),
	(
		"website without scheme is normalized",
		{"website": "www.example.com"},
		200,
		("website", "https://www.example.com"),
	),
	("junk fax", {"fax": "call me maybe"}, 417, None),
	("negative revenue", {"annual_revenue": -5}, 417, None),
	("market share below 0", {"market_share": -0.1}, 417, None),
	("market share above 100", {"market_share": 100.5}, 417, None),
	("employees outside options", {"no_of_employees": "9999"}, 417, None),
	("missing lead", {"leads": [{"lead": "CRM-LEAD-NOPE-1"}]}, 417, None),
	("missing opportunity", {"opportunities": [{"opportunity": "CRM-OPP-NOPE-1"}]}, 417, None),
	("missing company", {"company": "No Such Company Ltd"}, 417, None),
	("10,000-character name", {"company_name": "X" * 10000}, 417, None),
	(
		"script in note is stripped",
		{"notes": [{"note": "<p>hi</p><script>alert(1)</script>"}]},
		200,
		("notes", "no-script"),
	),
	(
		"emoji and right-to-left text",
		{"company_name": "PCRM Sec شركة 🚀"},
		200,
		("company_name", "PCRM Sec شركة 🚀"),
	),
	("10,000-character note", {"notes": [{"note": "n" * 10000}]}, 200, None),
	("text where a number goes", {"market_share": "lots"}, 417, None),
	("object where a table goes", {"leads": {"lead": "x"}}, 417, None),
	("number where text goes", {"website": 12345}, 417, None),
	("unknown field is ignored", {"no_such_field": 1}, 200, None),
]


class TestBadInputOverRest(SecurityCase):
	@classmethod
	def tearDownClass(cls):
		cleanup("PCRM Sec")
		super().tearDownClass()

	def test_table_of_bad_inputs(self):
		failures = []
		for i, (what, payload, expected, check) in enumerate(BAD_INPUTS):
			name = payload.get("company_name", f"PCRM Sec Bad {i}")
			status, body = self.admin.post(
				resource("Prospect"), {"company_name": name, "company": self.company, **payload}
			)
			count("bad input")
			frappe.db.rollback()
			if status != expected:
				failures.append(f"{what}: expected {expected}, got {status} {str(body)[:200]}")
				continue
			if expected >= 400:
				if frappe.db.exists("Prospect", {"company_name": name[:140]}):
					failures.append(f"{what}: something was saved")
				if not body.get("_server_messages") and not body.get("exception"):
					failures.append(f"{what}: no error message")
				continue
			saved = frappe.get_doc("Prospect", body["data"]["name"])
			if check and check[1] == "no-script":
				if "<script" in saved.notes[0].note:
					failures.append(f"{what}: script kept")
			elif check and saved.get(check[0]) != check[1]:
				failures.append(f"{what}: {check[0]} is {saved.get(check[0])!r}")
		self.assertEqual(failures, [])

	def test_duplicates_and_leads_in_two_prospects(self):
		status, _body = self.admin.post(
			resource("Prospect"), {"company_name": "PCRM Sec Dup", "company": self.company}
		)
		self.assertEqual(status, 200)
		for variant in ("pcrm sec dup", "  PCRM SEC DUP  ", "PCRM Sec Dup"):
			status, body = self.admin.post(
				resource("Prospect"), {"company_name": variant, "company": self.company}
			)
			count("bad input")
			self.assertEqual(status, 409, f"{variant}: {body}")
		status, body = self.admin.post(
			resource("Lead"),
			{"first_name": "PCRM Sec Twice", "company": self.company, "prospect": "PCRM Sec Dup"},
		)
		lead = body["data"]["name"]
		status, body = self.admin.post(
			resource("Prospect"),
			{"company_name": "PCRM Sec Dup Two", "company": self.company, "leads": [{"lead": lead}]},
		)
		count("bad input")
		self.assertEqual(status, 417, body)
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("Prospect", "PCRM Sec Dup Two"))
		self.assertEqual(frappe.db.get_value("Lead", lead, "prospect"), "PCRM Sec Dup")

	def test_html_in_names_and_notes(self):
		# Frappe refuses < and > in document names, with a clear message (HTTP 409).
		status, body = self.admin.post(
			resource("Prospect"), {"company_name": "PCRM Sec <b>Bold</b>", "company": self.company}
		)
		count("bad input")
		self.assertEqual(status, 409, body)
		self.assertIn("special characters", body.get("_server_messages", ""))
		# Other characters of HTML are kept as text, and shown escaped in the desk's list and form.
		status, body = self.admin.post(
			resource("Prospect"), {"company_name": 'PCRM Sec "Quotes" & Co', "company": self.company}
		)
		count("bad input")
		self.assertEqual(status, 200, body)
		status, body = self.admin.post(
			resource("Prospect"),
			{
				"company_name": "PCRM Sec Notes",
				"company": self.company,
				"notes": [
					{
						"note": '<p onclick="steal()">hello<img src=x onerror="steal()"><script>steal()</script></p>'
					}
				],
			},
		)
		count("bad input")
		self.assertEqual(status, 200, body)
		note = body["data"]["notes"][0]["note"]
		for dangerous in ("<script", "onerror", "onclick", "steal()</script>"):
			self.assertNotIn(dangerous, note)
		self.assertIn("hello", note)

	def test_property_based_payloads_never_cause_a_server_error(self):
		from hypothesis import HealthCheck, given, settings
		from hypothesis import strategies as st

		# Valid Unicode only: lone surrogates cannot be stored as UTF-8 by any client library.
		text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
		payloads = st.fixed_dictionaries(
			{},
			optional={
				"company_name": st.one_of(text, st.integers(), st.none()),
				"website": st.one_of(text, st.integers()),
				"fax": text,
				"market_share": st.one_of(
					st.floats(allow_nan=True, allow_infinity=True), text, st.integers()
				),
				"annual_revenue": st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=32), text),
				"no_of_employees": st.one_of(st.sampled_from(["1-10", "1000+", "", "x"]), text),
				"leads": st.one_of(
					st.lists(st.fixed_dictionaries({"lead": text}), max_size=2), text, st.integers()
				),
				"notes": st.lists(st.fixed_dictionaries({"note": text}), max_size=2),
				"company": st.one_of(st.just(self.company), text),
			},
		)
		errors = []

		@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
		@given(payloads)
		def check(payload):
			payload.setdefault("company_name", f"PCRM Sec Prop {frappe.generate_hash(length=8)}")
			if isinstance(payload.get("company_name"), str):
				payload["company_name"] = "PCRM Sec Prop " + payload["company_name"]
			status, body = self.admin.post(resource("Prospect"), payload)
			count("property-based")
			if status >= 500:
				errors.append((payload, status, str(body)[:300]))
			if status == 200:
				update = {k: v for k, v in payload.items() if k not in ("company_name", "leads", "notes")}
				status, body = self.admin.put(resource("Prospect", body["data"]["name"]), update)
				count("property-based")
				if status >= 500:
					errors.append(("update", update, status, str(body)[:300]))

		check()
		self.assertEqual(errors, [])


class TestConcurrencyOverRest(FrappeTestCase):
	"""20 Opportunity inserts and 20 Lead updates at once, against a 4-worker gunicorn server."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		frappe.set_user("Administrator")
		cls.company = test_company()
		cls.prospect = (
			frappe.get_doc(
				{"doctype": "Prospect", "company_name": "PCRM Sec Concurrent", "company": cls.company}
			)
			.insert()
			.name
		)
		cls.leads = [
			frappe.get_doc(
				{
					"doctype": "Lead",
					"first_name": f"PCRM Sec Worker {i}",
					"company": cls.company,
					"prospect": cls.prospect,
				}
			)
			.insert()
			.name
			for i in range(20)
		]
		auth = api_auth("Administrator")
		frappe.db.commit()
		bench = get_bench_path()
		cls.port = free_port()
		cls.log = open(os.path.join(artifacts_dir("rest"), "gunicorn.log"), "w")
		cls.gunicorn = subprocess.Popen(
			[
				f"{bench}/env/bin/gunicorn",
				"-w",
				"4",
				"-t",
				"120",
				"-b",
				f"127.0.0.1:{cls.port}",
				"frappe.app:application",
				"--preload",
			],
			cwd=f"{bench}/sites",
			stdout=cls.log,
			stderr=subprocess.STDOUT,
		)
		cls.client = Client(f"http://127.0.0.1:{cls.port}", auth, host=frappe.local.site)
		deadline = time.time() + 60
		while time.time() < deadline:
			try:
				if cls.client.get("/api/method/ping")[0] == 200:
					break
			except OSError:
				time.sleep(0.5)
		else:
			cls.gunicorn.terminate()
			raise AssertionError("gunicorn did not start")

	@classmethod
	def tearDownClass(cls):
		cls.gunicorn.terminate()
		cls.gunicorn.wait(timeout=30)
		cls.log.close()
		cleanup("PCRM Sec")
		super().tearDownClass()

	def test_parallel_inserts_and_updates_all_land_once(self):
		results = []
		barrier = threading.Barrier(40)

		def insert_opportunity(i):
			barrier.wait(timeout=60)
			results.append(
				self.client.post(
					resource("Opportunity"),
					{
						"opportunity_from": "Prospect",
						"party_name": self.prospect,
						"company": self.company,
						"opportunity_amount": 10 + i,
					},
				)
			)

		def update_lead(i, lead):
			barrier.wait(timeout=60)
			results.append(self.client.put(resource("Lead", lead), {"mobile_no": f"+33 6 12 34 56 {i:02d}"}))

		threads = [threading.Thread(target=insert_opportunity, args=(i,)) for i in range(20)]
		threads += [threading.Thread(target=update_lead, args=(i, lead)) for i, lead in enumerate(self.leads)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=300)
		count("concurrency", len(results))
		errors = [(status, str(body)[:300]) for status, body in results if status != 200]
		self.assertEqual(len(results), 40)
		self.assertEqual(errors, [])

		frappe.db.rollback()
		opportunities = frappe.get_all("Opportunity", filters={"party_name": self.prospect}, pluck="name")
		rows = frappe.get_all("Prospect Opportunity", filters={"parent": self.prospect}, pluck="opportunity")
		self.assertEqual(len(opportunities), 20)
		self.assertEqual(sorted(rows), sorted(opportunities))
		lead_rows = frappe.get_all(
			"Prospect Lead", filters={"parent": self.prospect}, fields=["lead", "mobile_no"]
		)
		self.assertEqual(sorted(r.lead for r in lead_rows), sorted(self.leads))
		self.assertTrue(all(r.mobile_no and r.mobile_no.startswith("+33 6 12 34 56") for r in lead_rows))
		self.assertEqual(
			frappe.db.get_value("Prospect", self.prospect, "open_pipeline_amount"),
			sum(10 + i for i in range(20)),
		)


def tearDownModule():
	print(
		"\nsafety summary: "
		+ ", ".join(f"{category}: {n} cases tried" for category, n in sorted(SUMMARY.items()))
		+ "; any failure fails its test"
	)
