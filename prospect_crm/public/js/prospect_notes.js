// Copyright (c) 2026, prospect_crm contributors
// License: GNU General Public License v3. See license.txt

frappe.provide("prospect_crm");

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
			// @mentions notify the users who may read the prospect (prospect_crm.mentions)
			fields: [
				{ label: __("Note"), fieldname: "note", fieldtype: "Text Editor", reqd: 1, enable_mentions: true },
			],
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
