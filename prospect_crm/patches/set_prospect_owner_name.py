from prospect_crm.desk import fill_owner_names


def execute():
	fill_owner_names()
