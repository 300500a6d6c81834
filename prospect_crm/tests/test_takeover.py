"""Takeover at install: the test site held ERPNext-owned prospects (created through ERPNext's own code
before prospect_crm was installed, see scripts/test); every record and child row is still there. And the
guard: no import of ERPNext's definition, by any path, takes the DocTypes back while the app is installed."""

import io
from contextlib import redirect_stdout

import frappe
from frappe import _
from frappe.modules import import_file
from frappe.modules.import_file import calculate_hash
from frappe.tests.utils import FrappeTestCase

from prospect_crm import takeover
from prospect_crm.takeover import MODULE, TAKEN_OVER
from prospect_crm.tests.legacy import SEED_PREFIX, snapshot
from prospect_crm.tests.server import site_cli


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

	def test_doctype_properties_of_the_newest_erpnext(self):
		"""Our definitions carry what the newest ERPNext sets on its Prospect DocTypes (v15.102 and v16: rename,
		50 rows a grid page, sorted by creation; v16: dynamic row format), and the site keeps them wherever
		its DocType has the property."""
		expected = {
			"Prospect": {
				"allow_rename": 1,
				"grid_page_length": 50,
				"sort_field": "creation",
				"sort_order": "DESC",
				"row_format": "Dynamic",
			},
			"Prospect Lead": {"sort_field": "creation", "sort_order": "DESC"},
			"Prospect Opportunity": {"sort_field": "creation", "sort_order": "DESC"},
		}
		doctype_meta = frappe.get_meta("DocType")
		for doctype, properties in expected.items():
			ours = import_file.read_doc_from_file(takeover.our_json_path(doctype))
			for prop, value in properties.items():
				with self.subTest(doctype=doctype, property=prop):
					self.assertEqual(ours.get(prop), value, "in our JSON")
					if doctype_meta.has_field(prop):
						self.assertEqual(frappe.db.get_value("DocType", doctype, prop), value, "on the site")


# Our columns, and a value for each that ERPNext's definition does not know about.
OUR_PROSPECT_VALUES = {"market_share": 37.5, "currency": "USD", "open_pipeline_amount": 4321.0}
OUR_ROW_STATUS = "Guarded"


class TestGuardAgainstErpnextDefinition(FrappeTestCase):
	"""Each path that imports ERPNext's JSON of a Prospect DocType while the app is installed leaves the
	DocTypes ours: module, fields, the values of our columns, and every row."""

	prospect = f"{SEED_PREFIX} 1"

	def setUp(self):
		# Our own file stored (not a hash left by an earlier guarded import): each path below must really
		# import ERPNext's JSON, which the stored hash then shows.
		self.addCleanup(frappe.db.commit)
		self.addCleanup(takeover.take_over)
		takeover.take_over()
		# Other sessions may add prospects meanwhile (the suite's server, a second test run): totals may
		# only grow, and the legacy prospects must be unchanged to the row.
		self.counts = takeover.table_counts()
		self.legacy = snapshot()
		self.row = frappe.get_all(
			"Prospect Opportunity", filters={"parent": self.prospect}, pluck="name", order_by="idx"
		)[0]
		fields = list(OUR_PROSPECT_VALUES)
		original = frappe.db.get_value("Prospect", self.prospect, fields, as_dict=True)
		original_status = frappe.db.get_value("Prospect Opportunity", self.row, "status")
		self.addCleanup(frappe.db.commit)
		self.addCleanup(frappe.db.set_value, "Prospect", self.prospect, original, update_modified=False)
		self.addCleanup(
			frappe.db.set_value,
			"Prospect Opportunity",
			self.row,
			"status",
			original_status,
			update_modified=False,
		)
		frappe.db.set_value("Prospect", self.prospect, OUR_PROSPECT_VALUES, update_modified=False)
		frappe.db.set_value("Prospect Opportunity", self.row, "status", OUR_ROW_STATUS, update_modified=False)
		# Committed, and no transaction left open: another process must see the values, and must not wait
		# for a lock this one holds.
		frappe.db.commit()

	def assert_still_ours(self, imported=TAKEN_OVER):
		# As a patch or `bench execute` would; and a fresh snapshot, if another process committed.
		frappe.db.commit()
		for doctype in TAKEN_OVER:
			frappe.clear_cache(doctype=doctype)
			stored = frappe.db.get_value("DocType", doctype, ["module", "migration_hash"], as_dict=True)
			self.assertEqual(stored.module, MODULE, doctype)
			if doctype in imported:
				# Frappe stores the hash of the file it imported: proof ERPNext's JSON went through.
				self.assertEqual(stored.migration_hash, calculate_hash(takeover.erpnext_json_path(doctype)))
		meta = frappe.get_meta("Prospect")
		for fieldname in OUR_PROSPECT_VALUES:
			self.assertIsNotNone(meta.get_field(fieldname), fieldname)
		self.assertIsNone(meta.get_field("column_break_16"), "a field of ERPNext's definition only")
		self.assertIsNotNone(frappe.get_meta("Prospect Opportunity").get_field("status"))
		values = frappe.db.get_value("Prospect", self.prospect, list(OUR_PROSPECT_VALUES), as_dict=True)
		self.assertEqual(dict(values), OUR_PROSPECT_VALUES)
		self.assertEqual(frappe.db.get_value("Prospect Opportunity", self.row, "status"), OUR_ROW_STATUS)
		counts = takeover.table_counts()
		for table, count in self.counts.items():
			self.assertGreaterEqual(counts[table], count, table)
		self.assertEqual(snapshot(), self.legacy)
		report = takeover.ownership_report()
		self.assertTrue(all(row["matches_our_json"] and row["erpnext_copy_dormant"] for row in report))

	def test_erpnext_patch_reload_doc(self):
		# How ERPNext's patches reload a DocType: without force, the file differs from the stored hash.
		for doctype in TAKEN_OVER:
			frappe.reload_doc("crm", "doctype", takeover.doctype_folder(doctype))
		self.assert_still_ours()

	def test_sync_for_erpnext(self):
		from frappe.model import sync

		with redirect_stdout(io.StringIO()):  # its progress bar
			sync.sync_for("erpnext")
		self.assert_still_ours()

	def test_sync_for_style_import_with_force(self):
		# What sync_for(app, force=True) calls for each file (`bench reinstall`, install-app --force).
		from frappe.model import sync

		for doctype in TAKEN_OVER:
			sync.import_file_by_path(
				takeover.erpnext_json_path(doctype), force=True, ignore_version=True, reset_permissions=True
			)
		self.assert_still_ours()

	def test_import_file_by_path(self):
		for doctype in TAKEN_OVER:
			import_file.import_file_by_path(takeover.erpnext_json_path(doctype), force=True)
		self.assert_still_ours()

	def test_admin_bench_execute_reload_doc(self):
		# A separate process, as an administrator runs it: the guard comes from hooks, not from this one.
		result = site_cli(
			"execute",
			"frappe.reload_doc",
			"--kwargs",
			"{'module': 'crm', 'dt': 'doctype', 'dn': 'prospect', 'force': True}",
		)
		self.assertEqual(result.returncode, 0, result.stderr[-3000:])
		self.assertIn("kept Prospect in module Prospect CRM", result.stdout)
		self.assert_still_ours(imported=("Prospect",))


class TestGuard(FrappeTestCase):
	def erpnext_definition(self, doctype):
		docdict = import_file.read_doc_from_file(takeover.erpnext_json_path(doctype))
		docdict["__islocal"] = 1
		return frappe.get_doc(docdict)

	def test_guard_is_registered(self):
		self.assertTrue(takeover.guard_registered())

	def test_erpnext_definition_becomes_ours(self):
		for doctype in TAKEN_OVER:
			doc = self.erpnext_definition(doctype)
			takeover.keep_ours(doc, "before_import")
			ours = import_file.read_doc_from_file(takeover.our_json_path(doctype))
			self.assertEqual(doc.module, MODULE)
			self.assertEqual(
				[field.fieldname for field in doc.fields], [field["fieldname"] for field in ours["fields"]]
			)

	def test_our_uninstall_hands_erpnext_definition_through(self):
		doc = self.erpnext_definition("Prospect")
		with takeover.handing_back():
			takeover.keep_ours(doc, "before_import")
		self.assertEqual(doc.module, "CRM")
		self.assertNotIn("market_share", [field.fieldname for field in doc.fields])
		self.assertFalse(frappe.flags.prospect_crm_handing_back)

	def test_lost_rows_are_refused(self):
		frappe.flags.prospect_crm_counts_before = {"Prospect": frappe.db.count("Prospect") + 1}
		with self.assertRaises(frappe.ValidationError):
			takeover.check_rows_kept(_("Taking over {0} lost rows ({1} before, {2} after)."))
		self.assertNotIn("prospect_crm_counts_before", frappe.flags)
		takeover.count_rows_before()
		self.assertEqual(takeover.check_rows_kept("{0} {1} {2}"), takeover.table_counts())
