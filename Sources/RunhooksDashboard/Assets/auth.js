import { api, publicCall, saveSession, session } from "./api.js";
import { h, field, show, errorBox } from "./dom.js";

async function remember(credentials) {
  saveSession(credentials);
  const me = await api("GET", "/auth/me");
  saveSession({ ...credentials, role: me.data?.role, name: me.data?.name });
}

export function signUpView() {
  const name = h("input", { name: "name", autocomplete: "name", maxlength: 255 });
  const email = h("input", { name: "email", type: "email", autocomplete: "email" });
  const password = h("input", { name: "password", type: "password", autocomplete: "new-password", minlength: 8 });
  const errors = h("div", { "aria-live": "polite" });
  const form = h("form", { class: "grid", onsubmit: async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    try {
      const reply = email.value
        ? await publicCall("POST", "/auth/register", { email: email.value, password: password.value, name: name.value || "Runhooks user" })
        : await publicCall("POST", "/auth/register-anonymous", name.value ? { name: name.value } : {});
      const tokens = reply.data.tokens;
      await remember(tokens ? { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken } : { apiKey: reply.data.apiKey });
      showKeyOnce(reply.data.apiKey, "Your account is ready.");
    } catch (error) {
      errors.replaceChildren(errorBox(error.message));
    }
  } },
    field("Name", name),
    field("Email (leave empty for an anonymous account)", email),
    field("Password (with an email; at least 8 characters)", password),
    h("div", { class: "field wide" }, h("button", { type: "submit", class: "primary" }, "Create account")));
  show(h("h1", {}, "Sign up"), h("section", { class: "card" }, errors, form),
    h("p", {}, "Have an account? ", h("a", { href: "#/signin" }, "Sign in")));
}

// The key is shown once: the server keeps only its hash.
export function showKeyOnce(apiKey, heading) {
  const copy = h("button", { type: "button", onclick: async () => {
    try { await navigator.clipboard.writeText(apiKey); copy.textContent = "Copied"; } catch { copy.textContent = "Select and copy it"; }
  } }, "Copy key");
  show(h("h1", {}, heading),
    h("section", { class: "card" },
      h("p", { class: "notice", role: "alert" }, "This is your API key. Copy it now: it cannot be shown again."),
      h("p", { class: "secret", "data-testid": "api-key" }, apiKey),
      h("div", { class: "actions" }, copy, h("a", { href: "#/jobs" }, "Continue to your jobs"))));
}

export function signInView() {
  const email = h("input", { name: "email", type: "email", autocomplete: "username" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password" });
  const key = h("input", { name: "apiKey", autocomplete: "off", placeholder: "rh_live_…" });
  const errors = h("div", { "aria-live": "polite" });
  const withPassword = h("form", { class: "grid", onsubmit: async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    try {
      const reply = await publicCall("POST", "/auth/login", { email: email.value, password: password.value });
      await remember({ accessToken: reply.data.tokens.accessToken, refreshToken: reply.data.tokens.refreshToken });
      location.hash = "#/jobs";
    } catch (error) { errors.replaceChildren(errorBox(error.message)); }
  } }, field("Email", email), field("Password", password),
    h("div", { class: "field wide" }, h("button", { type: "submit", class: "primary" }, "Sign in with password")));
  const withKey = h("form", { class: "grid", onsubmit: async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    try {
      await remember({ apiKey: key.value.trim() });
      location.hash = "#/jobs";
    } catch (error) { saveSession(null); errors.replaceChildren(errorBox(error.message)); }
  } }, field("API key", key, { wide: true }),
    h("div", { class: "field wide" }, h("button", { type: "submit" }, "Sign in with API key")));
  show(h("h1", {}, "Sign in"), errors,
    h("section", { class: "card" }, h("h2", {}, "Email and password"), withPassword),
    h("section", { class: "card" }, h("h2", {}, "API key"), withKey),
    h("p", {}, "New here? ", h("a", { href: "#/signup" }, "Create an account")));
}

export function signOut() {
  saveSession(null);
  location.hash = "#/signin";
}

export function currentSession() { return session(); }
