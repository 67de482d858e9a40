"use strict";
/*
 * egressgw's live status page. It uses only the public REST API, as a portal would: it lists the
 * gateway groups (all namespaces) and the policies, then follows each with ?watch=true, reading the
 * stream of JSON lines with fetch() (EventSource cannot send an Authorization header). A token typed
 * into the page is sent as a bearer token; without one the calls go out bare, which works when the
 * API's authorisation is off. A watch that ends is resumed from the last resourceVersion seen; a 410
 * (too old) lists again.
 */
(function () {
  const GROUPS = "/v1/gateway-groups";
  const POLICIES = "/v1/egress-policies";
  const MAX_MOVES = 50;
  const UNASSIGNED = "(unassigned)";

  const groups = new Map();
  const policies = new Map();
  /** The node each known floating IP was on at the last render, to see moves. */
  let holders = null;
  const moves = [];
  const status = { groups: "connecting", policies: "connecting" };

  let token = sessionStorage.getItem("egressgw.token") || "";
  let aborter = new AbortController();

  function headers() {
    const h = { Accept: "application/json" };
    if (token) {
      h.Authorization = "Bearer " + token;
    }
    return h;
  }

  function key(o) {
    const m = o.metadata || {};
    return (m.namespace ? m.namespace + "/" : "") + m.name;
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** "401 Unauthorized: detail" from a problem+json answer, or the bare status. */
  async function describe(response) {
    try {
      const p = await response.json();
      return response.status + " " + (p.title || "") + ": " + (p.detail || "");
    } catch (e) {
      return "HTTP " + response.status;
    }
  }

  /** Every page of a list; answers the first page's resourceVersion to watch from. */
  async function list(path, store, signal) {
    let next = null;
    let version = null;
    const items = [];
    do {
      const url = path + "?limit=500" + (next ? "&continue=" + encodeURIComponent(next) : "");
      const r = await fetch(url, { headers: headers(), signal });
      if (!r.ok) {
        throw new Error(await describe(r));
      }
      const page = await r.json();
      version = version || page.metadata.resourceVersion;
      items.push(...page.items);
      next = page.metadata.continue;
    } while (next);
    store.clear();
    for (const o of items) {
      store.set(key(o), o);
    }
    return version;
  }

  /** Lists, then watches one collection for as long as the token is the same. */
  async function follow(name, path, store, signal) {
    let version = null;
    while (!signal.aborted) {
      try {
        if (version === null) {
          version = await list(path, store, signal);
          render();
        }
        const url =
          path + "?watch=true&timeoutSeconds=300&resourceVersion=" + encodeURIComponent(version);
        const r = await fetch(url, { headers: headers(), signal });
        if (r.status === 410) {
          version = null;
          continue;
        }
        if (!r.ok) {
          throw new Error(await describe(r));
        }
        setStatus(name, "live");
        const reader = r.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) {
            break;
          }
          buffer += decoder.decode(value, { stream: true });
          let end;
          let changed = false;
          while ((end = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, end).trim();
            buffer = buffer.slice(end + 1);
            if (line) {
              const event = JSON.parse(line);
              version = (event.object.metadata || {}).resourceVersion || version;
              if (event.type === "DELETED") {
                store.delete(key(event.object));
                changed = true;
              } else if (event.type === "ADDED" || event.type === "MODIFIED") {
                store.set(key(event.object), event.object);
                changed = true;
              }
            }
          }
          if (changed) {
            document.getElementById("last-event").textContent = new Date().toISOString();
            render();
          }
        }
        // The stream ended (its timeout, or this page fell behind): watch again from `version`.
      } catch (e) {
        if (signal.aborted) {
          return;
        }
        setStatus(name, "error: " + e.message);
        await sleep(2000);
      }
    }
  }

  function setStatus(name, text) {
    status[name] = text;
    const el = document.getElementById("connection");
    const errors = Object.entries(status).filter(([, s]) => s.startsWith("error"));
    if (errors.length > 0) {
      el.dataset.state = "error";
      el.textContent = errors.map(([n, s]) => n + " " + s).join("; ");
    } else if (status.groups === "live" && status.policies === "live") {
      el.dataset.state = "live";
      el.textContent = "live";
    } else {
      el.dataset.state = "connecting";
      el.textContent = "connecting";
    }
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text === undefined || text === null ? "" : String(text);
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
    return td;
  }

  function stateCell(row, text, kind) {
    const td = cell(row, text, kind + " state state-" + text);
    return td;
  }

  function fill(tableId, rows) {
    const body = document.querySelector("#" + tableId + " tbody");
    body.replaceChildren(...rows);
  }

  /** Floating IP -> {node, standby, group} over every group, unassigned IPs included. */
  function placement() {
    const out = new Map();
    for (const [name, g] of groups) {
      const st = g.status || {};
      const held = st.floatingIPs || {};
      const standbys = st.standbys || {};
      for (const ip of (g.spec && g.spec.floatingIPs) || []) {
        out.set(ip, { node: held[ip] || UNASSIGNED, standby: standbys[ip] || "", group: name });
      }
    }
    return out;
  }

  /** Node -> Up/Down from every group's status; Down wins when two groups disagree. */
  function nodeStates() {
    const out = new Map();
    for (const g of groups.values()) {
      for (const [node, state] of Object.entries((g.status || {}).nodes || {})) {
        if (out.get(node) !== "Down") {
          out.set(node, state);
        }
      }
    }
    return out;
  }

  function recordMoves(now) {
    if (holders !== null) {
      const at = new Date().toISOString().replace("T", " ").replace("Z", "");
      for (const [ip, p] of now) {
        const before = holders.get(ip);
        if (before !== undefined && before !== p.node) {
          moves.unshift({ at, ip, from: before, to: p.node });
        }
      }
      moves.length = Math.min(moves.length, MAX_MOVES);
    }
    holders = new Map([...now].map(([ip, p]) => [ip, p.node]));
  }

  function condition(p, type) {
    const c = ((p.status || {}).conditions || []).find((x) => x.type === type);
    return c ? c : { status: "Unknown", reason: "", message: "not reported yet" };
  }

  function render() {
    const ips = placement();
    recordMoves(ips);
    const sortedIps = [...ips.entries()].sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));
    fill(
      "floating-ips",
      sortedIps.map(([ip, p]) => {
        const tr = document.createElement("tr");
        tr.dataset.ip = ip;
        cell(tr, ip, "ip");
        cell(tr, p.node, p.node === UNASSIGNED ? "node state state-unassigned" : "node");
        cell(tr, p.standby, "standby");
        cell(tr, p.group, "group");
        return tr;
      })
    );

    const states = nodeStates();
    const held = new Map();
    for (const [ip, p] of ips) {
      held.set(p.node, (held.get(p.node) || []).concat(ip));
    }
    fill(
      "nodes",
      [...states.entries()]
        .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
        .map(([node, state]) => {
          const tr = document.createElement("tr");
          tr.dataset.node = node;
          cell(tr, node, "name");
          stateCell(tr, state, "state-cell");
          cell(tr, (held.get(node) || []).join(", "), "holds");
          return tr;
        })
    );

    fill(
      "policies",
      [...policies.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, p]) => {
          const tr = document.createElement("tr");
          tr.dataset.policy = name;
          const ref = (p.spec || {}).gatewayRef || {};
          const st = p.status || {};
          cell(tr, name, "name");
          cell(tr, (ref.namespace || "") + "/" + (ref.name || ""), "gateway");
          cell(tr, st.egressIP, "egress-ip");
          cell(tr, st.gatewayNode, "gateway-node");
          for (const type of ["Accepted", "Programmed"]) {
            const c = condition(p, type);
            stateCell(tr, c.status, type.toLowerCase()).title = (c.reason + " " + c.message).trim();
          }
          return tr;
        })
    );

    const ol = document.getElementById("moves");
    ol.replaceChildren(
      ...moves.map((m) => {
        const li = document.createElement("li");
        li.dataset.ip = m.ip;
        li.dataset.from = m.from;
        li.dataset.to = m.to;
        li.textContent = m.at + " " + m.ip + " " + m.from + " -> " + m.to;
        return li;
      })
    );
  }

  function start() {
    aborter.abort();
    aborter = new AbortController();
    holders = null;
    status.groups = status.policies = "connecting";
    setStatus("groups", "connecting");
    follow("groups", GROUPS, groups, aborter.signal);
    follow("policies", POLICIES, policies, aborter.signal);
  }

  document.getElementById("token").value = token;
  document.getElementById("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    token = document.getElementById("token").value.trim();
    if (token) {
      sessionStorage.setItem("egressgw.token", token);
    } else {
      sessionStorage.removeItem("egressgw.token");
    }
    start();
  });
  start();
})();
