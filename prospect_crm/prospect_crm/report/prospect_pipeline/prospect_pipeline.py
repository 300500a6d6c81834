# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""One line per prospect: open leads and opportunities, pipeline and weighted amounts, expected closing
range, last and next activity, status and parent company; optionally one line per group of companies, and a
count of prospects by status. The numbers are prospect_crm.numbers's. A fixed number of queries whatever the number of prospects."""

import frappe
from frappe import _
from frappe.utils import getdate

from prospect_crm import status
from prospect_crm.numbers import pipeline

# From this many prospects the report is a prepared report (Frappe runs it in the background and keeps each
# result per filters), as Frappe itself makes any report that once ran over 15 s: nobody waits on it.
PREPARED_FROM = 20000
SWITCHED = "prospect_crm_pipeline_prepared"


def prepare_when_large() -> bool:
	"""Scheduler (daily) and migrate: make the report a prepared report once the site holds PREPARED_FROM
	prospects. Once only: an administrator who turns it off again (Report settings) keeps it off. Returns
	whether it switched."""
	if frappe.db.get_default(SWITCHED) or frappe.db.count("Prospect") < PREPARED_FROM:
		return False
	frappe.db.set_value("Report", "Prospect Pipeline", "prepared_report", 1)
	frappe.db.set_default(SWITCHED, 1)
	return True


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if filters.from_date and filters.to_date and getdate(filters.from_date) > getdate(filters.to_date):
		frappe.throw(_("Expected Closing From must be before Expected Closing To."))
	columns = get_columns()
	data = get_data(filters)
	summary = get_status_summary(data)
	if filters.group_by_parent:
		data = group_by_parent(data)
	return columns, data, None, get_chart(data), summary


def get_columns():
	return [
		{
			"label": _("Prospect"),
			"fieldname": "prospect",
			"fieldtype": "Link",
			"options": "Prospect",
			"width": 200,
		},
		{"label": _("Status"), "fieldname": "status", "fieldtype": "Data", "width": 100},
		{
			"label": _("Parent Company"),
			"fieldname": "parent_prospect",
			"fieldtype": "Link",
			"options": "Prospect",
			"width": 160,
		},
		{
			"label": _("Territory"),
			"fieldname": "territory",
			"fieldtype": "Link",
			"options": "Territory",
			"width": 120,
		},
		{
			"label": _("Industry"),
			"fieldname": "industry",
			"fieldtype": "Link",
			"options": "Industry Type",
			"width": 120,
		},
		# The owner by full name, as the form and the list show it (the filter takes the user).
		{"label": _("Prospect Owner"), "fieldname": "prospect_owner_name", "fieldtype": "Data", "width": 140},
		{"label": _("Open Leads"), "fieldname": "open_leads", "fieldtype": "Int", "width": 100},
		{
			"label": _("Open Opportunities"),
			"fieldname": "open_opportunities",
			"fieldtype": "Int",
			"width": 130,
		},
		{
			"label": _("Pipeline Amount"),
			"fieldname": "pipeline_amount",
			"fieldtype": "Currency",
			"width": 140,
		},
		{
			"label": _("Weighted Amount"),
			"fieldname": "weighted_amount",
			"fieldtype": "Currency",
			"width": 140,
		},
		{"label": _("Expected Closing From"), "fieldname": "closing_from", "fieldtype": "Date", "width": 120},
		{"label": _("Expected Closing To"), "fieldname": "closing_to", "fieldtype": "Date", "width": 120},
		{"label": _("Last Activity"), "fieldname": "last_activity", "fieldtype": "Datetime", "width": 160},
		{"label": _("Next Activity"), "fieldname": "next_activity", "fieldtype": "Date", "width": 120},
	]


def get_data(filters):
	prospect_filters = {
		key: filters[key]
		for key in ("company", "territory", "industry", "prospect_owner", "status", "parent_prospect")
		if filters.get(key)
	}
	prospects = frappe.get_list(
		"Prospect",
		filters=prospect_filters,
		fields=[
			"name",
			"territory",
			"industry",
			"prospect_owner",
			"prospect_owner_name",
			"status",
			"parent_prospect",
			"last_activity_on",
			"next_activity_on",
		],
		order_by="name asc",
		limit=0,
	)
	if not prospects:
		return []
	names = [p.name for p in prospects]

	numbers = pipeline(names, filters.from_date, filters.to_date)
	data = []
	for prospect in prospects:
		opp = numbers[prospect.name]
		if (filters.from_date or filters.to_date) and not opp.open_opportunities:
			continue
		data.append(
			{
				"prospect": prospect.name,
				"status": prospect.status,
				"status_label": _(prospect.status or "Open"),
				"parent_prospect": prospect.parent_prospect,
				"territory": prospect.territory,
				"industry": prospect.industry,
				"prospect_owner": prospect.prospect_owner,
				"prospect_owner_name": prospect.prospect_owner_name or prospect.prospect_owner,
				"open_leads": opp.open_leads,
				"open_opportunities": opp.open_opportunities,
				"pipeline_amount": opp.pipeline_amount,
				"weighted_amount": opp.weighted_amount,
				"closing_from": opp.closing_from,
				"closing_to": opp.closing_to,
				# The prospect's own fields, as the form and the list show them (prospect_crm.follow_up).
				"last_activity": prospect.last_activity_on,
				"next_activity": prospect.next_activity_on,
			}
		)
	return data


def get_status_summary(data):
	"""How many prospects of the report are in each status."""
	counts = dict.fromkeys(status.STATUSES, 0)
	for row in data:
		counts[row.get("status") or status.OPEN] = counts.get(row.get("status") or status.OPEN, 0) + 1
	indicators = {status.OPEN: "Blue", status.ENGAGED: "Green", status.CONVERTED: "Blue"}
	indicators.update({status.LOST: "Red", status.DORMANT: "Grey"})
	return [
		{"value": count, "label": _(name), "datatype": "Int", "indicator": indicators[name]}
		for name, count in counts.items()
	]


def group_by_parent(data):
	"""One line per group: the top parent company, with the sums of all its subsidiaries in the report."""
	parents = status.parent_map()
	groups = {}
	for row in data:
		top = ([row["prospect"], *status.ancestors(row["prospect"], parents)])[-1]
		group = groups.get(top)
		if group is None:
			groups[top] = group = {**row, "prospect": top, "parent_prospect": None, "companies": 0}
			for key in ("open_leads", "open_opportunities", "pipeline_amount", "weighted_amount"):
				group[key] = 0
		group["companies"] += 1
		for key in ("open_leads", "open_opportunities", "pipeline_amount", "weighted_amount"):
			group[key] += row[key]
		for key, pick in (("closing_from", min), ("closing_to", max), ("last_activity", max)):
			values = [value for value in (group.get(key), row.get(key)) if value]
			group[key] = pick(values) if values else None
		values = [value for value in (group.get("next_activity"), row.get("next_activity")) if value]
		group["next_activity"] = min(values) if values else None
		if row["prospect"] == top:
			group.update(
				{
					key: row[key]
					for key in ("status", "territory", "industry", "prospect_owner", "prospect_owner_name")
				}
			)
	return sorted(groups.values(), key=lambda group: group["prospect"])


def get_chart(data):
	top = sorted(data, key=lambda row: row["pipeline_amount"], reverse=True)[:10]
	if not top:
		return None
	return {
		"data": {
			"labels": [row["prospect"] for row in top],
			"datasets": [
				{"name": _("Pipeline Amount"), "values": [row["pipeline_amount"] for row in top]},
				{"name": _("Weighted Amount"), "values": [row["weighted_amount"] for row in top]},
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
	}
