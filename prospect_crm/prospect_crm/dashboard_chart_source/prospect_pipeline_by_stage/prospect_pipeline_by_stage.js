// Copyright (c) 2026, prospect_crm contributors
// License: GNU General Public License v3. See license.txt

frappe.provide("frappe.dashboards");
frappe.dashboards.chart_sources = frappe.dashboards.chart_sources || {};

frappe.dashboards.chart_sources["Prospect Pipeline by Stage"] = {
	method: "prospect_crm.prospect_crm.dashboard_chart_source.prospect_pipeline_by_stage.prospect_pipeline_by_stage.get",
	filters: [],
};
