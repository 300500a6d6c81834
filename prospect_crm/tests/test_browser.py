"""The Prospect form in a real browser, as the user's manual describes it.

Headless Chromium (Debian's `chromium` package) driven by Playwright against the test site served by
Frappe's own web server. Screenshots go to $PROSPECT_CRM_ARTIFACTS/screenshots.
"""

import os
import shutil
from urllib.parse import quote

import frappe
from frappe.tests.utils import FrappeTestCase

from prospect_crm.tests.server import LiveServer, artifacts_dir

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
TABS_EN = ["Overview", "Address & Contact", "Leads", "Opportunities", "Activities", "Notes"]
TABS_FR = ["Vue d'ensemble", "Adresses et contact", "Pistes", "Opportunités", "Activités", "Notes"]
CHROMIUM_ARGS = [
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--disable-background-networking",
	"--disable-component-update",
	"--no-first-run",
	"--disable-sync",
]


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
		cls.server = LiveServer(cls.artifacts)
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
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.server.stop()
		frappe.db.set_value("User", "Administrator", "language", "en")
		frappe.db.commit()
		super().tearDownClass()

	def shot(self, page, name):
		page.screenshot(path=os.path.join(self.artifacts, f"{name}.png"), full_page=True)

	def open_tab(self, page, label):
		page.locator(".form-tabs .nav-link", has_text=label).first.click()
		page.wait_for_timeout(300)

	def wait_for_form(self, page, doctype, name=None):
		condition = f"cur_frm && cur_frm.doctype === {doctype!r}"
		if name:
			condition += f" && cur_frm.doc.name === {name!r}"
		page.wait_for_function(f"() => {condition}", timeout=30000)
		page.wait_for_timeout(500)

	def save(self, page):
		page.keyboard.press("Control+s")
		page.wait_for_function("() => cur_frm && !cur_frm.is_dirty() && !cur_frm.is_new()", timeout=30000)
		page.wait_for_timeout(500)

	def test_manual_flow(self):
		from playwright.sync_api import sync_playwright

		company_name = f"Browser Corp {frappe.generate_hash(length=5)}"
		with sync_playwright() as playwright:
			browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
			page = browser.new_page(viewport={"width": 1400, "height": 1000})
			page.set_default_timeout(30000)
			try:
				self.run_flow(page, company_name)
			except Exception:
				self.shot(page, "failure")
				raise
			finally:
				browser.close()

	def run_flow(self, page, company_name):
		# log in
		page.goto(f"{self.base}/login")
		page.fill("#login_email", "Administrator")
		page.fill("#login_password", "admin")
		page.locator(".btn-login").first.click()
		page.wait_for_url("**/app**")
		page.wait_for_function("() => window.frappe && frappe.boot && frappe.boot.user")

		# 1. a new prospect, overview fields, save
		page.goto(f"{self.base}/app/prospect/new")
		page.wait_for_selector('input[data-fieldname="company_name"]')
		page.fill('input[data-fieldname="company_name"]', company_name)
		page.evaluate("(v) => cur_frm.set_value('market_share', v)", 15)
		page.evaluate(
			"() => cur_frm.doc.company || cur_frm.set_value('company', frappe.defaults.get_default('company'))"
		)
		self.save(page)
		self.assertEqual(page.evaluate("() => cur_frm.doc.name"), company_name)
		self.shot(page, "1-overview")

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
		page.locator(".awesomplete li", has_text="Create a new Lead").first.click()
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
		page.wait_for_function(
			"() => cur_frm.doc.leads && cur_frm.doc.leads.some(r => r.lead_name === 'Zoé Browser' && r.status)",
			timeout=30000,
		)
		self.assertFalse(page.evaluate("() => cur_frm.is_dirty()"))
		self.open_tab(page, "Leads")
		page.wait_for_selector('[data-fieldname="leads"] >> text=Zoé Browser')
		self.shot(page, "4-lead")

		# 5. Opportunities: Create > Opportunity, prefilled from the prospect
		page.locator(".inner-group-button button:has-text('Create')").first.click()
		page.locator(".dropdown-menu.show .dropdown-item", has_text="Opportunity").first.click()
		self.wait_for_form(page, "Opportunity")
		self.assertEqual(
			page.evaluate("() => [cur_frm.doc.opportunity_from, cur_frm.doc.party_name]"),
			["Prospect", company_name],
		)
		page.evaluate("() => cur_frm.set_value('opportunity_amount', 4200)")
		page.evaluate("() => cur_frm.set_value('probability', 35)")
		self.save(page)
		page.goto(f"{self.base}/app/prospect/{quote(company_name)}")
		self.wait_for_form(page, "Prospect", company_name)
		self.open_tab(page, "Opportunities")
		page.wait_for_function(
			"() => cur_frm.doc.opportunities.some(r => r.amount === 4200 && r.probability === 35)"
		)
		self.shot(page, "5-opportunity")

		# 6. Activities: open tasks and events, New Task, the timeline with New Email
		self.open_tab(page, "Activities")
		page.wait_for_selector("text=New Task")
		page.wait_for_selector("text=New Event")
		page.wait_for_selector("text=New Email")
		page.locator("button:has-text('New Email')").first.click()
		page.wait_for_selector(".modal.show [data-fieldname='recipients']")
		page.locator(".modal.show [data-fieldname='recipients'] input").first.fill("buyer@example.com")
		page.locator(".modal.show input[data-fieldname='subject']").first.fill("Proposition commerciale")
		page.locator(".modal.show .ql-editor").first.click()
		page.keyboard.type("Bonjour")
		page.wait_for_timeout(500)
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
		page.goto(f"{self.base}/app/prospect/{quote(company_name)}")
		self.wait_for_form(page, "Prospect", company_name)
		page.locator(".inner-group-button button:has-text('Create')").first.click()
		page.locator(".dropdown-menu.show .dropdown-item", has_text="Quotation").first.click()
		self.wait_for_form(page, "Quotation")
		self.assertEqual(
			page.evaluate("() => [cur_frm.doc.quotation_to, cur_frm.doc.party_name]"),
			["Prospect", company_name],
		)
		self.shot(page, "7b-quotation")

		# Lead > Create > Opportunity without a company name: no prospect is forced on the user
		lead = page.evaluate(
			"() => frappe.db.insert({doctype: 'Lead', first_name: 'Walk-in', company: cur_frm.doc.company})"
			".then(d => d.name)"
		)
		page.goto(f"{self.base}/app/lead/{lead}")
		self.wait_for_form(page, "Lead", lead)
		page.locator(".inner-group-button button:has-text('Create')").first.click()
		page.locator(".dropdown-menu.show .dropdown-item", has_text="Opportunity").first.click()
		self.wait_for_form(page, "Opportunity")
		self.assertEqual(
			page.evaluate("() => [cur_frm.doc.opportunity_from, cur_frm.doc.party_name]"), ["Lead", lead]
		)
		self.assertEqual(page.locator(".modal.show").count(), 0)
		self.shot(page, "7c-lead-opportunity")

		# 8. French: the manual's words on the tabs
		page.evaluate(
			"() => frappe.call({method: 'frappe.client.set_value', args: {doctype: 'User', name: 'Administrator', "
			"fieldname: 'language', value: 'fr'}})"
		)
		page.wait_for_timeout(1000)
		page.goto(f"{self.base}/app/prospect/{quote(company_name)}")
		self.wait_for_form(page, "Prospect", company_name)
		labels = [t.strip() for t in page.locator(".form-tabs .nav-link").all_inner_texts()]
		self.assertEqual(labels[:6], TABS_FR)
		self.shot(page, "8-french")

		# what the browser did is on the server
		frappe.db.rollback()
		prospect = frappe.get_doc("Prospect", company_name)
		self.assertEqual(prospect.market_share, 15)
		self.assertEqual([row.lead_name for row in prospect.leads], ["Zoé Browser"])
		self.assertEqual([row.amount for row in prospect.opportunities], [4200])
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
