# Copyright (c) 2026, prospect_crm contributors
# License: GNU General Public License v3. See license.txt
"""Open and weighted pipeline per sales stage (translated), over the prospects the user may read: the rows
prospect_crm.numbers counts, whether the opportunity was made for the prospect or for one of its leads."""

from frappe import _

from prospect_crm import numbers
from prospect_crm.charts import pipeline_chart


def by_stage() -> tuple[list[str], list[tuple]]:
	rows = numbers.pipeline_by_stage(numbers.readable())
	return [_(stage) if stage else _("No stage") for stage, _open, _weighted in rows], rows


get = pipeline_chart(by_stage)
