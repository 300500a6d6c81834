// Copyright (c) 2026, prospect_crm contributors
// License: GNU General Public License v3. See license.txt

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
		{
			fieldname: "status",
			label: __("Status"),
			fieldtype: "Select",
			options: ["", "Open", "Engaged", "Converted", "Lost", "Dormant"].map((value) => ({
				value,
				label: __(value),
			})),
		},
		{ fieldname: "parent_prospect", label: __("Parent Company"), fieldtype: "Link", options: "Prospect" },
		{ fieldname: "group_by_parent", label: __("Group by Parent Company"), fieldtype: "Check" },
	],
	formatter(value, row, column, data, default_formatter) {
		if (column.fieldname === "status" && data && data.status) {
			return default_formatter(__(data.status), row, column, data);
		}
		return default_formatter(value, row, column, data);
	},
};
