// A prospect's lifecycle status on the desk: the "Mark as Lost" dialog (reasons from ERPNext's
// Opportunity Lost Reason, and a detail), "Reopen", and the kanban board, where a drag to Lost opens the
// dialog instead of the server's refusal. Included by prospect.js (form) and prospect_list.js (list, kanban).

frappe.provide("prospect_crm.status");

prospect_crm.status.mark_as_lost_dialog = function (prospect, on_done) {
	const dialog = new frappe.ui.Dialog({
		title: __("Mark as Lost"),
		fields: [
			{
				fieldtype: "Table MultiSelect",
				label: __("Lost Reasons"),
				fieldname: "lost_reasons",
				options: "Opportunity Lost Reason Detail",
				reqd: 1,
			},
			{ fieldtype: "Small Text", label: __("Lost Detail"), fieldname: "lost_detail" },
		],
		primary_action_label: __("Mark as Lost"),
		primary_action(values) {
			frappe
				.call({
					method: "run_doc_method",
					args: {
						dt: "Prospect",
						dn: prospect,
						method: "mark_as_lost",
						args: {
							lost_reasons: (values.lost_reasons || []).map((row) => row.lost_reason),
							lost_detail: values.lost_detail || null,
						},
					},
					freeze: true,
				})
				.then(() => {
					dialog.hide();
					on_done && on_done();
				});
		},
	});
	dialog.show();
	return dialog;
};

// Included by both the form and the list scripts: the form handler is registered once.
if (!prospect_crm.status.form_handler_installed) {
	prospect_crm.status.form_handler_installed = true;
	frappe.ui.form.on("Prospect", {
		refresh(frm) {
			if (frm.is_new() || !frm.has_perm("write")) {
				return;
			}
			if (frm.doc.status === "Lost") {
				frm.add_custom_button(__("Reopen"), () => frm.call("reopen").then(() => frm.reload_doc()));
			} else {
				frm.add_custom_button(__("Mark as Lost"), () =>
					prospect_crm.status.mark_as_lost_dialog(frm.doc.name, () => frm.reload_doc())
				);
			}
		},
	});
}

// Frappe's kanban moves a card with update_order_for_single_card, which saves the prospect: the server
// refuses Lost without reasons. On a prospect board, a drag to Lost asks for the reasons instead (the card
// goes back until they are given, then the board reloads).
(function () {
	const KANBAN_MOVE = "frappe.desk.doctype.kanban_board.kanban_board.update_order_for_single_card";
	if (prospect_crm.status.kanban_guard_installed) {
		return;
	}
	prospect_crm.status.kanban_guard_installed = true;
	const original_call = frappe.call;
	frappe.call = function (opts, ...rest) {
		const on_prospect_board = window.cur_list && cur_list.doctype === "Prospect";
		if (
			on_prospect_board &&
			opts &&
			typeof opts === "object" &&
			opts.method === KANBAN_MOVE &&
			opts.args &&
			opts.args.to_colname === "Lost" &&
			opts.args.from_colname !== "Lost"
		) {
			const refused = $.Deferred();
			setTimeout(() => refused.reject(), 0);
			prospect_crm.status.mark_as_lost_dialog(opts.args.docname, () => cur_list.refresh());
			return refused.promise();
		}
		return original_call.call(this, opts, ...rest);
	};
})();
