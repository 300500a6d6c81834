"""Several users saving different leads and opportunities of one prospect at the same moment.

Each writer is a thread with its own site connection (its own database session), as separate web
workers would be. All of them must land, none may fail with TimestampMismatchError.
"""

import threading

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.tests.utils import make_lead, make_prospect, test_company

WRITERS = 8


class TestConcurrentWriters(FrappeTestCase):
	def setUp(self):
		self.site = frappe.local.site
		self.prospect = make_prospect("Concurrency Corp").name
		self.leads = [make_lead(f"Parallel{i}", prospect=self.prospect).name for i in range(WRITERS)]
		self.company = test_company()
		frappe.db.commit()  # the other sessions must see the prospect and its leads

	def tearDown(self):
		for name in frappe.get_all("Opportunity", filters={"party_name": self.prospect}, pluck="name"):
			frappe.delete_doc("Opportunity", name, force=True)
		for lead in self.leads:
			frappe.delete_doc("Lead", lead, force=True)
		frappe.delete_doc("Prospect", self.prospect, force=True)
		frappe.db.commit()

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
