# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""How many prospects the user may read are in each status of the lifecycle (translated), every status
shown, zero included."""

from frappe import _

from prospect_crm import numbers
from prospect_crm.charts import chart_source


def by_status() -> dict:
	counts = numbers.prospects_by_status(numbers.readable())
	return {
		"labels": [_(status) for status in counts],
		"datasets": [{"name": _("Prospects"), "values": list(counts.values())}],
	}


get = chart_source(by_status)
