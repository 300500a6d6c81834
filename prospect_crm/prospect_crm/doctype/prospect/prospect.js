// Copyright (c) 2026, prospect_crm contributors
// License: MIT. See license.txt

frappe.ui.form.on("Prospect", {
	refresh(frm) {
		if (!frm.is_new()) {
			if (frappe.model.can_create("Customer")) {
				frm.add_custom_button(
					__("Customer"),
					() => frappe.model.open_mapped_doc({ method: "prospect_crm.api.make_customer", frm }),
					__("Create")
				);
			}
			if (frappe.model.can_create("Opportunity")) {
				frm.add_custom_button(
					__("Opportunity"),
					() => frappe.model.open_mapped_doc({ method: "prospect_crm.api.make_opportunity", frm }),
					__("Create")
				);
			}
			frappe.contacts.render_address_and_contact(frm);
		} else {
			frappe.contacts.clear_address_and_contact(frm);
		}
		frm.trigger("show_notes");
		frm.trigger("show_activities");
	},

	show_notes(frm) {
		if (frm.is_new()) return;
		new erpnext.utils.CRMNotes({
			frm,
			notes_wrapper: $(frm.fields_dict.notes_html.wrapper),
		}).refresh();
	},

	show_activities(frm) {
		if (frm.is_new()) return;
		new erpnext.utils.CRMActivities({
			frm,
			open_activities_wrapper: $(frm.fields_dict.open_activities_html.wrapper),
			all_activities_wrapper: $(frm.fields_dict.all_activities_html.wrapper),
			form_wrapper: $(frm.wrapper),
		}).refresh();
	},
});
