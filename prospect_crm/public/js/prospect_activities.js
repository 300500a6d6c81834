// Copyright (c) 2026, prospect_crm contributors
// License: GNU General Public License v3. See license.txt

frappe.provide("prospect_crm");

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
			const block = $(prospect_crm.with_long_dates(() => frappe.render_template("crm_activities", r.message)));
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

// ERPNext's template writes dates with frappe.datetime.global_date_format, which Frappe keeps in English
// ("3rd December 2026") whatever the user's language: while it renders, dates follow the user's language.
prospect_crm.long_date = function (value, fallback) {
	if (!value) return "";
	let date = frappe.datetime.str_to_obj(value);
	if (!date || isNaN(date)) date = frappe.datetime.user_to_obj(value);
	if (!date || isNaN(date)) return fallback(value);
	const options = { day: "numeric", month: "long", year: "numeric" };
	if (/[0-9]:[0-9]/.test(String(value))) Object.assign(options, { hour: "2-digit", minute: "2-digit" });
	return new Intl.DateTimeFormat(frappe.boot.lang || "en", options).format(date);
};

prospect_crm.with_long_dates = function (render) {
	const global_date_format = frappe.datetime.global_date_format;
	frappe.datetime.global_date_format = (value) => prospect_crm.long_date(value, global_date_format);
	try {
		return render();
	} finally {
		frappe.datetime.global_date_format = global_date_format;
	}
};
