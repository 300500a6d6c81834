"""Several users saving different leads and opportunities of one prospect at the same moment: threads of
this process, each with its own database session, and clients of a 4-worker gunicorn server over REST.
All of them must land exactly once, none may fail with TimestampMismatchError."""

import threading

import frappe
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
