"""Live back-fill of a prospect's Lead and Opportunity rows from Lead and Opportunity saves."""

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm import backfill
from prospect_crm.tests.utils import make_lead, make_opportunity, make_prospect


def lead_rows(lead):
	return frappe.get_all(
		"Prospect Lead",
		filters={"lead": lead},
		fields=["parent", "lead_name", "status", "email", "mobile_no", "lead_owner"],
	)


def opportunity_rows(opportunity):
	return frappe.get_all(
		"Prospect Opportunity",
		filters={"opportunity": opportunity},
		fields=[
			"parent",
			"amount",
			"currency",
			"stage",
			"status",
			"probability",
			"expected_closing",
			"deal_owner",
		],
	)


class CountQueries:
	def __enter__(self):
		self.queries = []
		self.original = frappe.db.sql

		def counting(*args, **kwargs):
			self.queries.append(args[0] if args else kwargs.get("query"))
			return self.original(*args, **kwargs)

		frappe.db.sql = counting
		return self

	def __exit__(self, *exc):
		frappe.db.sql = self.original


class TestLeadBackfill(FrappeTestCase):
	def test_save_adds_refreshes_moves_and_clears_the_row(self):
		first = make_prospect("Backfill Lead One")
		second = make_prospect("Backfill Lead Two")
		lead = make_lead(
			"Bob", prospect=first.name, email_id="bob@example.com", mobile_no="+33 6 11 22 33 44"
		)
		self.assertEqual(
			lead_rows(lead.name),
			[
				{
					"parent": first.name,
					"lead_name": "Bob",
					"status": lead.status,
					"email": "bob@example.com",
					"mobile_no": "+33 6 11 22 33 44",
					"lead_owner": lead.lead_owner,
				}
			],
		)
		lead.reload()  # ERPNext's contact hooks touch the lead after insert
		lead.last_name = "Martin"
		lead.email_id = "bob.martin@example.com"
		lead.save()
		self.assertEqual(lead_rows(lead.name)[0]["lead_name"], "Bob Martin")
		self.assertEqual(lead_rows(lead.name)[0]["email"], "bob.martin@example.com")

		lead.prospect = second.name
		lead.save()
		self.assertEqual([r.parent for r in lead_rows(lead.name)], [second.name])

		lead.prospect = None
		lead.save()
		self.assertEqual(lead_rows(lead.name), [])

	def test_delete_lead_removes_row_and_keeps_prospect(self):
		prospect = make_prospect("Backfill Only Lead")
		lead = make_lead("Solo", prospect=prospect.name)
		frappe.delete_doc("Lead", lead.name)
		self.assertTrue(frappe.db.exists("Prospect", prospect.name), "ERPNext would have deleted it")
		self.assertEqual(lead_rows(lead.name), [])

	def test_missing_prospect_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			make_lead("Nobody", prospect="No Such Prospect")

	def test_other_rows_are_not_rewritten(self):
		prospect = make_prospect("Backfill Untouched")
		leads = [make_lead(f"Row{i}", prospect=prospect.name) for i in range(3)]
		before = frappe.get_all(
			"Prospect Lead", filters={"parent": prospect.name}, fields=["name", "modified", "idx"]
		)
		leads[1].mobile_no = "+33 7 00 00 00 01"
		leads[1].save()
		after = frappe.get_all(
			"Prospect Lead", filters={"parent": prospect.name}, fields=["name", "modified", "idx"]
		)
		changed = {row.name for row in after} ^ {row.name for row in before} | {
			a.name for a in after for b in before if a.name == b.name and a.modified != b.modified
		}
		self.assertEqual(len(changed), 1)
		self.assertEqual(sorted(r.idx for r in after), [1, 2, 3])


class TestOpportunityBackfill(FrappeTestCase):
	def test_prospect_party_row_refreshed_and_removed(self):
		prospect = make_prospect("Backfill Opp")
		opportunity = make_opportunity(
			prospect.name, opportunity_amount=1200, probability=30, expected_closing="2027-03-01"
		)
		rows = opportunity_rows(opportunity.name)
		self.assertEqual(len(rows), 1)
		self.assertEqual((rows[0].parent, rows[0].amount, rows[0].probability), (prospect.name, 1200, 30))
		self.assertEqual(str(rows[0].expected_closing), "2027-03-01")

		stage = frappe.db.get_value("Sales Stage", {}, "name")
		opportunity.sales_stage = stage
		opportunity.opportunity_amount = 900
		opportunity.status = "Closed"
		opportunity.save()
		rows = opportunity_rows(opportunity.name)
		self.assertEqual((rows[0].amount, rows[0].stage, rows[0].status), (900, stage, "Closed"))

		frappe.delete_doc("Opportunity", opportunity.name)
		self.assertEqual(opportunity_rows(opportunity.name), [])

	def test_opportunity_without_amount_or_probability(self):
		prospect = make_prospect("Backfill Empty Opp")
		opportunity = make_opportunity(prospect.name, opportunity_amount=None, probability=None)
		rows = opportunity_rows(opportunity.name)
		self.assertEqual(rows[0].amount, 0)
		self.assertEqual(
			rows[0].probability, frappe.db.get_value("Opportunity", opportunity.name, "probability")
		)

	def test_lead_party_goes_to_the_leads_prospect(self):
		prospect = make_prospect("Backfill Lead Opp")
		lead = make_lead("Carol", prospect=prospect.name)
		opportunity = make_opportunity(lead.name, opportunity_from="Lead")
		self.assertEqual([r.parent for r in opportunity_rows(opportunity.name)], [prospect.name])

	def test_customer_opportunity_has_no_row(self):
		customer = (
			frappe.db.get_value("Customer", {}, "name")
			or frappe.get_doc({"doctype": "Customer", "customer_name": "Backfill Customer"}).insert().name
		)
		opportunity = make_opportunity(customer, opportunity_from="Customer")
		self.assertEqual(opportunity_rows(opportunity.name), [])


class TestBackfillCost(FrappeTestCase):
	def count_opportunity_save(self, prospect):
		opportunity = make_opportunity(prospect.name)
		opportunity.probability = 42
		with CountQueries() as counter:
			backfill.refresh_opportunity_row(opportunity)
		return len(counter.queries)

	def count_lead_save(self, prospect):
		lead = make_lead("Counted", prospect=prospect.name)
		lead.mobile_no = "+33 6 99 99 99 99"
		with CountQueries() as counter:
			backfill.refresh_lead_row(lead)
		return len(counter.queries)

	def test_constant_query_count_at_0_and_500_rows(self):
		small = make_prospect("Cost Small")
		large = make_prospect("Cost Large")
		seed_rows(large.name, 500)
		self.assertEqual(frappe.db.count("Prospect Opportunity", {"parent": large.name}), 500)
		self.assertEqual(frappe.db.count("Prospect Lead", {"parent": large.name}), 500)
		small_opportunity, large_opportunity = (
			self.count_opportunity_save(small),
			self.count_opportunity_save(large),
		)
		small_lead, large_lead = self.count_lead_save(small), self.count_lead_save(large)
		self.assertEqual(small_opportunity, large_opportunity)
		self.assertEqual(small_lead, large_lead)
		self.assertLessEqual(large_opportunity, 6)
		self.assertLessEqual(large_lead, 6)


def seed_rows(prospect, count):
	"""Rows inserted directly (the link targets need not exist for the cost measurement)."""
	for i in range(count):
		backfill.insert_row(
			"Prospect Opportunity",
			"opportunities",
			"opportunity",
			f"SEED-OPP-{i}",
			prospect,
			{"amount": 1},
			frappe.utils.now(),
			"Administrator",
		)
		backfill.insert_row(
			"Prospect Lead",
			"leads",
			"lead",
			f"SEED-LEAD-{i}",
			prospect,
			{"lead_name": f"Seed {i}"},
			frappe.utils.now(),
			"Administrator",
		)


class TestRepair(FrappeTestCase):
	def test_rebuild_is_idempotent_and_restores_rows(self):
		prospect = make_prospect("Repair Corp")
		lead = make_lead("Dave", prospect=prospect.name)
		opportunity = make_opportunity(prospect.name, opportunity_amount=700)
		frappe.db.delete("Prospect Lead", {"lead": lead.name})
		frappe.db.set_value("Prospect Opportunity", {"opportunity": opportunity.name}, "amount", 1)
		stray = make_prospect("Repair Stray")
		backfill.insert_row(
			"Prospect Lead", "leads", "lead", lead.name, stray.name, {}, frappe.utils.now(), "Administrator"
		)

		dry = backfill.rebuild_all(dry_run=True)
		self.assertIn(("Prospect Lead", prospect.name, lead.name), dry["added"])
		self.assertIn(("Prospect Lead", stray.name, lead.name), dry["removed"])
		self.assertIn(("Prospect Opportunity", prospect.name, opportunity.name), dry["refreshed"])
		self.assertEqual(
			frappe.db.count("Prospect Lead", {"lead": lead.name, "parent": prospect.name}),
			0,
			"dry run changes nothing",
		)

		backfill.rebuild_all()
		self.assertEqual(
			[r.parent for r in lead_rows(lead.name)], [prospect.name], "stray row removed, row restored"
		)
		self.assertEqual(opportunity_rows(opportunity.name)[0].amount, 700)

		again = backfill.rebuild_all(dry_run=True)
		mine = [
			item
			for kind in again.values()
			for item in kind
			if item[1] in (prospect.name, stray.name) or item[2] in (lead.name, opportunity.name)
		]
		self.assertEqual(mine, [])
