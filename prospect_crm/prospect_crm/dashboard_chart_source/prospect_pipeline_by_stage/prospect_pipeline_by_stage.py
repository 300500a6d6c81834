# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""Open and weighted pipeline per sales stage (translated), over the prospects the user may read: the rows
prospect_crm.numbers counts, whether the opportunity was made for the prospect or for one of its leads."""

import frappe
from frappe import _

from prospect_crm import numbers
from prospect_crm.prospect_crm.dashboard_chart_source.prospect_pipeline_by_owner.prospect_pipeline_by_owner import (
	bar_chart,
)


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
	rows = numbers.pipeline_by_stage(numbers.readable())
	return bar_chart([_(stage) if stage else _("No stage") for stage, _open, _weighted in rows], rows)
