"""Live back-fill of a prospect's Lead and Opportunity rows from Lead and Opportunity saves, its repair, and
the exact SQL statements each path of it costs."""

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm import backfill
from prospect_crm.tests.utils import CountQueries, make_lead, make_opportunity, make_prospect, sales_item


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

	def test_a_duplicate_row_in_the_same_prospect_is_removed(self):
		prospect = make_prospect("Backfill Duplicate")
		lead = make_lead("Twin", prospect=prospect.name)
		backfill.insert_row(
			backfill.LEAD_ROW, lead.name, prospect.name, {}, frappe.utils.now(), "Administrator"
		)
		backfill.refresh_lead_row(lead)
		self.assertEqual([r.lead_name for r in lead_rows(lead.name)], ["Twin"])

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


class TestLeadStatusSetByERPNext(FrappeTestCase):
	"""ERPNext sets a lead's status without saving the lead (Opportunity.after_insert, Quotation.validate,
	Customer.after_insert): the lead's row in its prospect shows the new status all the same."""

	def lead_row_status(self, lead: str) -> str:
		return frappe.db.get_value("Prospect Lead", {"lead": lead}, "status")

	def test_an_opportunity_for_the_lead(self):
		lead = make_lead("Status Opp", prospect=make_prospect("Backfill Status Opp").name)
		make_opportunity(lead.name, opportunity_from="Lead")
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "status"), "Opportunity")
		self.assertEqual(self.lead_row_status(lead.name), "Opportunity")

	def test_a_quotation_for_the_lead(self):
		lead = make_lead("Status Quotation", prospect=make_prospect("Backfill Status Quotation").name)
		frappe.get_doc(
			{
				"doctype": "Quotation",
				"quotation_to": "Lead",
				"party_name": lead.name,
				"company": lead.company,
				"items": [{"item_code": sales_item(), "qty": 1, "rate": 100}],
			}
		).insert().submit()
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "status"), "Quotation")
		self.assertEqual(self.lead_row_status(lead.name), "Quotation")

	def test_a_customer_made_from_the_lead(self):
		lead = make_lead("Status Customer", prospect=make_prospect("Backfill Status Customer").name)
		frappe.get_doc(
			{"doctype": "Customer", "customer_name": "Backfill Status Customer Co", "lead_name": lead.name}
		).insert()
		self.assertEqual(frappe.db.get_value("Lead", lead.name, "status"), "Converted")
		self.assertEqual(self.lead_row_status(lead.name), "Converted")


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
			backfill.OPPORTUNITY_ROW,
			f"SEED-OPP-{i}",
			prospect,
			{"amount": 1},
			frappe.utils.now(),
			"Administrator",
		)
		backfill.insert_row(
			backfill.LEAD_ROW,
			f"SEED-LEAD-{i}",
			prospect,
			{"lead_name": f"Seed {i}"},
			frappe.utils.now(),
			"Administrator",
		)


# The statements each path of the back-fill costs (the figures README's "How it works" gives): read the link's
# rows; lock and bump the parents, moving their pipeline amounts, in one UPDATE; delete the rows elsewhere
# (move, delete); update the row (update), or read the table's last idx and insert the row (insert, move).
STATEMENTS = {"insert": 4, "update": 3, "move": 5, "delete": 3}
# The save of an existing document (every path but the insert of a new one) first locks the parents, then
# reads its rows in them again with a locking read (the latest committed rows, not the request's snapshot).
CURRENT_READ = 2
# An opportunity for a lead first reads the lead's prospect.
LEAD_PROSPECT_LOOKUP = 1
# A document that joins a prospect (not one being created) brings its history along (history.py): CRM
# Settings' switch, its emails, comments, open events and open tasks are read; a lead also brings its
# opportunities.
JOINING_HISTORY = 5
LEAD_OPPORTUNITIES_LOOKUP = 1


def statements(work) -> list[str]:
	with CountQueries() as counter:
		work()
	return counter.queries


class TestBackfillStatements(FrappeTestCase):
	"""Exact statement counts of every path of both row kinds, alike for prospects of 0 and 200 rows."""

	def statements_per_path(self, kind, rows_per_prospect):
		here = make_prospect(f"Statements {kind.source_doctype} {rows_per_prospect} Here").name
		there = make_prospect(f"Statements {kind.source_doctype} {rows_per_prospect} There").name
		seed_rows(here, rows_per_prospect)
		seed_rows(there, rows_per_prospect)
		if kind is backfill.LEAD_ROW:
			source = make_lead(f"Counted{rows_per_prospect}", prospect=here)
			refresh, remove = backfill.refresh_lead_row, backfill.remove_lead_row
			target_field, changed = "prospect", {"mobile_no": "+33 6 12 34 56 78"}
		else:
			source = make_opportunity(here, opportunity_amount=100)
			refresh, remove = backfill.refresh_opportunity_row, backfill.remove_opportunity_row
			target_field, changed = "party_name", {"opportunity_amount": 150}

		def parents():
			return frappe.get_all(kind.child_doctype, filters={kind.link_field: source.name}, pluck="parent")

		queries = {}
		source.update(changed)
		queries["update"] = statements(lambda: refresh(source))
		self.assertEqual(parents(), [here])
		source.set(target_field, there)
		queries["move"] = statements(lambda: refresh(source))
		self.assertEqual(parents(), [there])
		queries["delete"] = statements(lambda: remove(source))
		self.assertEqual(parents(), [])
		source.set(target_field, here)
		queries["insert"] = statements(lambda: refresh(source))
		self.assertEqual(parents(), [here])
		remove(source)
		# A document being created has no history to bring.
		source.flags.in_insert = True
		queries["insert new"] = statements(lambda: refresh(source))
		source.flags.in_insert = False
		self.assertEqual(parents(), [here])
		return queries

	def test_each_path_costs_a_fixed_number_of_statements(self):
		# Frappe reads a table's columns once per process, on its first query: not counted. The history
		# brought along depends on CRM Settings' carry-forward switch: on, as ERPNext ships it on v15.
		backfill.refresh_opportunities_of_leads(["-"])
		frappe.db.set_single_value("CRM Settings", "carry_forward_communication_and_comments", 1)
		for kind in backfill.ROW_KINDS:
			joining = JOINING_HISTORY + (LEAD_OPPORTUNITIES_LOOKUP if kind is backfill.LEAD_ROW else 0)
			expected = {
				"update": STATEMENTS["update"] + CURRENT_READ,
				"move": STATEMENTS["move"] + CURRENT_READ + joining,
				"delete": STATEMENTS["delete"] + CURRENT_READ,
				"insert": STATEMENTS["insert"] + CURRENT_READ + joining,
				"insert new": STATEMENTS["insert"],
			}
			for rows_per_prospect in (0, 200):
				with self.subTest(kind=kind.child_doctype, rows_per_prospect=rows_per_prospect):
					queries = self.statements_per_path(kind, rows_per_prospect)
					self.assertEqual(
						{path: len(done) for path, done in queries.items()},
						expected,
						"\n".join(f"{path}: {query}" for path, done in queries.items() for query in done),
					)

	def test_an_opportunity_for_a_lead_reads_the_leads_prospect_once_more(self):
		prospect = make_prospect("Statements Lead Opportunity")
		opportunity = make_opportunity(make_lead("Counted", prospect=prospect.name).name, "Lead")
		opportunity.probability = 55
		queries = statements(lambda: backfill.refresh_opportunity_row(opportunity))
		self.assertEqual(
			len(queries), STATEMENTS["update"] + CURRENT_READ + LEAD_PROSPECT_LOOKUP, "\n".join(queries)
		)

	def test_pipeline_amount_follows_a_moved_and_a_closed_opportunity(self):
		here, there = make_prospect("Statements Pipeline Here"), make_prospect("Statements Pipeline There")
		opportunity = make_opportunity(here.name, opportunity_amount=400)
		opportunity.party_name = there.name
		backfill.refresh_opportunity_row(opportunity)
		amounts = frappe.get_all(
			"Prospect",
			filters={"name": ("in", [here.name, there.name])},
			fields=["name", "open_pipeline_amount"],
		)
		self.assertEqual({a.name: a.open_pipeline_amount for a in amounts}, {here.name: 0, there.name: 400})
		opportunity.status = "Lost"
		backfill.refresh_opportunity_row(opportunity)
		self.assertEqual(frappe.db.get_value("Prospect", there.name, "open_pipeline_amount"), 0)


class TestRepair(FrappeTestCase):
	def test_rebuild_is_idempotent_and_restores_rows(self):
		prospect = make_prospect("Repair Corp")
		lead = make_lead("Dave", prospect=prospect.name)
		opportunity = make_opportunity(prospect.name, opportunity_amount=700)
		frappe.db.delete("Prospect Lead", {"lead": lead.name})
		frappe.db.set_value("Prospect Opportunity", {"opportunity": opportunity.name}, "amount", 1)
		stray = make_prospect("Repair Stray")
		backfill.insert_row(backfill.LEAD_ROW, lead.name, stray.name, {}, frappe.utils.now(), "Administrator")

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


class TestServerOwnedOpportunityRows(FrappeTestCase):
	def test_a_save_without_the_rows_keeps_them(self):
		"""The opportunities table is written by the Opportunities: a prospect saved with rows left out (over
		REST, or an old form) keeps those whose Opportunity exists, and its pipeline amount."""
		prospect = make_prospect("Owned Rows Corp")
		kept = make_opportunity(prospect.name, opportunity_amount=700)
		gone = make_opportunity(prospect.name, opportunity_amount=300)
		frappe.delete_doc("Opportunity", gone.name, force=True)
		prospect.reload()
		prospect.opportunities = []
		prospect.save()
		prospect.reload()
		self.assertEqual([row.opportunity for row in prospect.opportunities], [kept.name])
		self.assertEqual(prospect.open_pipeline_amount, 700)
