// Hijraah's admin panel: each tab shows what the signed-in role may see (the API decides; a tab
// the role may not use is not offered).
import { api, el, clear, notify, currentUser, signInForm, signOut, when } from "/assets/common.js";
import { barChart } from "/assets/chart.js";

const root = document.getElementById("app");
let panel;
let stopLive = () => {};

const TABS = [
  { id: "agents", label: "Agents", roles: ["admin", "curator", "analyst"], show: agents },
  { id: "projections", label: "Projections", roles: ["admin", "analyst"], show: projections },
  { id: "knowledge", label: "Knowledge", roles: ["admin", "curator"], show: knowledge },
  { id: "analytics", label: "Analytics", roles: ["admin", "analyst"], show: analytics },
  { id: "events", label: "Events", roles: ["admin", "analyst"], show: events },
  { id: "corrections", label: "Corrections", roles: ["admin", "curator"], show: corrections },
  { id: "workflows", label: "Workflows", roles: ["admin", "curator", "analyst"], show: workflows },
  { id: "audit", label: "Audit", roles: ["admin"], show: audit },
];

let role = "user";

function table(headers, rows, { id } = {}) {
  return el("div", { class: "scroll" }, el("table", { class: "grid", id },
    el("thead", {}, el("tr", {}, headers.map((header) => el("th", { scope: "col" }, header)))),
    el("tbody", {}, rows.map((row) => el("tr", {}, row.map((cell) => el("td", {}, cell)))))));
}

async function agents() {
  const health = await api("/api/v1/agents/health");
  const rows = health.map((agent) => [agent.agent_id, agent.agent_type, agent.status, agent.metrics.circuit,
    String(agent.metrics.requests), `${Math.round(agent.metrics.recent_error_rate * 100)}%`,
    agent.metrics.latency_p95_ms == null ? "" : `${agent.metrics.latency_p95_ms} ms`,
    agent.metrics.last_error ? `${agent.metrics.last_error} (${when(agent.metrics.last_error_at)})` : ""]);
  clear(panel, el("h2", {}, "Agents"),
    table(["Agent", "Type", "Health", "Circuit", "Calls", "Recent errors", "p95 latency", "Last failure"], rows, { id: "agents-table" }));
  if (role === "admin") panel.append(await customAgents());
}

async function customAgents() {
  const registered = await api("/api/v1/agents/custom");
  const field = (id, label, attributes = {}) => el("div", {}, el("label", { for: id }, label), el("input", { id, required: true, ...attributes }));
  const form = el("form", {
    class: "card", id: "custom-agent-form", onsubmit: async (event) => {
      event.preventDefault();
      const value = (id) => document.getElementById(id).value.trim();
      try {
        await api("/api/v1/agents/custom", { method: "POST", body: {
          agent_id: value("ca-id"), name: value("ca-name"), agent_type: value("ca-type"), endpoint: value("ca-endpoint"),
          keywords: value("ca-keywords").split(",").map((k) => k.trim()).filter(Boolean), timeout_ms: Number(value("ca-timeout")),
        } });
        notify("Custom agent registered.", "ok");
        agents();
      } catch (failure) { notify(failure.message); }
    },
  }, el("h3", {}, "Register a custom agent"),
  el("div", { class: "inline" }, field("ca-id", "Id", { placeholder: "halal-eats" }), field("ca-name", "Name"),
    field("ca-type", "Type", { placeholder: "restaurants" })),
  el("div", { class: "inline" }, field("ca-endpoint", "Endpoint (http://…)"), field("ca-keywords", "Keywords (comma-separated)"),
    field("ca-timeout", "Timeout (ms)", { type: "number", min: 100, max: 30000, value: 2000 })),
  el("button", { type: "submit" }, "Register"));
  const remove = (id) => async () => {
    if (!confirm(`Remove the custom agent ${id}?`)) return;
    try {
      await api(`/api/v1/agents/custom/${encodeURIComponent(id)}`, { method: "DELETE" });
      notify(`${id} removed.`, "ok");
      agents();
    } catch (failure) { notify(failure.message); }
  };
  return el("section", {}, el("h3", {}, "Custom agents"),
    registered.length === 0 ? el("p", { class: "hint" }, "None registered.") :
      table(["Id", "Name", "Type", "Endpoint", "Keywords", ""], registered.map((agent) => [agent.agent_id, agent.name, agent.agent_type,
        agent.endpoint, (agent.keywords || []).join(", "), el("button", { type: "button", class: "danger", onclick: remove(agent.agent_id) }, "Remove")])),
    form);
}

function encoderState(state) {
  return {
    no_model: "No model: search by words",
    loading: "Loading the model",
    embedding: "Embedding the texts (search by words until done)",
    ready: "Ready: search by words and meaning",
  }[state] || state;
}

async function projections() {
  const render = async () => {
    const list = await api("/api/v1/projections");
    const rebuild = (name) => async () => {
      if (!confirm(`Rebuild ${name} from the log? It is emptied and filled again while everything keeps serving.`)) return;
      try {
        await api(`/api/v1/projections/${name}/rebuild`, { method: "POST" });
        notify(`${name} is being rebuilt.`, "ok");
      } catch (failure) { notify(failure.message); }
    };
    clear(panel, el("h2", {}, "Projections"), el("p", { class: "hint" }, "Refreshed every 2 seconds."),
      table(["Read model", "Position", "Lag (events)", "Lag (seconds)", ""],
        list.map((p) => p.encoder
          // The texts' vectors: the sentence encoder's state, and how many texts are embedded.
          ? [p.name, `${p.encoder.vectors} of ${p.encoder.documents} texts`, String(p.lag_events), "",
            el("span", { "data-encoder": p.encoder.state }, encoderState(p.encoder.state))]
          : [p.name, String(p.position), String(p.lag_events), String(p.lag_seconds),
            role === "admin" ? el("button", { type: "button", class: "secondary", "data-rebuild": p.name, onclick: rebuild(p.name) }, "Rebuild") : ""]),
        { id: "projections-table" }));
  };
  await render();
  const timer = setInterval(() => render().catch((failure) => notify(failure.message)), 2000);
  stopLive = () => clearInterval(timer);
}

async function knowledge() {
  const progress = el("progress", { id: "import-progress", max: 1, value: 0, "aria-label": "Import progress" });
  const report = el("div", { id: "import-report", "aria-live": "polite" });
  const file = el("input", { type: "file", id: "import-file", accept: ".jsonl,.json,application/x-ndjson" });
  const importForm = el("form", {
    class: "card", onsubmit: async (event) => {
      event.preventDefault();
      if (!file.files[0]) return;
      const lines = (await file.files[0].text()).split("\n");
      const documents = [];
      const malformed = [];
      lines.forEach((line, index) => {
        if (!line.trim()) return;
        try { documents.push(JSON.parse(line)); } catch (_) { malformed.push(index + 1); }
      });
      const totals = { added: 0, revised: 0, unchanged: 0 };
      progress.max = Math.max(documents.length, 1);
      progress.value = 0;
      try {
        for (let start = 0; start < documents.length; start += 500) {
          const counts = await api("/api/v1/knowledge/documents", { method: "POST", body: { documents: documents.slice(start, start + 500) } });
          for (const key of Object.keys(totals)) totals[key] += counts[key] || 0;
          progress.value = Math.min(start + 500, documents.length);
        }
        clear(report, el("p", { class: "notice ok" },
          `Imported: ${totals.added} added, ${totals.revised} revised, ${totals.unchanged} unchanged.`),
        malformed.length ? el("p", { class: "form-error" }, `Malformed lines (not JSON), skipped: ${malformed.join(", ")}`) : null);
      } catch (failure) {
        clear(report, el("p", { class: "form-error" }, `Import stopped at document ${progress.value + 1}: ${failure.message}`));
      }
    },
  }, el("h3", {}, "Import texts (JSON Lines)"), el("label", { for: "import-file" }, "File"), file,
  el("button", { type: "submit" }, "Import"), progress, report);

  const reindexBar = el("progress", { id: "reindex-progress", max: 1, value: 0, "aria-label": "Reindex progress" });
  const reindexState = el("p", { id: "reindex-state", "aria-live": "polite" });
  const reindex = async () => {
    try {
      const job = await api("/api/v1/knowledge/reindex", { method: "POST" });
      const poll = async () => {
        const now = await api(`/api/v1/knowledge/reindex/${job.job_id}`);
        reindexBar.max = Math.max(now.total, 1);
        reindexBar.value = now.processed;
        reindexState.textContent = `${now.status}: ${now.processed} of ${now.total}${now.error ? ` (${now.error})` : ""}`;
        if (now.status === "running") setTimeout(() => poll().catch((failure) => notify(failure.message)), 300);
      };
      await poll();
    } catch (failure) { notify(failure.message); }
  };

  const query = el("input", { id: "search-query", type: "search", required: true });
  const results = el("div", { id: "search-results" });
  const search = el("form", {
    class: "card inline", onsubmit: async (event) => {
      event.preventDefault();
      try {
        const found = await api(`/api/v1/knowledge/search?q=${encodeURIComponent(query.value)}&limit=10`);
        clear(results, table(["Id", "Reference", "Text", ""], found.hits.map((hit) => [hit.id, hit.reference,
          el("span", { dir: "auto" }, hit.text.slice(0, 240)),
          el("button", { type: "button", class: "danger", onclick: () => retract(hit.id) }, "Retract")])));
      } catch (failure) { notify(failure.message); }
    },
  }, el("div", {}, el("label", { for: "search-query" }, "Search the texts"), query), el("button", { type: "submit" }, "Search"));

  const retract = async (id) => {
    if (!confirm(`Retract ${id}? It leaves the index; its history stays in the log.`)) return;
    try {
      await api(`/api/v1/knowledge/documents/${encodeURIComponent(id)}`, { method: "DELETE" });
      notify(`${id} retracted.`, "ok");
    } catch (failure) { notify(failure.message); }
  };

  const editions = el("div", { id: "editions" });
  const loadEditions = async () => {
    const list = await api("/api/v1/knowledge/editions");
    const quote = (id, quotable) => async () => {
      try {
        await api(`/api/v1/knowledge/editions/${encodeURIComponent(id)}`, { method: "PUT", body: { quotable } });
        notify(`${id}: ${quotable ? "quoted" : "withheld"}.`, "ok");
        await loadEditions();
      } catch (failure) { notify(failure.message); }
    };
    clear(editions, list.length === 0 ? el("p", { class: "hint" }, "No editions yet: import texts first.") :
      table(["Edition", "Work", "Language", "Translator", "Source", "Licence", "Texts", "Quoted", ""], list.map((edition) => [
        el("span", { title: edition.id }, edition.name), edition.work, edition.language, edition.translator || "",
        el("span", { title: `version ${edition.version}` }, edition.source), edition.licence, String(edition.documents), edition.quotable ? "yes" : "withheld",
        el("button", { type: "button", class: edition.quotable ? "danger" : "secondary", "data-edition": edition.id,
          onclick: quote(edition.id, !edition.quotable) }, edition.quotable ? "Withhold" : "Quote")]), { id: "editions-table" }));
  };

  clear(panel, el("h2", {}, "Knowledge"), importForm,
    el("section", { class: "card" }, el("h3", {}, "Editions"),
      el("p", { class: "hint" }, "Which published text each document is from. A withheld edition stays searchable, but no agent quotes it."),
      editions),
    el("section", { class: "card" }, el("h3", {}, "Reindex"),
      el("p", { class: "hint" }, "Builds a new index from the log, then swaps it in: searches keep working throughout."),
      el("button", { type: "button", id: "reindex", onclick: reindex }, "Start a reindex"), reindexBar, reindexState),
    search, results);
  await loadEditions();
}

// A word-level diff of two wordings (longest common subsequence of words): what the proposal
// removes and what it adds, for the review queue's side-by-side view.
function diffWords(before, after) {
  const a = before.split(/(\s+)/).filter((token) => token !== "");
  const b = after.split(/(\s+)/).filter((token) => token !== "");
  if (a.length * b.length > 4_000_000) return { left: [["del", before]], right: [["ins", after]] };
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const left = [], right = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) { left.push(["same", a[i]]); right.push(["same", b[j]]); i++; j++; }
    else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) { right.push(["ins", b[j]]); j++; }
    else { left.push(["del", a[i]]); i++; }
  }
  return { left, right };
}

function wording(parts) {
  return el("p", { class: "quote", dir: "auto" }, parts.map(([kind, text]) =>
    kind === "same" ? text : el(kind, {}, text)));
}

async function corrections() {
  const status = el("select", { id: "correction-status" }, [["open", "Awaiting a verdict"], ["approved", "Approved"], ["rejected", "Rejected"], ["", "All"]]
    .map(([value, label]) => el("option", { value }, label)));
  const listing = el("div", { id: "corrections" });
  const decide = (correction, verdict, note) => async () => {
    try {
      await api(`/api/v1/workflows/runs/${correction.run_id}/signals/verdict`, { method: "POST", body: { verdict, note: note.value.trim() } });
      notify(`Verdict sent: ${verdict}.`, "ok");
      setTimeout(() => load().catch((failure) => notify(failure.message)), 500);
    } catch (failure) { notify(failure.message); }
  };
  const card = (correction) => {
    const { left, right } = diffWords(correction.current || "", correction.proposed || "");
    const note = el("input", { class: "verdict-note", placeholder: "A note (why)", "aria-label": "Note" });
    return el("section", { class: "card correction", "data-correction": correction.correction_id, "data-status": correction.status },
      el("h3", {}, `${correction.document_id} · ${correction.field}`),
      el("p", { class: "hint" }, `Proposed by ${correction.proposed_by}, ${when(correction.proposed_at)}: ${correction.reason || ""}`),
      el("div", { class: "diff" },
        el("div", {}, el("p", { class: "hint" }, "Now"), correction.current == null ? el("p", { class: "hint" }, "Reading the text…") : wording(left)),
        el("div", {}, el("p", { class: "hint" }, "Proposed"), wording(right))),
      correction.status === "open"
        ? el("div", { class: "inline" }, note,
          el("button", { type: "button", onclick: decide(correction, "approve", note) }, "Approve"),
          el("button", { type: "button", class: "danger", onclick: decide(correction, "reject", note) }, "Reject"))
        : el("p", {}, `${correction.status}${correction.reviewer ? ` by ${correction.reviewer}` : ""}${correction.revision ? `, revision ${correction.revision}` : ""}${correction.note ? `: ${correction.note}` : ""}${correction.why ? ` (${correction.why})` : ""}`));
  };
  const load = async () => {
    const list = await api(`/api/v1/knowledge/corrections?limit=100${status.value ? `&status=${status.value}` : ""}`);
    clear(listing, list.length === 0 ? el("p", { class: "hint" }, "Nothing here.") : list.map(card));
  };
  status.addEventListener("change", () => load().catch((failure) => notify(failure.message)));
  clear(panel, el("h2", {}, "Corrections"),
    el("p", { class: "hint" }, "Problems readers reported, with the wording they propose. Approval records a revision naming who proposed it and who approved it."),
    el("div", { class: "inline" }, el("div", {}, el("label", { for: "correction-status" }, "Show"), status)), listing);
  await load();
}

async function analytics() {
  const data = await api("/api/v1/analytics");
  const types = Object.entries(data.agent_types || {});
  const percent = (value) => `${Math.round(value * 100)}%`;
  const perDay = new Map();
  for (const row of data.requests_per_day || []) perDay.set(row.day, (perDay.get(row.day) || 0) + row.requests);
  const dayTable = table(["Day", "Agent", "Requests"], (data.requests_per_day || []).map((row) => [row.day, row.agent_type, String(row.requests)]), { id: "per-day" });
  clear(panel, el("h2", {}, "Analytics"),
    el("p", { id: "totals" }, `${data.total_users} users · ${data.total_conversations} conversations · ${data.total_requests} requests · ${data.total_messages} messages`),
    el("div", { class: "charts" },
      barChart("Requests routed per day", [...perDay.entries()].map(([label, value]) => ({ label, value }))),
      barChart("Requests routed per agent", Object.entries(data.requests_by_agent_type || {}).map(([label, value]) => ({ label, value }))),
      barChart("Helpful rate per agent", types.filter(([, stats]) => stats.helpful_rate != null)
        .map(([label, stats]) => ({ label, value: stats.helpful_rate })), { format: percent, max: 1 }),
      barChart("Latency per agent: p50, p90, p99 (ms, bucket bounds)", types.filter(([, stats]) => stats.latency_ms.p50_ms != null)
        .flatMap(([label, stats]) => ["p50", "p90", "p99"].map((q) => ({ label: `${label} ${q}`, value: stats.latency_ms[`${q}_ms`] || 0 })))),
      barChart("Mean confidence per agent", types.filter(([, stats]) => stats.average_confidence != null)
        .map(([label, stats]) => ({ label, value: stats.average_confidence })), { format: percent, max: 1 })),
    el("details", { class: "card" }, el("summary", {}, "Requests per day and agent"), dayTable));
}

async function events() {
  const type = el("input", { id: "filter-type", placeholder: "e.g. AgentReplied" });
  const stream = el("input", { id: "filter-stream", placeholder: "e.g. conversation-…" });
  const tail = el("div", { class: "tail", id: "tail", "aria-live": "off" });
  let controller = null;
  const show = (data) => {
    try {
      const event = JSON.parse(data);
      if (type.value.trim() && !event.event_type.includes(type.value.trim())) return;
      tail.prepend(el("div", {}, `#${event.position} ${event.event_type} ${event.stream_id} ${JSON.stringify(event.data).slice(0, 200)}`));
      while (tail.childNodes.length > 300) tail.lastChild.remove();
    } catch (_) { /* not an event */ }
  };
  // Server-sent events read from a fetch (every event type, with the session cookie).
  const start = async () => {
    if (controller) controller.abort();
    controller = new AbortController();
    clear(tail);
    const query = new URLSearchParams({ after: "0", limit: "100" });
    if (stream.value.trim()) query.set("stream_id", stream.value.trim());
    try {
      const response = await fetch(`/api/v1/events?${query}`, {
        headers: { Accept: "text/event-stream" }, credentials: "same-origin", signal: controller.signal,
      });
      if (!response.ok) throw new Error((await response.json()).message);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split("\n").filter((line) => line.startsWith("data:")).map((line) => line.slice(5).trim()).join("\n");
          if (data) show(data);
        }
      }
    } catch (failure) {
      if (failure.name !== "AbortError") notify(`The live tail stopped: ${failure.message}`);
    }
  };
  stopLive = () => controller && controller.abort();
  const from = el("input", { id: "history-after", type: "number", min: 0, value: 0 });
  const history = el("div", { id: "history" });
  const page = async () => {
    try {
      const query = new URLSearchParams({ after: from.value || "0", limit: "50" });
      if (stream.value.trim()) query.set("stream_id", stream.value.trim());
      const result = await api(`/api/v1/events?${query}`);
      const shown = result.events.filter((event) => !type.value.trim() || event.event_type.includes(type.value.trim()));
      clear(history, table(["Position", "Type", "Stream", "Actor", "Recorded"], shown.map((event) => [String(event.position),
        event.event_type, event.stream_id, (event.metadata && event.metadata.actor) || "", when(event.recorded_at)])),
      el("p", {}, el("button", { type: "button", class: "secondary", onclick: () => { from.value = result.next_after; page(); } }, "Next page")));
    } catch (failure) { notify(failure.message); }
  };
  clear(panel, el("h2", {}, "Events"),
    el("form", { class: "card inline", onsubmit: (event) => { event.preventDefault(); start(); } },
      el("div", {}, el("label", { for: "filter-type" }, "Type contains"), type),
      el("div", {}, el("label", { for: "filter-stream" }, "Stream"), stream),
      el("button", { type: "submit" }, "Follow")), tail,
    el("h3", {}, "History"),
    el("form", { class: "inline", onsubmit: (event) => { event.preventDefault(); page(); } },
      el("div", {}, el("label", { for: "history-after" }, "After position"), from), el("button", { type: "submit" }, "Show")),
    history);
  start();
}

async function workflows() {
  const detail = el("div", { id: "run-detail" });
  const status = el("select", { id: "run-status" }, ["", "running", "waiting", "completed", "failed", "cancelled"].map((s) => el("option", { value: s }, s || "any status")));
  const listing = el("div", { id: "runs" });
  const load = async () => {
    const page = await api(`/api/v1/workflows/runs?limit=50${status.value ? `&status=${status.value}` : ""}`);
    clear(listing, table(["Run", "Workflow", "Status", "Step", "Started", ""], page.runs.map((run) => [
      run.run_id.slice(0, 8), run.definition, run.status, run.current_step || "", when(run.started_at),
      el("button", { type: "button", class: "secondary", onclick: () => open(run.run_id) }, "Open")])));
  };
  const open = async (runId) => {
    const run = await api(`/api/v1/workflows/runs/${runId}`);
    const verdict = run.definition === "answer_review" && run.waiting_for && run.waiting_for.signal === "verdict";
    const note = el("input", { id: "verdict-note", placeholder: "A note for the user (required to correct)" });
    const send = (value) => async () => {
      try {
        await api(`/api/v1/workflows/runs/${runId}/signals/verdict`, { method: "POST", body: { verdict: value, note: note.value } });
        notify(`Verdict sent: ${value}.`, "ok");
        open(runId);
      } catch (failure) { notify(failure.message); }
    };
    const signalName = el("input", { id: "signal-name", required: true, placeholder: run.waiting_for && run.waiting_for.signal || "signal" });
    const signalPayload = el("textarea", { id: "signal-payload", rows: 2 }, "{}");
    const signalForm = el("form", {
      class: "inline", onsubmit: async (event) => {
        event.preventDefault();
        try {
          await api(`/api/v1/workflows/runs/${runId}/signals/${encodeURIComponent(signalName.value.trim())}`, { method: "POST", body: JSON.parse(signalPayload.value || "{}") });
          notify("Signal sent.", "ok");
          open(runId);
        } catch (failure) { notify(failure.message); }
      },
    }, el("div", {}, el("label", { for: "signal-name" }, "Signal"), signalName),
    el("div", {}, el("label", { for: "signal-payload" }, "Payload (JSON)"), signalPayload), el("button", { type: "submit" }, "Send"));
    clear(detail, el("section", { class: "card" },
      el("h3", {}, `${run.definition} v${run.version}: ${run.status}`),
      table(["Step", "Status", "Attempts", "Started", "Finished", "Error"], run.steps.map((step) => [step.id, step.status,
        String(Array.isArray(step.attempts) ? step.attempts.length : step.attempts), when(step.started_at), when(step.finished_at), step.error || ""])),
      run.waiting_for ? el("p", {}, `Waiting for: ${JSON.stringify(run.waiting_for)}`) : null,
      verdict ? el("div", { class: "inline", id: "verdict" }, el("div", {}, el("label", { for: "verdict-note" }, "Note"), note),
        el("button", { type: "button", onclick: send("approve") }, "Approve"),
        el("button", { type: "button", class: "secondary", onclick: send("correct") }, "Correct"),
        el("button", { type: "button", class: "danger", onclick: send("reject") }, "Reject")) : null,
      run.waiting_for && run.waiting_for.signal ? signalForm : null));
  };
  status.addEventListener("change", () => load().catch((failure) => notify(failure.message)));
  clear(panel, el("h2", {}, "Workflows"), el("div", { class: "inline" }, el("div", {}, el("label", { for: "run-status" }, "Status"), status)), listing, detail);
  await load();
}

async function audit() {
  const list = el("div", { id: "audit" });
  const load = async (before) => {
    const query = new URLSearchParams({ limit: "50" });
    if (before) query.set("before", before);
    const page = await api(`/api/v1/audit?${query}`);
    clear(list, table(["When", "Who", "What", "Stream"], page.events.map((event) => [when(event.recorded_at),
      (event.metadata && event.metadata.actor) || "", event.event_type, event.stream_id]), { id: "audit-table" }),
    page.next_before ? el("button", { type: "button", class: "secondary", onclick: () => load(page.next_before) }, "Older") : null);
  };
  clear(panel, el("h2", {}, "Audit"), el("p", { class: "hint" }, "What curators and admins did, newest first."), list);
  await load();
}

function showPanel(user) {
  role = user.role;
  const tabs = TABS.filter((tab) => tab.roles.includes(user.role));
  if (tabs.length === 0) {
    clear(root, el("section", { class: "signin" }, el("h1", {}, "Admin panel"),
      el("p", {}, `Signed in as ${user.user_id} (${user.role}): the admin panel is for admins, curators and analysts.`),
      el("p", {}, el("a", { href: "/" }, "Back to the chat"), " · ", el("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out"))));
    return;
  }
  panel = el("main", { class: "panel", id: "panel", tabindex: "-1" });
  const buttons = tabs.map((tab) => el("button", {
    type: "button", role: "tab", id: `tab-${tab.id}`, "aria-selected": "false",
    onclick: () => select(tab),
  }, tab.label));
  const select = async (tab) => {
    stopLive();
    stopLive = () => {};
    for (const button of buttons) button.setAttribute("aria-selected", String(button.id === `tab-${tab.id}`));
    clear(panel, el("p", { class: "hint" }, "Loading…"));
    try { await tab.show(); } catch (failure) { clear(panel, el("p", { class: "form-error" }, failure.message)); }
  };
  clear(root,
    el("header", { class: "top" }, el("h1", {}, "Hijraah admin"), el("span", { id: "who" }, `${user.user_id} (${user.role})`),
      el("a", { href: "/" }, "Chat"), el("button", { type: "button", class: "secondary", onclick: signOut }, "Sign out")),
    el("nav", { class: "tabs", role: "tablist", "aria-label": "Sections" }, buttons), panel);
  select(tabs[0]);
}

async function boot() {
  try {
    const user = await currentUser();
    if (user) return showPanel(user);
    clear(root, await signInForm(showPanel, { defaultRole: "admin" }));
  } catch (failure) { notify(failure.message); }
}

boot();
