import { api } from "./api.js";
import { h, field, show, errorBox, when, statusText, table } from "./dom.js";

export async function alertsView() {
  const reply = await api("GET", "/alerts");
  const alerts = Array.isArray(reply.data) ? reply.data : [];
  const rows = alerts.map((alert) => [
    h("a", { href: `#/alerts/${encodeURIComponent(alert.id)}` }, alert.name), alert.channel, h("code", {}, alert.target),
    alert.jobId ? h("a", { href: `#/jobs/${encodeURIComponent(alert.jobId)}` }, "one job") : "all jobs",
    `${alert.consecutiveFailuresThreshold} failure(s)`, alert.enabled ? "on" : "off",
  ]);
  show(h("h1", {}, "Alerts"),
    h("div", { class: "actions" }, h("a", { href: "#/alerts/new", class: "button primary" }, "New alert")),
    table(["Name", "Channel", "Target", "For", "After", "Enabled"], rows, [2, 3]));
}

export async function alertFormView(id) {
  const alert = id ? (await api("GET", `/alerts/${encodeURIComponent(id)}`)).data : null;
  const name = h("input", { name: "name", value: alert?.name || "", required: true });
  const channel = h("select", { name: "channel" }, ["email", "webhook", "slack"].map((c) =>
    h("option", { value: c, selected: (alert?.channel || "email") === c }, c)));
  const target = h("input", { name: "target", value: alert?.target || "", required: true });
  const jobId = h("input", { name: "jobId", value: alert?.jobId || "" });
  const threshold = h("input", { name: "threshold", type: "number", min: 1, value: alert?.consecutiveFailuresThreshold ?? 1 });
  const cooldown = h("input", { name: "cooldown", type: "number", min: 0, value: alert?.cooldownMinutes ?? 60 });
  const enabled = h("input", { name: "enabled", type: "checkbox", checked: alert ? alert.enabled : true });
  const errors = h("div", { "aria-live": "assertive" });
  const form = h("form", { class: "grid", onsubmit: async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    const payload = { name: name.value, channel: channel.value, target: target.value.trim(),
      consecutiveFailuresThreshold: Number(threshold.value), cooldownMinutes: Number(cooldown.value), enabled: enabled.checked };
    if (jobId.value.trim()) payload.jobId = jobId.value.trim();
    try {
      const reply = id ? await api("PUT", `/alerts/${encodeURIComponent(id)}`, payload) : await api("POST", "/alerts", payload);
      location.hash = `#/alerts/${encodeURIComponent(reply.data.id)}`;
    } catch (error) { errors.replaceChildren(errorBox(error.message)); }
  } },
    field("Name", name), field("Channel", channel),
    field("Target (email address, webhook URL or Slack incoming-webhook URL)", target, { wide: true }),
    field("Job id (empty: every job)", jobId), field("Failures in a row before alerting", threshold),
    field("Cooldown (minutes)", cooldown), field("Enabled", enabled),
    h("div", { class: "field wide" }, h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, id ? "Save alert" : "Create alert"), h("a", { href: "#/alerts" }, "Cancel"))));
  show(h("h1", {}, id ? `Edit ${alert.name}` : "New alert"), errors, h("section", { class: "card" }, form));
}

export async function alertDetailView(id) {
  const path = `/alerts/${encodeURIComponent(id)}`;
  const [alertReply, deliveries] = await Promise.all([api("GET", path), api("GET", `${path}/deliveries?limit=50`)]);
  const alert = alertReply.data;
  const messages = h("div", { "aria-live": "polite" });
  const items = Array.isArray(deliveries.data) ? deliveries.data : deliveries.data?.data || [];
  const rows = items.map((d) => [when(d.createdAt), d.notice, statusText(d.status), String(d.attempts), d.error || "—"]);
  show(h("h1", {}, alert.name),
    h("section", { class: "card" },
      h("p", {}, `${alert.channel} → `, h("code", {}, alert.target)),
      h("p", { class: "muted" }, `After ${alert.consecutiveFailuresThreshold} failure(s) in a row, at most once per ${alert.cooldownMinutes} minutes; ${alert.enabled ? "enabled" : "disabled"}.`),
      h("div", { class: "actions" },
        h("a", { href: `#/alerts/${encodeURIComponent(id)}/edit` }, "Edit"),
        h("button", { type: "button", class: "danger", onclick: async () => {
          if (!confirm(`Delete the alert "${alert.name}"?`)) return;
          try { await api("DELETE", path); location.hash = "#/alerts"; } catch (error) { messages.replaceChildren(errorBox(error.message)); }
        } }, "Delete")), messages),
    h("h2", {}, "Delivery history"), table(["When", "Notice", "Status", "Attempts", "Error"], rows, [3]));
}
