// Copyright (c) 2026, prospect_crm contributors
// License: GNU General Public License v3. See license.txt

frappe.provide("prospect_crm");

// "Merge into...": choose the prospect to keep, see what moves and what conflicts, then merge. The merge is
// Frappe's rename onto an existing name (prospect_crm.merge), in one transaction on the server.
prospect_crm.merge_into = function (frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Merge {0} into...", [frm.doc.name]),
		fields: [
			{
				label: __("Prospect to keep"),
				fieldname: "target",
				fieldtype: "Link",
				options: "Prospect",
				reqd: 1,
				get_query: () => ({ filters: { name: ["!=", frm.doc.name] } }),
				onchange: () => show_preview(),
			},
			{ fieldname: "preview", fieldtype: "HTML" },
		],
		primary_action_label: __("Merge"),
		primary_action({ target }) {
			frappe.confirm(
				__("Merge {0} into {1}? {0} will be deleted once everything has moved.", [
					frappe.utils.escape_html(frm.doc.name),
					frappe.utils.escape_html(target),
				]),
				() =>
					frappe
						.call({
							method: "prospect_crm.api.merge_prospects",
							args: { source: frm.doc.name, target },
							freeze: true,
							freeze_message: __("Merging..."),
						})
						.then((r) => {
							dialog.hide();
							frappe.show_alert({ message: __("Merged into {0}", [r.message]), indicator: "green" });
							frappe.set_route("Form", "Prospect", r.message);
						})
			);
		},
	});
	const preview = dialog.fields_dict.preview.$wrapper;
	const show_preview = () => {
		const target = dialog.get_value("target");
		preview.empty();
		if (!target) return;
		frappe
			.call({ method: "prospect_crm.api.merge_preview", args: { source: frm.doc.name, target } })
			.then(({ message: p }) => {
				if (dialog.get_value("target") !== target) return;
				const esc = frappe.utils.escape_html;
				const rows = (items, cells) =>
					items.map((item) => `<tr>${cells(item).map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`);
				preview.html(`
					<div class="pcrm-merge-preview">
						<h6>${__("What moves to {0}", [esc(target)])}</h6>
						${
							p.moves.length
								? `<table class="table table-sm">${rows(p.moves, (m) => [m.label, m.count]).join("")}</table>`
								: `<p class="text-muted">${__("Nothing else to move.")}</p>`
						}
						${
							p.filled.length
								? `<h6>${__("Filled in on {0}", [esc(target)])}</h6>
								<table class="table table-sm">${rows(p.filled, (f) => [f.label, f.value]).join("")}</table>`
								: ""
						}
						${
							p.conflicts.length
								? `<h6>${__("Conflicts (the kept prospect's value stays)")}</h6>
								<table class="table table-sm pcrm-merge-conflicts">
									<tr><th>${__("Field")}</th><th>${__("Kept")}</th><th>${__("Dropped")}</th></tr>
									${rows(p.conflicts, (c) => [c.label, c.kept, c.dropped]).join("")}
								</table>`
								: ""
						}
					</div>`);
			});
	};
	dialog.show();
};
