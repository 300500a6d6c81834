"""Several users saving different leads and opportunities of one prospect at the same moment: threads of
this process, each with its own database session, and clients of a 4-worker gunicorn server over REST.
All of them must land exactly once, none may fail with TimestampMismatchError."""

import json
import threading

import frappe
from frappe.installer import update_site_config
from frappe.tests.utils import FrappeTestCase

from prospect_crm.tests.rest import RestTestCase, resource, tally
from prospect_crm.tests.server import WorkerServer
from prospect_crm.tests.utils import delete_prospects, make_lead, make_prospect, test_company, unique

WRITERS = 8


class TestConcurrentWriters(FrappeTestCase):
	def setUp(self):
		self.site = frappe.local.site
		prefix = unique("PCRM Concurrency")
		self.addCleanup(delete_prospects, prefix)
		self.prospect = make_prospect(prefix).name
		self.leads = [make_lead(f"{prefix} {i}", prospect=self.prospect).name for i in range(WRITERS)]
		self.company = test_company()
		frappe.db.commit()  # the other sessions must see the prospect and its leads

	def run_in_parallel(self, work):
		barrier = threading.Barrier(len(work))
		errors = []

		def run(job):
			frappe.init(site=self.site)
			frappe.connect()
			frappe.set_user("Administrator")
			try:
				barrier.wait(timeout=60)
				job()
				frappe.db.commit()
			except Exception as e:
				frappe.db.rollback()
				errors.append(repr(e))
			finally:
				frappe.destroy()

		threads = [threading.Thread(target=run, args=(job,)) for job in work]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=300)
		return errors

	def test_parallel_opportunity_inserts_and_lead_updates_all_land(self):
		def insert_opportunity(i):
			return lambda: frappe.get_doc(
				{
					"doctype": "Opportunity",
					"opportunity_from": "Prospect",
					"party_name": self.prospect,
					"company": self.company,
					"opportunity_amount": 100 + i,
				}
			).insert()

		def update_lead(name, i):
			def job():
				lead = frappe.get_doc("Lead", name)
				lead.mobile_no = f"+33 6 00 00 00 {i:02d}"
				lead.save()

			return job

		work = [insert_opportunity(i) for i in range(WRITERS)]
		work += [update_lead(name, i) for i, name in enumerate(self.leads)]
		errors = self.run_in_parallel(work)
		self.assertEqual(errors, [])

		frappe.db.rollback()  # a fresh snapshot of what the other sessions committed
		opportunities = frappe.get_all("Opportunity", filters={"party_name": self.prospect}, pluck="name")
		rows = frappe.get_all("Prospect Opportunity", filters={"parent": self.prospect}, pluck="opportunity")
		self.assertEqual(len(opportunities), WRITERS)
		self.assertEqual(sorted(rows), sorted(opportunities), "every opportunity has exactly one row")
		lead_rows = frappe.get_all(
			"Prospect Lead", filters={"parent": self.prospect}, fields=["lead", "mobile_no"]
		)
		self.assertEqual(len(lead_rows), WRITERS)
		self.assertTrue(all(row.mobile_no.startswith("+33 6 00 00 00") for row in lead_rows), lead_rows)


class TestConcurrencyOverRest(RestTestCase):
	"""20 Opportunity inserts and 20 Lead updates at once, against a 4-worker gunicorn server."""

	server_class = WorkerServer

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.prospect = make_prospect(f"{cls.prefix} Concurrent").name
		cls.leads = [make_lead(f"{cls.prefix} Worker {i}", prospect=cls.prospect).name for i in range(20)]
		frappe.db.commit()

	def test_parallel_inserts_and_updates_all_land_once(self):
		results = []
		barrier = threading.Barrier(40)

		def insert_opportunity(i):
			barrier.wait(timeout=60)
			results.append(
				self.admin.post(
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
			results.append(self.admin.put(resource("Lead", lead), {"mobile_no": f"+33 6 12 34 56 {i:02d}"}))

		threads = [threading.Thread(target=insert_opportunity, args=(i,)) for i in range(20)]
		threads += [threading.Thread(target=update_lead, args=(i, lead)) for i, lead in enumerate(self.leads)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=300)
		tally("concurrency", len(results))
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


class TestLockContention(RestTestCase):
	"""Writers that wait for a prospect longer than the database allows (innodb_lock_wait_timeout, set low for
	the test) are refused with HTTP 409 and a message saying to try again, and nothing of theirs is kept;
	then 50 writers at once on the same prospect: each one lands once or is refused that way, never a 500."""

	server_class = WorkerServer

	@classmethod
	def setUpClass(cls):
		# The site's requests wait 1 s for a locked row (busy.limit_lock_waits), from the server's start.
		update_site_config("lock_wait_timeout", 1)
		cls.addClassCleanup(update_site_config, "lock_wait_timeout", "None")  # removes the key
		super().setUpClass()
		cls.prospect = make_prospect(f"{cls.prefix} Contended").name
		cls.leads = [make_lead(f"{cls.prefix} Waiting {i}", prospect=cls.prospect).name for i in range(25)]
		frappe.db.commit()

	def write_all(self, count: int, tag: str) -> list[tuple[str, str, int, dict]]:
		"""`count` writers at once: half insert opportunities, half move a lead's mobile number."""
		results = []
		barrier = threading.Barrier(count)

		def insert_opportunity(i):
			barrier.wait(timeout=60)
			status, body = self.admin.post(
				resource("Opportunity"),
				{
					"opportunity_from": "Prospect",
					"party_name": self.prospect,
					"company": self.company,
					"opportunity_amount": 1000 + i,
					"title": f"{self.prefix} {tag} {i}",
				},
			)
			results.append(("Opportunity", (body.get("data") or {}).get("name"), status, body))

		def update_lead(i):
			barrier.wait(timeout=60)
			lead = self.leads[i % len(self.leads)]
			status, body = self.admin.put(resource("Lead", lead), {"mobile_no": f"+33 6 98 76 {tag} {i:02d}"})
			results.append(("Lead", lead, status, body))

		threads = [threading.Thread(target=insert_opportunity, args=(i,)) for i in range(count // 2)]
		threads += [threading.Thread(target=update_lead, args=(i,)) for i in range(count - count // 2)]
		for thread in threads:
			thread.start()
		for thread in threads:
			thread.join(timeout=300)
		self.assertEqual(len(results), count)
		tally("lock contention", count)
		return results

	def assert_refused_clearly(self, body: dict):
		self.assertEqual(body.get("exc_type"), "ProspectBusyError", str(body)[:500])
		messages = [json.loads(m)["message"] for m in json.loads(body.get("_server_messages") or "[]")]
		self.assertTrue(any("please try again" in m for m in messages), messages)

	def test_a_writer_that_waits_too_long_is_refused_and_may_try_again(self):
		# This session holds the prospect (as a long save would) while 10 writers come.
		frappe.db.sql("select name from `tabProspect` where name = %s for update", self.prospect)
		try:
			held = self.write_all(10, "01")
		finally:
			frappe.db.rollback()
		self.assertEqual([status for _, _, status, _ in held], [409] * 10, [r[3] for r in held][:2])
		for _, _, _, body in held:
			self.assert_refused_clearly(body)
		self.assertFalse(
			frappe.db.exists("Opportunity", {"title": ("like", f"{self.prefix} 01 %")}), "nothing was kept"
		)
		self.assertFalse(frappe.db.exists("Lead", {"mobile_no": ("like", "+33 6 98 76 01 %")}))

		# Tried again once the prospect is free, the same writes land.
		again = self.write_all(10, "02")
		self.assertEqual([status for _, _, status, _ in again], [200] * 10, [r[3] for r in again][:2])

		crowd = self.write_all(50, "03")
		unclear = [(status, str(body)[:300]) for _, _, status, body in crowd if status not in (200, 409)]
		self.assertEqual(unclear, [], "each writer lands or is refused with 409")
		for _, _, status, body in crowd:
			if status == 409:
				self.assert_refused_clearly(body)

		frappe.db.rollback()
		confirmed = [
			name for doctype, name, status, _ in again + crowd if doctype == "Opportunity" and status == 200
		]
		opportunities = frappe.get_all("Opportunity", filters={"party_name": self.prospect}, pluck="name")
		self.assertEqual(sorted(opportunities), sorted(confirmed), "only the confirmed opportunities exist")
		rows = frappe.get_all("Prospect Opportunity", filters={"parent": self.prospect}, pluck="opportunity")
		self.assertEqual(sorted(rows), sorted(confirmed), "each has exactly one row")
		lead_rows = frappe.get_all(
			"Prospect Lead", filters={"parent": self.prospect}, fields=["lead", "mobile_no"]
		)
		self.assertEqual(sorted(r.lead for r in lead_rows), sorted(self.leads), "one row per lead")
		mobiles = dict(
			frappe.get_all(
				"Lead", filters={"name": ("in", self.leads)}, fields=["name", "mobile_no"], as_list=True
			)
		)
		self.assertEqual({r.lead: r.mobile_no for r in lead_rows}, mobiles, "each row shows its lead")
		amounts = frappe.get_all(
			"Opportunity", filters={"name": ("in", confirmed)}, pluck="opportunity_amount"
		)
		self.assertEqual(frappe.db.get_value("Prospect", self.prospect, "open_pipeline_amount"), sum(amounts))
		print(
			f"lock contention: {sum(s == 409 for _, _, s, _ in crowd)} of 50 writers refused with 409, "
			f"the rest saved"
		)
