"""Takeover at install: the test site held ERPNext-owned prospects (created through ERPNext's own code
before prospect_crm was installed, see scripts/test); every record and child row is still there."""

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.tests.legacy import SEED_PREFIX, snapshot


class TestTakeover(FrappeTestCase):
	def test_legacy_records_survived(self):
		data = snapshot()
		self.assertEqual(len(data), 3, "the legacy prospects created before install are all present")
		for name, prospect in data.items():
			self.assertTrue(name.startswith(SEED_PREFIX))
			self.assertEqual(len(prospect["leads"]), 2, name)
			self.assertEqual(len(prospect["opportunities"]), 2, name)
			self.assertEqual(len(prospect["notes"]), 1, name)
			self.assertTrue(all(row["lead_name"] for row in prospect["leads"]))
			self.assertEqual(sorted(row["amount"] for row in prospect["opportunities"]), [500, 1000])

	def test_lead_prospect_filled_from_legacy_rows(self):
		for name, prospect in snapshot().items():
			for row in prospect["leads"]:
				self.assertEqual(frappe.db.get_value("Lead", row["lead"], "prospect"), name)

	def test_legacy_prospect_still_saves_and_backfills(self):
		name = f"{SEED_PREFIX} 0"
		prospect = frappe.get_doc("Prospect", name)
		prospect.market_share = 12.5
		prospect.save()
		opportunity = frappe.get_doc("Opportunity", prospect.opportunities[0].opportunity)
		opportunity.probability = 55
		opportunity.save()
		rows = frappe.get_all(
			"Prospect Opportunity",
			filters={"opportunity": opportunity.name},
			fields=["parent", "probability"],
		)
		self.assertEqual(rows, [{"parent": name, "probability": 55}])
