// Copyright (c) 2026, prospect_crm contributors
// License: MIT. See license.txt

// The form only renders: the data comes from the controller's onload (addresses, contacts) and from
// prospect_crm.activities (tasks, events, emails); rows of Leads and Opportunities are written by the
// server when a Lead or an Opportunity is saved.

// The notes and activities renderers live in their own files; Frappe inlines them into this form script.
{% include "prospect_crm/public/js/prospect_notes.js" %}
{% include "prospect_crm/public/js/prospect_activities.js" %}

frappe.provide("prospect_crm");

frappe.ui.form.on("Prospect", {
	setup(frm) {
		frm.set_query("lead", "leads", () => ({
			filters: { prospect: ["in", ["", frm.doc.name]] },
		}));
	},

	set_new_doc_defaults(frm) {
		// "Create a new Lead" / "Create a new Opportunity" from a cell open a document already linked here.
		frm.get_docfield("leads", "lead").get_route_options_for_new_doc = () => ({
			prospect: frm.doc.name,
			company_name: frm.doc.company_name,
			company: frm.doc.company,
			territory: frm.doc.territory,
			industry: frm.doc.industry,
			lead_owner: frm.doc.prospect_owner,
		});
		frm.get_docfield("opportunities", "opportunity").get_route_options_for_new_doc = () => ({
			opportunity_from: "Prospect",
			party_name: frm.doc.name,
			customer_name: frm.doc.company_name,
			company: frm.doc.company,
			opportunity_owner: frm.doc.prospect_owner,
			currency: frm.doc.currency,
		});
	},

	refresh(frm) {
		frm.trigger("set_new_doc_defaults");
		if (!frm.is_new()) {
			frappe.dynamic_link = { doc: frm.doc, fieldname: "name", doctype: "Prospect" };
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
			if (frappe.model.can_create("Quotation")) {
				frm.add_custom_button(
					__("Quotation"),
					() => frappe.model.open_mapped_doc({ method: "prospect_crm.api.make_quotation", frm }),
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
		prospect_crm.render_notes(frm, $(frm.fields_dict.notes_html.wrapper));
	},

	show_activities(frm) {
		if (frm.is_new()) return;
		prospect_crm.render_activities(frm);
	},
});

// "Create a new Opportunity" from an Opportunities cell opens a new opportunity whose party is this prospect
// (the route options above). Frappe then sets the new document's Link fields again to run their triggers,
// and ERPNext's "Opportunity From" trigger empties the party whenever that field is set, even to the value
// it already had. Such an opportunity keeps its prospect: the party is noted before the document loads
// (before_load runs before the link triggers are even scheduled) and put back when the party is first
// emptied while "Opportunity From" is still "Prospect". Neither handler depends on running before or after
// ERPNext's, so registering them here is enough: this form is the way to such a new opportunity.
if (!prospect_crm.keeps_new_opportunity_party) {
	prospect_crm.keeps_new_opportunity_party = true;
	frappe.ui.form.on("Opportunity", {
		before_load(frm) {
			const doc = frm.doc;
			if (
				frm.is_new() &&
				doc.__run_link_triggers &&
				doc.opportunity_from === "Prospect" &&
				doc.party_name
			) {
				frm.__prospect_party = { docname: doc.name, party_name: doc.party_name };
			}
		},
		party_name(frm) {
			const kept = frm.__prospect_party;
			if (!kept || kept.docname !== frm.doc.name) return;
			delete frm.__prospect_party;
			if (!frm.doc.party_name && frm.doc.opportunity_from === "Prospect") {
				return frm.set_value("party_name", kept.party_name);
			}
		},
	});
}

// A lead or opportunity created from a cell is already in this prospect on the server (its save wrote
// the row): reload to show that row instead of keeping an unsaved copy of it.
function reload_if_written_by_server(frm, doctype, name, fields, is_ours) {
	if (!name || frm.is_new() || name.startsWith("new-")) return;
	frappe.db.get_value(doctype, name, fields).then((r) => {
		if (r.message && is_ours(r.message)) frm.reload_doc();
	});
}

frappe.ui.form.on("Prospect Lead", {
	lead(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		reload_if_written_by_server(frm, "Lead", row.lead, ["prospect"], (lead) => lead.prospect === frm.doc.name);
	},
});

frappe.ui.form.on("Prospect Opportunity", {
	opportunity(frm, cdt, cdn) {
		const row = locals[cdt][cdn];
		reload_if_written_by_server(
			frm,
			"Opportunity",
			row.opportunity,
			["opportunity_from", "party_name"],
			(opp) => opp.opportunity_from === "Prospect" && opp.party_name === frm.doc.name
		);
	},
});
