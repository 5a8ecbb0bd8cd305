import { api } from "./api.js";
import { h, field, show, errorBox, when, statusText, table } from "./dom.js";

export function scheduleInWords(schedule) {
  if (!schedule) return "";
  if (schedule.type === "interval") {
    const ms = Number(schedule.expression);
    for (const [unit, size] of [["day", 86400000], ["hour", 3600000], ["minute", 60000], ["second", 1000]]) {
      if (ms % size === 0) { const n = ms / size; return `every ${n === 1 ? "" : n + " "}${unit}${n === 1 ? "" : "s"}`; }
    }
    return `every ${ms} ms`;
  }
  const [minute, hour, day, month, weekday] = schedule.expression.split(/\s+/);
  if (schedule.expression.startsWith("@")) return schedule.expression.slice(1);
  if (minute === "*" && hour === "*") return "every minute";
  if (/^\*\/\d+$/.test(minute) && hour === "*") return `every ${minute.slice(2)} minutes`;
  if (/^\d+$/.test(minute) && hour === "*") return `hourly at minute ${minute}`;
  if (/^\d+$/.test(minute) && /^\d+$/.test(hour) && day === "*" && month === "*") {
    const time = `${hour.padStart(2, "0")}:${minute.padStart(2, "0")}`;
    return weekday === "*" ? `daily at ${time}` : `at ${time} on weekdays ${weekday}`;
  }
  return "custom cron";
}

export async function jobsView() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const page = Number(params.get("page") || 1);
  const status = h("select", { name: "status" }, ["", "active", "paused", "completed", "failed"].map((s) =>
    h("option", { value: s, selected: params.get("status") === s }, s || "any")));
  const tag = h("input", { name: "tag", value: params.get("tag") || "" });
  const name = h("input", { name: "name", value: params.get("name") || "" });
  const filters = h("form", { class: "grid", onsubmit: (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (status.value) next.set("status", status.value);
    if (tag.value) next.set("tag", tag.value);
    if (name.value) next.set("name", name.value);
    location.hash = `#/jobs?${next}`;
  } }, field("Status", status), field("Tag", tag), field("Name contains", name),
    h("div", { class: "field" }, h("label", { for: "apply-filters" }, "Filters"), h("button", { id: "apply-filters", type: "submit" }, "Apply")));
  const query = new URLSearchParams({ page, limit: 20 });
  for (const key of ["status", "tag", "name"]) if (params.get(key)) query.set(key, params.get(key));
  const [reply, recent] = await Promise.all([api("GET", `/jobs?${query}`), api("GET", "/executions?limit=100")]);
  const jobs = reply.data?.data || [];
  const lastRun = new Map();
  for (const run of recent.data?.data || []) if (!lastRun.has(run.jobId)) lastRun.set(run.jobId, run);
  const rows = jobs.map((job) => [
    h("a", { href: `#/jobs/${encodeURIComponent(job.id)}` }, job.name),
    h("span", {}, scheduleInWords(job.schedule), h("br"), h("code", { class: "muted" }, job.schedule?.expression)),
    job.schedule?.timezone || "UTC",
    statusText(job.status),
    when(job.nextExecutionAt, job.schedule?.timezone),
    lastRun.has(job.id) ? statusText(lastRun.get(job.id).status) : h("span", { class: "muted" }, "—"),
  ]);
  const pager = h("div", { class: "actions" },
    page > 1 ? h("a", { href: withPage(params, page - 1) }, "Previous page") : null,
    h("span", { class: "muted" }, `page ${reply.data?.page || 1} of ${Math.max(1, reply.data?.totalPages || 1)}, ${reply.data?.total || 0} job(s)`),
    page < (reply.data?.totalPages || 0) ? h("a", { href: withPage(params, page + 1) }, "Next page") : null);
  show(h("h1", {}, "Jobs"),
    h("div", { class: "actions" }, h("a", { href: "#/jobs/new", class: "button primary" }, "New job")),
    h("section", { class: "card" }, filters),
    table(["Name", "Schedule", "Time zone", "Status", "Next run", "Last result"], rows, [2, 5]), pager);
}

function withPage(params, page) {
  const next = new URLSearchParams(params);
  next.set("page", page);
  return `#/jobs?${next}`;
}

export async function jobFormView(id) {
  const job = id ? (await api("GET", `/jobs/${encodeURIComponent(id)}`)).data : null;
  const input = (name, value, extra = {}) => h("input", { name, value: value ?? "", ...extra });
  const name = input("name", job?.name, { required: true, maxlength: 255 });
  const description = h("textarea", { name: "description" }, job?.description || "");
  const type = h("select", { name: "scheduleType" }, ["cron", "interval"].map((t) =>
    h("option", { value: t, selected: (job?.schedule?.type || "cron") === t }, t)));
  const expression = input("expression", job?.schedule?.expression || "*/5 * * * *", { required: true });
  const timezone = input("timezone", job?.schedule?.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  const url = input("url", job?.httpConfig?.url, { type: "url", required: true });
  const method = h("select", { name: "method" }, ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].map((m) =>
    h("option", { value: m, selected: (job?.httpConfig?.method || "POST") === m }, m)));
  const headers = h("textarea", { name: "headers" },
    Object.entries(job?.httpConfig?.headers || {}).map(([k, v]) => `${k}: ${v}`).join("\n"));
  const body = h("textarea", { name: "body" }, job?.httpConfig?.body || "");
  const timeout = input("timeoutMs", job?.httpConfig?.timeoutMs ?? 30000, { type: "number", min: 1000 });
  const retries = input("maxRetries", job?.retryPolicy?.maxRetries ?? 3, { type: "number", min: 0 });
  const initialDelay = input("initialDelay", job?.retryPolicy?.initialDelay ?? 1000, { type: "number", min: 0 });
  const multiplier = input("backoffMultiplier", job?.retryPolicy?.backoffMultiplier ?? 2, { type: "number", min: 1, step: "0.1" });
  const maxDelay = input("maxDelay", job?.retryPolicy?.maxDelay ?? 300000, { type: "number", min: 0 });
  const tags = input("tags", (job?.tags || []).join(", "));
  const preview = h("ol", { class: "preview", "aria-live": "polite", "data-testid": "preview" });
  const previewNote = h("p", { class: "muted", "data-testid": "preview-note" });
  const errors = h("div", { "aria-live": "assertive" });

  let timer = null;
  let asked = 0;
  const refreshPreview = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const ask = ++asked;
      const schedule = { type: type.value, expression: expression.value.trim() };
      if (type.value === "cron" && timezone.value.trim()) schedule.timezone = timezone.value.trim();
      try {
        const reply = await api("POST", "/schedules/preview", { schedule, count: 5 });
        if (ask !== asked) return;  // a later edit asked again; its answer wins
        previewNote.textContent = `Next runs (${reply.data.timezone}):`;
        preview.replaceChildren(...reply.data.nextRuns.map((run) => h("li", {}, run.local.replace("T", " "))));
      } catch (error) {
        if (ask !== asked) return;
        previewNote.textContent = error.message;
        preview.replaceChildren();
      }
    }, 250);
  };
  for (const control of [type, expression, timezone]) control.addEventListener("input", refreshPreview);
  refreshPreview();

  const form = h("form", { class: "grid", onsubmit: async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    const headerMap = {};
    for (const line of headers.value.split("\n")) {
      if (!line.trim()) continue;
      const at = line.indexOf(":");
      if (at < 1) { errors.replaceChildren(errorBox(`headers: "${line}" is not "Name: value"`)); return; }
      headerMap[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    const schedule = { type: type.value, expression: expression.value.trim() };
    if (type.value === "cron" && timezone.value.trim()) schedule.timezone = timezone.value.trim();
    const payload = {
      name: name.value, description: description.value || null, schedule,
      httpConfig: { url: url.value, method: method.value, headers: headerMap, body: body.value || null, timeoutMs: Number(timeout.value) },
      retryPolicy: { maxRetries: Number(retries.value), initialDelay: Number(initialDelay.value),
        backoffMultiplier: Number(multiplier.value), maxDelay: Number(maxDelay.value) },
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
    };
    if (!payload.description) delete payload.description;
    if (!payload.httpConfig.body) delete payload.httpConfig.body;
    try {
      const reply = id ? await api("PATCH", `/jobs/${encodeURIComponent(id)}`, payload) : await api("POST", "/jobs", payload);
      location.hash = `#/jobs/${encodeURIComponent(reply.data.id)}`;
    } catch (error) {
      errors.replaceChildren(errorBox(error.message));
      errors.scrollIntoView({ block: "center" });
    }
  } },
    field("Name", name), field("Tags (comma-separated)", tags), field("Description", description, { wide: true }),
    field("Schedule type", type), field("Cron expression or interval (ms)", expression, { hint: "e.g. */5 * * * * or 60000" }),
    field("Time zone (cron only)", timezone, { hint: "IANA name, e.g. Europe/Paris" }),
    h("div", { class: "field wide" }, previewNote, preview),
    field("URL", url, { wide: true }), field("Method", method), field("Timeout (ms)", timeout),
    field("Headers (one per line: Name: value)", headers, { wide: true }), field("Body", body, { wide: true }),
    field("Retries", retries), field("First retry after (ms)", initialDelay), field("Backoff multiplier", multiplier),
    field("Longest retry delay (ms)", maxDelay),
    h("div", { class: "field wide" }, h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary" }, id ? "Save job" : "Create job"),
      h("a", { href: id ? `#/jobs/${encodeURIComponent(id)}` : "#/jobs" }, "Cancel"))));
  show(h("h1", {}, id ? `Edit ${job.name}` : "New job"), errors, h("section", { class: "card" }, form));
}

const endedStatuses = new Set(["success", "failed", "timeout", "dead_letter", "quota_exceeded"]);

// Follows a requested run (its execution id is in the answer) until it ends, then shows the job
// again with it; gives up quietly after a minute or when the page shows something else.
async function followRun(reply, label, messages, jobId) {
  const executionId = reply.data?.executionId;
  messages.replaceChildren(h("p", { class: "notice" }, `${label} enqueued; waiting for it to end…`));
  if (!executionId) return;
  const page = location.hash;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && location.hash === page) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    let execution;
    try { execution = (await api("GET", `/executions/${encodeURIComponent(executionId)}`)).data; }
    catch (error) { if (error.status === 404) continue; throw error; }
    if (!endedStatuses.has(execution.status)) continue;
    if (location.hash !== page) return;
    const detail = [execution.httpStatusCode ? `HTTP ${execution.httpStatusCode}` : null,
      execution.durationMs != null ? `${execution.durationMs} ms` : null, execution.error].filter(Boolean).join(", ");
    await jobDetailView(jobId, `${label} ended: ${execution.status.replace("_", " ")}${detail ? ` (${detail})` : ""}`);
    return;
  }
  if (location.hash === page) messages.replaceChildren(h("p", { class: "notice" }, `${label} enqueued; refresh in a moment.`));
}

// `notice`: a line to show above the job's actions (how a run it asked for ended).
export async function jobDetailView(id, notice) {
  const path = `/jobs/${encodeURIComponent(id)}`;
  const [jobReply, runsReply] = await Promise.all([api("GET", path), api("GET", `${path}/executions?limit=50`)]);
  const job = jobReply.data;
  const runs = runsReply.data?.data || [];
  const messages = h("div", { "aria-live": "polite" }, notice ? h("p", { class: "notice" }, notice) : null);
  const act = (label, action, className) => h("button", { type: "button", class: className, onclick: async () => {
    messages.replaceChildren();
    try { await action(); } catch (error) { messages.replaceChildren(errorBox(error.message)); }
  } }, label);
  const actions = h("div", { class: "actions" },
    act("Run now", async () => followRun(await api("POST", `${path}/trigger`), "Run", messages, id)),
    job.status === "paused"
      ? act("Resume", async () => { await api("PATCH", path, { status: "active" }); jobDetailView(id); })
      : act("Pause", async () => { await api("PATCH", path, { status: "paused" }); jobDetailView(id); }),
    h("a", { href: `#/jobs/${encodeURIComponent(id)}/edit` }, "Edit"),
    act("Refresh", () => jobDetailView(id)),
    act("Delete", async () => {
      if (!confirm(`Delete the job "${job.name}" and its executions?`)) return;
      await api("DELETE", path);
      location.hash = "#/jobs";
    }, "danger"));
  const strip = h("div", { class: "strip", "aria-label": "Last runs, oldest first" },
    runs.slice(0, 30).reverse().map((run) => h("span", { class: `s-${run.status}`, title: `${run.status} ${run.scheduledFor}` })));
  const timing = (t) => t ? `DNS ${t.dnsMs ?? "—"} · connect ${t.connectMs ?? "—"} · TLS ${t.tlsMs ?? "—"} · first byte ${t.firstByteMs ?? "—"} · total ${t.totalMs} ms` : "—";
  const rows = runs.map((run) => [
    statusText(run.status), run.httpStatusCode ?? "—", run.durationMs != null ? `${run.durationMs} ms` : "—",
    run.lateMs != null ? `${run.lateMs} ms` : "—", String(run.attempt), when(run.scheduledFor, job.schedule?.timezone),
    h("details", {}, h("summary", {}, run.error || (run.responseBody ? "response" : "details")),
      h("p", { class: "muted" }, timing(run.timing)),
      run.responseBody ? h("pre", {}, run.responseBody) : null,
      h("button", { type: "button", onclick: async () => {
        try { await followRun(await api("POST", `/executions/${encodeURIComponent(run.id)}/replay`), "Replay", messages, id); }
        catch (error) { messages.replaceChildren(errorBox(error.message)); }
      } }, "Replay")),
  ]);
  show(h("h1", {}, job.name),
    h("section", { class: "card" },
      h("p", {}, statusText(job.status), " · ", scheduleInWords(job.schedule), " (", h("code", {}, job.schedule?.expression), ", ",
        job.schedule?.timezone || "UTC", ")"),
      h("p", {}, job.httpConfig?.method, " ", h("code", {}, job.httpConfig?.url)),
      h("p", { class: "muted" }, "Next run: ", when(job.nextExecutionAt, job.schedule?.timezone)),
      job.description ? h("p", {}, job.description) : null,
      actions, messages),
    h("h2", {}, "Executions"), strip,
    table(["Status", "HTTP", "Duration", "Late", "Attempt", "Scheduled for", "Response / error"], rows, [2, 3, 4]));
}
