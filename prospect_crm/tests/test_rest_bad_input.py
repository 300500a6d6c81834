"""Bad input sent over REST like a real client: a table of wrong types, junk values and missing links,
duplicates whatever their case or spaces, a lead in two prospects, HTML in names and notes, and
property-based payloads. Each is refused with a message and saves nothing, or is saved cleaned."""

import frappe

from prospect_crm.tests.rest import RestTestCase, resource, tally

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
	# "{prefix}" is replaced by the run's prefix, so that the name is new on every run.
	(
		"emoji and right-to-left text",
		{"company_name": "{prefix} شركة 🚀"},
		200,
		("company_name", "{prefix} شركة 🚀"),
	),
	("10,000-character note", {"notes": [{"note": "n" * 10000}]}, 200, None),
	("text where a number goes", {"market_share": "lots"}, 417, None),
	("object where a table goes", {"leads": {"lead": "x"}}, 417, None),
	("number where text goes", {"website": 12345}, 417, None),
	("unknown field is ignored", {"no_such_field": 1}, 200, None),
]


class TestBadInputOverRest(RestTestCase):
	def with_prefix(self, value):
		return value.replace("{prefix}", self.prefix) if isinstance(value, str) else value

	def test_table_of_bad_inputs(self):
		failures = []
		for i, (what, payload, expected, check) in enumerate(BAD_INPUTS):
			payload = {field: self.with_prefix(value) for field, value in payload.items()}
			name = payload.get("company_name", f"{self.prefix} Bad {i}")
			status, body = self.admin.post(
				resource("Prospect"), {"company_name": name, "company": self.company, **payload}
			)
			tally("bad input")
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
			elif check and saved.get(check[0]) != self.with_prefix(check[1]):
				failures.append(f"{what}: {check[0]} is {saved.get(check[0])!r}")
		self.assertEqual(failures, [])

	def test_duplicates_and_leads_in_two_prospects(self):
		original = f"{self.prefix} Dup"
		status, _body = self.admin.post(
			resource("Prospect"), {"company_name": original, "company": self.company}
		)
		self.assertEqual(status, 200)
		for variant in (original.lower(), f"  {original.upper()}  ", original):
			status, body = self.admin.post(
				resource("Prospect"), {"company_name": variant, "company": self.company}
			)
			tally("bad input")
			self.assertEqual(status, 409, f"{variant}: {body}")
		status, body = self.admin.post(
			resource("Lead"),
			{"first_name": f"{self.prefix} Twice", "company": self.company, "prospect": original},
		)
		lead = body["data"]["name"]
		second = f"{self.prefix} Dup Two"
		status, body = self.admin.post(
			resource("Prospect"),
			{"company_name": second, "company": self.company, "leads": [{"lead": lead}]},
		)
		tally("bad input")
		self.assertEqual(status, 417, body)
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("Prospect", second))
		self.assertEqual(frappe.db.get_value("Lead", lead, "prospect"), original)

	def test_html_in_names_and_notes(self):
		# Frappe refuses < and > in document names, with a clear message (HTTP 409).
		status, body = self.admin.post(
			resource("Prospect"), {"company_name": f"{self.prefix} <b>Bold</b>", "company": self.company}
		)
		tally("bad input")
		self.assertEqual(status, 409, body)
		self.assertIn("special characters", body.get("_server_messages", ""))
		# Other characters of HTML are kept as text, and shown escaped in the desk's list and form.
		status, body = self.admin.post(
			resource("Prospect"), {"company_name": f'{self.prefix} "Quotes" & Co', "company": self.company}
		)
		tally("bad input")
		self.assertEqual(status, 200, body)
		status, body = self.admin.post(
			resource("Prospect"),
			{
				"company_name": f"{self.prefix} Notes",
				"company": self.company,
				"notes": [
					{
						"note": '<p onclick="steal()">hello<img src=x onerror="steal()"><script>steal()</script></p>'
					}
				],
			},
		)
		tally("bad input")
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
		errors, created = [], []
		# An integer name is kept as sent (a number where text goes), so it does not bear the prefix.
		self.addCleanup(delete_created, created)

		@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
		@given(payloads)
		def check(payload):
			payload.setdefault("company_name", f"{self.prefix} Prop {frappe.generate_hash(length=8)}")
			if isinstance(payload.get("company_name"), str):
				payload["company_name"] = f"{self.prefix} Prop " + payload["company_name"]
			status, body = self.admin.post(resource("Prospect"), payload)
			tally("property-based")
			if status >= 500:
				errors.append((payload, status, str(body)[:300]))
			if status == 200:
				created.append(body["data"]["name"])
				update = {k: v for k, v in payload.items() if k not in ("company_name", "leads", "notes")}
				status, body = self.admin.put(resource("Prospect", body["data"]["name"]), update)
				tally("property-based")
				if status >= 500:
					errors.append(("update", update, status, str(body)[:300]))

		check()
		self.assertEqual(errors, [])


def delete_created(names: list) -> None:
	frappe.db.rollback()
	for name in names:
		if frappe.db.exists("Prospect", name):
			frappe.delete_doc("Prospect", name, force=True)
	frappe.db.commit()
