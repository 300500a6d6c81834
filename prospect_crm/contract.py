"""The upstream contract: every Frappe/ERPNext name prospect_crm relies on, listed once, and its checker.

The checker reads source trees only (Python through `ast`, DocType JSON, JavaScript as text) and never
imports frappe, so it runs on any Python 3.10+ against any checkout: `python -m prospect_crm.contract -h`.
"""

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

APP = "prospect_crm"
APP_ROOT = Path(__file__).resolve().parent.parent  # the folder holding the prospect_crm package
UPSTREAM = ("frappe", "erpnext")

# ---- the contract, grouped by kind -------------------------------------------------------------------
# Derived from the app's own source on every run (nothing to keep in step by hand):
#   - "whitelisted method": keys of override_whitelisted_methods in hooks.py;
#   - "doctype": DocTypes named as keys in hooks.py, and the DocTypes takeover.py takes over (TAKEN_OVER);
#   - "import": every `from frappe... import X` / `from erpnext... import X` in the app's .py files;
#   - "frappe API": every `frappe.X`, `frappe.db.X` and `frappe.utils.X` the app's .py files use;
#   - "method path": every "frappe.…" / "erpnext.…" dotted path written as a string in the app's .py/.js;
#   - "custom field": the app's fixtures/custom_field.json (its anchors, and clashes with upstream fields).
# Kept by hand below: what cannot be read off the app's code.

LEAD = "erpnext.crm.doctype.lead.lead.Lead"
OPPORTUNITY = "erpnext.crm.doctype.opportunity.opportunity.Opportunity"
CRM_NOTE = "erpnext.crm.utils.CRMNote"
BASE_DOCUMENT = "frappe.model.base_document.BaseDocument"
DOCUMENT = "frappe.model.document.Document"
OUR_LEAD = "prospect_crm.overrides.lead.Lead"
OUR_OPPORTUNITY = "prospect_crm.overrides.opportunity.Opportunity"
OUR_PROSPECT = "prospect_crm.prospect_crm.doctype.prospect.prospect.Prospect"
SWITCHED_OFF = "overrides it to switch off ERPNext's own write of the prospect's {} row"

# (upstream method, the app's method overriding it or None when the app only calls it, what for)
CLASS_METHODS = [
	(f"{LEAD}.update_prospect", f"{OUR_LEAD}.update_prospect", SWITCHED_OFF.format("lead")),
	(
		f"{LEAD}.remove_link_from_prospect",
		f"{OUR_LEAD}.remove_link_from_prospect",
		"overrides it so that deleting a prospect's only lead no longer deletes the prospect",
	),
	(
		f"{LEAD}.get_linked_prospects",
		f"{OUR_LEAD}.get_linked_prospects",
		"overrides it to read the lead's prospect from Lead.prospect (Lead.onload, Add to Prospect)",
	),
	(
		f"{LEAD}.create_prospect_and_contact",
		f"{OUR_LEAD}.create_prospect_and_contact",
		"overrides it so ERPNext's Create > Opportunity dialog makes the prospect with permission checks",
	),
	(f"{LEAD}.create_contact", None, "calls it from its own create_prospect_and_contact"),
	(
		"erpnext.controllers.status_updater.StatusUpdater.set_status",
		f"{OUR_LEAD}.set_status",
		"overrides it on Lead so that the prospect's row follows the status ERPNext sets without saving the lead",
	),
	(
		"erpnext.selling.doctype.customer.customer.Customer.update_lead_status",
		None,
		"its Customer hooks refresh the lead's row after it sets the lead's status to Converted",
	),
	(
		f"{OPPORTUNITY}.update_prospect",
		f"{OUR_OPPORTUNITY}.update_prospect",
		SWITCHED_OFF.format("opportunity"),
	),
	(
		f"{CRM_NOTE}.add_note",
		f"{OUR_PROSPECT}.add_note",
		"calls it from Prospect.add_note after a write check",
	),
	(
		f"{CRM_NOTE}.edit_note",
		f"{OUR_PROSPECT}.edit_note",
		"replaces it on Prospect with a checked, saving one",
	),
	(
		f"{CRM_NOTE}.delete_note",
		f"{OUR_PROSPECT}.delete_note",
		"replaces it on Prospect with a checked, saving one",
	),
	(
		f"{BASE_DOCUMENT}.extend",
		f"{OUR_PROSPECT}.extend",
		"overrides it on Prospect to reject malformed REST rows",
	),
	(
		f"{BASE_DOCUMENT}.append",
		f"{OUR_PROSPECT}.append",
		"overrides it on Prospect to reject malformed REST rows",
	),
	(f"{DOCUMENT}.db_set", None, "calls it on Prospect after a rename"),
	(f"{DOCUMENT}.check_permission", None, "calls it in Prospect's note methods"),
	(
		f"{DOCUMENT}.has_value_changed",
		None,
		"calls it on Lead (prospect_crm.contacts.link_lead_to_its_prospect)",
	),
	(f"{DOCUMENT}.run_method", None, "calls it on a Quotation made from a prospect (prospect_crm.api)"),
	(
		"erpnext.selling.doctype.quotation.quotation.Quotation.set_missing_values",
		None,
		"runs it on a Quotation made from a prospect (prospect_crm.api.make_quotation)",
	),
]

# Upstream functions the app relies on without importing them: (dotted name, what for).
FUNCTIONS = [
	(
		"frappe.model.sync.import_file_by_path",
		"wraps this module attribute in before_migrate to keep ERPNext's Prospect JSON dormant",
	),
	(
		"frappe.modules.import_file.import_file_by_path",
		"wraps this module attribute in before_migrate to keep ERPNext's Prospect JSON dormant",
	),
	(
		"erpnext.crm.utils.get_linked_prospect",
		"relies on it to put a lead's emails and events on its prospect, from the rows backfill.py writes",
	),
]

# ERPNext's own hooks the app relies on: (hook, DocType, event, handler, what for).
UPSTREAM_HOOKS = [
	(
		"doc_events",
		"Communication",
		"after_insert",
		"erpnext.crm.utils.link_communications_with_prospect",
		"relies on it to show a lead's or opportunity's emails on the prospect's timeline",
	),
	(
		"doc_events",
		"Event",
		"after_insert",
		"erpnext.crm.utils.link_events_with_prospect",
		"relies on it to add the prospect to the events of its leads and opportunities",
	),
]

# DocTypes named nowhere in hooks.py that the app still relies on: (DocType, what for).
DOCTYPES = [
	("CRM Note", "stores the prospect's notes in it (Prospect.notes)"),
]

# Fields of upstream DocTypes the app reads or writes: DocType -> [(space-separated fieldnames, what for)].
# Standard columns (name, owner, creation, modified, docstatus, idx, parent...) are not listed.
FIELDS = {
	"Lead": [
		(
			"company_name no_of_employees industry market_segment annual_revenue territory fax website "
			"lead_owner company",
			"copies them into a prospect made from a lead (prospect_crm.api, prospect.js)",
		),
		(
			"lead_name status email_id mobile_no",
			"copies them into the prospect's lead rows (prospect_crm.backfill.LEAD_ROW_FIELDS)",
		),
		("first_name last_name", "sets them on demo leads (prospect_crm.demo)"),
	],
	"Opportunity": [
		(
			"opportunity_from party_name",
			"finds an opportunity's prospect from them (prospect_crm.backfill.prospect_of_opportunity)",
		),
		(
			"opportunity_amount currency sales_stage status probability expected_closing opportunity_owner "
			"contact_person",
			"copies them into the prospect's opportunity rows (prospect_crm.backfill.OPPORTUNITY_ROW_FIELDS)",
		),
		(
			"customer_name customer_group company",
			"sets them on an opportunity made from a prospect (prospect_crm.api, prospect.js)",
		),
		("contact_email contact_mobile", "lists them in prospect_crm.api.get_opportunities"),
	],
	"Quotation": [
		(
			"quotation_to party_name customer_name currency status contact_person",
			"addresses quotations to a prospect, then moves them to its customer (api, conversion)",
		),
	],
	"Customer": [
		(
			"customer_name customer_type customer_group default_currency account_manager",
			"sets them on a customer made from a prospect (prospect_crm.api.make_customer)",
		),
	],
	"CRM Note": [("note added_by added_on", "shows and edits the prospect's notes (prospect.js)")],
	"ToDo": [
		(
			"status description allocated_to date reference_type reference_name",
			"lists a prospect's open tasks (prospect_crm.activities, the Prospect Pipeline report)",
		),
	],
	"Event": [
		(
			"subject event_category starts_on ends_on description status",
			"lists a prospect's open events (prospect_crm.activities, the Prospect Pipeline report)",
		),
	],
	"Event Participants": [
		(
			"reference_doctype reference_docname",
			"finds the events of a prospect, its leads and opportunities",
		),
	],
	"Communication": [
		(
			"communication_type communication_medium subject sender recipients sent_or_received "
			"communication_date reference_doctype reference_name",
			"lists a prospect's emails (prospect_crm.activities, dashboard, the Prospect Pipeline report)",
		),
	],
	"Communication Link": [
		(
			"link_doctype link_name",
			"finds emails linked to a prospect, links history and matched emails (history)",
		)
	],
	"Comment": [
		(
			"comment_type content comment_email reference_doctype reference_name",
			"lists a prospect's comments (prospect_crm.activities.comments)",
		),
		("comment_by", "copies a joining lead's comments as ERPNext did (prospect_crm.history)"),
	],
	"CRM Settings": [
		(
			"carry_forward_communication_and_comments",
			"decides whether a joining lead's past emails and comments are brought (prospect_crm.history)",
		),
	],
	"Contact Email": [
		("email_id", "matches an email's addresses to a prospect's contacts (prospect_crm.history)")
	],
	"Notification Log": [
		(
			"for_user type subject email_content document_type document_name from_user",
			"notifies mentions and the follow-up digest (prospect_crm.mentions, prospect_crm.follow_up)",
		),
	],
	"Notification Settings": [
		("enable_email_notifications", "per-user notification email switch (prospect_crm.mentions tests)"),
	],
	"Territory": [("parent_territory lft rgt", "finds the owner rule of a territory (prospect_crm.owners)")],
	"Dynamic Link": [
		(
			"link_doctype link_name",
			"shares addresses and contacts between lead, prospect and customer (contacts, permissions)",
		),
	],
	"Address": [("links", "links addresses to prospects and hides those of unreadable prospects")],
	"Contact": [
		("links", "links contacts to prospects and hides those of unreadable prospects"),
		("email_id", "matches an email's addresses to a prospect's contacts (prospect_crm.history)"),
		("first_name last_name email_ids", "sets them on demo contacts (prospect_crm.demo)"),
	],
	"Company": [("default_currency country", "reads them for demo data (prospect_crm.demo)")],
	"Workspace": [("links", "adds Prospect to CRM > Sales Pipeline (prospect_crm.install)")],
	"Workspace Link": [
		(
			"type label link_type link_to onboard hidden link_count",
			"adds Prospect to CRM > Sales Pipeline (prospect_crm.install)",
		),
	],
	"DocType": [
		("module migration_hash", "tells which app owns the Prospect DocTypes (prospect_crm.takeover)")
	],
	"DocField": [("fieldname", "finds out whether ERPNext's Customer has its own prospect link (compat.py)")],
	"Property Setter": [
		("doc_type field_name property", "hides and shows ERPNext's Customer.prospect_name (compat.py)"),
	],
	"Module Def": [("app_name", "tells which app owns the Prospect DocTypes (prospect_crm.takeover)")],
	"User": [("full_name", "shows owners by their full names (prospect_crm.desk, prospect_crm.numbers)")],
	# (and total_fields where Frappe v15 has it: v16 shows every column of the settings)
	"List View Settings": [("fields", "sets the Prospect list's columns (prospect_crm.desk)")],
	"Workspace Shortcut": [
		(
			"doc_view stats_filter format",
			"the workspace's New Prospect and counting shortcuts (workspace JSON)",
		)
	],
}


@dataclass(frozen=True)
class JSReliance:
	name: str
	purpose: str
	files: str  # a glob under the tree root; one file must match every pattern
	patterns: tuple[str, ...]


LEAD_JS = "erpnext/crm/doctype/lead/lead.js"
JS_METHOD = r"\b{}\s*(?::\s*(?:async\s+)?function\b|\([^)]*\)\s*\{{)"  # `name(...) {` or `name: function`
FRAPPE_CONTACTS = r"frappe\.provide\(\s*[\"']frappe\.contacts[\"']\s*\)|frappe\.contacts\s*="
JS = [
	JSReliance(
		"erpnext.LeadController.make_opportunity",
		"replaces it with its own dialog through frm.cscript.make_opportunity (public/js/lead.js)",
		LEAD_JS,
		(
			JS_METHOD.format("make_opportunity"),
			r"this\.make_opportunity\b|trigger\(\s*[\"']make_opportunity[\"']",
		),
	),
	JSReliance(
		"erpnext.LeadController.add_lead_to_prospect",
		"replaces it through frm.cscript.add_lead_to_prospect (public/js/lead.js)",
		LEAD_JS,
		(JS_METHOD.format("add_lead_to_prospect"), r"this\.add_lead_to_prospect\b"),
	),
	JSReliance(
		'lead.js button "Add to Prospect"',
		"relies on ERPNext's Lead > Action > Add to Prospect button to put a lead in a prospect",
		LEAD_JS,
		(r"__\(\s*[\"']Add to Prospect[\"']\s*\)",),
	),
	JSReliance(
		"erpnext.utils.CRMActivities",
		"renders the prospect's Activities tab with it (prospect.js)",
		"erpnext/public/js/utils/crm_activities.js",
		(
			r"erpnext\.utils\.CRMActivities\s*=",
			r"\bopen_activities_wrapper\b",
			r"\ball_activities_wrapper\b",
			r"\bform_wrapper\b",
			r"\brefresh\s*\(\s*\)\s*\{",
		),
	),
	JSReliance(
		"CRMActivities call of erpnext.crm.utils.get_open_activities",
		"relies on it so that open activities come from the app's permission-checked replacement",
		"erpnext/public/js/utils/crm_activities.js",
		(r"erpnext\.crm\.utils\.get_open_activities",),
	),
	JSReliance(
		"Opportunity From may be Prospect",
		"makes opportunities with opportunity_from = Prospect (prospect_crm.api, prospect.js)",
		"erpnext/crm/doctype/opportunity/opportunity.js",
		(r"\[\s*\"in\"\s*,\s*\[[^\]]*\"Prospect\"",),
	),
	JSReliance(
		"Quotation To may be Prospect",
		"makes quotations with quotation_to = Prospect (prospect_crm.api.make_quotation)",
		"erpnext/selling/doctype/quotation/quotation.js",
		(r"\[\s*\"in\"\s*,\s*\[[^\]]*\"Prospect\"",),
	),
	JSReliance(
		"frappe.contacts.render_address_and_contact",
		"renders the prospect's addresses and contacts with it (prospect.js)",
		"frappe/public/js/frappe/**/*.js",
		(FRAPPE_CONTACTS, JS_METHOD.format("render_address_and_contact")),
	),
	JSReliance(
		"frappe.contacts.clear_address_and_contact",
		"clears the address and contact area of a new prospect with it (prospect.js)",
		"frappe/public/js/frappe/**/*.js",
		(FRAPPE_CONTACTS, JS_METHOD.format("clear_address_and_contact")),
	),
	JSReliance(
		"frappe.dynamic_link",
		"sets it so New Address / New Contact link back to the prospect (prospect.js)",
		"frappe/public/js/frappe/**/*.js",
		(r"\bfrappe\.dynamic_link\b",),
	),
	JSReliance(
		"extend_cscript",
		"relies on frm.cscript being the form's controller, so its own properties shadow the controller's "
		"methods (public/js/lead.js)",
		"frappe/public/js/frappe/form/**/*.js",
		(r"\bextend_cscript\s*=", r"cscript\.__proto__\s*="),
	),
	JSReliance(
		"frappe.ui.form.handlers",
		"empties the Lead form's make_opportunity handlers in this registry (public/js/lead.js)",
		"frappe/public/js/frappe/form/**/*.js",
		(r"\bfrappe\.ui\.form\.handlers\b",),
	),
	JSReliance(
		"docfield formatter",
		"shows the tables' owners by full name and their status and stage translated (prospect_summary.js)",
		"frappe/public/js/frappe/form/formatters.js",
		(r"std_df\.formatter\(",),
	),
	JSReliance(
		"form dashboard and tab links",
		"puts the summary above Connections and counts on the tabs (prospect_summary.js)",
		"frappe/public/js/frappe/form/form.js",
		(r"new frappe\.ui\.form\.Dashboard\(\s*dashboard_parent", r"\blayout\.tabs\b"),
	),
	JSReliance(
		"frappe.dashboards.chart_sources",
		"registers the Prospect Pipeline by Owner chart source",
		"frappe/public/js/frappe/widgets/chart_widget.js",
		(r"frappe\.dashboards\.chart_sources\[",),
	),
	JSReliance(
		"docfield.get_route_options_for_new_doc",
		"pre-fills a lead or opportunity created from a prospect's table cell (prospect.js)",
		"frappe/public/js/frappe/form/**/*.js",
		(r"\bget_route_options_for_new_doc\b",),
	),
]

# ERPNext's CRM workspace and the card install.py adds Prospect to.
WORKSPACE = ("erpnext/crm/workspace/crm/crm.json", "Sales Pipeline")
DESKTOP_ICON = "erpnext/desktop_icon/crm.json"


@dataclass(frozen=True)
class Marker:
	"""Upstream source text that signals a known change of behaviour the app depends on."""

	name: str
	purpose: str
	files: str
	pattern: str
	status: str  # "missing" (the app breaks) or "note", when the pattern is found (see `required`)
	detail: str
	# Checked only while the app's own code matches this (None: always): a change the app has adapted to
	# is no longer a reliance.
	app_pattern: str | None = None
	# True: the app relies on the text being there, and `status` applies when it is NOT found.
	required: bool = False


MARKERS = [
	Marker(
		"import_doc runs before_import",
		"keeps the Prospect DocTypes its own whatever imports ERPNext's JSON (takeover.keep_ours, a "
		"doc_events before_import hook on DocType)",
		"frappe/modules/import_file.py",
		r"run_method\(\s*[\"']before_import[\"']\s*\)",
		"missing",
		"import_doc no longer runs the before_import event",
		required=True,
	),
	Marker(
		'frappe.get_list(fields=["count(*) as total"])',
		"would count with it (counting wraps the permission-checked query instead: compat.count_readable)",
		"frappe/database/**/*.py",
		r"SQL functions are not allowed as strings",
		"missing",
		"frappe.get_list now refuses SQL functions written as strings (dict syntax like {'COUNT': '*'} instead)",
		r"fields\s*=\s*\[\s*[\"'](count|sum|avg|max|min)\(",
	),
	Marker(
		"desk at /app",
		"opens /app/... in scripts/up and the browser tests",
		"frappe/hooks.py",
		r"[\"']/app/\(\.\*\)[\"']\s*,\s*[\"']target[\"']\s*:\s*r?[\"']/desk",
		"note",
		"the desk moved to /desk; /app/... redirects there",
	),
]

# Methods a controller defines by design; overriding them is no reliance on upstream code.
CONTROLLER_HOOKS = set(
	"onload before_validate validate before_save before_insert after_insert on_update on_submit on_cancel "
	"on_trash after_delete autoname before_rename after_rename".split()
)
LAYOUT_FIELDTYPES = {"Section Break", "Column Break", "Tab Break"}


# ---- findings ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
	kind: str
	name: str
	status: str  # "ok", "missing" (a hard failure) or "note" (informational)
	purpose: str  # what the app does with it, read after "the app …"
	where: str = ""  # the upstream file (or glob) that was read, relative to its tree's root
	detail: str = ""
	hint: str = "check what replaced it upstream"

	def line(self) -> str:
		where = f" in {self.where}" if self.where else ""
		if self.status == "missing":
			detail = self.detail or "missing"
			return f"[{self.kind}] {self.name}: {detail}{where} — the app {self.purpose}; {self.hint}"
		if self.status == "note":
			where = f" ({self.where})" if self.where else ""
			return f"note [{self.kind}] {self.name}{where}: {self.detail} — the app {self.purpose}"
		return f"ok [{self.kind}] {self.name}{where}"


# ---- reading source trees ----------------------------------------------------------------------------

TYPE_ALIAS = re.compile(r"^(\s*)type\s+(\w+)\s*(?:\[[^\]\n]*\])?\s*=", re.M)
GENERIC_DEF = re.compile(r"^(\s*(?:async\s+)?def\s+\w+)\[[^\n]*?\](?=\()", re.M)
GENERIC_CLASS = re.compile(r"^(\s*class\s+\w+)\[[^\n]*?\](?=\s*[(:])", re.M)


@dataclass
class Definition:
	kind: str  # "def", "class", "value", "import", "module"
	node: ast.AST | None = None
	target: str = ""  # for "import": the dotted name it binds


@dataclass
class Module:
	name: str
	path: Path
	tree: ast.Module | None  # None: the file does not parse with this Python (text search is used)
	text: str
	names: dict
	stars: list
	has_getattr: bool


@dataclass
class Resolution:
	found: bool
	where: Path | None = None  # the file that defines it, or the file where it was looked for
	node: ast.AST | None = None
	owner: str = ""  # the dotted name of what was found (a base class's method, say)
	detail: str = ""  # how it was found when not plainly (text search, external package)


class Sources:
	"""The Python and JSON of source trees, keyed by top-level package, parsed once."""

	def __init__(self, roots: dict[str, Path]):
		self.roots = {package: Path(root).resolve() for package, root in roots.items()}
		self.modules: dict[str, Module | None] = {}
		self.json_cache: dict[Path, dict | None] = {}

	def relative(self, path: Path | None) -> str:
		if path is None:
			return ""
		for root in self.roots.values():
			try:
				return path.relative_to(root).as_posix()
			except ValueError:
				continue
		return path.name

	def module_path(self, dotted: str) -> Path | None:
		parts = dotted.split(".")
		root = self.roots.get(parts[0])
		if root is None or not all(part.isidentifier() for part in parts):
			return None
		base = root.joinpath(*parts)
		if (base / "__init__.py").is_file():
			return base / "__init__.py"
		file = base.parent / f"{parts[-1]}.py"
		return file if file.is_file() else None

	def module(self, dotted: str) -> Module | None:
		if dotted not in self.modules:
			path = self.module_path(dotted)
			self.modules[dotted] = load_module(dotted, path) if path else None
		return self.modules[dotted]

	def lookup(self, dotted_module: str, name: str, seen: frozenset = frozenset()) -> Definition | None:
		"""What `name` is at the top level of a module: defined, imported, star-imported or a submodule."""
		if dotted_module in seen:
			return None
		module = self.module(dotted_module)
		if module is None:
			return None
		if name in module.names:
			return module.names[name]
		for star in module.stars:
			if star.split(".")[0] not in self.roots:
				continue
			found = self.lookup(star, name, seen | {dotted_module})
			if found:
				return found
		if module.path.name == "__init__.py" and self.module_path(f"{dotted_module}.{name}"):
			return Definition("module", target=f"{dotted_module}.{name}")
		return None

	def resolve(self, dotted: str, depth: int = 0) -> Resolution:
		"""Find a dotted name (module, module.attr, module.Class.method) in the trees."""
		parts = dotted.split(".")
		if parts[0] not in self.roots:
			return Resolution(True)  # outside the checked trees (pypika, werkzeug...): not ours to check
		for i in range(len(parts), 0, -1):
			module_name = ".".join(parts[:i])
			module = self.module(module_name)
			if module:
				break
		else:
			return Resolution(False, self.roots[parts[0]] / parts[0], detail="package not found")
		rest = parts[i:]
		if not rest:
			return Resolution(True, module.path, module.tree, module_name)
		return self.resolve_in(module, rest, depth)

	def resolve_in(self, module: Module, rest: list[str], depth: int) -> Resolution:
		if depth > 12:
			return Resolution(True, module.path, detail="import chain too deep to follow")
		definition = self.lookup(module.name, rest[0])
		if definition is None:
			if module.has_getattr:
				return Resolution(
					True, module.path, detail="not defined; the module's __getattr__ may provide it"
				)
			if any(star.split(".")[0] not in self.roots for star in module.stars):
				return Resolution(True, module.path)  # star-imported from a third-party package
			return Resolution(False, module.path, detail=self.text_only(module))
		if definition.kind in ("import", "module"):
			return self.resolve(".".join([definition.target, *rest[1:]]), depth + 1)
		owner = f"{module.name}.{rest[0]}"
		if len(rest) == 1:
			return Resolution(True, module.path, definition.node, owner, self.text_only(module))
		if definition.kind == "class":
			return self.class_member(module, definition.node, rest[0], rest[1:], depth)
		if definition.kind == "value":
			return Resolution(
				True, module.path, definition.node, owner, "a value whose attributes are not read"
			)
		return Resolution(False, module.path, detail=f"{rest[0]} is a function, not a class")

	def class_member(self, module: Module, node, class_name: str, rest: list[str], depth: int) -> Resolution:
		member = rest[0]
		owner = f"{module.name}.{class_name}.{member}"
		if node is None:  # the file did not parse: text search for the method
			found = re.search(rf"^\s+(?:async\s+)?def\s+{member}\b|^\s+{member}\s*[:=]", module.text, re.M)
			return Resolution(bool(found), module.path, None, owner, self.text_only(module))
		for statement in node.body:
			if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name == member:
				return Resolution(True, module.path, statement, owner)
			if member in assigned_names(statement):
				return Resolution(True, module.path, statement, owner)
		for base in node.bases:
			dotted = self.expression_target(module, base)
			if not dotted or dotted.split(".")[0] not in self.roots:
				continue
			found = self.resolve(f"{dotted}.{'.'.join(rest)}", depth + 1)
			if found.found and not found.detail:
				return found
		return Resolution(False, module.path, detail=f"missing from class {class_name} and its bases")

	def expression_target(self, module: Module, expression) -> str | None:
		"""The dotted name a base-class expression (`Name` or `a.b.Name`) refers to."""
		chain = []
		while isinstance(expression, ast.Attribute):
			chain.insert(0, expression.attr)
			expression = expression.value
		if not isinstance(expression, ast.Name):
			return None
		definition = self.lookup(module.name, expression.id)
		if definition is None:
			return None
		if definition.kind in ("import", "module"):
			return ".".join([definition.target, *chain])
		return ".".join([module.name, expression.id, *chain])

	@staticmethod
	def text_only(module: Module) -> str:
		if module.tree is None:
			return "found by text search: the file does not parse with Python {}.{}".format(
				*sys.version_info[:2]
			)
		return ""

	def json(self, path: Path) -> dict | None:
		if path not in self.json_cache:
			try:
				self.json_cache[path] = json.loads(path.read_text(encoding="utf-8"))
			except (OSError, ValueError):
				self.json_cache[path] = None
		return self.json_cache[path]

	def doctype_json(self, doctype: str) -> tuple[Path | None, dict | None]:
		folder = scrub(doctype)
		for package in UPSTREAM:
			root = self.roots.get(package)
			if root is None:
				continue
			for path in sorted(root.glob(f"{package}/*/doctype/{folder}/{folder}.json")):
				return path, self.json(path)
		return None, None

	def files(self, pattern: str) -> list[Path]:
		package = pattern.split("/")[0]
		root = self.roots.get(package)
		return sorted(root.glob(pattern)) if root else []


def scrub(name: str) -> str:
	return name.replace(" ", "_").replace("-", "_").lower()


def read_text(path: Path) -> str:
	try:
		return path.read_text(encoding="utf-8")
	except (OSError, UnicodeDecodeError):
		return ""


def parse(text: str) -> ast.Module | None:
	"""Parse Python source; syntax newer than this interpreter (PEP 695) is rewritten first."""
	try:
		return ast.parse(text)
	except SyntaxError:
		pass
	rewritten = GENERIC_CLASS.sub(r"\1", GENERIC_DEF.sub(r"\1", TYPE_ALIAS.sub(r"\1\2 =", text)))
	try:
		return ast.parse(rewritten)
	except SyntaxError:
		return None


def assigned_names(statement) -> set[str]:
	if isinstance(statement, ast.Assign):
		targets = statement.targets
	elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
		targets = [statement.target]
	else:
		return set()
	names = set()
	for target in targets:
		for node in ast.walk(target):
			if isinstance(node, ast.Name):
				names.add(node.id)
	return names


def top_level(body: list) -> Iterator[ast.stmt]:
	"""Module-level statements, including those inside if/try/with blocks."""
	for statement in body:
		yield statement
		if isinstance(statement, ast.If):
			yield from top_level(statement.body)
			yield from top_level(statement.orelse)
		elif isinstance(statement, ast.Try):
			for block in (statement.body, statement.orelse, statement.finalbody):
				yield from top_level(block)
			for handler in statement.handlers:
				yield from top_level(handler.body)
		elif isinstance(statement, ast.With):
			yield from top_level(statement.body)


def import_base(module_name: str, path: Path, level: int) -> str:
	package = module_name if path.name == "__init__.py" else module_name.rpartition(".")[0]
	for _ in range(level - 1):
		package = package.rpartition(".")[0]
	return package


def load_module(name: str, path: Path) -> Module:
	text = read_text(path)
	tree = parse(text)
	names, stars, has_getattr = {}, [], False
	if tree is None:
		for match in re.finditer(r"^(?:async\s+)?def\s+(\w+)|^class\s+(\w+)|^(\w+)\s*[:=]", text, re.M):
			if match.group(1):
				names[match.group(1)] = Definition("def")
			elif match.group(2):
				names[match.group(2)] = Definition("class")
			else:
				names[match.group(3)] = Definition("value")
		for match in re.finditer(r"^from\s+([\w.]+)\s+import\s+\(?([^)\n]+)", text, re.M):
			for alias in match.group(2).split(","):
				bits = alias.split(" as ")
				original, bound = bits[0].strip(), bits[-1].strip()
				if original == "*":
					stars.append(match.group(1))
				elif bound.isidentifier():
					names[bound] = Definition("import", target=f"{match.group(1)}.{original}")
		return Module(name, path, None, text, names, stars, "__getattr__" in names)
	for statement in top_level(tree.body):
		if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
			names[statement.name] = Definition("def", statement)
			has_getattr = has_getattr or statement.name == "__getattr__"
		elif isinstance(statement, ast.ClassDef):
			names[statement.name] = Definition("class", statement)
		elif isinstance(statement, ast.ImportFrom):
			base = statement.module or ""
			if statement.level:
				prefix = import_base(name, path, statement.level)
				base = f"{prefix}.{base}" if base else prefix
			for alias in statement.names:
				if alias.name == "*":
					stars.append(base)
				else:
					names[alias.asname or alias.name] = Definition(
						"import", statement, f"{base}.{alias.name}"
					)
		elif isinstance(statement, ast.Import):
			for alias in statement.names:
				if alias.asname:
					names[alias.asname] = Definition("import", statement, alias.name)
				else:
					top = alias.name.split(".")[0]
					names[top] = Definition("import", statement, top)
		else:
			for assigned in assigned_names(statement):
				names[assigned] = Definition("value", statement)
	return Module(name, path, tree, text, names, stars, has_getattr)


# ---- reading the app ---------------------------------------------------------------------------------


def app_python_files() -> list[Path]:
	own = Path(__file__).resolve()
	return [
		path
		for path in sorted((APP_ROOT / APP).rglob("*.py"))
		if path.resolve() != own and "__pycache__" not in path.parts
	]


def app_js_files() -> list[Path]:
	return sorted(
		path
		for path in (APP_ROOT / APP).rglob("*.js")
		if "node_modules" not in path.parts and "dist" not in path.parts
	)


def app_relative(path: Path) -> str:
	return path.resolve().relative_to(APP_ROOT).as_posix()


@cache
def app_tree(path: Path) -> ast.Module:
	return ast.parse(read_text(path))


def hooks_value(name: str):
	"""A literal assigned at the top level of the app's hooks.py."""
	tree = app_tree(APP_ROOT / APP / "hooks.py")
	for statement in tree.body:
		if name in assigned_names(statement) and isinstance(statement, ast.Assign):
			return ast.literal_eval(statement.value)
	return None


def app_constant(relative_module: str, name: str):
	tree = app_tree(APP_ROOT / APP / relative_module)
	for statement in tree.body:
		if name in assigned_names(statement) and isinstance(statement, ast.Assign):
			return ast.literal_eval(statement.value)
	return None


def describe_users(files: Iterable[str]) -> str:
	files = sorted(set(files))
	shown = ", ".join(files[:3])
	return shown + (f" and {len(files) - 3} more" if len(files) > 3 else "")


def app_imports() -> dict[str, set[str]]:
	"""`from frappe…/erpnext… import X` in the app: dotted name -> files importing it."""
	found: dict[str, set[str]] = {}
	for path in app_python_files():
		for node in ast.walk(app_tree(path)):
			if isinstance(node, ast.ImportFrom) and not node.level and node.module:
				if node.module.split(".")[0] not in UPSTREAM:
					continue
				for alias in node.names:
					if alias.name != "*":
						found.setdefault(f"{node.module}.{alias.name}", set()).add(app_relative(path))
	return found


RUNTIME_OBJECTS = {"flags", "local", "session", "response", "qb", "form_dict", "request", "conf", "cache"}


def app_frappe_attributes() -> dict[str, set[str]]:
	"""`frappe.X`, `frappe.db.X` and `frappe.utils.X` used in the app: dotted name -> files."""
	found: dict[str, set[str]] = {}
	for path in app_python_files():
		for node in ast.walk(app_tree(path)):
			if not isinstance(node, ast.Attribute):
				continue
			value = node.value
			if isinstance(value, ast.Name) and value.id == "frappe":
				name = f"frappe.{node.attr}"
			elif (
				isinstance(value, ast.Attribute)
				and isinstance(value.value, ast.Name)
				and value.value.id == "frappe"
				and value.attr in ("db", "utils")
			):
				name = f"frappe.{value.attr}.{node.attr}"
			else:
				continue
			if name.split(".")[1] in RUNTIME_OBJECTS:
				continue
			found.setdefault(name, set()).add(app_relative(path))
	return found


DOTTED_PATH = re.compile(r"^(?:frappe|erpnext)(?:\.[A-Za-z_]\w*){2,}$")
JS_DOTTED_PATH = re.compile(r"[\"'`]((?:frappe|erpnext)(?:\.[A-Za-z_]\w*){2,})[\"'`]")


def app_dotted_paths() -> dict[str, set[str]]:
	"""Upstream dotted paths written as strings in the app's Python and JavaScript: path -> files."""
	found: dict[str, set[str]] = {}
	for path in app_python_files():
		for node in ast.walk(app_tree(path)):
			if (
				isinstance(node, ast.Constant)
				and isinstance(node.value, str)
				and DOTTED_PATH.match(node.value)
			):
				found.setdefault(node.value, set()).add(app_relative(path))
	for path in app_js_files():
		for match in JS_DOTTED_PATH.finditer(read_text(path)):
			found.setdefault(match.group(1), set()).add(app_relative(path))
	return found


def app_override_classes(sources: Sources) -> Iterator[tuple[str, str, ast.ClassDef]]:
	"""(the app's class, the upstream base it extends, its ClassDef) for every non-test app class."""
	for path in app_python_files():
		relative = path.resolve().relative_to(APP_ROOT)
		if "tests" in relative.parts or relative.name.startswith("test_"):
			continue
		module_name = ".".join(relative.with_suffix("").parts)
		module = sources.module(module_name)
		if module is None or module.tree is None:
			continue
		for statement in module.tree.body:
			if not isinstance(statement, ast.ClassDef):
				continue
			for base in statement.bases:
				target = sources.expression_target(module, base)
				if target and target.split(".")[0] in UPSTREAM:
					yield f"{module_name}.{statement.name}", target, statement


# ---- comparing functions -----------------------------------------------------------------------------


def parameters(function) -> tuple[list[str], set[str], bool]:
	"""(parameter names without self/cls, required ones, accepts **kwargs)."""
	arguments = function.args
	positional = [*arguments.posonlyargs, *arguments.args]
	if positional and positional[0].arg in ("self", "cls"):
		positional = positional[1:]
	defaults_from = len(positional) - len(arguments.defaults)
	required = {arg.arg for index, arg in enumerate(positional) if index < defaults_from}
	required |= {
		arg.arg
		for arg, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
		if default is None
	}
	names = [arg.arg for arg in positional] + [arg.arg for arg in arguments.kwonlyargs]
	return names, required, arguments.kwarg is not None


def signature(function) -> str:
	return f"({ast.unparse(function.args)})"


def compare_signatures(upstream, ours, our_name: str) -> str:
	if not is_function(upstream) or not is_function(ours):
		return ""
	up_names, up_required, _ = parameters(upstream)
	our_names, our_required, our_kwargs = parameters(ours)
	problems = []
	gained = [name for name in up_names if name not in our_names]
	if gained and not our_kwargs:
		problems.append(f"upstream takes {', '.join(gained)}, which {our_name} does not accept")
	extra = sorted(our_required - set(up_names))
	if extra:
		problems.append(f"{our_name} requires {', '.join(extra)}, which upstream callers do not pass")
	if not problems:
		return ""
	return f"signature changed: upstream {signature(upstream)}; " + "; ".join(problems)


def is_function(node) -> bool:
	return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)


def own_nodes(function) -> Iterator[ast.AST]:
	"""The nodes of a function body, not descending into nested functions or classes."""
	stack = list(function.body)
	while stack:
		node = stack.pop()
		yield node
		for child in ast.iter_child_nodes(node):
			if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
				stack.append(child)


def returned_keys(function) -> set[str] | None:
	"""The string keys of the dicts a function returns, or None when a return is not a dict literal."""
	if not is_function(function):
		return None
	dicts = {}
	for node in own_nodes(function):
		if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
			for name in assigned_names(node):
				dicts[name] = node.value
	keys, returns = set(), 0
	for node in own_nodes(function):
		if not isinstance(node, ast.Return) or node.value is None:
			continue
		returns += 1
		value = node.value
		if isinstance(value, ast.Name) and value.id in dicts:
			value = dicts[value.id]
		if not isinstance(value, ast.Dict):
			return None
		keys |= {
			key.value for key in value.keys if isinstance(key, ast.Constant) and isinstance(key.value, str)
		}
	return keys if returns else None


def is_whitelisted(function) -> bool:
	for decorator in getattr(function, "decorator_list", []):
		target = decorator.func if isinstance(decorator, ast.Call) else decorator
		if (isinstance(target, ast.Attribute) and target.attr == "whitelist") or (
			isinstance(target, ast.Name) and target.id == "whitelist"
		):
			return True
	return False


# ---- the checks --------------------------------------------------------------------------------------


class Checker:
	def __init__(self, frappe_path, erpnext_path):
		self.sources = Sources({"frappe": frappe_path, "erpnext": erpnext_path, APP: APP_ROOT})
		self.findings: list[Finding] = []
		self.checked_names: set[str] = set()

	def add(self, kind, name, status, purpose, where="", detail="", hint=None):
		where = self.sources.relative(where) if isinstance(where, Path) else where
		extra = {"hint": hint} if hint else {}
		self.findings.append(Finding(kind, name, status, purpose, where, detail, **extra))

	def name(self, kind: str, name: str, purpose: str) -> Resolution:
		"""Check that a dotted name exists upstream; record and return what was found."""
		self.checked_names.add(name)
		found = self.sources.resolve(name)
		if not found.found:
			self.add(kind, name, "missing", purpose, found.where, found.detail or "missing")
		elif found.detail:
			self.add(kind, name, "note", purpose, found.where, found.detail)
		else:
			self.add(kind, name, "ok", purpose, found.where)
		return found

	def run(self) -> list[Finding]:
		self.class_methods()
		self.override_coverage()
		self.whitelisted_methods()
		self.functions()
		self.upstream_hooks()
		self.imports()
		self.frappe_api()
		self.method_paths()
		self.doctypes()
		self.fields()
		self.custom_fields()
		self.javascript()
		self.workspace()
		self.markers()
		return self.findings

	def class_methods(self):
		for upstream, ours, purpose in CLASS_METHODS:
			found = self.name("class method", upstream, purpose)
			if not found.found or not ours:
				continue
			our_method = self.sources.resolve(ours)
			difference = compare_signatures(found.node, our_method.node, ours)
			if difference:
				self.add("class method", upstream, "note", purpose, found.where, difference)
			method = upstream.rpartition(".")[2]
			module_text = read_text(found.where) if found.where else ""
			if not is_whitelisted(found.node) and module_text and f".{method}(" not in module_text:
				detail = f"nothing in {self.sources.relative(found.where)} calls {method}() any more"
				self.add("class method", upstream, "note", purpose, found.where, detail)

	def override_coverage(self):
		"""Every upstream method an app class overrides must be in CLASS_METHODS: a new upstream method that
		happens to share a name with one of ours is reported too."""
		listed = {ours for _, ours, _ in CLASS_METHODS if ours}
		for our_class, base, node in app_override_classes(self.sources):
			for statement in node.body:
				if not is_function(statement) or statement.name in CONTROLLER_HOOKS:
					continue
				ours = f"{our_class}.{statement.name}"
				if ours in listed:
					continue
				found = self.sources.resolve(f"{base}.{statement.name}")
				if found.found and is_function(found.node):
					self.add(
						"override coverage",
						ours,
						"note",
						f"defines {statement.name} on a subclass of {base}",
						found.where,
						f"overrides upstream {found.owner or base}, which CLASS_METHODS does not list",
						hint="list it in prospect_crm/contract.py",
					)

	def whitelisted_methods(self):
		for upstream, ours in (hooks_value("override_whitelisted_methods") or {}).items():
			purpose = f"replaces it with {ours} (override_whitelisted_methods)"
			found = self.name("whitelisted method", upstream, purpose)
			if not found.found or not is_function(found.node):
				continue
			our_function = self.sources.resolve(ours)
			if not our_function.found:
				self.add(
					"whitelisted method", upstream, "missing", purpose, APP + "/hooks.py", f"{ours} not found"
				)
				continue
			if not is_whitelisted(found.node):
				self.add(
					"whitelisted method",
					upstream,
					"note",
					purpose,
					found.where,
					"no longer whitelisted upstream",
				)
			difference = compare_signatures(found.node, our_function.node, ours)
			if difference:
				self.add("whitelisted method", upstream, "note", purpose, found.where, difference)
			upstream_keys, our_keys = returned_keys(found.node), returned_keys(our_function.node)
			if upstream_keys and our_keys is not None and upstream_keys - our_keys:
				dropped = ", ".join(sorted(upstream_keys - our_keys))
				detail = f"upstream also returns {dropped}, which {ours} does not"
				self.add("whitelisted method", upstream, "note", purpose, found.where, detail)

	def functions(self):
		for name, purpose in FUNCTIONS:
			self.name("function", name, purpose)

	def upstream_hooks(self):
		for hook, doctype, event, handler, purpose in UPSTREAM_HOOKS:
			name = f"{hook}[{doctype!r}][{event!r}] -> {handler}"
			path = self.sources.module_path(f"{handler.split('.')[0]}.hooks")
			registered = path is not None and handler in hook_handlers(path, hook, doctype, event)
			if registered:
				self.add("upstream hook", name, "ok", purpose, path)
			else:
				where = path or Path(handler.split(".")[0]) / "hooks.py"
				self.add("upstream hook", name, "missing", purpose, where, "not registered")
			self.name("upstream hook", handler, purpose)

	def imports(self):
		for name, files in sorted(app_imports().items()):
			if name not in self.checked_names:
				self.name("import", name, f"imports it in {describe_users(files)}")

	def frappe_api(self):
		database_methods = None
		for name, files in sorted(app_frappe_attributes().items()):
			purpose = f"uses {name} in {describe_users(files)}"
			if not name.startswith("frappe.db."):
				if name not in self.checked_names:
					self.name("frappe API", name, purpose)
				continue
			if database_methods is None:
				database_methods = self.database_methods()
			method = name.rpartition(".")[2]
			status = "ok" if method in database_methods else "missing"
			self.add(
				"frappe API", name, status, purpose, "frappe/database/", "" if status == "ok" else "missing"
			)

	def database_methods(self) -> set[str]:
		names = set()
		for path in self.sources.files("frappe/database/**/*.py"):
			text = read_text(path)
			tree = parse(text)
			if tree is None:
				names |= set(re.findall(r"^\s+(?:async\s+)?def\s+(\w+)", text, re.M))
				continue
			for node in ast.walk(tree):
				if isinstance(node, ast.ClassDef):
					for statement in node.body:
						if is_function(statement):
							names.add(statement.name)
						names |= assigned_names(statement)
		return names

	def method_paths(self):
		for name, files in sorted(app_dotted_paths().items()):
			if name in self.checked_names:
				continue
			purpose = f"calls it by path from {describe_users(files)}"
			found = self.name("method path", name, purpose)
			if found.found and is_function(found.node) and not is_whitelisted(found.node):
				self.add("method path", name, "note", purpose, found.where, "not whitelisted upstream")

	def doctypes(self):
		wanted = {}
		for hook in ("override_doctype_class", "doc_events", "has_permission", "permission_query_conditions"):
			for doctype in hooks_value(hook) or {}:
				wanted.setdefault(doctype, f"hooks it in hooks.py ({hook})")
		for doctype in hooks_value("doctype_js") or {}:
			wanted.setdefault(doctype, "extends its form in hooks.py (doctype_js)")
		for doctype, purpose in DOCTYPES:
			wanted.setdefault(doctype, purpose)
		for doctype, purpose in wanted.items():
			path, _ = self.sources.doctype_json(doctype)
			where = path or f"*/doctype/{scrub(doctype)}/{scrub(doctype)}.json"
			self.add("doctype", doctype, "ok" if path else "missing", purpose, where)
		self.taken_over()

	def taken_over(self):
		purpose = "imports its own definition over it on install and hands it back on uninstall (takeover.py)"
		taken_over = app_constant("takeover.py", "TAKEN_OVER")
		if not taken_over:
			raise RuntimeError(
				"takeover.py no longer defines TAKEN_OVER: the contract cannot check the takeover"
			)
		for doctype in taken_over:
			folder = scrub(doctype)
			path = self.sources.roots["erpnext"] / "erpnext" / "crm" / "doctype" / folder / f"{folder}.json"
			theirs = self.sources.json(path)
			if theirs is None:
				self.add("doctype", f"ERPNext's {doctype}", "missing", purpose, path, "missing")
				continue
			self.add("doctype", f"ERPNext's {doctype}", "ok", purpose, path)
			ours = self.sources.json(APP_ROOT / APP / APP / "doctype" / folder / f"{folder}.json") or {}
			our_fields = {field.get("fieldname") for field in ours.get("fields", [])}
			extra = [
				field["fieldname"]
				for field in theirs.get("fields", [])
				if field.get("fieldtype") not in LAYOUT_FIELDTYPES
				and field.get("fieldname") not in our_fields
			]
			if extra:
				detail = f"ERPNext's definition has fields the app's lacks: {', '.join(extra)}"
				self.add("doctype", f"ERPNext's {doctype}", "note", purpose, path, detail)

	def fields(self):
		for doctype, groups in FIELDS.items():
			path, definition = self.sources.doctype_json(doctype)
			present = {field.get("fieldname") for field in (definition or {}).get("fields", [])}
			where = path or f"*/doctype/{scrub(doctype)}/{scrub(doctype)}.json"
			for fieldnames, purpose in groups:
				for fieldname in fieldnames.split():
					status = "ok" if fieldname in present else "missing"
					self.add("field", f"{doctype}.{fieldname}", status, purpose, where)

	def custom_fields(self):
		path = APP_ROOT / APP / "fixtures" / "custom_field.json"
		for custom in self.sources.json(path) or []:
			doctype, fieldname = custom.get("dt"), custom.get("fieldname")
			name = f"{doctype}.{fieldname}"
			purpose = f"adds its own custom field {name} (fixtures/custom_field.json)"
			upstream_path, definition = self.sources.doctype_json(doctype)
			if definition is None:
				self.add(
					"custom field", name, "missing", purpose, f"*/doctype/{scrub(doctype)}", "DocType missing"
				)
				continue
			fields = definition.get("fields", [])
			present = {field.get("fieldname") for field in fields}
			if fieldname in present:
				detail = "upstream now defines this field itself; the custom field would clash"
				hint = "move the app to the upstream field"
				self.add("custom field", name, "missing", purpose, upstream_path, detail, hint)
				continue
			self.add("custom field", name, "ok", purpose, upstream_path)
			anchor = custom.get("insert_after")
			if anchor and anchor not in present:
				detail = f"insert_after field {anchor} is gone; Frappe will place the field elsewhere"
				self.add("custom field", name, "note", purpose, upstream_path, detail)
			siblings = [
				field["fieldname"]
				for field in fields
				if custom.get("fieldtype") == "Link"
				and field.get("fieldtype") == "Link"
				and field.get("options") == custom.get("options")
			]
			if siblings:
				detail = (
					f"upstream has its own Link to {custom.get('options')} here too: {', '.join(siblings)}"
				)
				self.add("custom field", name, "note", purpose, upstream_path, detail)

	def javascript(self):
		for reliance in JS:
			files = self.sources.files(reliance.files)
			match = next(
				(
					path
					for path in files
					if all(re.search(pattern, read_text(path)) for pattern in reliance.patterns)
				),
				None,
			)
			if match is None:
				self.add("js", reliance.name, "missing", reliance.purpose, reliance.files, "missing")
				continue
			self.add("js", reliance.name, "ok", reliance.purpose, match)

	def workspace(self):
		relative, card = WORKSPACE
		path = self.sources.roots["erpnext"] / relative
		purpose = "adds Prospect to this card, where the user's manual opens prospects (install.py)"
		name = f"CRM workspace card {card!r}"
		workspace = self.sources.json(path)
		links = (workspace or {}).get("links", [])
		has_card = any(link.get("type") == "Card Break" and link.get("label") == card for link in links)
		if has_card:
			self.add("workspace", name, "ok", purpose, path)
		else:
			# install.py skips a missing card; users then reach prospects through the app's own workspace
			# (and, where Frappe has desktop icons, its icon and sidebar): a difference, not a breakage.
			detail = "workspace missing" if workspace is None else "card missing"
			self.add(
				"workspace", name, "note", purpose, path, f"{detail}: the app's own workspace is the way in"
			)
		purpose = "sends users to the CRM workspace for prospects (install.py, the user's manual)"
		icon = self.sources.json(self.sources.roots["erpnext"] / DESKTOP_ICON)
		if (icon or {}).get("hidden") or (workspace or {}).get("is_hidden"):
			where = DESKTOP_ICON if (icon or {}).get("hidden") else relative
			self.add(
				"workspace", "CRM workspace shown", "note", purpose, where, "hidden from the desk by default"
			)
		else:
			self.add("workspace", "CRM workspace shown", "ok", purpose, relative)

	def markers(self):
		for marker in MARKERS:
			if marker.app_pattern and not any(
				re.search(marker.app_pattern, read_text(path), re.IGNORECASE) for path in app_python_files()
			):
				self.add("behaviour", marker.name, "ok", "the app no longer relies on it", marker.files)
				continue
			hit = next(
				(
					path
					for path in self.sources.files(marker.files)
					if re.search(marker.pattern, read_text(path))
				),
				None,
			)
			if marker.required:
				if hit is None:
					self.add(
						"behaviour", marker.name, marker.status, marker.purpose, marker.files, marker.detail
					)
				else:
					self.add("behaviour", marker.name, "ok", marker.purpose, hit)
			elif hit is None:
				self.add("behaviour", marker.name, "ok", marker.purpose, marker.files)
			else:
				self.add(
					"behaviour",
					marker.name,
					marker.status,
					marker.purpose,
					hit,
					marker.detail,
					"adapt the app",
				)


def hook_handlers(path: Path, hook: str, doctype: str, event: str) -> set[str]:
	"""The dotted handlers registered in a hooks.py for hook[doctype][event] (read without executing it)."""
	tree = parse(read_text(path))
	if tree is None:
		return set()
	for statement in tree.body:
		if not (isinstance(statement, ast.Assign) and hook in assigned_names(statement)):
			continue
		if not isinstance(statement.value, ast.Dict):
			continue
		events = dict_entry(statement.value, doctype)
		value = dict_entry(events, event) if isinstance(events, ast.Dict) else None
		if value is None:
			return set()
		return {
			node.value
			for node in ast.walk(value)
			if isinstance(node, ast.Constant) and isinstance(node.value, str)
		}
	return set()


def dict_entry(node: ast.Dict, key: str):
	for candidate, value in zip(node.keys, node.values, strict=True):
		if isinstance(candidate, ast.Constant) and candidate.value == key:
			return value
	return None


def check(frappe_path, erpnext_path) -> list[Finding]:
	"""Check the contract against the Frappe and ERPNext repositories at these paths (the folders holding
	the `frappe/` and `erpnext/` packages). Returns every finding, "ok" ones included."""
	return Checker(Path(frappe_path), Path(erpnext_path)).run()


def problems(findings: Iterable[Finding]) -> list[Finding]:
	return [finding for finding in findings if finding.status == "missing"]


def notes(findings: Iterable[Finding]) -> list[Finding]:
	return [finding for finding in findings if finding.status == "note"]


def summary(findings: list[Finding]) -> str:
	checked = len(
		{(finding.kind, finding.name) for finding in findings if finding.kind != "override coverage"}
	)
	return f"{checked} checked, {len(problems(findings))} missing, {len(notes(findings))} notes"


def version(root: Path, package: str) -> str:
	match = re.search(r"^__version__\s*=\s*[\"']([^\"']+)", read_text(root / package / "__init__.py"), re.M)
	return match.group(1) if match else "unknown version"


def markdown(findings: list[Finding], title: str) -> str:
	def cell(text: str) -> str:
		return text.replace("|", "\\|").replace("\n", " ")

	lines = [f"### {title}", "", summary(findings), ""]
	rows = problems(findings) + notes(findings)
	if rows:
		lines += [
			"| status | kind | name | found | where | the app … |",
			"| --- | --- | --- | --- | --- | --- |",
		]
		for finding in rows:
			values = (
				finding.status,
				finding.kind,
				finding.name,
				finding.detail,
				finding.where,
				finding.purpose,
			)
			lines.append("| " + " | ".join(cell(value) for value in values) + " |")
	return "\n".join(lines)


def repository_root(path: str, package: str) -> Path | None:
	"""The repository root holding `package`, given it or the package folder inside it."""
	root = Path(path).expanduser().resolve()
	if (
		not (root / package / "__init__.py").is_file()
		and root.name == package
		and (root / "__init__.py").is_file()
	):
		root = root.parent
	return root if (root / package / "__init__.py").is_file() else None


def main(argv: list[str] | None = None) -> int:
	parser = argparse.ArgumentParser(
		prog="python -m prospect_crm.contract",
		description="Check that every Frappe/ERPNext name prospect_crm relies on exists in these source trees.",
	)
	parser.add_argument("--frappe", required=True, help="Frappe repository root (holds the frappe package)")
	parser.add_argument(
		"--erpnext", required=True, help="ERPNext repository root (holds the erpnext package)"
	)
	parser.add_argument("--markdown", action="store_true", help="print a Markdown table instead of lines")
	parser.add_argument("--all", action="store_true", help="also list what was found")
	args = parser.parse_args(argv)
	frappe_root, erpnext_root = (
		repository_root(args.frappe, "frappe"),
		repository_root(args.erpnext, "erpnext"),
	)
	for given, root, package in (
		(args.frappe, frappe_root, "frappe"),
		(args.erpnext, erpnext_root, "erpnext"),
	):
		if root is None:
			parser.error(
				f"{given}: no {package}/__init__.py there (give the folder holding the {package} package)"
			)
	findings = check(frappe_root, erpnext_root)
	title = f"Frappe {version(frappe_root, 'frappe')} / ERPNext {version(erpnext_root, 'erpnext')}"
	if args.markdown:
		print(markdown(findings, title))
	else:
		print(title)
		shown = problems(findings) + notes(findings)
		if args.all:
			shown += [finding for finding in findings if finding.status == "ok"]
		for finding in shown:
			print(finding.line())
		print(summary(findings))
	return 1 if problems(findings) else 0


if __name__ == "__main__":
	sys.exit(main())
