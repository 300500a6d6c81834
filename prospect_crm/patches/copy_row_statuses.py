from prospect_crm.backfill import copy_row_statuses


def execute():
	copy_row_statuses()
