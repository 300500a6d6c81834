// Copyright (c) 2026, prospect_crm contributors
// License: MIT. See license.txt

frappe.query_reports["Prospect Pipeline"] = {
	filters: [
		{
			fieldname: "company",
			label: __("Company"),
			fieldtype: "Link",
			options: "Company",
			default: frappe.defaults.get_user_default("Company"),
		},
		{ fieldname: "territory", label: __("Territory"), fieldtype: "Link", options: "Territory" },
		{ fieldname: "industry", label: __("Industry"), fieldtype: "Link", options: "Industry Type" },
		{ fieldname: "prospect_owner", label: __("Prospect Owner"), fieldtype: "Link", options: "User" },
		{ fieldname: "from_date", label: __("Expected Closing From"), fieldtype: "Date" },
		{ fieldname: "to_date", label: __("Expected Closing To"), fieldtype: "Date" },
	],
};
