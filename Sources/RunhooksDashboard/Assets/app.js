import { session } from "./api.js";
import { h, show, errorBox } from "./dom.js";
import { signUpView, signInView, signOut } from "./auth.js";
import { jobsView, jobFormView, jobDetailView } from "./jobs.js";
import { alertsView, alertFormView, alertDetailView } from "./alerts.js";
import { usageView, settingsView, clusterView } from "./account.js";

// Hash routes: #/jobs, #/jobs/new, #/jobs/ID, #/jobs/ID/edit, #/alerts, #/usage, #/settings, #/cluster.
const routes = [
  [/^#\/signup$/, signUpView, false],
  [/^#\/signin$/, signInView, false],
  [/^#\/jobs\/new$/, () => jobFormView(null), true],
  [/^#\/jobs\/([^/]+)\/edit$/, (id) => jobFormView(id), true],
  [/^#\/jobs\/([^/]+)$/, jobDetailView, true],
  [/^#\/jobs$/, jobsView, true],
  [/^#\/alerts\/new$/, () => alertFormView(null), true],
  [/^#\/alerts\/([^/]+)\/edit$/, (id) => alertFormView(id), true],
  [/^#\/alerts\/([^/]+)$/, alertDetailView, true],
  [/^#\/alerts$/, alertsView, true],
  [/^#\/usage$/, usageView, true],
  [/^#\/settings$/, settingsView, true],
  [/^#\/cluster$/, clusterView, true],
];

function renderNav() {
  const signedIn = Boolean(session());
  const here = location.hash.split("/").slice(0, 2).join("/");
  const link = (href, text) => h("a", { href, "aria-current": here === href ? "page" : null }, text);
  const links = signedIn
    ? [link("#/jobs", "Jobs"), link("#/alerts", "Alerts"), link("#/usage", "Usage"), link("#/settings", "Settings"),
       session()?.role === "admin" ? link("#/cluster", "Cluster") : null,
       h("button", { type: "button", onclick: signOut }, "Sign out")]
    : [link("#/signin", "Sign in"), link("#/signup", "Sign up")];
  document.getElementById("nav").replaceChildren(...links.filter(Boolean));
}

async function route() {
  renderNav();
  const hash = location.hash || (session() ? "#/jobs" : "#/signin");
  for (const [pattern, view, needsSession] of routes) {
    const match = hash.match(pattern);
    if (!match) continue;
    if (needsSession && !session()) { location.hash = "#/signin"; return; }
    try {
      await view(...match.slice(1).map(decodeURIComponent));
    } catch (error) {
      if (error.status === 401) { location.hash = "#/signin"; return; }
      show(h("h1", {}, "Something went wrong"), errorBox(error.message));
    }
    document.getElementById("main").focus();
    renderNav();
    return;
  }
  location.hash = session() ? "#/jobs" : "#/signin";
}

window.addEventListener("hashchange", route);
window.addEventListener("DOMContentLoaded", route);
