// Copyright (c) 2026, prospect_crm contributors
// License: MIT. See license.txt

// The form only renders: the data comes from the controller's onload (addresses, contacts) and from
// prospect_crm.activities (tasks, events, emails); rows of Leads and Opportunities are written by the
// server when a Lead or an Opportunity is saved.

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

// Notes: newest first, each with its author and time; adding, editing and deleting go through the
// controller's permission-checked methods, which save the prospect (so the HTML is sanitized).
prospect_crm.render_notes = function (frm, wrapper) {
	const can_write = frm.perm[0] && frm.perm[0].write;
	const notes = (frm.doc.notes || [])
		.slice()
		.sort((a, b) => (b.added_on || "").localeCompare(a.added_on || ""));
	wrapper.html(`
		<div class="prospect-notes">
			${can_write ? `<div class="text-right mb-3"><button class="btn btn-sm btn-default pcrm-new-note">
				${frappe.utils.icon("add", "sm")} ${__("New Note")}</button></div>` : ""}
			${notes.length ? "" : `<div class="text-muted">${__("No notes yet.")}</div>`}
			${notes
				.map(
					(note) => `
				<div class="pcrm-note border rounded p-3 mb-3" data-name="${note.name}">
					<div class="d-flex justify-content-between text-muted small mb-2">
						<span class="pcrm-note-author">${frappe.utils.escape_html(
							note.added_by ? frappe.user_info(note.added_by).fullname : ""
						)} · ${note.added_on ? comment_when(note.added_on) : ""}</span>
						${
							can_write
								? `<span><a class="pcrm-edit-note mr-3">${__("Edit")}</a>
								<a class="pcrm-delete-note text-danger">${__("Delete")}</a></span>`
								: ""
						}
					</div>
					<div class="pcrm-note-content ql-editor read-mode">${note.note || ""}</div>
				</div>`
				)
				.join("")}
		</div>`);

	const note_dialog = (title, value, action) => {
		const dialog = new frappe.ui.Dialog({
			title,
			fields: [{ label: __("Note"), fieldname: "note", fieldtype: "Text Editor", reqd: 1 }],
			primary_action_label: __("Save"),
			primary_action: ({ note }) => {
				dialog.hide();
				action(note).then(() => frm.reload_doc());
			},
		});
		dialog.show();
		if (value) dialog.set_value("note", value);
	};

	wrapper.find(".pcrm-new-note").on("click", () =>
		note_dialog(__("Add a Note"), "", (note) => frm.call("add_note", { note }))
	);
	wrapper.find(".pcrm-edit-note").on("click", function () {
		const name = $(this).closest(".pcrm-note").attr("data-name");
		const row = (frm.doc.notes || []).find((n) => String(n.name) === name);
		note_dialog(__("Edit Note"), row && row.note, (note) => frm.call("edit_note", { note, row_id: name }));
	});
	wrapper.find(".pcrm-delete-note").on("click", function () {
		const name = $(this).closest(".pcrm-note").attr("data-name");
		frappe.confirm(__("Delete this note?"), () =>
			frm.call("delete_note", { row_id: name }).then(() => frm.reload_doc())
		);
	});
};

// Open tasks and events, and the form's timeline moved into the Activities tab, as ERPNext's CRMActivities
// shows them on a Lead. ERPNext's version empties the block when a refresh starts and appends to it when the
// server answers, so two refreshes in a row (the first save of a prospect refreshes the form twice) showed
// the block twice; its buttons were bound through page-wide selectors. Here only the latest answer renders,
// into an emptied block, and every binding stays inside this form.
prospect_crm.render_activities = function (frm) {
	const open_wrapper = $(frm.fields_dict.open_activities_html.wrapper);
	const all_wrapper = $(frm.fields_dict.all_activities_html.wrapper);
	if (!all_wrapper.find(".form-footer").length) {
		all_wrapper.empty();
		$(frm.wrapper).find(".form-footer").appendTo(all_wrapper);
		// as ERPNext does: no absolute position for the action buttons, no "New Event" nor comment box in the
		// timeline (the block above has its own buttons), communications shown first
		all_wrapper.removeClass("frappe-control");
		all_wrapper.find(".timeline-actions .btn-default").hide();
		all_wrapper.find(".comment-box").hide();
		all_wrapper.find(".timeline-content .nav-link").first().tab("show");
	}

	const render_id = (frm.__activities_render_id = (frm.__activities_render_id || 0) + 1);
	const docname = frm.doc.name;
	frappe
		.call({
			method: "erpnext.crm.utils.get_open_activities",
			args: { ref_doctype: frm.doctype, ref_docname: docname },
		})
		.then((r) => {
			if (render_id !== frm.__activities_render_id || frm.doc.name !== docname) return;
			// the whole answer: open tasks and events, and the history that later ERPNext templates show
			const block = $(frappe.render_template("crm_activities", r.message));
			open_wrapper.empty().append(block);
			block.find(".open-tasks .completion-checkbox").on("click", function () {
				close_activity(this, "ToDo");
			});
			block.find(".open-events .completion-checkbox").on("click", function () {
				close_activity(this, "Event");
			});
			block.find(".new-task-btn").on("click", () => new_interaction(__("New Task"), "ToDo"));
			block.find(".new-event-btn").on("click", () => new_interaction(__("New Event"), "Event"));
		});

	const close_activity = (checkbox, doctype) => {
		if (!$(checkbox).prop("checked")) return;
		frappe.db
			.set_value(doctype, $(checkbox).attr("name"), "status", "Closed")
			.then(() => prospect_crm.render_activities(frm));
	};
	const new_interaction = (title, interaction_type) => {
		const composer = new frappe.views.InteractionComposer({ doc: frm.doc, frm, title });
		const type_field = composer.dialog.get_field("interaction_type");
		type_field.set_value(interaction_type);
		if (interaction_type === "ToDo") {
			$(type_field.wrapper).closest(".form-column").hide();
			$(composer.dialog.get_field("summary").wrapper).closest(".form-section").hide();
		} else {
			$(type_field.wrapper).hide();
		}
	};
};
