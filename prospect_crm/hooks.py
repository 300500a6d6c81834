app_name = "prospect_crm"
app_title = "Prospect CRM"
app_publisher = "prospect_crm contributors"
app_description = "A maintained Prospect document for Frappe and ERPNext v15 and v16"
app_email = "prospect-crm@users.noreply.github.com"
app_license = "GPL-3.0"
app_icon = "octicon octicon-organization"
app_color = "blue"

# The short form "erpnext" makes `bench install-app` ask GitHub's API; "frappe/erpnext" resolves locally.
required_apps = ["frappe/erpnext"]
export_python_type_annotations = True

# ---- install, migrate, uninstall: taking the Prospect DocTypes over from ERPNext without loss ----
# (takeover.py; its guard against any import of ERPNext's definition is doc_events["DocType"] below)
before_install = "prospect_crm.install.before_install"
after_install = "prospect_crm.install.after_install"
before_migrate = "prospect_crm.install.before_migrate"
after_migrate = "prospect_crm.install.after_migrate"
before_uninstall = "prospect_crm.uninstall.before_uninstall"
after_uninstall = "prospect_crm.uninstall.after_uninstall"

fixtures = [
	{"dt": "Custom Field", "filters": [["module", "=", "Prospect CRM"]]},
]

# ---- ERPNext's own prospect writes are switched off in these subclasses (see README) ----
override_doctype_class = {
	"Lead": "prospect_crm.overrides.lead.Lead",
	"Opportunity": "prospect_crm.overrides.opportunity.Opportunity",
}

# ERPNext's whitelisted prospect methods, replaced by permission-checked ones.
override_whitelisted_methods = {
	"erpnext.crm.doctype.lead.lead.add_lead_to_prospect": "prospect_crm.api.add_lead_to_prospect",
	"erpnext.crm.doctype.prospect.prospect.get_opportunities": "prospect_crm.api.get_opportunities",
	"erpnext.crm.doctype.prospect.prospect.make_customer": "prospect_crm.api.make_customer",
	"erpnext.crm.doctype.prospect.prospect.make_opportunity": "prospect_crm.api.make_opportunity",
	"erpnext.crm.utils.get_open_activities": "prospect_crm.activities.get_open_activities",
	# A quotation for a prospect is ordered or invoiced by the prospect's one customer.
	"erpnext.selling.doctype.quotation.quotation.make_sales_order": "prospect_crm.api.make_sales_order",
	"erpnext.selling.doctype.quotation.quotation.make_sales_invoice": "prospect_crm.api.make_sales_invoice",
	# Frappe v15 counts without permission checks; for prospects, leads and opportunities we do not.
	"frappe.client.get_count": "prospect_crm.api.get_count",
}

# ---- permissions ----
has_permission = {
	"Address": "prospect_crm.permissions.address_or_contact_permission",
	"Contact": "prospect_crm.permissions.address_or_contact_permission",
}
permission_query_conditions = {
	"Address": "prospect_crm.permissions.address_query",
	"Contact": "prospect_crm.permissions.contact_query",
}

# ---- back-fill: every write of a prospect's lead/opportunity rows goes through backfill.py ----
doc_events = {
	# Not back-fill: the takeover guard. Whatever imports ERPNext's JSON of a Prospect DocType (a patch's
	# reload_doc, a sync, an admin), what gets stored is our definition (takeover.keep_ours).
	"DocType": {
		"before_import": "prospect_crm.takeover.keep_ours",
	},
	"Lead": {
		"on_update": [
			"prospect_crm.backfill.refresh_lead_row",
			"prospect_crm.contacts.link_lead_to_its_prospect",
		],
		"on_trash": "prospect_crm.backfill.remove_lead_row",
	},
	"Opportunity": {
		"validate": "prospect_crm.contacts.propose_primary_contact",
		"on_update": "prospect_crm.backfill.refresh_opportunity_row",
		"on_trash": "prospect_crm.backfill.remove_opportunity_row",
	},
	"Quotation": {
		"validate": "prospect_crm.contacts.propose_primary_contact",
	},
	"Customer": {
		# ERPNext 15.102 has its own "From Prospect" field: both carry the same value (compat.py).
		"validate": "prospect_crm.compat.sync_customer_prospect_fields",
		# ERPNext sets the customer's lead's status to Converted without saving the lead: its row follows.
		"on_update": "prospect_crm.backfill.refresh_row_of_customer_lead",
		"after_insert": [
			"prospect_crm.conversion.link_prospect_to_customer",
			"prospect_crm.status.customer_created",
			"prospect_crm.backfill.refresh_row_of_customer_lead",
		],
	},
	# ---- history and follow-up (history.py, follow_up.py) ----
	# New emails of a prospect's leads and opportunities reach its timeline through ERPNext's own
	# Communication/Event hooks, which read the rows written by backfill.py; the past ones are linked when a
	# document joins (backfill.place_row -> history.joined). Emails from or to its contacts, leads and
	# website domain are linked here.
	"Communication": {
		"after_insert": [
			"prospect_crm.history.link_matching_prospects",
			"prospect_crm.follow_up.on_communication",
		],
	},
	"Comment": {
		"after_insert": "prospect_crm.follow_up.on_comment",
	},
	"ToDo": {
		"on_update": "prospect_crm.follow_up.on_todo",
		"on_trash": "prospect_crm.follow_up.on_todo",
	},
	"Event": {
		"on_update": "prospect_crm.follow_up.on_event",
		"on_trash": "prospect_crm.follow_up.on_event",
	},
}

# ---- requests: saves that wait too long for a prospect another save holds are refused with HTTP 409
# (busy.py, mixed into the Lead, Opportunity and Prospect classes); how long, the site's lock_wait_timeout.
# Requests that may write while Redis does not answer are refused with HTTP 503 before they start ----
before_request = [
	"prospect_crm.busy.limit_lock_waits",
	"prospect_crm.redis_guard.refuse_writes_without_redis",
]

# ---- scheduler: the derived statuses (Engaged, Converted, Dormant) and group amounts, set-based ----
# Then the follow-up of each prospect as dates pass, and the owners' daily digest (follow_up.py); and the
# Prospect Pipeline report made a prepared report once the site is big (its module; also after migrate).
scheduler_events = {
	"daily": [
		"prospect_crm.status.daily",
		"prospect_crm.follow_up.daily",
		"prospect_crm.prospect_crm.report.prospect_pipeline.prospect_pipeline.prepare_when_large",
	],
}

# ---- bench commands live in prospect_crm/commands.py (`bench --site S prospect-crm --help`) ----

# ---- desk ----
# lead.js replaces ERPNext's "Create > Opportunity" dialog, which always pushes a new prospect.
doctype_js = {
	"Lead": "public/js/lead.js",
}

# ---- tests ----
before_tests = "prospect_crm.tests.utils.before_tests"
