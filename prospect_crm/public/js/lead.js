// Copyright (c) 2026, prospect_crm contributors
// License: MIT. See license.txt

// "Create > Opportunity" on a Lead: ERPNext always pushes the user through creating a prospect. Here the
// "Prospect CRM Settings" decide whether to offer it (always, only when the lead has a company name, or
// never); the opportunity is created either way.

frappe.provide("prospect_crm");

prospect_crm.lead_make_opportunity = async function (frm) {
	const setting =
		(await frappe.db.get_single_value("Prospect CRM Settings", "ask_for_prospect")) ||
		"Only when the lead has a company name";
	const ask_for_prospect =
		!frm.doc.prospect &&
		(setting === "Always" ||
			(setting === "Only when the lead has a company name" && !!(frm.doc.company_name || "").trim()));
	const open_opportunity = () =>
		frappe.model.open_mapped_doc({ method: "erpnext.crm.doctype.lead.lead.make_opportunity", frm });

	if (!ask_for_prospect) {
		open_opportunity();
		return;
	}
	const dialog = new frappe.ui.Dialog({
		title: __("Create Opportunity"),
		fields: [
			{ label: __("Create Prospect"), fieldname: "create_prospect", fieldtype: "Check", default: 1 },
			{
				label: __("Prospect Name"),
				fieldname: "prospect_name",
				fieldtype: "Data",
				default: frm.doc.company_name,
				depends_on: "create_prospect",
				mandatory_depends_on: "create_prospect",
			},
		],
		primary_action_label: __("Create"),
		primary_action(values) {
			dialog.hide();
			if (!values.create_prospect) {
				open_opportunity();
				return;
			}
			frappe
				.call({
					method: "prospect_crm.api.create_prospect_from_lead",
					args: { lead: frm.doc.name, company_name: values.prospect_name },
					freeze: true,
				})
				.then(() => frm.reload_doc())
				.then(open_opportunity);
		},
	});
	dialog.show();
};

// Replace ERPNext's handler rather than adding a second one (this file loads after ERPNext's lead.js).
frappe.ui.form.handlers["Lead"] = frappe.ui.form.handlers["Lead"] || {};
frappe.ui.form.handlers["Lead"]["make_opportunity"] = [prospect_crm.lead_make_opportunity];
