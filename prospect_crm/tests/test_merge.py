"""Merging a prospect into another: through Frappe's rename (desk, REST) and the "Merge into..." methods, with
everything of the merged prospect moved once, the permission rule, and a failed merge rolled back."""

import json
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm import api
from prospect_crm.tests import utils


def make_merge_pair(suffix: str):
	"""A kept prospect with one lead and opportunity, and a prospect to merge holding one of everything."""
	kept = utils.make_prospect(f"Kept {suffix}", industry=None, website=None)
	merged = utils.make_prospect(f"Merged {suffix}", website=f"merged-{suffix.lower()}.example.com")
	utils.make_lead("Keeper", prospect=kept.name)
	utils.make_opportunity(kept.name, opportunity_amount=100)
	data = frappe._dict(kept=kept, merged=merged)
	data.lead = utils.make_lead("Mover", prospect=merged.name)
	data.opportunity = utils.make_opportunity(merged.name, opportunity_amount=250)
	data.lead_opportunity = utils.make_opportunity(
		data.lead.name, opportunity_from="Lead", opportunity_amount=50
	)
	quotation = api.make_quotation(merged.name)
	quotation.append("items", {"item_code": utils.sales_item(), "qty": 1, "rate": 10})
	data.quotation = quotation.insert()
	data.contact = utils.make_contact(f"Merge {suffix}", [("Prospect", merged.name)])
	data.address = utils.make_address(f"Merge {suffix}", [("Prospect", merged.name)])
	merged.reload()
	merged.add_note("a note of the merged prospect")
	data.comment = merged.add_comment("Comment", "called them")
	data.todo = frappe.get_doc(
		{
			"doctype": "ToDo",
			"description": "follow up",
			"reference_type": "Prospect",
			"reference_name": merged.name,
		}
	).insert()
	data.event = frappe.get_doc(
		{
			"doctype": "Event",
			"subject": "visit",
			"event_type": "Public",
			"starts_on": frappe.utils.now_datetime(),
			"event_participants": [{"reference_doctype": "Prospect", "reference_docname": merged.name}],
		}
	).insert()
	data.communication = frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"subject": "proposal",
			"reference_doctype": "Prospect",
			"reference_name": merged.name,
		}
	).insert(ignore_permissions=True)
	data.file = frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"merge-{suffix}.txt",
			"content": "brochure",
			"attached_to_doctype": "Prospect",
			"attached_to_name": merged.name,
		}
	).insert()
	frappe.db.set_value("Prospect", merged.name, "_user_tags", ",key-account")
	return data


class TestMerge(FrappeTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")

	def assert_everything_moved(self, data):
		kept, merged = data.kept.name, data.merged.name
		self.assertFalse(frappe.db.exists("Prospect", merged))
		result = frappe.get_doc("Prospect", kept)
		leads = [row.lead for row in result.leads]
		opportunities = [row.opportunity for row in result.opportunities]
		self.assertEqual(len(leads), 2)
		self.assertEqual(len(set(leads)), 2, "one row per lead")
		self.assertIn(data.lead.name, leads)
		self.assertEqual(len(opportunities), 3)
		self.assertEqual(len(set(opportunities)), 3, "one row per opportunity")
		self.assertIn(data.opportunity.name, opportunities)
		self.assertIn(data.lead_opportunity.name, opportunities)
		self.assertEqual(result.open_pipeline_amount, 400)
		self.assertEqual([note.note for note in result.notes], ["a note of the merged prospect"])
		self.assertEqual(frappe.db.get_value("Lead", data.lead.name, "prospect"), kept)
		self.assertEqual(frappe.db.get_value("Opportunity", data.opportunity.name, "party_name"), kept)
		self.assertEqual(frappe.db.get_value("Quotation", data.quotation.name, "party_name"), kept)
		self.assertIn(("Prospect", kept), utils.links_of("Contact", data.contact.name))
		self.assertIn(("Prospect", kept), utils.links_of("Address", data.address.name))
		self.assertEqual(frappe.db.get_value("Comment", data.comment.name, "reference_name"), kept)
		self.assertEqual(frappe.db.get_value("ToDo", data.todo.name, "reference_name"), kept)
		self.assertEqual(
			frappe.db.get_value("Event Participants", {"parent": data.event.name}, "reference_docname"), kept
		)
		self.assertEqual(
			frappe.db.get_value("Communication", data.communication.name, "reference_name"), kept
		)
		self.assertEqual(frappe.db.get_value("File", data.file.name, "attached_to_name"), kept)
		self.assertIn("key-account", result.get("_user_tags") or "")
		self.assertEqual(result.website, data.merged.website, "empty overview fields are filled")
		self.assertTrue(
			frappe.db.exists(
				"Comment", {"reference_doctype": "Prospect", "reference_name": kept, "comment_type": "Edit"}
			),
			"a comment records the merge",
		)

	def test_merge_through_frappe_rename_as_rest_does(self):
		data = make_merge_pair("Rest")
		utils.call_whitelisted(
			"frappe.client.rename_doc",
			doctype="Prospect",
			old_name=data.merged.name,
			new_name=data.kept.name,
			merge=1,
		)
		self.assert_everything_moved(data)

	def test_merge_into_action_with_preview(self):
		data = make_merge_pair("Action")
		preview = utils.call_whitelisted(
			"prospect_crm.api.merge_preview", source=data.merged.name, target=data.kept.name
		)
		moves = {move["label"]: move["count"] for move in preview["moves"]}
		self.assertEqual(moves["Leads"], 1)
		self.assertEqual(moves["Opportunities"], 1)
		self.assertEqual(moves["Notes"], 1)
		# the test contact, and the lead's own contact where ERPNext creates one with the lead
		contacts = frappe.db.count(
			"Dynamic Link",
			{"parenttype": "Contact", "link_doctype": "Prospect", "link_name": data.merged.name},
		)
		self.assertGreaterEqual(contacts, 1)
		self.assertEqual(moves["Contacts"], contacts)
		self.assertIn("website", [fill["field"] for fill in preview["filled"]])
		self.assertTrue(frappe.db.exists("Prospect", data.merged.name), "a preview changes nothing")

		kept = utils.call_whitelisted(
			"prospect_crm.api.merge_prospects", source=data.merged.name, target=data.kept.name
		)
		self.assertEqual(kept, data.kept.name)
		self.assert_everything_moved(data)

	def test_merge_needs_delete_on_the_merged_and_write_on_the_kept(self):
		data = make_merge_pair("Perm")
		frappe.set_user(utils.make_user("pcrm.merger@example.com", ["Sales User"]))  # no delete on Prospect
		for call in (
			lambda: api.merge_prospects(data.merged.name, data.kept.name),
			lambda: frappe.rename_doc("Prospect", data.merged.name, data.kept.name, merge=True),
		):
			with self.assertRaises(frappe.PermissionError):
				call()
		frappe.set_user("Administrator")
		self.assertTrue(frappe.db.exists("Prospect", data.merged.name))
		self.assertEqual(frappe.db.get_value("Lead", data.lead.name, "prospect"), data.merged.name)

	def test_a_failed_merge_leaves_both_prospects_as_they_were(self):
		data = make_merge_pair("Fail")
		frappe.db.savepoint("before_merge")
		with patch("prospect_crm.backfill.refresh_rows_of_prospect", side_effect=frappe.ValidationError):
			with self.assertRaises(frappe.ValidationError):
				api.merge_prospects(data.merged.name, data.kept.name)
		frappe.db.rollback(save_point="before_merge")
		self.assertTrue(frappe.db.exists("Prospect", data.merged.name))
		self.assertEqual(frappe.db.get_value("Lead", data.lead.name, "prospect"), data.merged.name)
		self.assertEqual(
			frappe.db.get_value("Comment", data.comment.name, "reference_name"), data.merged.name
		)
		self.assertEqual(len(frappe.get_doc("Prospect", data.merged.name).notes), 1)
		self.assertEqual(len(frappe.get_doc("Prospect", data.kept.name).leads), 1)

	def test_merging_into_itself_or_a_missing_prospect_is_refused_clearly(self):
		prospect = utils.make_prospect("Lonely Corp")
		with self.assertRaises(frappe.ValidationError):
			api.merge_prospects(prospect.name, prospect.name)
		with self.assertRaises(frappe.DoesNotExistError):
			api.merge_preview(prospect.name, "No Such Prospect")

	def test_what_both_prospects_shared_is_linked_once_and_the_kept_one_converts(self):
		"""A contact, an address, an email and an event linked to both prospects end with one link to the kept
		one; a customer made from the merged prospect moves, and the kept prospect becomes Converted."""
		kept = utils.make_prospect("Shared Kept")
		merged = utils.make_prospect("Shared Merged")
		both = [("Prospect", kept.name), ("Prospect", merged.name)]
		contact = utils.make_contact("Shared", both)
		address = utils.make_address("Shared", both)
		email = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"subject": "to both",
				"reference_doctype": "Prospect",
				"reference_name": kept.name,
				"timeline_links": [
					{"link_doctype": "Prospect", "link_name": kept.name},
					{"link_doctype": "Prospect", "link_name": merged.name},
				],
			}
		).insert(ignore_permissions=True)
		event = frappe.get_doc(
			{
				"doctype": "Event",
				"subject": "meeting both",
				"event_type": "Public",
				"starts_on": frappe.utils.now_datetime(),
				"event_participants": [
					{"reference_doctype": "Prospect", "reference_docname": kept.name},
					{"reference_doctype": "Prospect", "reference_docname": merged.name},
				],
			}
		).insert()
		customer = frappe.get_doc(
			{"doctype": "Customer", "customer_name": "Shared Merged Customer", "prospect": merged.name}
		).insert()
		self.assertNotEqual(frappe.db.get_value("Prospect", kept.name, "status"), "Converted")

		api.merge_prospects(merged.name, kept.name)

		for doctype, name in (("Contact", contact.name), ("Address", address.name)):
			links = [(link.link_doctype, link.link_name) for link in frappe.get_doc(doctype, name).links]
			self.assertEqual(links.count(("Prospect", kept.name)), 1, doctype)
			self.assertNotIn(("Prospect", merged.name), links, doctype)
		timeline = [
			(link.link_doctype, link.link_name)
			for link in frappe.get_doc("Communication", email.name).timeline_links
		]
		self.assertEqual(timeline.count(("Prospect", kept.name)), 1)
		participants = [
			(row.reference_doctype, row.reference_docname)
			for row in frappe.get_doc("Event", event.name).event_participants
		]
		self.assertEqual(participants, [("Prospect", kept.name)])
		self.assertEqual(frappe.db.get_value("Customer", customer.name, "prospect"), kept.name)
		self.assertEqual(frappe.db.get_value("Prospect", kept.name, "status"), "Converted")


class TestMergeOverRest(FrappeTestCase):
	"""`frappe.client.rename_doc` with merge=1 over HTTP (Frappe's WSGI application, in this process), as a
	Sales Manager authenticated by API key, the way an integration merges. The request has its own database
	connection: the data is committed under names unique to the run, and deleted afterwards."""

	@classmethod
	def setUpClass(cls):
		from frappe.core.doctype.user.user import generate_keys
		from frappe.desk.form import assign_to

		super().setUpClass()
		cls.prefix = utils.committed_data_prefix(cls, "PCRM Merge Rest")
		cls.user = utils.make_user("pcrm.merge.rest@example.com", ["Sales Manager"])
		cls.kept = utils.make_prospect(f"{cls.prefix} Kept").name
		cls.merged = utils.make_prospect(f"{cls.prefix} Merged").name
		cls.lead = utils.make_lead(f"{cls.prefix} Mover", prospect=cls.merged).name
		cls.opportunity = utils.make_opportunity(cls.merged, opportunity_amount=300).name
		both = [("Prospect", cls.kept), ("Prospect", cls.merged)]
		cls.contact = utils.make_contact(f"{cls.prefix} Both", both).name
		assign_to.add({"doctype": "Prospect", "name": cls.merged, "assign_to": [cls.user]})
		secret = generate_keys(cls.user)["api_secret"]
		cls.auth = f"token {frappe.db.get_value('User', cls.user, 'api_key')}:{secret}"
		frappe.db.commit()

	def test_merge_through_rest(self):
		from frappe.tests.test_api import make_request
		from frappe.utils import get_test_client

		response = make_request(
			target=get_test_client().post,
			args=("/api/method/frappe.client.rename_doc",),
			kwargs={
				"headers": {"Authorization": self.auth},
				"json": {"doctype": "Prospect", "old_name": self.merged, "new_name": self.kept, "merge": 1},
			},
		)
		self.assertEqual(response.status_code, 200, response.text)
		frappe.db.rollback()  # see what the request committed
		self.assertFalse(frappe.db.exists("Prospect", self.merged))
		kept = frappe.get_doc("Prospect", self.kept)
		self.assertEqual([row.lead for row in kept.leads], [self.lead])
		self.assertEqual([row.opportunity for row in kept.opportunities], [self.opportunity])
		self.assertEqual(kept.open_pipeline_amount, 300)
		self.assertEqual(frappe.db.get_value("Lead", self.lead, "prospect"), self.kept)
		self.assertEqual(frappe.db.get_value("Opportunity", self.opportunity, "party_name"), self.kept)
		links = [
			(link.link_doctype, link.link_name) for link in frappe.get_doc("Contact", self.contact).links
		]
		self.assertEqual(links, [("Prospect", self.kept)])
		self.assertIn(self.user, json.loads(kept.get("_assign") or "[]"), "the assignment follows")
		self.assertTrue(
			frappe.db.exists(
				"ToDo",
				{"reference_type": "Prospect", "reference_name": self.kept, "allocated_to": self.user},
			)
		)
