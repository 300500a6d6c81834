# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""The workspace's charts: custom chart sources with Frappe's signature, over the prospects the user may
read (not cached: each user sees their own)."""

from collections.abc import Callable

import frappe
from frappe import _
from frappe.utils import flt


def chart_source(draw: Callable[[], dict]):
	"""A whitelisted, read-only custom chart source (Frappe's signature; the replica when the site has one)
	answering `draw()`: {"labels": [...], "datasets": [{"name": ..., "values": [...]}, ...]}."""

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
		return draw()

	return get


def pipeline_chart(labelled_rows: Callable[[], tuple[list[str], list[tuple]]]):
	"""A chart source of `labelled_rows()`: the labels and the (key, open pipeline, weighted pipeline) rows
	they name, as two bar datasets."""

	def draw() -> dict:
		labels, rows = labelled_rows()
		return {
			"labels": labels,
			"datasets": [
				{"name": _("Open Pipeline"), "values": [flt(row[1]) for row in rows]},
				{"name": _("Weighted Pipeline"), "values": [flt(row[2]) for row in rows]},
			],
		}

	return chart_source(draw)
