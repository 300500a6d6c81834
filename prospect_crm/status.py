"""A prospect's lifecycle status (Open, Engaged, Converted, Lost, Dormant) and its parent company: how each
derived status is computed (one prospect on save, every prospect in the daily job, in set-based SQL), marking
as lost and reopening, parent cycles, group pipeline amounts, and the default kanban board by status.
"""

import frappe
from frappe import _
from frappe.query_builder import Case, DocType
from frappe.utils import add_days, cint, get_datetime, now_datetime

from prospect_crm import compat

OPEN, ENGAGED, CONVERTED, LOST, DORMANT = "Open", "Engaged", "Converted", "Lost", "Dormant"
STATUSES = (OPEN, ENGAGED, CONVERTED, LOST, DORMANT)
# Statuses the back-fill and the daily job never change: Lost is the user's, Converted stays converted.
KEPT_STATUSES = (LOST, CONVERTED)
KANBAN_BOARD = "Prospects by Status"
KANBAN_INDICATORS = {OPEN: "Blue", ENGAGED: "Green", CONVERTED: "Purple", LOST: "Red", DORMANT: "Gray"}
MAX_GROUP_DEPTH = 20
PARENT_MAP_KEY = "prospect_crm:parent_prospects"


# ---- thresholds ----


def thresholds() -> tuple[int, int]:
	"""(engaged_within_days, dormant_after_days) from Prospect CRM Settings, or the shipped defaults."""
	meta = frappe.get_meta("Prospect CRM Settings")
	values = []
	for fieldname in ("engaged_within_days", "dormant_after_days"):
		value = frappe.db.get_single_value("Prospect CRM Settings", fieldname)
		values.append(cint(value) or cint(meta.get_field(fieldname).default))
	return values[0], values[1]


# ---- derivation ----


def derive(prospects: list[str] | None = None, keep_lost: bool = True) -> dict[str, str]:
	"""The derived status of these prospects (None: every prospect), Lost kept: a fixed number of queries.

	Converted: a Customer is linked. Engaged: an open opportunity, or an activity (the stored last activity:
	emails, comments, notes, tasks, events) in the last `engaged_within_days`. Dormant: no activity (or,
	without any, no creation) for `dormant_after_days`.
	Open otherwise.
	"""
	from prospect_crm.backfill import CLOSED_OPPORTUNITY_STATUSES

	if prospects is not None and not prospects:
		return {}
	engaged_days, dormant_days = thresholds()
	now = now_datetime()
	engaged_since, dormant_before = add_days(now, -engaged_days), add_days(now, -dormant_days)
	names = "and p.name in %(names)s" if prospects is not None else ""
	customer_fields = [compat.CUSTOMER_PROSPECT_FIELD]
	if other := compat.erpnext_customer_prospect_field():
		customer_fields.append(other)
	# Semi-joins (materialized once), not a correlated lookup per prospect: Customer.prospect has no index.
	converted = " or ".join(
		f"p.name in (select c.`{field}` from `tabCustomer` c where c.`{field}` != '')"
		for field in customer_fields
	)
	rows = frappe.db.sql(
		f"""select p.name, p.status, p.creation, p.last_activity_on,
			({converted}) as converted,
			exists (select 1 from `tabProspect Opportunity` o where o.parent = p.name
				and o.parenttype = 'Prospect' and coalesce(o.status, '') not in %(closed)s) as has_open
		from `tabProspect` p where 1 = 1 {names}""",
		{"names": prospects or [], "closed": CLOSED_OPPORTUNITY_STATUSES},
		as_dict=True,
	)
	statuses = {}
	for row in rows:
		# The stored last activity (follow_up.py), as the form, the list and the report show it.
		last = get_datetime(row.last_activity_on) if row.last_activity_on else None
		if keep_lost and row.status == LOST:
			statuses[row.name] = LOST
		elif row.converted:
			statuses[row.name] = CONVERTED
		elif row.has_open or (last and last >= engaged_since):
			statuses[row.name] = ENGAGED
		elif (last or get_datetime(row.creation)) < dormant_before:
			statuses[row.name] = DORMANT
		else:
			statuses[row.name] = OPEN
	return statuses


def update_statuses(prospects: list[str] | None = None) -> int:
	"""Store the derived status of these prospects (None: all), without touching `modified`: one UPDATE per
	status that changes, in chunks. Returns how many prospects changed. The daily job and the patch."""
	derived = derive(prospects)
	current = dict(
		frappe.db.sql(
			"select name, status from `tabProspect`" + (" where name in %(names)s" if prospects else ""),
			{"names": prospects or []},
		)
	)
	changes: dict[str, list[str]] = {}
	for name, status in derived.items():
		if current.get(name) != status:
			changes.setdefault(status, []).append(name)
	prospect = DocType("Prospect")
	for status, names in changes.items():
		for start in range(0, len(names), 5000):
			chunk = names[start : start + 5000]
			frappe.qb.update(prospect).set(prospect.status, status).where(prospect.name.isin(chunk)).run()
	return sum(len(names) for names in changes.values())


def daily():
	"""Scheduler (daily): every prospect's derived status, and the group amounts (repair of any drift). The
	scheduler commits after the job."""
	update_statuses()
	update_group_amounts()
	frappe.cache.delete_value(PARENT_MAP_KEY)


def lock_update_status(prospect, gaining: set[str], losing: set[str], link_name: str):
	"""The status expression of backfill's locking UPDATE, in SQL (no statement of its own): a prospect
	gaining an open opportunity is Engaged; one losing its last open one (other than `link_name`) is derived
	again from its other open opportunities, its activity and its age. Lost and Converted stay."""
	from pypika.terms import LiteralValue

	from prospect_crm.backfill import CLOSED_OPPORTUNITY_STATUSES

	case = Case().when(prospect.status.isin(KEPT_STATUSES), prospect.status)
	if gaining:
		case = case.when(prospect.name.isin(sorted(gaining)), ENGAGED)
	if losing:
		closed = ", ".join(frappe.db.escape(status) for status in CLOSED_OPPORTUNITY_STATUSES)
		setting = (
			"coalesce((select cast(value as signed) from `tabSingles` where doctype = 'Prospect CRM Settings'"
			" and field = '{0}' and value > 0), {1})"
		)
		engaged_days = setting.format("engaged_within_days", 30)
		dormant_days = setting.format("dormant_after_days", 90)
		last = (
			"(select max(at) from ("
			"select reference_name as prospect, communication_date as at from `tabCommunication`"
			" where reference_doctype = 'Prospect'"
			" union all select l.link_name, c.communication_date from `tabCommunication Link` l"
			" join `tabCommunication` c on c.name = l.parent where l.link_doctype = 'Prospect'"
			" union all select reference_name, creation from `tabComment`"
			" where reference_doctype = 'Prospect' and comment_type = 'Comment'"
			") activities where activities.prospect = `tabProspect`.`name`)"
		)
		derived = LiteralValue(
			"case when exists (select 1 from `tabProspect Opportunity` o where o.parent = `tabProspect`.`name`"
			f" and o.parenttype = 'Prospect' and o.opportunity != {frappe.db.escape(link_name)}"
			f" and coalesce(o.status, '') not in ({closed})) then 'Engaged'"
			f" when {last} >= now() - interval {engaged_days} day then 'Engaged'"
			f" when coalesce({last}, `tabProspect`.`creation`) < now() - interval {dormant_days} day"
			" then 'Dormant' else 'Open' end"
		)
		case = case.when(prospect.name.isin(sorted(losing)), derived)
	return case.else_(prospect.status)


def customer_created(customer, method=None) -> None:
	"""Customer.after_insert: the prospect it was made from is Converted (unless Lost)."""
	prospects = {
		customer.get(compat.CUSTOMER_PROSPECT_FIELD),
		customer.get(compat.ERPNEXT_CUSTOMER_PROSPECT_FIELD),
	}
	prospects = sorted(name for name in prospects if name)
	if prospects:
		update_statuses(prospects)


# ---- the form: lost, reopen, validation ----


def validate(doc) -> None:
	"""Prospect.validate: the parent is not a cycle; Lost needs reasons; the other statuses are derived."""
	check_parent(doc)
	before = doc.get_doc_before_save() if not doc.is_new() else None
	was_lost = before is not None and before.status == LOST
	if doc.status == LOST:
		if not doc.get("lost_reasons"):
			frappe.throw(
				_("Choose at least one lost reason: use Mark as Lost on the prospect."),
				title=_("Lost Reasons Required"),
			)
		return
	if was_lost or doc.get("lost_reasons") or doc.get("lost_detail"):
		# Moved out of Lost (Reopen, or a kanban drag): the reasons go with it.
		doc.set("lost_reasons", [])
		doc.lost_detail = None
	doc.status = derive_one(doc)


def derive_one(doc) -> str:
	"""The derived status of a prospect being saved (new ones have no activity nor customer yet)."""
	if doc.is_new():
		return ENGAGED if any(is_open(row) for row in doc.opportunities) else OPEN
	derived = derive([doc.name], keep_lost=False).get(doc.name, OPEN)
	# The table being saved may already hold an opportunity the stored rows do not show yet.
	if derived in (OPEN, DORMANT) and any(is_open(row) for row in doc.opportunities):
		return ENGAGED
	return derived


def is_open(row) -> bool:
	from prospect_crm.backfill import CLOSED_OPPORTUNITY_STATUSES

	return (row.get("status") or "") not in CLOSED_OPPORTUNITY_STATUSES


def mark_as_lost(doc, lost_reasons, lost_detail: str | None = None) -> None:
	doc.check_permission("write")
	reasons = frappe.parse_json(lost_reasons) if isinstance(lost_reasons, str) else lost_reasons
	names = [r.get("lost_reason") if isinstance(r, dict) else r for r in (reasons or [])]
	names = [name for name in names if name]
	if not names:
		frappe.throw(_("Choose at least one lost reason."), title=_("Lost Reasons Required"))
	doc.set("lost_reasons", [{"lost_reason": name} for name in dict.fromkeys(names)])
	doc.lost_detail = lost_detail
	doc.status = LOST
	doc.save()


def reopen(doc) -> None:
	doc.check_permission("write")
	if doc.status != LOST:
		frappe.throw(_("Only a lost prospect can be reopened."))
	doc.status = OPEN
	doc.save()


# ---- parent companies ----


def check_parent(doc) -> None:
	"""A prospect is not its own parent, nor an ancestor of its parent."""
	parent = doc.get("parent_prospect")
	if not parent or doc.is_new() and parent != doc.name:
		return
	seen = [doc.name]
	while parent:
		if parent in seen:
			frappe.throw(
				_(
					"{0} cannot be the parent company of {1}: {1} is already above it in the group ({2})."
				).format(frappe.bold(doc.parent_prospect), frappe.bold(doc.name), " → ".join(reversed(seen))),
				title=_("Parent Company Cycle"),
			)
		seen.append(parent)
		if len(seen) > MAX_GROUP_DEPTH:
			frappe.throw(
				_("A group of prospects cannot be more than {0} levels deep.").format(MAX_GROUP_DEPTH)
			)
		parent = frappe.db.get_value("Prospect", parent, "parent_prospect")


def parent_map() -> dict[str, str]:
	"""prospect -> its parent, for the prospects that have one (cached; rebuilt when a parent changes)."""
	return frappe.cache.get_value(PARENT_MAP_KEY, generator=read_parent_map)


def read_parent_map() -> dict[str, str]:
	return dict(frappe.db.sql("select name, parent_prospect from `tabProspect` where parent_prospect != ''"))


def ancestors(name: str, parents: dict[str, str]) -> list[str]:
	chain, parent = [], parents.get(name)
	while parent and parent not in chain and parent != name and len(chain) < MAX_GROUP_DEPTH:
		chain.append(parent)
		parent = parents.get(parent)
	return chain


def group_deltas(pipeline_delta: dict[str, float]) -> dict[str, float]:
	"""What each prospect's group amount moves by when these prospects' own amounts move: themselves and
	their ancestors (read from the cached parent map: no statement, cost bounded by the depth)."""
	moved = {name: delta for name, delta in pipeline_delta.items() if delta}
	if not moved:
		return {}
	parents = parent_map()
	deltas: dict[str, float] = {}
	for name, delta in moved.items():
		for member in (name, *ancestors(name, parents)):
			deltas[member] = deltas.get(member, 0.0) + delta
	return deltas


def after_prospect_save(doc) -> None:
	"""Prospect.on_update: a changed parent moves the group amounts of both chains of ancestors."""
	before = doc.get_doc_before_save()
	old_parent = before.get("parent_prospect") if before else None
	parent_map()  # kept warm, so that the back-fill's statements never read it
	if (old_parent or None) == (doc.get("parent_prospect") or None) and before is not None:
		if doc.open_pipeline_amount == before.open_pipeline_amount:
			return
	frappe.cache.delete_value(PARENT_MAP_KEY)
	chain = {doc.name, *ancestors(doc.name, parent_map())}
	if old_parent:
		chain |= {old_parent, *ancestors(old_parent, parent_map())}
	update_group_amounts(sorted(chain))


def update_group_amounts(prospects: list[str] | None = None) -> None:
	"""group_pipeline_amount = own open pipeline + every descendant's, recomputed for these prospects (None:
	all), without touching `modified`: a prospect without subsidiaries in one UPDATE; the groups from one read
	of their members (each member adds to its chain of ancestors, bounded by the depth), then one UPDATE per
	chunk of groups whose amount differs."""
	prospect = DocType("Prospect")
	alone = frappe.qb.update(prospect).set(prospect.group_pipeline_amount, prospect.open_pipeline_amount)
	alone = alone.where(prospect.group_pipeline_amount != prospect.open_pipeline_amount)
	if prospects:
		alone = alone.where(prospect.name.isin(prospects))
	alone.run()
	parents = read_parent_map()
	if not parents:
		return
	members = sorted(set(parents) | set(parents.values()))
	amounts = {}
	for start in range(0, len(members), 5000):
		chunk = members[start : start + 5000]
		amounts.update(
			frappe.qb.from_(prospect)
			.select(prospect.name, prospect.open_pipeline_amount)
			.where(prospect.name.isin(chunk))
			.run()
		)
	totals = {name: 0.0 for name in set(parents.values())}
	for name, amount in amounts.items():
		for ancestor in ancestors(name, parents):
			totals[ancestor] = totals.get(ancestor, 0.0) + (amount or 0.0)
	wanted = {
		name: (amounts.get(name) or 0.0) + total
		for name, total in totals.items()
		if name in amounts and (prospects is None or name in prospects)
	}
	names = sorted(wanted)
	for start in range(0, len(names), 1000):
		chunk = names[start : start + 1000]
		amount = Case()
		for name in chunk:
			amount = amount.when(prospect.name == name, wanted[name])
		frappe.qb.update(prospect).set(prospect.group_pipeline_amount, amount.else_(0)).where(
			prospect.name.isin(chunk)
		).run()


def after_rename(name: str) -> None:
	"""Prospect.after_rename: Frappe re-pointed the subsidiaries' parent_prospect; the group amounts follow."""
	frappe.cache.delete_value(PARENT_MAP_KEY)
	update_group_amounts([name, *ancestors(name, parent_map())])


# ---- install ----


def after_install() -> None:
	"""Install: the prospects taken over from ERPNext get their status and group amounts; the board."""
	update_statuses()
	update_group_amounts()
	ensure_kanban_board()


# ---- the kanban board ----


def ensure_kanban_board() -> None:
	"""The default kanban board of prospects by status, with the pipeline amount on each card (Kanban Board
	records are not exported with a module: made on install and migrate, left alone once it exists)."""
	if frappe.db.exists("Kanban Board", KANBAN_BOARD):
		return
	board = frappe.new_doc("Kanban Board")
	board.update(
		{
			"kanban_board_name": KANBAN_BOARD,
			"reference_doctype": "Prospect",
			"field_name": "status",
			"private": 0,
			"show_labels": 1,
			"fields": frappe.as_json(["open_pipeline_amount", "group_pipeline_amount"]),
		}
	)
	for status in STATUSES:
		board.append(
			"columns",
			{
				"column_name": status,
				"status": "Active",
				"indicator": KANBAN_INDICATORS[status],
				"order": "[]",
			},
		)
	board.insert(ignore_permissions=True)


def remove_kanban_board() -> None:
	"""Uninstall: the shipped board groups by `status`, which ERPNext's own Prospect does not have."""
	if frappe.db.exists("Kanban Board", {"name": KANBAN_BOARD, "reference_doctype": "Prospect"}):
		frappe.delete_doc("Kanban Board", KANBAN_BOARD, ignore_permissions=True, force=True)
