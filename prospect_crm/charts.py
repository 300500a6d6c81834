# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""The workspace's pipeline charts: a custom chart source with Frappe's signature, drawing (label, open
pipeline, weighted pipeline) rows as two bar datasets. Not cached: each user sees the prospects they may
read."""

from collections.abc import Callable

import frappe
from frappe import _
from frappe.utils import flt


def pipeline_chart(labelled_rows: Callable[[], tuple[list[str], list[tuple]]]):
	"""A whitelisted, read-only chart source (replica when the site has one) for `labelled_rows()`, which
	returns the labels and the (key, open pipeline, weighted pipeline) rows they name."""

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
		labels, rows = labelled_rows()
		return {
			"labels": labels,
			"datasets": [
				{"name": _("Open Pipeline"), "values": [flt(row[1]) for row in rows]},
				{"name": _("Weighted Pipeline"), "values": [flt(row[2]) for row in rows]},
			],
		}

	return get
