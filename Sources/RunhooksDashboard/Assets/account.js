import { api, publicCall, session, saveSession } from "./api.js";
import { h, field, show, errorBox, when, table } from "./dom.js";

export async function usageView() {
  const reply = await api("GET", "/usage/me");
  const usage = reply.data;
  const names = { jobs: "Jobs", dailyRuns: "Runs today", monthlyRuns: "Runs this month", alertConfigs: "Alert configurations" };
  const meters = Object.entries(names).map(([key, label]) => {
    const meter = usage.usage[key];
    const id = `meter-${key}`;
    return h("section", { class: "card" },
      h("label", { for: id }, label),
      meter.unlimited ? h("p", {}, `${meter.used} (unlimited)`) : h("meter", { id, min: 0, max: meter.limit, value: meter.used }, `${meter.used}`),
      h("p", { class: "muted" }, meter.unlimited ? "" : `${meter.used} of ${meter.limit}`, meter.resetsAt ? ` · resets ${when(meter.resetsAt)}` : ""));
  });
  show(h("h1", {}, `Usage (${usage.plan} plan)`), h("div", { class: "meters" }, meters));
}

export async function settingsView() {
  const me = (await api("GET", "/auth/me")).data;
  const secret = (await api("GET", "/webhook-secret")).data;
  const messages = h("div", { "aria-live": "polite" });
  const keyArea = h("div");
  const rotate = h("button", { type: "button", onclick: async () => {
    if (!confirm("Replace the API key? The current one stops working at once.")) return;
    try {
      const reply = await api("POST", "/auth/rotate-key");
      const current = session();
      if (current?.apiKey) saveSession({ ...current, apiKey: reply.data.apiKey });
      keyArea.replaceChildren(
        h("p", { class: "notice", role: "alert" }, "Your new API key. Copy it now: it cannot be shown again."),
        h("p", { class: "secret", "data-testid": "api-key" }, reply.data.apiKey));
    } catch (error) { messages.replaceChildren(errorBox(error.message)); }
  } }, "Rotate API key");
  const secretText = h("p", { class: "secret", "data-testid": "webhook-secret" }, secret.secret);
  const rotateSecret = h("button", { type: "button", onclick: async () => {
    if (!confirm("Replace the signing secret? The previous one keeps signing for 24 hours.")) return;
    try { await api("POST", "/webhook-secret/rotate"); settingsView(); } catch (error) { messages.replaceChildren(errorBox(error.message)); }
  } }, "Rotate signing secret");
  show(h("h1", {}, "Settings"), messages,
    h("section", { class: "card" }, h("h2", {}, "Account"),
      h("p", {}, `${me.name}${me.email ? ` <${me.email}>` : " (anonymous)"} · plan ${me.plan} · key ${me.apiKeyPrefix}…`),
      h("div", { class: "actions" }, rotate), keyArea),
    h("section", { class: "card" }, h("h2", {}, "Webhook signing secret"),
      h("p", { class: "muted" }, "Every delivery carries Standard Webhooks signatures made with this secret (docs/SIGNING.md)."),
      secretText,
      secret.previous ? h("p", { class: "muted" }, `Previous secret signs until ${when(secret.previous.expiresAt)}.`) : null,
      ...(secret.older || []).map((older) => h("p", { class: "muted" }, `An older secret signs until ${when(older.expiresAt)}.`)),
      h("div", { class: "actions" }, rotateSecret)),
    me.email ? passwordCard(messages) : null,
    deletionCard(me, messages));
}

function passwordCard(messages) {
  const current = h("input", { type: "password", autocomplete: "current-password", name: "current-password" });
  const next = h("input", { type: "password", autocomplete: "new-password", name: "new-password", minlength: 8 });
  const again = h("input", { type: "password", autocomplete: "new-password", name: "new-password-again", minlength: 8 });
  const form = h("form", { class: "grid", onsubmit: async (event) => {
    event.preventDefault();
    messages.replaceChildren();
    if (next.value !== again.value) { messages.replaceChildren(errorBox("The two new passwords differ.")); return; }
    try {
      const reply = await api("POST", "/auth/change-password", { currentPassword: current.value, newPassword: next.value });
      const saved = session();
      if (saved?.refreshToken) saveSession({ ...saved, ...reply.data.tokens });
      form.reset();
      messages.replaceChildren(h("p", { class: "notice" }, reply.message));
    } catch (error) { messages.replaceChildren(errorBox(error.message)); }
  } },
    field("Current password", current), field("New password (at least 8 characters)", next), field("New password again", again),
    h("div", { class: "field wide" }, h("button", { type: "submit" }, "Change password")));
  return h("section", { class: "card" }, h("h2", {}, "Password"),
    h("p", { class: "muted" }, "Your other sessions end; the API key keeps working."), form);
}

function deletionCard(me, messages) {
  const password = h("input", { type: "password", autocomplete: "current-password", name: "delete-password" });
  const form = h("form", { class: "grid", onsubmit: async (event) => {
    event.preventDefault();
    messages.replaceChildren();
    if (!confirm("Delete your account with every job, execution and alert? This cannot be undone.")) return;
    try {
      await api("DELETE", "/auth/me", me.email ? { confirm: me.id, password: password.value } : { confirm: me.id });
      saveSession(null);
      location.hash = "#/signin";
    } catch (error) { messages.replaceChildren(errorBox(error.message)); }
  } },
    me.email ? field("Password", password) : null,
    h("div", { class: "field wide" }, h("button", { type: "submit", class: "danger" }, "Delete account")));
  return h("section", { class: "card" }, h("h2", {}, "Delete account"),
    h("p", { class: "muted" }, "Your jobs, executions, alerts and API key go for good."), form);
}

export async function clusterView() {
  const health = (await publicCall("GET", "/health")).data;
  const cluster = health.cluster;
  if (!cluster) {
    show(h("h1", {}, "Cluster"), h("p", {}, "This node runs alone (no --cluster-port or --join)."));
    return;
  }
  const rows = cluster.members.map((m) => [m.id, m.status, String(m.shardsOwned), m.gatewayUrl || "—", m.gossipAddress]);
  show(h("h1", {}, "Cluster"), h("p", { class: "muted" }, `Seen from ${cluster.nodeId}; shard table version ${cluster.tableVersion}.`),
    table(["Node", "State", "Shards owned", "Gateway", "Gossip"], rows, [3, 4]));
}

export { errorBox };
