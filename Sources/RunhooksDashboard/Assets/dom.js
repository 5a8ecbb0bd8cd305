// Builds elements from data; text always goes in as text (never as HTML), so user data shows literally.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

let fieldCount = 0;
// A labelled form field: the <label> names its input, as screen readers and tests expect.
export function field(labelText, control, { wide = false, hint } = {}) {
  const id = control.id || `f${++fieldCount}`;
  control.id = id;
  const hintElement = hint ? h("small", { class: "muted", id: `${id}-hint` }, hint) : null;
  if (hintElement) control.setAttribute("aria-describedby", hintElement.id);
  return h("div", { class: wide ? "field wide" : "field" }, h("label", { for: id }, labelText), control, hintElement);
}

export function show(...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren(...nodes.flat());
}

export function errorBox(message) {
  return h("p", { class: "error", role: "alert" }, message);
}

export function when(iso, timeZone) {
  if (!iso) return "—";
  try {
    return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium", timeZone }).format(new Date(iso));
  } catch {
    return iso;
  }
}

export function statusText(status) {
  return h("span", { class: `status status-${status}` }, String(status).replace("_", " "));
}

export function table(columns, rows, optional = []) {
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("thead", {}, h("tr", {}, columns.map((c, i) => h("th", { class: optional.includes(i) ? "optional" : null, scope: "col" }, c)))),
      h("tbody", {}, rows.length ? rows.map((cells) => h("tr", {}, cells.map((c, i) => h("td", { class: optional.includes(i) ? "optional" : null }, c))))
        : h("tr", {}, h("td", { colspan: columns.length, class: "muted" }, "Nothing here yet.")))));
}
