"""One definition of each number a prospect shows, used by the form's summary, the pipeline report, the
workspace's cards and `bench prospect-crm stats`.

- An open lead: a row of the prospect's leads table whose Lead exists and is not Converted, Do Not Contact
  or Lost Quotation.
- An open opportunity: a row of its opportunities table whose Opportunity exists and is not Lost, Closed or
  Converted. The open pipeline is the sum of their amounts (the prospect's stored `open_pipeline_amount`,
  kept by backfill.py); the weighted pipeline weighs each amount by its probability.
- Last activity: the prospect's stored `last_activity_on`, next activity its `next_activity_on`
  (follow_up.py: emails, comments, notes, tasks and events of the prospect, its leads and opportunities).
- Without activity for N days: an open or engaged prospect whose last activity (its creation when it has
  none) is older than N days.

A fixed number of queries whatever the number of prospects.
"""

import frappe
from frappe.utils import add_days, flt, get_first_day, get_last_day, now_datetime, today

from prospect_crm.backfill import CLOSED_OPPORTUNITY_STATUSES
from prospect_crm.compat import readable_names_sql

CLOSED_LEAD_STATUSES = ("Converted", "Do Not Contact", "Lost Quotation")
FOLLOWED_STATUSES = ("Open", "Engaged")
INACTIVE_DAYS = 30

OPEN_OPPORTUNITY = """row.parenttype = 'Prospect' and coalesce(row.status, '') not in %(closed_opportunity)s
	and exists (select 1 from `tabOpportunity` o where o.name = row.opportunity)"""
OPEN_OPPORTUNITY_ROWS = f"`tabProspect Opportunity` row where {OPEN_OPPORTUNITY}"
OPEN_LEAD_ROWS = """`tabProspect Lead` row
	where row.parenttype = 'Prospect' and coalesce(row.status, '') not in %(closed_lead)s
		and exists (select 1 from `tabLead` l where l.name = row.lead)"""
# The same rows, whether or not their document exists (pipeline() of a whole site checks those apart).
OPEN_OPPORTUNITY_ROWS_UNCHECKED = """`tabProspect Opportunity` row
	where row.parenttype = 'Prospect' and coalesce(row.status, '') not in %(closed_opportunity)s"""
OPEN_LEAD_ROWS_UNCHECKED = """`tabProspect Lead` row
	where row.parenttype = 'Prospect' and coalesce(row.status, '') not in %(closed_lead)s"""
# The weighted pipeline of the rows a query groups: each amount weighed by its probability.
WEIGHTED = "coalesce(sum(row.amount * coalesce(row.probability, 0) / 100), 0)"
VALUES = {"closed_opportunity": CLOSED_OPPORTUNITY_STATUSES, "closed_lead": CLOSED_LEAD_STATUSES}
# pipeline() of this many prospects or more, half the site or more, reads every row instead of naming them.
WHOLE_SITE_FROM = 5000


def pipeline(prospects: list[str], from_date=None, to_date=None) -> dict[str, dict]:
	"""Per prospect: open_leads, open_opportunities, pipeline_amount, weighted_amount, closing_from and
	closing_to. `from_date`/`to_date` keep the opportunities expected to close in that range."""
	if not prospects:
		return {}
	values = {**VALUES, "names": prospects, "from_date": from_date, "to_date": to_date}
	numbers = {name: empty_numbers() for name in prospects}
	if len(prospects) >= WHOLE_SITE_FROM and len(prospects) * 2 >= frappe.db.count("Prospect"):
		# Most of a big site's prospects (an unfiltered report): one pass over all rows without looking up
		# each row's document (a random read per row), then the prospects holding a row whose document is
		# gone (found by a scan in the documents' order) counted again the exact way.
		add_numbers(numbers, values, "", check_documents=False)
		broken = [name for name in rows_without_document() if name in numbers]
		if broken:
			for name in broken:
				numbers[name] = empty_numbers()
			add_numbers(numbers, {**values, "names": broken}, "and row.parent in %(names)s")
	else:
		add_numbers(numbers, values, "and row.parent in %(names)s")
	return numbers


def empty_numbers() -> frappe._dict:
	return frappe._dict(
		open_leads=0,
		open_opportunities=0,
		pipeline_amount=0.0,
		weighted_amount=0.0,
		closing_from=None,
		closing_to=None,
	)


def add_numbers(numbers: dict, values: dict, scope: str, check_documents: bool = True) -> None:
	"""pipeline()'s two aggregates over the rows that `scope` keeps, into `numbers`."""
	closing = ""
	if values.get("from_date"):
		closing += " and row.expected_closing >= %(from_date)s"
	if values.get("to_date"):
		closing += " and row.expected_closing <= %(to_date)s"
	opportunities = OPEN_OPPORTUNITY_ROWS if check_documents else OPEN_OPPORTUNITY_ROWS_UNCHECKED
	for row in frappe.db.sql(
		f"""select row.parent, count(*) as open_opportunities, coalesce(sum(row.amount), 0) as pipeline_amount,
			{WEIGHTED} as weighted_amount,
			min(row.expected_closing) as closing_from, max(row.expected_closing) as closing_to
		from {opportunities} {scope} {closing}
		group by row.parent""",
		values,
		as_dict=True,
	):
		if row.parent in numbers:
			numbers[row.parent].update(
				open_opportunities=row.open_opportunities,
				pipeline_amount=flt(row.pipeline_amount),
				weighted_amount=flt(row.weighted_amount),
				closing_from=row.closing_from,
				closing_to=row.closing_to,
			)
	leads = OPEN_LEAD_ROWS if check_documents else OPEN_LEAD_ROWS_UNCHECKED
	for parent, count in frappe.db.sql(
		f"select row.parent, count(*) from {leads} {scope} group by row.parent", values
	):
		if parent in numbers:
			numbers[parent].open_leads = count


def rows_without_document() -> set[str]:
	"""Prospects holding a lead or opportunity row whose Lead or Opportunity does not exist. Each row's
	document is looked up in the order of the rows' link index, which reads the documents' table in order."""
	return set(
		frappe.db.sql_list(
			"""select distinct row.parent from `tabProspect Opportunity` row
			where row.parenttype = 'Prospect'
			and (row.opportunity is null or row.opportunity not in (select name from `tabOpportunity`))"""
		)
	) | set(
		frappe.db.sql_list(
			"""select distinct row.parent from `tabProspect Lead` row
			where row.parenttype = 'Prospect' and (row.lead is null or row.lead not in (select name from `tabLead`))"""
		)
	)


def summary(doc) -> dict:
	"""The form's summary of one prospect (Prospect.onload)."""
	numbers = pipeline([doc.name])[doc.name]
	owners = {doc.prospect_owner}
	owners |= {row.lead_owner for row in doc.get("leads") or []}
	owners |= {row.deal_owner for row in doc.get("opportunities") or []}
	owners = sorted(owner for owner in owners if owner)
	return {
		**numbers,
		"next_activity_on": doc.next_activity_on,
		"last_activity_on": doc.last_activity_on,
		"follow_up": doc.follow_up,
		"prospect_owner": doc.prospect_owner,
		# Full names of the owners the form shows (its tables hold user IDs).
		"owner_names": full_names(owners),
	}


def full_names(users: list[str]) -> dict[str, str]:
	"""User ID -> full name (the ID when the user has none), in one query."""
	users = [user for user in users if user]
	if not users:
		return {}
	names = dict(
		frappe.get_all("User", filters={"name": ("in", users)}, fields=["name", "full_name"], as_list=True)
	)
	return {user: names.get(user) or user for user in users}


def readable(filters=None) -> str:
	"""SQL of the names of the prospects the user may read, for a statement that takes parameters (a "%" in
	a name that a permission inlines must not read as one)."""
	return readable_names_sql("Prospect", filters).replace("%", "%%")


def without_activity_condition(days: int) -> tuple[str, dict]:
	"""SQL condition on `tabProspect` p: open or engaged, and no activity for `days` days."""
	return (
		"p.status in %(followed)s and coalesce(p.last_activity_on, p.creation) < %(since)s",
		{"followed": FOLLOWED_STATUSES, "since": add_days(now_datetime(), -days)},
	)


def prospects_without_activity(days: int = INACTIVE_DAYS, readable_only: bool = False) -> list[str]:
	condition, values = without_activity_condition(days)
	scope = f"and p.name in ({readable()})" if readable_only else ""
	return frappe.db.sql_list(
		f"select p.name from `tabProspect` p where {condition} {scope} order by p.name", values
	)


def weighted_pipeline(prospects_sql: str) -> float:
	"""Open opportunities' amounts weighed by their probability, over the prospects `prospects_sql` selects."""
	return flt(
		frappe.db.sql(
			f"""select {WEIGHTED}
			from {OPEN_OPPORTUNITY_ROWS} and row.parent in ({prospects_sql})""",
			VALUES,
		)[0][0]
	)


def closing_between(prospects_sql: str, first, last) -> float:
	"""The open pipeline expected to close between `first` and `last`."""
	return flt(
		frappe.db.sql(
			f"""select coalesce(sum(row.amount), 0) from {OPEN_OPPORTUNITY_ROWS}
			and row.parent in ({prospects_sql}) and row.expected_closing between %(first)s and %(last)s""",
			{**VALUES, "first": first, "last": last},
		)[0][0]
	)


def this_month() -> tuple:
	return get_first_day(today()), get_last_day(today())


def pipeline_by_owner(prospects_sql: str, limit: int = 10) -> list[tuple]:
	"""(prospect owner, open pipeline, weighted pipeline) of the owners with the largest open pipelines."""
	return frappe.db.sql(
		f"""select p.prospect_owner, coalesce(sum(row.amount), 0),
			{WEIGHTED}
		from `tabProspect Opportunity` row join `tabProspect` p on p.name = row.parent
		where {OPEN_OPPORTUNITY} and row.parent in ({prospects_sql})
		group by p.prospect_owner order by 2 desc limit {int(limit)}""",
		VALUES,
	)


def prospects_by_status(prospects_sql: str) -> dict[str, int]:
	"""status -> how many of the prospects `prospects_sql` selects are in it, every status of the lifecycle in
	its order (zero included)."""
	from prospect_crm.status import OPEN, STATUSES

	counts = dict.fromkeys(STATUSES, 0)
	for status, count in frappe.db.sql(
		f"""select coalesce(nullif(p.status, ''), %(open)s), count(*) from `tabProspect` p
		where p.name in ({prospects_sql}) group by 1""",
		{"open": OPEN},
	):
		counts[status] = counts.get(status, 0) + count
	return counts


def pipeline_by_stage(prospects_sql: str) -> list[tuple]:
	"""(sales stage, open pipeline, weighted pipeline), in the order of the Sales Stage records."""
	return frappe.db.sql(
		f"""select row.stage, coalesce(sum(row.amount), 0),
			{WEIGHTED}
		from {OPEN_OPPORTUNITY_ROWS} and row.parent in ({prospects_sql})
		group by row.stage
		order by (select s.creation from `tabSales Stage` s where s.name = row.stage), row.stage""",
		VALUES,
	)
