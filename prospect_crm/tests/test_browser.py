"""The Prospect form in a real browser, as the user's manual describes it, and the Lead's prospect actions.

Headless Chromium (Debian's `chromium` package) driven by Playwright against the test site served by
gunicorn as in production (server.DeskServer). Screenshots go to $PROSPECT_CRM_ARTIFACTS/screenshots.
"""

import os
import re
import shutil
from urllib.parse import quote, urlparse

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.tests.server import CHROMIUM, CHROMIUM_ARGS, DeskServer, artifacts_dir

TABS_EN = ["Overview", "Address & Contact", "Leads", "Opportunities", "Activities", "Notes"]
TABS_FR = ["Vue d'ensemble", "Adresses et contact", "Pistes", "Opportunités", "Activités", "Notes"]
# The entries of a Link field's dropdown: `li` up to Frappe 15.19, `div[role=option]` in later releases.
LINK_OPTION = ".awesomplete [role=option], .awesomplete li"
# What the Activities tab (ERPNext's open tasks and events, Frappe's timeline) and Frappe's address and
# contact lists say in English.
ACTIVITIES_EN = ["New Task", "New Event", "Open Tasks", "Open Events", "Show all activity", "New Email"]
ADDRESS_CONTACT_EN = [
	"New Address",
	"New Contact",
	"No address added yet.",
	"No contacts added yet.",
	"Primary Email",
]
# English that Frappe, ERPNext or the app showed on French screens: none of it may come back.
ENGLISH_LEFTOVERS = [
	"Your Shortcuts",
	"Sales Pipeline",
	"Connections",
	"Primary Email",
	"Edit Filters",
	"Filter By",
	"Save Filter",
	"Report View",
	"List View",
	"Select Kanban",
	"Add Prospect",
	"Add Row",
	"Set Chart",
	"File Format",
	"Include filters",
	"Prospecting",
	"Negotiation/Review",
	"Open Events",
	"Open Tasks",
	"New Task",
	"New Event",
	"Pas Evénements",
	"Assigned To",
	"Created By",
	"Not Set",
	"Open Pipeline",
	"Weighted Pipeline",
	"Next Activity",
	"None planned",
	"Overdue",
	"Planned",
	"Closing This Month",
	"New Prospect",
	"Prospect Owner",
	"Last Activity",
	"Follow-up",
	"Filters",
]
ENGLISH_DATE = re.compile(
	r"\b\d{1,2}(st|nd|rd|th) (January|February|March|April|May|June|July|August|September|October|November|December)\b"
)


# The screenshots this test process took (file names), for the user guides' check.
TAKEN: set[str] = set()


class TestProspectFormInBrowser(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
			raise AssertionError(
				f"Chromium not found at {CHROMIUM}: install it (Debian: apt-get install chromium) "
				"or set CHROMIUM_PATH; the browser test is part of the suite and is never skipped."
			)
		try:
			from playwright.sync_api import sync_playwright  # noqa: F401
		except ImportError as e:
			raise AssertionError("playwright is missing: pip install -r requirements-dev.txt") from e

		cls.artifacts = artifacts_dir("screenshots")
		cls.server = DeskServer(cls.artifacts)
		cls.base = cls.server.base
		try:
			cls.prepare_site()
		except Exception:
			cls.server.stop()  # tearDownClass does not run when setUpClass fails
			raise

	@classmethod
	def prepare_site(cls):
		from frappe.utils.password import update_password

		update_password("Administrator", "admin")
		# An outgoing account so that "New Email" can send; mails only reach the queue (no worker runs).
		if not frappe.db.exists("Email Account", {"email_id": "pcrm.outgoing@example.com"}):
			frappe.get_doc(
				{
					"doctype": "Email Account",
					"email_account_name": "PCRM Test Outgoing",
					"email_id": "pcrm.outgoing@example.com",
					"enable_outgoing": 1,
					"default_outgoing": 1,
					"smtp_server": "127.0.0.1",
					"smtp_port": 1,
					"no_smtp_authentication": 1,
				}
			).insert(ignore_permissions=True)
		frappe.db.set_value("User", "Administrator", "language", "en")
		cls.ask_for_prospect = frappe.db.get_single_value("Prospect CRM Settings", "ask_for_prospect")
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.server.stop()
		frappe.db.set_value("User", "Administrator", "language", "en")
		if cls.ask_for_prospect:
			frappe.db.set_single_value("Prospect CRM Settings", "ask_for_prospect", cls.ask_for_prospect)
		frappe.db.commit()
		super().tearDownClass()

	def set_ask_for_prospect(self, value):
		frappe.db.set_single_value("Prospect CRM Settings", "ask_for_prospect", value)
		frappe.db.commit()

	def shot(self, page, name):
		page.screenshot(path=os.path.join(self.artifacts, f"{name}.png"), full_page=True)
		TAKEN.add(f"{name}.png")

	def test_user_guides_show_screenshots_this_run_took(self):
		"""docs/guide-prospect.md and docs/fr/guide-prospect.md show screenshots of this test (scripts/test copies
		them next to the guides): each one they show was taken by the tests above, in this run. (Named to run
		after them.)"""
		root = os.path.join(frappe.get_app_path("prospect_crm"), "..", "docs")
		for guide in ("guide-prospect.md", os.path.join("fr", "guide-prospect.md")):
			with open(os.path.join(root, guide)) as f:
				shown = re.findall(r"!\[[^\]]*\]\(images/([^)]+\.png)\)", f.read())
			self.assertGreaterEqual(len(shown), 8, guide)
			self.assertEqual(
				sorted(set(shown) - TAKEN), [], f"{guide} shows screenshots this run did not take"
			)

	def failure_shot(self, page, name):
		"""A screenshot of the page when a step failed; if even that fails, the step's error is what counts."""
		try:
			page.screenshot(path=os.path.join(self.artifacts, f"{name}.png"), full_page=True, timeout=10000)
		except Exception as e:
			print(f"no screenshot of the failure ({e.__class__.__name__}: {str(e).splitlines()[0]})")

	def open_tab(self, page, label):
		page.locator(".form-tabs .nav-link", has_text=label).first.click()
		page.wait_for_timeout(300)

	def wait_for_form(self, page, doctype, name=None):
		from playwright.sync_api import TimeoutError as PlaywrightTimeout

		condition = f"() => window.cur_frm && cur_frm.doctype === {doctype!r}"
		if name:
			condition += f" && cur_frm.doc.name === {name!r}"
		try:
			page.wait_for_function(condition, timeout=30000)
		except PlaywrightTimeout:
			# A desk left on its splash screen (a boot request lost while the previous page unloaded): load
			# the page once more.
			page.reload()
			page.wait_for_function(condition, timeout=30000)
		page.wait_for_timeout(500)

	def save(self, page):
		page.keyboard.press("Control+s")
		page.wait_for_function("() => cur_frm && !cur_frm.is_dirty() && !cur_frm.is_new()", timeout=30000)
		page.wait_for_timeout(500)

	def settle(self, page, ms=1000):
		"""No request in flight, then a pause for what their answers trigger."""
		page.wait_for_function("() => !frappe.request.ajax_count", timeout=30000)
		page.wait_for_timeout(ms)
		page.wait_for_function("() => !frappe.request.ajax_count", timeout=30000)

	def wait_for_dialog(self, page):
		"""The dialog shown last, once Frappe has made it `cur_dialog` (when its opening animation ends)."""
		page.wait_for_function("() => window.cur_dialog && cur_dialog.$wrapper.hasClass('show')")

	def pick_link_option(self, page, text):
		page.locator(LINK_OPTION, has_text=text).first.click()

	def click_menu_item(self, page, group, item):
		page.locator(f".inner-group-button button:has-text('{group}')").first.click()
		page.locator(".dropdown-menu.show .dropdown-item", has_text=item).first.click()

	def create_from_prospect(self, page, doctype, party_type_field, prospect):
		"""The prospect form's Create > `doctype` opens a document addressed to the prospect."""
		self.click_menu_item(page, "Create", doctype)
		self.wait_for_form(page, doctype)
		self.assertEqual(
			page.evaluate(f"() => [cur_frm.doc.{party_type_field}, cur_frm.doc.party_name]"),
			["Prospect", prospect],
		)

	def open_activities_blocks(self, page):
		return page.evaluate(
			"() => $(cur_frm.fields_dict.open_activities_html.wrapper).find('.open-activities').length"
		)

	def open_lead(self, page, first_name, company_name=""):
		lead = page.evaluate(
			"([first_name, company_name]) => frappe.db.insert({doctype: 'Lead', first_name, company_name, "
			"company: frappe.defaults.get_default('company')}).then(d => d.name)",
			[first_name, company_name],
		)
		page.goto(f"{self.desk}/lead/{lead}")
		self.wait_for_form(page, "Lead", lead)
		return lead

	def test_manual_flow(self):
		from playwright.sync_api import sync_playwright

		company_name = f"Browser Corp {frappe.generate_hash(length=5)}"
		with sync_playwright() as playwright:
			browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
			page = browser.new_page(
				viewport={"width": 1400, "height": 1000}, extra_http_headers=self.server.headers
			)
			page.set_default_timeout(30000)
			try:
				self.run_flow(page, company_name)
			except Exception:
				self.failure_shot(page, "failure")
				raise
			finally:
				browser.close()

	def login(self, page):
		page.goto(f"{self.base}/login")
		page.fill("#login_email", "Administrator")
		page.fill("#login_password", "admin")
		page.locator(".btn-login").first.click()
		# The desk lives at /app on Frappe v15 and at /desk on v16 (where /app redirects): use what the
		# server answered after the login.
		page.wait_for_url(re.compile(r"/(app|desk)(/|\?|$)"))
		self.desk = f"{self.base}/{urlparse(page.url).path.strip('/').split('/')[0]}"
		page.wait_for_function("() => window.frappe && frappe.boot && frappe.boot.user")

	def in_browser(self, flow, *args, viewport=None):
		from playwright.sync_api import sync_playwright

		with sync_playwright() as playwright:
			browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
			page = browser.new_page(
				viewport=viewport or {"width": 1400, "height": 1000}, extra_http_headers=self.server.headers
			)
			page.set_default_timeout(30000)
			try:
				self.login(page)
				flow(page, *args)
			except Exception:
				self.failure_shot(page, f"failure-{flow.__name__}")
				raise
			finally:
				browser.close()

	def test_account_management(self):
		"""A duplicate warning on a new prospect, a merge with its preview, Mark as Lost, the kanban board."""
		self.in_browser(self.account_flow, frappe.generate_hash(length=5))

	def account_flow(self, page, suffix):
		kept = page.evaluate(
			"(name) => frappe.db.insert({doctype: 'Prospect', company_name: name, "
			"company: frappe.defaults.get_default('company')}).then(d => d.name)",
			f"Dupont {suffix} Industries SAS",
		)
		# 1. typing a near-duplicate name shows the warning; saving asks first
		page.goto(f"{self.desk}/prospect/new")
		page.wait_for_selector('input[data-fieldname="company_name"]')
		page.fill('input[data-fieldname="company_name"]', f"dupont {suffix} industries")
		page.locator(".pcrm-duplicates", has_text=kept).first.wait_for()
		self.shot(page, "9-duplicate-warning")
		page.keyboard.press("Control+s")
		self.wait_for_dialog(page)
		self.assertIn(kept, page.locator(".modal.show").last.inner_text())
		page.locator(".modal.show .btn-primary").last.click()
		page.wait_for_function("() => cur_frm && !cur_frm.is_new() && !cur_frm.is_dirty()")
		duplicate = page.evaluate("() => cur_frm.doc.name")

		# 2. Actions > Merge into...: the preview, then the merge
		self.settle(page)
		self.click_menu_item(page, "Actions", "Merge into")
		self.wait_for_dialog(page)
		page.locator('.modal.show input[data-fieldname="target"]').fill(kept)
		self.pick_link_option(page, kept)
		page.locator(".modal.show .pcrm-merge-preview").first.wait_for()
		self.shot(page, "9b-merge-preview")
		page.locator(".modal.show .btn-primary", has_text="Merge").first.click()
		page.locator(".modal.show .btn-primary", has_text="Yes").last.click()
		self.wait_for_form(page, "Prospect", kept)
		self.settle(page)
		frappe.db.rollback()  # a fresh snapshot: the server committed in another connection
		self.assertFalse(frappe.db.exists("Prospect", duplicate), "the merged prospect is gone")

		# 3. Mark as Lost with a reason; the kanban board shows it under Lost
		page.evaluate(
			"() => frappe.db.exists('Opportunity Lost Reason', 'Price').then(e => e || "
			"frappe.db.insert({doctype: 'Opportunity Lost Reason', lost_reason: 'Price'}))"
		)
		page.locator(".page-actions button", has_text="Mark as Lost").first.click()
		self.wait_for_dialog(page)
		page.locator('.modal.show [data-fieldname="lost_reasons"] input').first.fill("Price")
		self.pick_link_option(page, "Price")
		page.locator(".modal.show .btn-primary", has_text="Mark as Lost").first.click()
		page.wait_for_function("() => cur_frm && cur_frm.doc.status === 'Lost'")
		self.settle(page)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Prospect", kept, "status"), "Lost")
		self.shot(page, "9c-lost")
		page.goto(f"{self.desk}/prospect/view/kanban/Prospects by Status")
		column = page.locator(".kanban-column", has_text="Lost").first
		column.locator(".kanban-card-wrapper", has_text=kept).first.wait_for()
		self.shot(page, "9d-kanban")

		# 4. On the board, dragging an open prospect's card to Lost asks for the reasons, then marks it Lost
		dropped = page.evaluate(
			"(name) => frappe.db.insert({doctype: 'Prospect', company_name: name, "
			"company: frappe.defaults.get_default('company')}).then(d => d.name)",
			f"Abandon {suffix}",
		)
		page.reload()
		card = page.locator(".kanban-column", has_text="Open").first.locator(
			".kanban-card-wrapper", has_text=dropped
		)
		card.first.wait_for()
		self.settle(page)
		# Frappe's board moves cards with Sortable's mouse emulation (forceFallback, 20 px tolerance): a
		# press, a few moves past the tolerance, over the Lost column, then the release.
		start, target = card.first.bounding_box(), column.locator(".kanban-cards").first.bounding_box()
		x, y = start["x"] + start["width"] / 2, start["y"] + 20
		page.mouse.move(x, y)
		page.mouse.down()
		page.mouse.move(x + 30, y + 30, steps=5)
		page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 40, steps=20)
		page.wait_for_timeout(300)
		page.mouse.up()
		self.wait_for_dialog(page)
		page.locator('.modal.show [data-fieldname="lost_reasons"] input').first.fill("Price")
		self.pick_link_option(page, "Price")
		self.shot(page, "9e-kanban-drag-to-lost")
		page.locator(".modal.show .btn-primary", has_text="Mark as Lost").first.click()
		column.locator(".kanban-card-wrapper", has_text=dropped).first.wait_for()
		self.settle(page)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Prospect", dropped, "status"), "Lost")
		self.assertEqual(
			frappe.get_all(
				"Opportunity Lost Reason Detail",
				filters={"parenttype": "Prospect", "parent": dropped},
				pluck="lost_reason",
			),
			["Price"],
		)

	def test_history_and_follow_up(self):
		"""An email its lead received before joining shows on the prospect's Activities tab; the list's
		"Needs follow-up" view shows the prospect with its follow-up pill."""
		self.in_browser(self.history_flow, frappe.generate_hash(length=5))

	def history_flow(self, page, suffix):
		subject = f"Appel d'offres {suffix}"
		company_name = f"Historique {suffix}"
		lead, prospect = page.evaluate(
			"""async ([suffix, subject, company_name]) => {
				const company = frappe.defaults.get_default('company');
				const lead = await frappe.db.insert({doctype: 'Lead', first_name: 'Hist ' + suffix, company,
					email_id: 'hist.' + suffix + '@lead-mail.test'});
				await frappe.db.insert({doctype: 'Communication', communication_type: 'Communication',
					communication_medium: 'Email', sent_or_received: 'Received', subject, content: subject,
					sender: lead.email_id, recipients: 'sales@example.com', reference_doctype: 'Lead',
					reference_name: lead.name});
				const prospect = await frappe.db.insert({doctype: 'Prospect', company_name, company,
					prospect_owner: frappe.session.user});
				await frappe.db.set_value('Lead', lead.name, 'prospect', prospect.name);
				return [lead.name, prospect.name];
			}""",
			[suffix, subject, company_name],
		)
		page.goto(f"{self.desk}/prospect/{quote(prospect)}")
		self.wait_for_form(page, "Prospect", prospect)
		self.open_tab(page, "Activities")
		page.locator(".timeline-item", has_text=subject).first.wait_for()
		self.shot(page, "10-history-carried-over")

		page.goto(f"{self.desk}/prospect")
		page.wait_for_function("() => window.cur_list && cur_list.doctype === 'Prospect'")
		self.settle(page)
		page.locator(".page-actions button, .page-head button", has_text="Needs follow-up").first.click()
		page.wait_for_function("() => cur_list.filter_area.get().some(f => f[1] === 'follow_up')")
		row = page.locator(".list-row-container", has_text=company_name).first
		row.wait_for()
		self.assertIn("None planned", row.inner_text())
		self.shot(page, "10b-needs-follow-up")
		self.assertTrue(lead)

	def test_desk_in_french_at_a_glance(self):
		"""A desk a sales team trusts at a glance: the workspace, the list, every tab of a form and the report,
		in French on the demo data, at 1366 px and on a phone (390 px)."""
		from prospect_crm.demo import load_demo_data
		from prospect_crm.tests.utils import delete_demo_records

		delete_demo_records()
		load_demo_data()
		frappe.db.set_value("User", "Administrator", "language", "fr")
		frappe.db.commit()
		try:
			self.in_browser(self.glance_flow, "1366", viewport={"width": 1366, "height": 900})
			self.in_browser(self.glance_flow, "390", viewport={"width": 390, "height": 844})
		finally:
			frappe.db.set_value("User", "Administrator", "language", "en")
			frappe.db.commit()
			delete_demo_records()

	def visible_text(self, page):
		return page.locator(".page-container:visible, .layout-main:visible").first.inner_text()

	def assert_french(self, page, screen):
		"""No English leftover of the known list on what the screen shows (the desk is in French)."""
		text = self.visible_text(page)
		found = [
			english
			for english in ENGLISH_LEFTOVERS
			if re.search(rf"(?<![\w-]){re.escape(english)}(?![\w-])", text)
		]
		self.assertEqual(found, [], f"English on the French {screen}")
		self.assertIsNone(ENGLISH_DATE.search(text), f"English date on the French {screen}")

	def glance_flow(self, page, width):
		page.wait_for_function("() => frappe.boot.lang === 'fr'")
		mobile = width == "390"
		# The workspace: the cards, the charts and the shortcuts
		page.goto(f"{self.desk}/prospect-crm")
		page.locator(".number-widget-box, .widget.number-widget-box").first.wait_for()
		self.settle(page, 2000)
		# (the cards' titles are shown in capitals)
		workspace = self.visible_text(page).casefold()
		for label in (
			"Pipeline pondéré",
			"Clôture ce mois-ci",
			"Sans activité depuis 30 jours",
			"Nouveau prospect",
			"Pipeline des prospects par responsable",
			"Nombre de prospects par statut",
		):
			self.assertIn(label.casefold(), workspace)
		if not mobile:
			# the charts' labels: owners' full names and translated stages (frappe-charts may shorten them)
			self.assertIn("\nanalyse", workspace)
			self.assertNotIn("\nneeds", workspace)
			self.assertIn(frappe.utils.get_fullname("camille.durand@example.com").casefold(), workspace)
		self.assert_french(page, "workspace")
		self.shot(page, f"16-workspace-{width}")

		# The list: status, open pipeline, owner's name, follow-up with its date, territory; no ID column
		page.goto(f"{self.desk}/prospect")
		page.wait_for_function(
			"() => window.cur_list && cur_list.doctype === 'Prospect' && cur_list.data.length"
		)
		page.evaluate("() => cur_list.filter_area.clear()")
		self.settle(page)
		if not mobile:
			header = page.locator(".list-row-head").first.inner_text()
			for label in ("Statut", "Montant du pipeline ouvert", "Responsable", "Suivi", "Région"):
				self.assertIn(label, header)
			self.assertNotIn("ID", header.split())
			row = page.locator(".list-row-container", has_text="Boulangeries Martin").first.inner_text()
			owner = frappe.db.get_value("Prospect", "Boulangeries Martin", "prospect_owner_name")
			self.assertIn(owner, row)
		else:
			shown = page.evaluate(
				"() => Object.values(cur_list.page.fields_dict).filter(f => f.$wrapper && f.$wrapper.is(':visible')).length"
			)
			self.assertLessEqual(shown, 2)
		self.assert_french(page, "list")
		self.shot(page, f"16-list-{width}")

		# The form: the summary above Connections, agreeing with REST; counts on the tabs; every tab
		name = "Boulangeries Martin"
		page.goto(f"{self.desk}/prospect/{quote(name)}")
		self.wait_for_form(page, "Prospect", name)
		self.settle(page)
		rest = page.evaluate(
			"(name) => fetch('/api/resource/Prospect/' + encodeURIComponent(name)).then(r => r.json()).then(r => r.data)",
			name,
		)
		closed = ("Lost", "Closed", "Converted")
		open_rows = [row for row in rest["opportunities"] if row.get("status") not in closed]
		weighted_amount = sum(row["amount"] * (row["probability"] or 0) / 100 for row in open_rows)
		expected = page.evaluate(
			"""([rest, weighted]) => ({
				open_pipeline: format_currency(rest.open_pipeline_amount, rest.currency),
				weighted_pipeline: format_currency(weighted, rest.currency),
				next_activity: rest.next_activity_on ? frappe.datetime.str_to_user(rest.next_activity_on) : __('None planned'),
				prospect_owner: rest.prospect_owner_name,
			})""",
			[rest, weighted_amount],
		)
		shown = page.evaluate(
			"() => Object.fromEntries($('.prospect-summary [data-summary]').toArray().map(e => "
			"[e.dataset.summary, $(e).find('.prospect-summary-value').text().trim()]))"
		)
		self.assertEqual(shown, expected)
		order = page.evaluate(
			"() => { const s = $('.prospect-summary')[0], c = $('.form-dashboard .form-links')[0]; "
			"return !!(s && c && (s.compareDocumentPosition(c) & Node.DOCUMENT_POSITION_FOLLOWING)); }"
		)
		self.assertTrue(order, "the summary comes before Connections")
		labels = [t.strip() for t in page.locator(".form-tabs .nav-link").all_inner_texts()]
		self.assertIn(f"Opportunités ({len(rest['opportunities'])})", labels)
		self.assertIn(f"Pistes ({len(rest['leads'])})", labels)
		self.assert_french(page, "form")
		self.shot(page, f"16-form-{width}")
		for index, label in enumerate(TABS_FR[1:], start=1):
			tab = page.locator(".form-tabs .nav-link", has_text=label).first
			tab.scroll_into_view_if_needed()
			tab.click()
			self.settle(page, 500)
			self.assert_french(page, f"tab {label}")
			self.shot(page, f"16-form-{width}-tab{index}")
			if label == "Opportunités":
				grid = page.locator('[data-fieldname="opportunities"]').first.inner_text()
				self.assertNotIn("CRM-OPP", grid.split("\n")[0])
				total = page.locator('.prospect-table-total[data-table="opportunities"]').first.inner_text()
				self.assertIn(
					expected["weighted_pipeline"].replace("\u00a0", " "), total.replace("\u00a0", " ")
				)

		# A lead of the prospect: its status, and the "Add to Prospect" dialog this app gives it
		if not mobile:
			lead = rest["leads"][0]["lead"]
			page.goto(f"{self.desk}/lead/{lead}")
			self.wait_for_form(page, "Lead", lead)
			self.settle(page)
			self.assert_french(page, "lead")
			# (the action is offered to a lead in no prospect)
			loose_lead = self.open_lead(page, "Gaëlle")
			self.settle(page)
			self.click_menu_item(page, "Action", "Ajouter à un prospect")
			self.wait_for_dialog(page)
			dialog = page.locator(".modal.show").last.inner_text()
			self.assertIn("Ajouter la piste à un prospect", dialog)
			for english in ("Add Lead to Prospect", "Add to Prospect", "Prospect Name"):
				self.assertNotIn(english, dialog)
			self.shot(page, f"16-lead-add-to-prospect-{width}")
			page.evaluate("() => cur_dialog.hide()")
			page.evaluate("(name) => frappe.db.delete_doc('Lead', name)", loose_lead)

		# The report
		page.goto(f"{self.desk}/query-report/Prospect Pipeline")
		page.wait_for_function(
			"() => window.frappe.query_report && frappe.query_report.data && frappe.query_report.data.length"
		)
		self.settle(page, 1500)
		self.assert_french(page, "report")
		self.shot(page, f"16-report-{width}")

	def run_flow(self, page, company_name):
		self.login(page)

		# 1. a new prospect, overview fields, save
		page.goto(f"{self.desk}/prospect/new")
		page.wait_for_selector('input[data-fieldname="company_name"]')
		page.fill('input[data-fieldname="company_name"]', company_name)
		page.evaluate("(v) => cur_frm.set_value('market_share', v)", 15)
		page.evaluate(
			"() => cur_frm.doc.company || cur_frm.set_value('company', frappe.defaults.get_default('company'))"
		)
		self.save(page)
		self.assertEqual(page.evaluate("() => cur_frm.doc.name"), company_name)
		self.shot(page, "1-overview")

		# 1b. the first save refreshes the form more than once: the open tasks and events show once, even
		# when refreshes overlap, and "New Task" opens one dialog
		self.open_tab(page, "Activities")
		page.wait_for_selector('[data-fieldname="open_activities_html"] .open-activities')
		self.settle(page)
		self.assertEqual(self.open_activities_blocks(page), 1)
		page.evaluate("() => { cur_frm.refresh(); cur_frm.refresh(); cur_frm.refresh(); }")
		self.settle(page)
		self.assertEqual(self.open_activities_blocks(page), 1)
		page.locator('[data-fieldname="open_activities_html"] .new-task-btn').click()
		self.wait_for_dialog(page)
		page.wait_for_timeout(500)
		self.assertEqual(page.locator(".modal.show").count(), 1)
		self.assertEqual(page.locator(".modal.show .modal-title").inner_text().strip(), "New Task")
		self.shot(page, "1b-activities-once")
		page.evaluate("() => cur_dialog.hide()")
		page.wait_for_function("() => !document.querySelector('.modal.show')")

		# 2. six tabs in the manual's order
		labels = [t.strip() for t in page.locator(".form-tabs .nav-link").all_inner_texts()]
		self.assertEqual(labels[:6], TABS_EN)
		for label in TABS_EN:
			self.open_tab(page, label)
		self.shot(page, "2-tabs")

		# 3. Address & Contact: New Address opens an Address linked to the prospect, then back here
		self.open_tab(page, "Address & Contact")
		page.locator(".btn-address, button:has-text('New Address')").first.click()
		self.wait_for_form(page, "Address")
		page.wait_for_selector('input[data-fieldname="address_line1"]')
		page.fill('input[data-fieldname="address_line1"]', "12 rue des Lilas")
		page.fill('input[data-fieldname="city"]', "Paris")
		page.evaluate("() => cur_frm.set_value('country', 'France')")
		page.wait_for_timeout(500)
		page.keyboard.press("Control+s")
		self.wait_for_form(page, "Prospect", company_name)
		page.wait_for_selector("text=12 rue des Lilas")
		self.shot(page, "3-address")

		# 4. Leads: "Create a new Lead" from the cell opens a lead with the prospect filled in
		self.open_tab(page, "Leads")
		page.locator('[data-fieldname="leads"] .grid-add-row').click()
		cell = page.locator('[data-fieldname="leads"] .grid-row[data-idx="1"] [data-fieldname="lead"]').first
		cell.click()
		link_input = page.locator(
			'[data-fieldname="leads"] .grid-row[data-idx="1"] input[data-fieldname="lead"]'
		)
		link_input.fill("Zoé Browser")
		self.pick_link_option(page, "Create a new Lead")
		page.wait_for_timeout(1000)
		if page.locator(".modal.show [data-fieldname='first_name'] input").count():
			# quick entry: open the full form to see every field
			page.locator(".modal.show .edit-full").first.click()
		self.wait_for_form(page, "Lead")
		page.wait_for_selector('input[data-fieldname="first_name"]')
		self.assertEqual(page.evaluate("() => cur_frm.doc.prospect"), company_name)
		page.fill('input[data-fieldname="first_name"]', "Zoé")
		page.fill('input[data-fieldname="last_name"]', "Browser")
		page.evaluate(
			"(v) => cur_frm.set_value('email_id', v)", f"zoe.{frappe.generate_hash(length=4)}@example.com"
		)
		page.wait_for_timeout(300)
		page.keyboard.press("Control+s")
		self.wait_for_form(page, "Prospect", company_name)
		# the lead's save wrote the row on the server: the prospect reloads it rather than keep an unsaved copy
		page.wait_for_function(
			"() => cur_frm.doc.leads && cur_frm.doc.leads.some(r => r.lead_name === 'Zoé Browser' && r.status)"
			" && !cur_frm.is_dirty()",
			timeout=30000,
		)
		self.assertFalse(page.evaluate("() => cur_frm.is_dirty()"))
		self.open_tab(page, "Leads")
		page.wait_for_selector('[data-fieldname="leads"] >> text=Zoé Browser')
		self.shot(page, "4-lead")

		# 5. Opportunities: Create > Opportunity, prefilled from the prospect
		self.create_from_prospect(page, "Opportunity", "opportunity_from", company_name)
		page.evaluate("() => cur_frm.set_value('opportunity_amount', 4200)")
		page.evaluate("() => cur_frm.set_value('probability', 35)")
		self.save(page)
		page.goto(f"{self.desk}/prospect/{quote(company_name)}")
		self.wait_for_form(page, "Prospect", company_name)
		self.open_tab(page, "Opportunities")
		page.wait_for_function(
			"() => cur_frm.doc.opportunities.some(r => r.amount === 4200 && r.probability === 35)"
		)
		self.shot(page, "5-opportunity")

		# 5b. (manual 1.4.1) "Create a new Opportunity" from the Opportunities cell: the opportunity opens with
		# the prospect as its party, still there once Frappe's link triggers and ERPNext's handlers have run
		page.locator('[data-fieldname="opportunities"] .grid-add-row').click()
		row = '[data-fieldname="opportunities"] .grid-row[data-idx="2"]'
		page.locator(f'{row} [data-fieldname="opportunity"]').first.click()
		page.locator(f'{row} input[data-fieldname="opportunity"]').fill("Nouvelle affaire")
		self.pick_link_option(page, "Create a new Opportunity")
		self.wait_for_form(page, "Opportunity")
		page.wait_for_function("() => cur_frm.is_new() && !cur_frm.doc.__run_link_triggers")
		self.settle(page)
		self.assertEqual(
			page.evaluate("() => [cur_frm.doc.opportunity_from, cur_frm.doc.party_name]"),
			["Prospect", company_name],
		)
		self.assertEqual(page.locator('input[data-fieldname="party_name"]').input_value(), company_name)
		self.shot(page, "5b-opportunity-from-cell")
		page.evaluate("() => cur_frm.set_value('opportunity_amount', 1500)")
		page.wait_for_timeout(300)
		page.keyboard.press("Control+s")
		self.wait_for_form(page, "Prospect", company_name)
		page.wait_for_function(
			"() => !cur_frm.is_dirty() && cur_frm.doc.opportunities.some(r => r.amount === 1500)",
			timeout=30000,
		)
		frappe.db.rollback()
		self.assertEqual(
			frappe.get_all(
				"Opportunity",
				filters={"opportunity_from": "Prospect", "party_name": company_name},
				pluck="opportunity_amount",
				order_by="opportunity_amount",
			),
			[1500, 4200],
		)

		# 6. Activities: open tasks and events, New Task, the timeline with New Email
		self.open_tab(page, "Activities")
		# The forms opened before (a lead's) stay in the page, hidden: only what is visible counts.
		for label in ("New Task", "New Event", "New Email"):
			page.locator(f"text={label} >> visible=true").first.wait_for()
		page.locator("button:has-text('New Email') >> visible=true").first.click()
		page.wait_for_selector(".modal.show [data-fieldname='recipients']")
		# The composer fills its defaults (recipients, subject, signature) from server answers: let them land
		# before typing over them.
		self.wait_for_dialog(page)
		self.settle(page)
		page.locator(".modal.show [data-fieldname='recipients'] input").first.fill("buyer@example.com")
		page.locator(".modal.show input[data-fieldname='subject']").first.fill("Proposition commerciale")
		page.locator(".modal.show .ql-editor").first.click()
		page.keyboard.type("Bonjour")
		self.settle(page, 500)
		page.wait_for_function("() => cur_dialog.get_value('subject') === 'Proposition commerciale'")
		self.shot(page, "6-activities-email-composer")
		page.locator(".modal.show .btn-primary", has_text="Send").first.click()
		page.wait_for_function("() => !document.querySelector('.modal.show')", timeout=20000)
		page.wait_for_selector(".timeline-item >> text=Proposition commerciale", timeout=20000)
		self.shot(page, "6-activities")

		# 7. Notes: add a note, see its author
		self.open_tab(page, "Notes")
		page.locator(".pcrm-new-note").first.click()
		editor = page.locator(".modal.show .ql-editor").first
		editor.click()
		editor.type("Rendez-vous pris jeudi")
		page.locator(".modal.show .btn-primary").first.click()
		page.wait_for_selector(".pcrm-note >> text=Rendez-vous pris")
		self.assertIn("Administrator", page.locator(".pcrm-note-author").first.inner_text())
		self.shot(page, "7-notes")

		# Create > Quotation: a quotation for the prospect
		page.goto(f"{self.desk}/prospect/{quote(company_name)}")
		self.wait_for_form(page, "Prospect", company_name)
		self.create_from_prospect(page, "Quotation", "quotation_to", company_name)
		self.shot(page, "7b-quotation")

		# Lead > Create > Opportunity without a company name: no prospect is forced on the user
		lead = page.evaluate(
			"() => frappe.db.insert({doctype: 'Lead', first_name: 'Walk-in', company: cur_frm.doc.company})"
			".then(d => d.name)"
		)
		page.goto(f"{self.desk}/lead/{lead}")
		self.wait_for_form(page, "Lead", lead)
		page.locator(".inner-group-button button:has-text('Create')").first.click()
		page.locator(".dropdown-menu.show .dropdown-item", has_text="Opportunity").first.click()
		self.wait_for_form(page, "Opportunity")
		self.assertEqual(
			page.evaluate("() => [cur_frm.doc.opportunity_from, cur_frm.doc.party_name]"), ["Lead", lead]
		)
		self.assertEqual(page.locator(".modal.show").count(), 0)
		self.shot(page, "7c-lead-opportunity")

		self.lead_to_opportunity(page)
		self.lead_added_to_prospect(page, company_name)

		# 8. French: the manual's words on the tabs
		page.evaluate(
			"() => frappe.call({method: 'frappe.client.set_value', args: {doctype: 'User', name: 'Administrator', "
			"fieldname: 'language', value: 'fr'}})"
		)
		# A fresh desk page boots in the user's new language (going straight back to the same form can be a
		# same-document navigation that keeps the old boot).
		page.goto(f"{self.desk}/prospect")
		page.wait_for_function("() => window.frappe && frappe.boot && frappe.boot.lang === 'fr'")
		page.goto(f"{self.desk}/prospect/{quote(company_name)}")
		self.wait_for_form(page, "Prospect", company_name)
		labels = [t.strip() for t in page.locator(".form-tabs .nav-link").all_inner_texts()]
		# Tabs with rows show how many: "Pistes (2)", "Opportunités (2)", "Notes (1)".
		self.assertEqual([re.sub(r" \(\d+\)$", "", label) for label in labels[:6]], TABS_FR)
		self.assertEqual(labels[2:4], ["Pistes (2)", "Opportunités (2)"])
		self.shot(page, "8-french")

		# 8b. French on the Address & Contact tab: its buttons, and the empty lists as Frappe renders them
		self.open_tab(page, "Adresses et contact")
		address_text = page.locator('[data-fieldname="address_html"]').first.inner_text()
		contact_text = page.locator('[data-fieldname="contact_html"]').first.inner_text()
		self.assertIn("12 rue des Lilas", address_text)
		self.assertIn("Nouvelle adresse", address_text)
		self.assertIn("Nouveau contact", contact_text)
		empty_lists = page.evaluate(
			"() => $(frappe.render_template('address_list', {addr_list: []})).text() + ' ' + "
			"$(frappe.render_template('contact_list', {contact_list: []})).text()"
		)
		self.assertIn("Aucune adresse ajoutée.", empty_lists)
		self.assertIn("Aucun contact ajouté.", empty_lists)
		for text in (address_text, contact_text, empty_lists):
			for english in ADDRESS_CONTACT_EN:
				self.assertNotIn(english, text)
		self.shot(page, "8b-french-address-contact")
		self.open_tab(page, "Activités")
		page.wait_for_selector('[data-fieldname="open_activities_html"] .open-activities')
		activities_text = " ".join(
			page.locator(f'[data-fieldname="{fieldname}"]').first.inner_text()
			for fieldname in ("open_activities_html", "all_activities_html")
		)
		self.assertIn("Proposition commerciale", activities_text)
		for english in ACTIVITIES_EN:
			self.assertNotIn(english, activities_text)
		self.shot(page, "8c-french-activities")

		# 8d. French on the list: the follow-up column and the "Needs follow-up" view
		# Filtered on this prospect by the address (else the list reopens with the filters used last).
		page.goto(f"{self.desk}/prospect?company_name={quote(company_name)}")
		page.wait_for_function("() => window.cur_list && cur_list.doctype === 'Prospect'")
		self.settle(page)
		row_text = page.locator(".list-row-container", has_text=company_name).first.inner_text()
		self.assertTrue(
			any(word in row_text for word in ("Rien de prévu", "En retard", "Planifié")), row_text
		)
		page.locator(".page-actions button, .page-head button", has_text="À relancer").first.click()
		page.wait_for_function("() => cur_list.filter_area.get().some(f => f[1] === 'follow_up')")
		self.settle(page)
		for english in ("Needs follow-up", "None planned", "Overdue", "Follow-up"):
			self.assertNotIn(english, page.locator(".page-container:visible").first.inner_text())
		self.shot(page, "8d-french-needs-follow-up")

		# what the browser did is on the server
		frappe.db.rollback()
		prospect = frappe.get_doc("Prospect", company_name)
		self.assertEqual(prospect.market_share, 15)
		self.assertEqual(sorted(row.lead_name for row in prospect.leads), ["Yann Browser", "Zoé Browser"])
		self.assertEqual(sorted(row.amount for row in prospect.opportunities), [1500, 4200])
		self.assertEqual(len(prospect.notes), 1)
		self.assertIn("Rendez-vous pris", prospect.notes[0].note)
		addresses = frappe.get_all(
			"Dynamic Link",
			filters={"parenttype": "Address", "link_doctype": "Prospect", "link_name": company_name},
		)
		self.assertEqual(len(addresses), 1)
		self.assertTrue(
			frappe.db.exists(
				"Communication",
				{
					"reference_doctype": "Prospect",
					"reference_name": company_name,
					"subject": "Proposition commerciale",
					"sent_or_received": "Sent",
				},
			)
		)

	def lead_to_opportunity(self, page):
		"""Lead > Create > Opportunity follows the Prospect CRM Settings, whatever ERPNext binds the button to."""
		suffix = frappe.generate_hash(length=5)

		# "Never": no prospect dialog even for a lead with a company name; the "+" of the connections too
		self.set_ask_for_prospect("Never")
		lead = self.open_lead(page, "Never", f"Never Corp {suffix}")
		self.click_menu_item(page, "Create", "Opportunity")
		self.wait_for_form(page, "Opportunity")
		self.assertEqual(
			page.evaluate("() => [cur_frm.doc.opportunity_from, cur_frm.doc.party_name]"), ["Lead", lead]
		)
		self.assertEqual(page.locator(".modal.show").count(), 0)
		page.goto(f"{self.desk}/lead/{lead}")
		self.wait_for_form(page, "Lead", lead)
		self.open_tab(page, "Connections")
		page.locator('.document-link[data-doctype="Opportunity"] .btn-new').first.click()
		self.wait_for_form(page, "Opportunity")
		self.assertEqual(
			page.evaluate("() => [cur_frm.doc.opportunity_from, cur_frm.doc.party_name]"), ["Lead", lead]
		)
		self.assertEqual(page.locator(".modal.show").count(), 0)
		self.shot(page, "7d-lead-opportunity-never")

		# "Always": our dialog (no "Create Contact" of ERPNext's); creating the prospect puts the lead in it
		self.set_ask_for_prospect("Always")
		prospect_name = f"Always Corp {suffix}"
		lead = self.open_lead(page, "Always", prospect_name)
		self.click_menu_item(page, "Create", "Opportunity")
		self.wait_for_dialog(page)
		self.assertEqual(
			page.evaluate(
				"() => Object.keys(cur_dialog.fields_dict).filter(f => !f.startsWith('__')).sort()"
			),
			["create_prospect", "prospect_name"],
		)
		self.assertEqual(page.evaluate("() => cur_dialog.get_value('prospect_name')"), prospect_name)
		self.shot(page, "7e-lead-opportunity-always")
		page.locator(".modal.show .btn-primary").first.click()
		self.wait_for_form(page, "Opportunity")
		self.assertEqual(
			page.evaluate("() => [cur_frm.doc.opportunity_from, cur_frm.doc.party_name]"), ["Lead", lead]
		)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Lead", lead, "prospect"), prospect_name)
		self.assertEqual(frappe.get_all("Prospect Lead", {"parent": prospect_name}, pluck="lead"), [lead])
		self.set_ask_for_prospect(self.ask_for_prospect or "Only when the lead has a company name")

	def lead_added_to_prospect(self, page, company_name):
		"""Lead > Action > Add to Prospect asks for the prospect and puts the lead in it."""
		lead = page.evaluate(
			"() => frappe.db.insert({doctype: 'Lead', first_name: 'Yann', last_name: 'Browser', "
			"company: frappe.defaults.get_default('company')}).then(d => d.name)"
		)
		page.goto(f"{self.desk}/lead/{lead}")
		self.wait_for_form(page, "Lead", lead)
		self.click_menu_item(page, "Action", "Add to Prospect")
		self.wait_for_dialog(page)
		field = page.locator(".modal.show input[data-fieldname='prospect']")
		field.fill(company_name)
		self.pick_link_option(page, company_name)
		page.wait_for_function(
			"(name) => cur_dialog && cur_dialog.get_value('prospect') === name", arg=company_name
		)
		self.shot(page, "7f-add-to-prospect")
		page.locator(".modal.show .btn-primary").first.click()
		page.wait_for_function("(name) => cur_frm.doc.prospect === name", arg=company_name)
		self.settle(page)
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Lead", lead, "prospect"), company_name)
		self.assertIn(lead, frappe.get_all("Prospect Lead", {"parent": company_name}, pluck="lead"))
		page.goto(f"{self.desk}/prospect/{quote(company_name)}")
		self.wait_for_form(page, "Prospect", company_name)
		self.open_tab(page, "Leads")
		page.wait_for_selector('[data-fieldname="leads"] >> text=Yann Browser')
		self.shot(page, "7f-added-to-prospect")
