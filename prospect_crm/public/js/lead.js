// Copyright (c) 2026, prospect_crm contributors
// License: GNU General Public License v3. See license.txt

// "Create > Opportunity" on a Lead: ERPNext always pushes the user through creating a prospect. Here the
// "Prospect CRM Settings" decide whether to offer it (the server's decision arrives with the lead); the
// opportunity is created either way. "Action > Add to Prospect" goes through prospect_crm's
// permission-checked method.

frappe.provide("prospect_crm");

prospect_crm.lead_make_opportunity = function (frm) {
	// Decided by the server from the Prospect CRM Settings when the lead was loaded (Lead.onload).
	const ask_for_prospect = !!(frm.doc.__onload || {}).ask_for_prospect;
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

prospect_crm.lead_add_to_prospect = function (frm) {
	frappe.prompt(
		[{ label: __("Prospect"), fieldname: "prospect", fieldtype: "Link", options: "Prospect", reqd: 1 }],
		({ prospect }) =>
			frappe
				.call({
					method: "prospect_crm.api.add_lead_to_prospect",
					args: { lead: frm.doc.name, prospect },
					freeze: true,
					freeze_message: __("Adding Lead to Prospect..."),
				})
				.then(() => frm.reload_doc()),
		__("Add Lead to Prospect"),
		__("Add")
	);
};

frappe.ui.form.on("Lead", {
	setup(frm) {
		// ERPNext's Lead controller reaches these two actions through its own methods: `frm.make_methods`
		// (the "+" of the connections), the "Create > Opportunity" and "Action > Add to Prospect" buttons, and
		// `frm.trigger("make_opportunity")`, which calls `frm.cscript.make_opportunity` too. Depending on the
		// ERPNext release it binds them, passes them unbound (losing `this`) or triggers them. Own properties
		// of frm.cscript, set here before the controller's setup and refresh run (Frappe runs these handlers
		// first), replace the methods on every one of those paths, and need no `this`.
		frm.cscript.make_opportunity = () => prospect_crm.lead_make_opportunity(frm);
		frm.cscript.add_lead_to_prospect = () => prospect_crm.lead_add_to_prospect(frm);
	},
});

// ERPNext releases that trigger "make_opportunity" register their dialog as a handler of that event: drop it
// (this file loads after ERPNext's lead.js). The trigger then runs frm.cscript.make_opportunity, ours, once.
frappe.ui.form.handlers["Lead"]["make_opportunity"] = [];
