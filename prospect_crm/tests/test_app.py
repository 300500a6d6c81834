"""The app is installed on the site, its module and hooks are loaded, and its fixtures are applied."""

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.takeover import MODULE, TAKEN_OVER


class TestAppInstalled(FrappeTestCase):
	def test_app_is_installed(self):
		self.assertIn("prospect_crm", frappe.get_installed_apps())
		self.assertEqual(frappe.db.get_value("Module Def", MODULE, "app_name"), "prospect_crm")

	def test_hooks_are_loaded(self):
		self.assertIn(
			"prospect_crm.backfill.refresh_lead_row", frappe.get_hooks("doc_events")["Lead"]["on_update"]
		)
		self.assertEqual(
			frappe.get_hooks("override_doctype_class")["Opportunity"][-1],
			"prospect_crm.overrides.opportunity.Opportunity",
		)
		from prospect_crm.overrides.lead import Lead

		self.assertIsInstance(frappe.new_doc("Lead"), Lead)

	def test_fixtures_are_applied(self):
		field = frappe.get_meta("Lead").get_field("prospect")
		self.assertIsNotNone(field)
		self.assertEqual((field.fieldtype, field.options), ("Link", "Prospect"))
		self.assertTrue(frappe.db.has_column("Lead", "prospect"))
		self.assertEqual(frappe.get_meta("Customer").get_field("prospect").options, "Prospect")

	def test_doctypes_are_owned_by_the_app(self):
		for doctype in TAKEN_OVER:
			self.assertEqual(frappe.db.get_value("DocType", doctype, "module"), MODULE, doctype)
		self.assertIsNotNone(frappe.get_meta("Prospect").get_field("market_share"))


class TestDeskEntryPoints(FrappeTestCase):
	def test_a_user_finds_prospects_where_the_desk_shows_crm(self):
		"""ERPNext v15's CRM workspace has a "Sales Pipeline" card (the manual opens prospects there); v16
		hides the CRM workspace and drops the card, and the desk opens on desktop icons and sidebars."""
		links = frappe.get_doc("Workspace", "CRM").links
		card = next(
			(
				i
				for i, link in enumerate(links)
				if link.type == "Card Break" and link.label == "Sales Pipeline"
			),
			None,
		)
		if card is not None:
			following = [link.link_to for link in links[card + 1 :][:3]]
			self.assertIn("Prospect", following)
		our_workspace = frappe.get_doc("Workspace", "Prospect CRM")
		self.assertTrue(our_workspace.public and not our_workspace.is_hidden)
		# Prospects are a shortcut of the workspace (its cards do not repeat the shortcuts).
		self.assertIn("Prospect", [shortcut.link_to for shortcut in our_workspace.shortcuts])
		self.assertTrue(frappe.db.exists("Report", "Prospect Pipeline"))
		if frappe.db.exists("DocType", "Workspace Sidebar"):
			icon = frappe.get_doc("Desktop Icon", "Prospect CRM")
			self.assertFalse(icon.hidden)
			self.assertEqual((icon.link_type, icon.link_to), ("Workspace Sidebar", "Prospect CRM"))
			sidebar = frappe.get_doc("Workspace Sidebar", "Prospect CRM")
			self.assertIn("Prospect", [item.link_to for item in sidebar.items])
		else:
			self.assertIsNotNone(card, "without sidebars (v15), the CRM workspace keeps Sales Pipeline")


class TestFrench(FrappeTestCase):
	def test_every_label_and_option_of_the_app_is_translated(self):
		from frappe.translate import get_translation_dict_from_file

		path = frappe.get_app_path("prospect_crm", "translations", "fr.csv")
		french = get_translation_dict_from_file(path, "fr", "prospect_crm")
		doctypes = frappe.get_all("DocType", filters={"module": MODULE}, pluck="name")
		sources = set(doctypes)
		for doctype in doctypes:
			for field in frappe.get_meta(doctype).fields:
				sources.update(filter(None, (field.label, field.description)))
				if field.fieldtype == "Select" and any(c.isalpha() for c in field.options or ""):
					sources.update(filter(None, field.options.split("\n")))
		for record_type in ("Report", "Number Card", "Dashboard Chart", "Workspace"):
			sources.update(frappe.get_all(record_type, filters={"module": MODULE}, pluck="name"))
		for custom_field in frappe.get_all(
			"Custom Field", filters={"module": MODULE}, fields=["label", "description"]
		):
			sources.update(filter(None, (custom_field.label, custom_field.description)))
		missing = sorted(source for source in sources if source not in french)
		self.assertEqual(missing, [])

	def test_every_message_of_the_app_screens_is_translated(self):
		"""Every string the app's scripts and server code show (__("...") and _("...")), the workspace's
		shortcuts, cards and counters: French from the app or from Frappe/ERPNext on this version."""
		import re
		from pathlib import Path

		from frappe.translate import get_all_translations

		french = get_all_translations("fr")
		root = Path(frappe.get_app_path("prospect_crm"))
		literal = r"""(["'])((?:(?!\1)[^\\]|\\.)+?)\1"""
		sources = set()
		for path in root.rglob("*.js"):
			sources.update(m.group(2) for m in re.finditer(r"__\(\s*" + literal, path.read_text()))
		for path in root.rglob("*.py"):
			if "tests" in path.parts:
				continue
			sources.update(m.group(2) for m in re.finditer(r"(?<![\w.])_\(\s*" + literal, path.read_text()))
		workspace = frappe.get_doc("Workspace", "Prospect CRM")
		sources.update(row.label for row in workspace.shortcuts)
		sources.update(row.format for row in workspace.shortcuts if row.format)
		sources.update(row.label for row in workspace.links)
		sources.update(row.label for row in workspace.number_cards)
		sources.update(row.label for row in workspace.charts)
		missing = sorted(source for source in sources if source not in french)
		self.assertEqual(missing, [])

	def test_frappe_strings_of_our_screens_have_french_on_every_version(self):
		"""Strings Frappe/ERPNext draw on the prospect's tabs, which some supported versions leave in English
		(v15.103's and v16's French miss them): the app's French applies whatever the version."""
		from frappe.translate import get_all_translations

		french = get_all_translations("fr")
		shown = (
			"New Address",
			"New Contact",
			"No address added yet.",
			"No contacts added yet.",
			"Open Tasks",
			"Open Events",
			"No open task",
			"No open event",
			"New Event",
			"New Task",
			"Activity",
			"Attachments",
			"Last Edited by You",
		)
		english = [source for source in shown if french.get(source, source) == source]
		self.assertEqual(english, [])

	def test_included_scripts_have_no_backslash(self):
		"""Frappe 15.19 inlines `{% include %}`d scripts with re.sub, which reads a backslash in them as an
		escape of the replacement ("bad escape \\d"): the form would not load."""
		import re
		from pathlib import Path

		root = Path(frappe.get_app_path("prospect_crm"))
		included = set()
		for path in root.rglob("*.js"):
			included.update(re.findall(r'{%\s*include\s*"prospect_crm/([^"]+)"\s*%}', path.read_text()))
		self.assertTrue(included)
		for relative in sorted(included):
			self.assertNotIn("\\", (root / relative).read_text(), relative)

	def test_french_user_sees_the_seed_words(self):
		frappe.local.lang = "fr"
		try:
			frappe.clear_cache()
			self.assertEqual(frappe._("Market Share"), "Part de marché")
			self.assertEqual(frappe._("Address & Contact"), "Adresses et contact")
			self.assertEqual(frappe._("Overview"), "Vue d'ensemble")
		finally:
			frappe.local.lang = "en"


class TestReleaseAndLicence(FrappeTestCase):
	"""The licence is GPL-3.0 everywhere it is named, and the version is the same in code, package and
	changelog."""

	root = None

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from pathlib import Path

		cls.root = Path(frappe.get_app_path("prospect_crm")).parent

	def test_declared_bounds_admit_this_bench(self):
		"""setup.py's python_requires and pyproject's frappe-dependencies admit the Python, Frappe and ERPNext
		this suite runs on (bench's uv ignores python_requires; pip and bench's dependency check do not)."""
		import operator
		import re
		import sys

		import erpnext

		compare = {
			">=": operator.ge,
			">": operator.gt,
			"<=": operator.le,
			"<": operator.lt,
			"==": operator.eq,
		}

		def numbers(version: str) -> tuple:
			return tuple(int(part) for part in re.findall(r"\d+", version)[:3])

		def admits(spec: str, version: str) -> bool:
			for part in spec.split(","):
				sign, bound = re.fullmatch(r"\s*(>=|<=|==|>|<)\s*([\d.]+)\s*", part).groups()
				width = len(numbers(bound))
				if not compare[sign](numbers(version)[:width], numbers(bound)):
					return False
			return True

		python_requires = re.search(r'python_requires="([^"]+)"', (self.root / "setup.py").read_text()).group(
			1
		)
		pyproject = (self.root / "pyproject.toml").read_text()
		running = {
			python_requires: ".".join(map(str, sys.version_info[:3])),
			re.search(r'^frappe = "([^"]+)"', pyproject, re.MULTILINE).group(1): frappe.__version__,
			re.search(r'^erpnext = "([^"]+)"', pyproject, re.MULTILINE).group(1): erpnext.__version__,
		}
		for spec, version in running.items():
			self.assertTrue(admits(spec, version), f"{version} is outside {spec}")
		self.assertTrue(admits(python_requires, "3.10.0") and admits(python_requires, "3.14.7"))

	def test_every_licence_statement_is_gpl_3(self):
		import re

		self.assertIn(
			"GNU GENERAL PUBLIC LICENSE\n                       Version 3",
			(self.root / "license.txt").read_text(),
		)
		self.assertEqual(frappe.get_hooks("app_license", app_name="prospect_crm"), ["GPL-3.0"])
		self.assertIn('license="GPL-3.0-only"', (self.root / "setup.py").read_text())
		headers = {}
		for path in (self.root / "prospect_crm").rglob("*"):
			if path.suffix in (".py", ".js") and path.is_file():
				for line in path.read_text().splitlines()[:5]:
					if re.search(r"\bLicen[cs]e\b:", line):
						headers[str(path.relative_to(self.root))] = line.split(":", 1)[1].strip()
		self.assertTrue(headers)
		self.assertEqual(
			{
				path: text
				for path, text in headers.items()
				if text != "GNU General Public License v3. See license.txt"
			},
			{},
		)

	def test_version_is_the_changelog_s_latest_release(self):
		import re

		import prospect_crm

		changelog = (self.root / "CHANGELOG.md").read_text()
		releases = re.findall(r"^## \[?(\d+\.\d+\.\d+)\]?", changelog, re.MULTILINE)
		self.assertTrue(releases, "CHANGELOG.md names no release")
		self.assertEqual(prospect_crm.__version__, releases[0])
		self.assertIn(f"| {'.'.join(releases[0].split('.')[:2])} |", (self.root / "README.md").read_text())


class TestDevelopmentScripts(FrappeTestCase):
	"""scripts/up, test and benchmark refuse a bench holding sites they did not create, unless --i-know."""

	def guard(self, *args: str, sites: dict[str, dict]):
		import json
		import subprocess
		import tempfile
		from pathlib import Path

		scripts = Path(frappe.get_app_path("prospect_crm")).parent / "scripts"
		with tempfile.TemporaryDirectory() as bench:
			for site, config in sites.items():
				(Path(bench) / "sites" / site).mkdir(parents=True)
				(Path(bench) / "sites" / site / "site_config.json").write_text(json.dumps(config))
			(Path(bench) / "sites" / "assets").mkdir()
			return subprocess.run(
				[
					"bash",
					"-c",
					f"source '{scripts}/common.sh'; guard_bench; echo \"args: $*\"",
					"guard",
					*args,
				],
				env={"PATH": "/usr/bin:/bin", "HOME": bench, "BENCH_DIR": bench},
				capture_output=True,
				text=True,
				timeout=60,
			)

	def test_a_production_site_stops_them(self):
		result = self.guard("a", sites={"erp.example.com": {"db_name": "x"}, "prospect-test.localhost": {}})
		self.assertNotEqual(result.returncode, 0)
		self.assertIn("holds sites these scripts did not create (erp.example.com)", result.stderr)
		self.assertIn("--i-know", result.stderr)

	def test_i_know_goes_on_and_is_taken_out_of_the_arguments(self):
		result = self.guard("a", "--i-know", "b", sites={"erp.example.com": {}})
		self.assertEqual(result.returncode, 0, result.stderr)
		self.assertIn("WARNING", result.stdout)
		self.assertIn("args: a b", result.stdout)

	def test_their_own_sites_pass(self):
		marked = {"prospect_crm_scripts_site": 1}
		result = self.guard(sites={"prospect-test.localhost": {}, "demo.example.com": marked})
		self.assertEqual(result.returncode, 0, result.stderr)
