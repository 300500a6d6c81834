# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""Open and weighted pipeline per prospect owner (full names), over the prospects the user may read. Not
cached: each user sees the prospects they may read."""

import frappe
from frappe import _
from frappe.utils import flt

from prospect_crm import numbers


@frappe.whitelist()
@frappe.read_only()
def get(
	chart_name=None,
	chart=None,
	no_cache=None,
	filters=None,
	from_date=None,
	to_date=None,
	timespan=None,
	time_interval=None,
	heatmap_year=None,
) -> dict:
	rows = numbers.pipeline_by_owner(numbers.readable())
	names = numbers.full_names([owner for owner, _open, _weighted in rows])
	return bar_chart([names[owner] if owner else _("No owner") for owner, _open, _weighted in rows], rows)


def bar_chart(labels: list[str], rows: list[tuple]) -> dict:
	"""A bar chart of (label, open pipeline, weighted pipeline) rows."""
	return {
		"labels": labels,
		"datasets": [
			{"name": _("Open Pipeline"), "values": [flt(row[1]) for row in rows]},
			{"name": _("Weighted Pipeline"), "values": [flt(row[2]) for row in rows]},
		],
	}
