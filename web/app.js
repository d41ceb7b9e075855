// Hijraah's web app: sign in, chat with the agents, read citations, give feedback, ask for a
// scholar's review, keep the settling-in checklist, download or delete one's data.
import { api, el, clear, notify, currentUser, signInForm, signOut, isArabic, when } from "/assets/common.js";

const AGENT_NAMES = {
  user_interface: "Assistant",
  knowledge: "Knowledge",
  financial_services: "Finance",
  community: "Community",
  migration: "Settling in",
  analytics: "Analytics",
  workflow: "Workflows",
};

const state = { user: null, session: null, conversationId: null };
const root = document.getElementById("app");

function agentName(type) {
  return AGENT_NAMES[type] || type || "Agent";
}

function newSession() {
  state.session = `web-${crypto.randomUUID()}`;
  state.conversationId = null;
}

async function boot() {
  try {
    const user = await currentUser();
    if (user) return showApp(user);
    clear(root, await signInForm(showApp));
  } catch (failure) {
    notify(failure.message);
  }
}

// --- Rendering one message -------------------------------------------------------------------

function text(content) {
  return el("div", { class: "text", dir: "auto", lang: isArabic(content) ? "ar" : null }, content);
}

function prayerTable(times) {
  const rows = times && (times.times || times);
  if (!rows || typeof rows !== "object") return null;
  const names = ["fajr", "sunrise", "dhuhr", "asr", "maghrib", "isha"];
  const present = names.filter((name) => typeof rows[name] === "string");
  if (present.length === 0) return null;
  return el("table", { class: "times", "aria-label": "Prayer times" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Prayer"), el("th", { scope: "col" }, "Time"))),
    el("tbody", {}, present.map((name) =>
      el("tr", {}, el("th", { scope: "row" }, name[0].toUpperCase() + name.slice(1)),
        el("td", {}, rows[name].slice(11, 16) || rows[name])))));
}

function qibla(value) {
  if (!value || typeof value.bearing_degrees !== "number") return null;
  const needle = el("span", { class: "needle", "aria-hidden": "true" });
  needle.style.setProperty("transform", `rotate(${value.bearing_degrees}deg)`);
  return el("p", { class: "qibla" }, needle,
    `Qibla: ${value.bearing_degrees.toFixed(2)}° from true north`);
}

function calculation(metadata) {
  if (metadata.kind !== "calculation") return null;
  const rows = [];
  const add = (label, value) => {
    if (value === undefined || value === null || typeof value === "object") return;
    rows.push(el("dt", {}, label), el("dd", {}, String(value)));
  };
  for (const [name, value] of Object.entries(metadata.inputs || {})) add(name.replaceAll("_", " "), value);
  for (const [name, value] of Object.entries(metadata.parameters || {})) add(name.replaceAll("_", " "), value);
  for (const [name, value] of Object.entries(metadata.result || {})) add(name.replaceAll("_", " "), value);
  return rows.length ? el("details", { class: "citation" }, el("summary", {}, "The computation"), el("dl", { class: "calc" }, rows)) : null;
}

// What graders said of a hadith, each with its grader and where it is stated; a hadith with none
// recorded says so rather than look unqualified.
function grades(list) {
  if (!Array.isArray(list)) return null;
  if (!list.length) return el("p", { class: "grades hint" }, "Not graded here.");
  return el("ul", { class: "grades" }, list.map((grade) =>
    el("li", {}, el("strong", { dir: "auto" }, grade.grade), ` by ${grade.grader}`,
      el("span", { class: "hint", dir: "auto" }, ` · ${grade.source}`))));
}

// What became of a quoted text since: corrected (a later revision changed its text) or retracted.
function since(history, revision) {
  const later = history.filter((entry) => entry.revision > revision);
  const last = history[history.length - 1];
  if (last && last.action === "retracted" && last.revision > revision) {
    return el("p", { class: "since", "data-since": "retracted" },
      `This text has since been retracted${last.reason ? `: ${last.reason}` : ""}.`);
  }
  const revised = later.filter((entry) => entry.action === "revised");
  if (!revised.length) return null;
  const latest = revised[revised.length - 1];
  return el("p", { class: "since", "data-since": "corrected" },
    `This text has since been corrected (revision ${latest.revision}, ${when(latest.recorded_at)}${latest.reason ? `: ${latest.reason}` : ""}). It is shown here as it was quoted.`);
}

// "Report a problem": the reader proposes the wording a text should have, with a reason; a
// curator reviews it, and nothing changes before that.
function reportProblem(id, doc) {
  const fields = [["text_en", "English text"], ["text_ar", "Arabic text"], ["text_other", "Translation"], ["reference", "Reference"]]
    .filter(([field]) => typeof doc[field] === "string" && doc[field]);
  if (!fields.length) return null;
  const field = el("select", { class: "report-field", "aria-label": "Which part" },
    fields.map(([value, label]) => el("option", { value }, label)));
  const proposed = el("textarea", { class: "report-proposed", rows: 3, dir: "auto", "aria-label": "The wording it should have" });
  const reason = el("input", { class: "report-reason", required: true, maxlength: 2000, placeholder: "Why: the printed edition, a typo, a missing word", "aria-label": "Why" });
  const state = el("p", { class: "hint report-state", "aria-live": "polite" });
  const fill = () => { proposed.value = doc[field.value] || ""; };
  field.addEventListener("change", fill);
  fill();
  const form = el("form", {
    class: "report", hidden: true, onsubmit: async (event) => {
      event.preventDefault();
      try {
        await api(`/api/v1/knowledge/documents/${encodeURIComponent(id)}/corrections`, { method: "POST",
          body: { field: field.value, proposed: proposed.value.trim(), reason: reason.value.trim() } });
        form.hidden = true;
        state.textContent = "Thank you: a curator will review your correction.";
      } catch (failure) { state.textContent = failure.message; }
    },
  }, field, proposed, reason, el("button", { type: "submit" }, "Send for review"));
  const open = el("button", { type: "button", class: "secondary report-open", onclick: () => { form.hidden = !form.hidden; } }, "Report a problem");
  return el("div", { class: "report-problem" }, open, form, state);
}

function citation(cite) {
  const body = el("div", {}, el("p", { class: "hint" }, "Loading the text…"));
  const details = el("details", { class: "citation", "data-id": cite.id },
    el("summary", {}, `${cite.reference || cite.id}`, el("span", { class: "hint" }, ` (${cite.id})`),
      cite.edition_name ? el("span", { class: "edition", dir: "auto" }, ` · ${cite.edition_name}`) : null,
      Array.isArray(cite.grades)
        ? el("span", { class: "grade-tag", dir: "auto" },
          cite.grades.length ? `${cite.grades[0].grade} · ${cite.grades[0].grader}` : "not graded here")
        : null),
    grades(cite.grades), body);
  details.addEventListener("toggle", async () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = "1";
    try {
      const path = `/api/v1/knowledge/documents/${encodeURIComponent(cite.id)}`;
      // The text as it was quoted (the revision the reply recorded), and what became of it since.
      let doc, note = null;
      if (Number.isInteger(cite.revision)) {
        const [asQuoted, history] = await Promise.all([api(`${path}?revision=${cite.revision}`), api(`${path}/history`)]);
        doc = asQuoted.document || {};
        note = since(history, cite.revision);
      } else {
        doc = await api(path);
      }
      clear(body, note,
        doc.text_ar ? el("p", { class: "quote arabic", dir: "rtl", lang: "ar" }, doc.text_ar) : null,
        doc.text_en ? el("p", { class: "quote", dir: "ltr", lang: "en" }, doc.text_en) : null,
        !doc.text_ar && !doc.text_en ? el("p", { class: "quote", dir: "auto" }, doc.text || doc.text_other || "") : null,
        el("p", { class: "hint" }, [doc.reference, cite.edition_name || doc.collection || doc.source].filter(Boolean).join(" · ")),
        note ? null : reportProblem(cite.id, doc));
    } catch (failure) {
      clear(body, el("p", { class: "form-error" }, `This text could not be shown: ${failure.message}`));
    }
  });
  return details;
}

function review(value) {
  if (!value) return null;
  const verdicts = { approved: "Approved by a scholar", corrected: "Corrected by a scholar", rejected: "Rejected by a scholar", timed_out: "The review request expired" };
  return el("div", { class: "review", "data-verdict": value.verdict },
    el("strong", {}, verdicts[value.verdict] || value.verdict),
    value.note ? el("p", { dir: "auto" }, value.note) : null,
    el("p", { class: "hint" }, [value.reviewer, when(value.reviewed_at)].filter(Boolean).join(" · ")));
}

function reply(message) {
  const metadata = message.metadata || {};
  const messageId = metadata.message_id || message.message_id;
  const confidence = typeof message.confidence === "number" ? `${Math.round(message.confidence * 100)}% sure` : "";
  const feedbackState = el("span", { class: "hint", "aria-live": "polite" },
    message.feedback ? (message.feedback.helpful ? "You found this helpful." : "You found this unhelpful.") : "");
  const give = (helpful) => async () => {
    try {
      await api(`/api/v1/messages/${messageId}/feedback`, { method: "POST", body: { helpful } });
      feedbackState.textContent = helpful ? "Thank you: marked helpful." : "Thank you: marked not helpful.";
    } catch (failure) { notify(failure.message); }
  };
  const reviewState = el("span", { class: "hint", "aria-live": "polite" });
  const askReview = async () => {
    try {
      await api("/api/v1/workflows/answer_review/runs", { method: "POST", body: { input: { message_id: messageId } } });
      reviewState.textContent = "A scholar has been asked to review this answer.";
    } catch (failure) { notify(failure.message); }
  };
  const citations = Array.isArray(metadata.citations) ? metadata.citations : [];
  const reviewable = message.agent_type !== "user_interface";
  return el("li", { class: "message agent", "data-agent": message.agent_type, "data-message-id": messageId },
    el("div", {}, el("span", { class: "who" }, agentName(message.agent_type)), el("span", { class: "confidence" }, confidence)),
    text(message.content || message.response || ""),
    prayerTable(metadata.prayer_times),
    qibla(metadata.qibla),
    calculation(metadata),
    citations.length ? el("div", { class: "citations" }, el("p", { class: "hint" }, "Sources:"), citations.map(citation)) : null,
    review(message.review),
    el("div", { class: "actions" },
      el("button", { type: "button", class: "secondary", onclick: give(true), "aria-label": `Helpful: ${agentName(message.agent_type)}` }, "Helpful"),
      el("button", { type: "button", class: "secondary", onclick: give(false), "aria-label": `Not helpful: ${agentName(message.agent_type)}` }, "Not helpful"),
      reviewable ? el("button", { type: "button", class: "secondary", onclick: askReview }, "Ask a scholar to review") : null,
      feedbackState, reviewState));
}

function userMessage(content) {
  return el("li", { class: "message user" }, text(content));
}

// --- The conversation ------------------------------------------------------------------------

let list; let conversations; let checklist;

async function loadConversations() {
  try {
    const page = await api(`/api/v1/users/${encodeURIComponent(state.user.user_id)}/conversations`);
    const items = Array.isArray(page) ? page : page.conversations || [];
    clear(conversations, items.length === 0
      ? el("li", { class: "hint" }, "No conversations yet.")
      : items.map((item) => el("li", {}, el("button", {
        type: "button", class: "secondary", "aria-current": item.conversation_id === state.conversationId ? "true" : "false",
        onclick: () => openConversation(item.conversation_id, item.session_id),
      }, `${when(item.updated_at)} · ${item.message_count} messages`))));
  } catch (failure) { notify(failure.message); }
}

async function openConversation(conversationId, sessionId) {
  try {
    const conversation = await api(`/api/v1/conversations/${conversationId}`);
    state.conversationId = conversationId;
    state.session = sessionId;
    clear(list, conversation.messages.map((message) => message.role === "user" ? userMessage(message.content) : reply(message)));
    loadConversations();
  } catch (failure) { notify(failure.message); }
}

async function send(content) {
  list.append(userMessage(content));
  const waiting = el("li", { class: "hint", "aria-live": "polite" }, "The agents are answering…");
  list.append(waiting);
  try {
    const replies = await api("/api/v1/chat", { method: "POST", body: { user_id: state.user.user_id, session_id: state.session, content } });
    waiting.remove();
    let first = null;
    for (const answer of replies) {
      const item = reply({ ...answer, content: answer.response });
      first = first || item;
      list.append(item);
      state.conversationId = answer.metadata && answer.metadata.conversation_id;
    }
    if (first) first.scrollIntoView({ block: "start", behavior: "smooth" });
    loadConversations();
  } catch (failure) {
    waiting.remove();
    notify(failure.message);
  }
}

async function loadChecklist() {
  try {
    const data = await api(`/api/v1/users/${encodeURIComponent(state.user.user_id)}/checklist`);
    const wasOpen = checklist.querySelector("details")?.open;
    clear(checklist, el("details", { open: wasOpen }, el("summary", {}, `${data.done} of ${data.total} done`),
      el("ul", { class: "checklist" }, data.items.map((item) => {
        const box = el("input", { type: "checkbox", checked: item.done, id: `item-${item.item_id}` });
        box.addEventListener("change", async () => {
          try {
            await api(`/api/v1/users/${encodeURIComponent(state.user.user_id)}/checklist/${item.item_id}`, { method: "PUT", body: { done: box.checked } });
            loadChecklist();
          } catch (failure) { box.checked = !box.checked; notify(failure.message); }
        });
        return el("li", {}, el("label", { for: `item-${item.item_id}` }, box, `Week ${item.week}: ${item.title}`));
      }))));
  } catch (failure) { clear(checklist, el("p", { class: "form-error" }, failure.message)); }
}

async function exportData() {
  try {
    const response = await api(`/api/v1/users/${encodeURIComponent(state.user.user_id)}/export`, { raw: true });
    const blob = new Blob([await response.text()], { type: "application/json" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `hijraah-${state.user.user_id}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    notify("Your data was downloaded.", "ok");
  } catch (failure) { notify(failure.message); }
}

async function deleteAccount() {
  if (!confirm("Delete your account? Everything Hijraah holds about you becomes unreadable, for good.")) return;
  try {
    await api(`/api/v1/users/${encodeURIComponent(state.user.user_id)}`, { method: "DELETE" });
    await signOut();
  } catch (failure) { notify(failure.message); }
}

function showApp(user) {
  state.user = user;
  newSession();
  list = el("ol", { class: "messages", id: "messages", "aria-live": "polite", "aria-label": "Messages" });
  conversations = el("ul", { class: "conversations", id: "conversations" });
  checklist = el("div", { id: "checklist" });
  const input = el("textarea", { id: "composer", name: "content", rows: 2, required: true, maxlength: 10000, dir: "auto", placeholder: "Ask about prayer times, zakat, the Qur'an and hadith, settling in…" });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  const form = el("form", {
    class: "composer", id: "composer-form", onsubmit: (event) => {
      event.preventDefault();
      const content = input.value.trim();
      if (!content) return;
      input.value = "";
      send(content);
    },
  }, el("label", { for: "composer", class: "visually-hidden" }, "Your question"), input, el("button", { type: "submit" }, "Send"));
  clear(root,
    el("header", { class: "top" },
      el("h1", {}, "Hijraah"),
      el("span", { id: "who" }, `${user.user_id} (${user.role})`),
      user.role !== "user" ? el("a", { href: "/admin" }, "Admin panel") : null,
      el("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out")),
    el("div", { class: "layout" },
      el("aside", {},
        el("section", { class: "card", "aria-labelledby": "conv-title" },
          el("h2", { id: "conv-title" }, "Conversations"),
          el("button", { type: "button", onclick: () => { newSession(); clear(list); loadConversations(); input.focus(); } }, "New conversation"),
          conversations),
        el("section", { class: "card", "aria-labelledby": "check-title" }, el("h2", { id: "check-title" }, "Settling-in checklist"), checklist),
        el("section", { class: "card", "aria-labelledby": "data-title" },
          el("h2", { id: "data-title" }, "Your data"),
          el("p", {}, el("button", { type: "button", class: "secondary", id: "export", onclick: exportData }, "Download my data")),
          el("p", {}, el("button", { type: "button", class: "danger", id: "erase", onclick: deleteAccount }, "Delete my account")))),
      el("main", {}, list, form)));
  loadConversations();
  loadChecklist();
  input.focus();
}

boot();
