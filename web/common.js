// Shared by the web app and the admin panel: calling the API with the session cookie, building
// elements (text only: nothing the server or a user wrote is ever parsed as HTML), and signing in.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Calls the API. The session cookie signs the request; the CSRF header says it comes from our page.
export async function api(path, { method = "GET", body, raw = false } = {}) {
  const headers = { "X-Hijraah-CSRF": "1", Accept: "application/json" };
  const options = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  if (!response.ok) {
    let code = "error";
    let message = `${response.status} ${response.statusText}`;
    try {
      const error = await response.json();
      code = error.error || code;
      message = error.message || message;
    } catch (_) {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, code, message);
  }
  if (raw) return response;
  if (response.status === 204 || response.status === 202 && response.headers.get("content-length") === "0") return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

// el("p", {class: "x", dir: "auto"}, "text", child, ...): children are nodes or plain text.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (value === true) {
      node.setAttribute(name, "");
    } else {
      node.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined));
}

// Shows a message in the page's alert region (read out by screen readers).
export function notify(message, kind = "error") {
  const region = document.getElementById("alert");
  if (!region) return;
  clear(region, el("p", { class: `notice ${kind}` }, message));
  if (kind !== "error") setTimeout(() => region.textContent === message && clear(region), 4000);
}

export async function currentUser() {
  try {
    return await api("/api/v1/session");
  } catch (error) {
    if (error.status === 401) {
      // An expired or damaged session says so; never having signed in needs no message.
      if (/expired|not valid/.test(error.message)) notify(error.message);
      return null;
    }
    throw error;
  }
}

// The sign-in form: a development sign-in on a loopback server, and a token from `hijraah token`
// or the identity provider anywhere.
export async function signInForm(onSignedIn, { defaultRole = "user" } = {}) {
  const options = await api("/api/v1/session/options");
  const error = el("p", { class: "form-error", role: "alert", id: "signin-error" });
  const show = (failure) => {
    error.textContent = failure.status === 401
      ? `Sign-in refused: ${failure.message}`
      : failure.message;
  };
  const forms = [];
  if (options.dev_sign_in) {
    const user = el("input", { id: "dev-user", name: "user", required: true, maxlength: 64, autocomplete: "username", placeholder: "alice" });
    const role = el("select", { id: "dev-role", name: "role" },
      ["user", "curator", "analyst", "admin"].map((name) => el("option", { value: name, selected: name === defaultRole }, name)));
    forms.push(el("form", {
      class: "card", id: "dev-signin", onsubmit: async (event) => {
        event.preventDefault();
        try {
          onSignedIn(await api("/api/v1/session/dev", { method: "POST", body: { user: user.value.trim(), role: role.value } }));
        } catch (failure) { show(failure); }
      },
    },
    el("h2", {}, "Development sign-in"),
    el("p", { class: "hint" }, "This server listens on a loopback address, so you may pick any name and role."),
    el("label", { for: "dev-user" }, "User name"), user,
    el("label", { for: "dev-role" }, "Role"), role,
    el("button", { type: "submit" }, "Sign in")));
  }
  const token = el("textarea", { id: "token", name: "token", rows: 3, required: true, spellcheck: "false" });
  forms.push(el("form", {
    class: "card", id: "token-signin", onsubmit: async (event) => {
      event.preventDefault();
      try {
        onSignedIn(await api("/api/v1/session", { method: "POST", body: { token: token.value.trim() } }));
      } catch (failure) { show(failure); }
    },
  },
  el("h2", {}, "Sign in with a token"),
  el("p", { class: "hint" }, "A token from your identity provider, or from `hijraah token --user NAME`."),
  el("label", { for: "token" }, "Token"), token,
  el("button", { type: "submit" }, "Sign in")));
  return el("section", { class: "signin", "aria-labelledby": "signin-title" },
    el("h1", { id: "signin-title" }, "Sign in to Hijraah"), error, ...forms);
}

export async function signOut() {
  await api("/api/v1/session", { method: "DELETE" });
  location.reload();
}

// Arabic script in a text: such text is set right-to-left in an Arabic font.
export function isArabic(text) {
  return /[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]/.test(text || "");
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}
