// The Domus dashboard: sign-in, the domain list (live), a domain's page with its console, the
// create form (or a pasted xl.cfg), the host and the events. Hash routes: #/, #/create,
// #/domain/NAME, #/host, #/events.
import "@xterm/xterm/css/xterm.css";
import "./app.css";
import { h, render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import htm from "htm";
import { api, followEvents, setSignedOutHandler, signIn, signOut } from "./api.js";
import { Console } from "./console.js";
import { mib, time, uptime } from "./format.js";
import { POLICIES, checkConfig, parseXlCfg, xlToConfig } from "./validate.js";

const html = htm.bind(h);
const HISTORY = 60; // CPU% points per domain (one a second)
const DESTRUCTIVE = new Set(["destroy", "delete", "shutdown", "reboot"]);

function route() {
  const parts = location.hash.replace(/^#\/?/, "").split("/");
  return { page: parts[0] || "domains", arg: parts[1] ? decodeURIComponent(parts[1]) : "" };
}

// CPU% of one CPU from the sampled vcpu_time_ns between two lists.
function updateCpu(history, domains, now) {
  const next = {};
  for (const d of domains) {
    const prev = history[d.name];
    const ns = d.stats ? d.stats.vcpu_time_ns : 0;
    let points = prev ? prev.points : [];
    if (prev && d.state === "running" && ns >= prev.ns && now > prev.t) {
      if (ns !== prev.ns || now - prev.t > 2500) {
        const pct = ((ns - prev.ns) / ((now - prev.t) * 1e6)) * 100;
        points = [...points, Math.max(0, pct)].slice(-HISTORY);
        next[d.name] = { ns, t: now, points };
        continue;
      }
      next[d.name] = prev; // the daemon has not sampled again yet
      continue;
    }
    if (d.state !== "running") points = [];
    next[d.name] = { ns, t: now, points };
  }
  return next;
}

function Sparkline({ points }) {
  const w = 120, hgt = 24;
  if (!points || points.length < 2) return html`<svg class="spark" width=${w} height=${hgt}></svg>`;
  const max = Math.max(100, ...points);
  const step = w / (HISTORY - 1);
  const x0 = w - (points.length - 1) * step;
  const d = points.map((p, i) => `${i ? "L" : "M"}${(x0 + i * step).toFixed(1)},${(hgt - (p / max) * (hgt - 2) - 1).toFixed(1)}`).join("");
  return html`<svg class="spark" width=${w} height=${hgt}><path d=${d} /></svg>`;
}

function lastCpu(h) {
  if (!h || !h.points.length) return "";
  const p = h.points[h.points.length - 1];
  // An idle guest uses hundredths of a percent: three decimals there, so the figure shows it live.
  return `${p.toFixed(p < 0.1 ? 3 : p < 1 ? 2 : 1)}%`;
}

function Actions({ d, act }) {
  const s = d.state;
  const buttons = [];
  if (s === "stopped" || s === "crashed") buttons.push("start");
  if (s === "running") buttons.push("pause", "shutdown", "reboot");
  if (s === "paused") buttons.push("unpause");
  if (s !== "stopped") buttons.push("destroy");
  if (s === "stopped" || s === "crashed") buttons.push("delete");
  if (d.name === "Domain-0") return null;
  return html`<span class="actions">${buttons.map(
    (a) => html`<button class=${DESTRUCTIVE.has(a) ? "danger" : ""} data-action=${a} onClick=${() => act(d.name, a)}>${a}</button>`,
  )}</span>`;
}

function DomainList({ domains, cpu, act, now }) {
  return html`<table class="domains" data-testid="domain-list">
    <thead><tr><th>name</th><th>state</th><th>vCPUs</th><th>memory</th><th>CPU</th><th></th><th>uptime</th><th>actions</th></tr></thead>
    <tbody>${domains.map(
      (d) => html`<tr data-domain=${d.name}>
        <td><a href=${`#/domain/${encodeURIComponent(d.name)}`}>${d.name}</a></td>
        <td class=${`state ${d.state}`} data-testid="state">${d.state}</td>
        <td>${d.vcpus}</td>
        <td>${mib(d.memory)}</td>
        <td class="cpu" data-testid="cpu">${d.name === "Domain-0" ? "" : lastCpu(cpu[d.name])}</td>
        <td>${d.name === "Domain-0" ? "" : html`<${Sparkline} points=${cpu[d.name] && cpu[d.name].points} />`}</td>
        <td>${d.state === "running" || d.state === "paused" ? uptime(d.started_at, now) : ""}</td>
        <td><${Actions} d=${d} act=${act} /></td>
      </tr>`,
    )}</tbody>
  </table>`;
}

function Field({ label, error, children }) {
  return html`<label class=${error ? "field bad" : "field"}><span>${label}</span>${children}${error ? html`<em class="field-error">${error}</em>` : ""}</label>`;
}

function CreateForm({ onCreated }) {
  const [f, setF] = useState({
    name: "", memory: "64", vcpus: "1", kernel: "", ramdisk: "", cmdline: "",
    on_poweroff: "destroy", on_reboot: "restart", on_crash: "destroy", start: true,
    disks: [], nics: [], exec: "", exec_args: "", exec_busybox: false, exec_overlay: "",
  });
  const [images, setImages] = useState([]);
  const [bad, setBad] = useState(null);
  const [error, setError] = useState("");
  const [xl, setXl] = useState("");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api("GET", "/v1/images").then((r) => setImages(r.images || []), () => setImages([]));
  }, []);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.type === "checkbox" ? e.target.checked : e.target.value });
  const send = async (config, start) => {
    setBad(null);
    setError("");
    const problem = checkConfig(config);
    if (problem) {
      setBad(problem);
      setError(problem.message);
      return;
    }
    setBusy(true);
    try {
      const d = await api("POST", `/v1/domains${start ? "?start=true" : ""}`, config);
      onCreated(d.name);
    } catch (e) {
      setBad(e.field ? { field: e.field, message: e.message } : null);
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  const submit = (e) => {
    e.preventDefault();
    const num = (v) => (/^[0-9]+$/.test(v.trim()) ? Number(v) : v.trim() === "" ? undefined : NaN);
    const c = { name: f.name.trim(), memory: num(f.memory), vcpus: num(f.vcpus) };
    if (f.kernel) c.kernel = f.kernel;
    if (f.ramdisk) c.ramdisk = f.ramdisk;
    if (f.cmdline) c.cmdline = f.cmdline;
    if (f.exec) {
      // One argument a line: an argument may hold spaces and quotes.
      const lines = f.exec_args.replace(/\r/g, "").replace(/\n$/, "");
      const args = lines === "" ? [] : lines.split("\n");
      c.exec = { program: f.exec, args, with_busybox: f.exec_busybox };
      if (f.exec_overlay.trim()) c.exec.overlay = f.exec_overlay.trim();
    }
    for (const p of ["on_poweroff", "on_reboot", "on_crash"]) c[p] = f[p];
    if (f.disks.length) {
      c.disks = f.disks.map((d) => {
        const o = { path: d.path, read_only: d.read_only };
        if (d.vdev.trim()) o.vdev = d.vdev.trim();
        return o;
      });
    }
    if (f.nics.length) {
      c.nics = f.nics.map((n) => {
        const o = {};
        if (n.ip.trim()) o.ip = n.ip.trim();
        if (n.mac.trim()) o.mac = n.mac.trim();
        return o;
      });
    }
    send(c, f.start);
  };
  const submitXl = (e) => {
    e.preventDefault();
    const r = parseXlCfg(xl);
    if (r.error) {
      setBad(null);
      setError(r.error);
      return;
    }
    send(xlToConfig(r.config), f.start);
  };
  const err = (k) => (bad && bad.field === k ? bad.message : "");
  const setItem = (list, i, k) => (e) => {
    const items = f[list].map((x, j) => (j === i ? { ...x, [k]: e.target.type === "checkbox" ? e.target.checked : e.target.value } : x));
    setF({ ...f, [list]: items });
  };
  const add = (list, item) => () => setF({ ...f, [list]: [...f[list], item] });
  const remove = (list, i) => () => setF({ ...f, [list]: f[list].filter((_, j) => j !== i) });
  const listErr = (prefix) => (bad && bad.field && bad.field.startsWith(prefix) ? bad.message : "");
  const files = images.map((i) => i.name);
  const policy = (k) => html`<${Field} label=${k} error=${err(k)}><select name=${k} value=${f[k]} onChange=${set(k)}>${POLICIES.map((p) => html`<option value=${p}>${p}</option>`)}</select><//>`;
  return html`<div class="create">
    <form onSubmit=${submit} data-testid="create-form">
      <h2>Create a domain</h2>
      <${Field} label="name" error=${err("name")}><input name="name" value=${f.name} onInput=${set("name")} required /><//>
      <${Field} label="memory (MiB)" error=${err("memory")}><input name="memory" value=${f.memory} onInput=${set("memory")} inputmode="numeric" /><//>
      <${Field} label="vCPUs" error=${err("vcpus")}><input name="vcpus" value=${f.vcpus} onInput=${set("vcpus")} inputmode="numeric" /><//>
      <${Field} label="kernel" error=${err("kernel")}><select name="kernel" value=${f.kernel} onChange=${set("kernel")}>
        <option value="">the embedded Domus guest</option>${files.map((n) => html`<option value=${n}>${n}</option>`)}</select><//>
      <${Field} label="ramdisk" error=${err("ramdisk")}><select name="ramdisk" value=${f.ramdisk} onChange=${set("ramdisk")}>
        <option value="">none</option>${files.map((n) => html`<option value=${n}>${n}</option>`)}</select><//>
      <${Field} label="program (exec)" error=${err("exec") || listErr("exec.program")}><select name="exec" value=${f.exec} onChange=${set("exec")}>
        <option value="">none</option>${files.map((n) => html`<option value=${n}>${n}</option>`)}</select><//>
      ${f.exec ? html`<${Field} label="its arguments (one a line)" error=${listErr("exec.args")}><textarea name="exec_args" rows="3" value=${f.exec_args} onInput=${set("exec_args")}></textarea><//>
      <${Field} label="overlay directory (in the image dirs)" error=${listErr("exec.overlay")}><input name="exec_overlay" placeholder="none" value=${f.exec_overlay} onInput=${set("exec_overlay")} /><//>
      <label class="check"><input type="checkbox" name="exec_busybox" checked=${f.exec_busybox} onChange=${set("exec_busybox")} /> with busybox</label>` : ""}
      <${Field} label="command line" error=${err("cmdline")}><input name="cmdline" value=${f.cmdline} onInput=${set("cmdline")} /><//>
      ${policy("on_poweroff")}${policy("on_reboot")}${policy("on_crash")}
      <fieldset class="items" data-testid="disks"><legend>disks</legend>
        ${f.disks.map((d, i) => html`<div class=${listErr(`disks[${i}]`) ? "item bad" : "item"}>
          <select name=${`disk${i}-path`} value=${d.path} onChange=${setItem("disks", i, "path")}>
            <option value="">(image)</option>${files.map((n) => html`<option value=${n}>${n}</option>`)}</select>
          <input name=${`disk${i}-vdev`} placeholder="xvda (auto)" size="8" value=${d.vdev} onInput=${setItem("disks", i, "vdev")} />
          <label><input type="checkbox" checked=${d.read_only} onChange=${setItem("disks", i, "read_only")} /> read-only</label>
          <button type="button" onClick=${remove("disks", i)}>remove</button>
          ${listErr(`disks[${i}]`) ? html`<em class="field-error">${listErr(`disks[${i}]`)}</em>` : ""}
        </div>`)}
        ${f.disks.length < 6 ? html`<button type="button" onClick=${add("disks", { path: "", vdev: "", read_only: false })}>add a disk</button>` : ""}
      </fieldset>
      <fieldset class="items" data-testid="nics"><legend>network interfaces</legend>
        ${f.nics.map((n, i) => html`<div class=${listErr(`nics[${i}]`) ? "item bad" : "item"}>
          eth${i} <input name=${`nic${i}-ip`} placeholder="IP (auto)" size="13" value=${n.ip} onInput=${setItem("nics", i, "ip")} />
          <input name=${`nic${i}-mac`} placeholder="MAC (auto)" size="17" value=${n.mac} onInput=${setItem("nics", i, "mac")} />
          <button type="button" onClick=${remove("nics", i)}>remove</button>
          ${listErr(`nics[${i}]`) ? html`<em class="field-error">${listErr(`nics[${i}]`)}</em>` : ""}
        </div>`)}
        ${f.nics.length < 4 ? html`<button type="button" onClick=${add("nics", { ip: "", mac: "" })}>add a NIC</button>` : ""}
      </fieldset>
      <label class="check"><input type="checkbox" name="start" checked=${f.start} onChange=${set("start")} /> start it now</label>
      <div class="buttons"><button type="submit" disabled=${busy}>Create</button></div>
    </form>
    <form onSubmit=${submitXl} data-testid="xl-form">
      <h2>… or paste an xl.cfg</h2>
      <textarea name="xl" rows="12" value=${xl} onInput=${(e) => setXl(e.target.value)} placeholder=${'name = "web1"\nmemory = 64\nvcpus = 1\ncmdline = "service"'}></textarea>
      <div class="buttons"><button type="submit" disabled=${busy}>Create from xl.cfg</button></div>
    </form>
    ${error ? html`<div class="error" data-testid="form-error">${error}</div>` : ""}
  </div>`;
}

function DomainPage({ name, cpu, events, act, now }) {
  const [d, setD] = useState(null);
  const [error, setError] = useState("");
  const [tab, setTab] = useState("overview");
  useEffect(() => {
    let live = true;
    const load = () => api("GET", `/v1/domains/${encodeURIComponent(name)}`).then(
      (r) => live && (setD(r), setError("")),
      (e) => live && setError(e.message),
    );
    load();
    const t = setInterval(load, 1000);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [name]);
  if (!d) return html`<div>${error ? html`<div class="error">${error}</div>` : "loading…"}</div>`;
  const mine = events.filter((e) => e.domain === name).slice(-20).reverse();
  const config = {};
  for (const k of ["name", "memory", "vcpus", "kernel", "ramdisk", "cmdline", "on_poweroff", "on_reboot", "on_crash", "cpu_weight", "cap", "cpus", "disks", "nics", "exec"]) config[k] = d[k];
  return html`<div class="domain-page" data-testid="domain-page">
    <h2>${d.name} <span class=${`state ${d.state}`} data-testid="state">${d.state}</span> <${Actions} d=${d} act=${act} /></h2>
    ${error ? html`<div class="error">${error}</div>` : ""}
    <nav class="tabs">
      <button class=${tab === "overview" ? "on" : ""} onClick=${() => setTab("overview")}>overview</button>
      <button class=${tab === "console" ? "on" : ""} data-testid="console-tab" onClick=${() => setTab("console")}>console</button>
    </nav>
    ${tab === "console"
      ? html`<${Console} name=${name} />`
      : html`<div class="grid">
      <section><h3>live</h3><dl>
        <dt>CPU</dt><dd>${lastCpu(cpu[name])} <${Sparkline} points=${cpu[name] && cpu[name].points} /></dd>
        <dt>uptime</dt><dd>${d.state === "running" || d.state === "paused" ? uptime(d.started_at, now) : ""}</dd>
        <dt>vCPU time</dt><dd>${(d.stats.vcpu_time_ns / 1e9).toFixed(2)} s</dd>
        <dt>exits</dt><dd>${d.stats.exits}</dd>
        <dt>hypercalls</dt><dd>${d.stats.hypercalls}</dd>
        <dt>resident</dt><dd>${d.stats.resident_kib} KiB</dd>
        <dt>restarts</dt><dd>${d.restarts}</dd>
        <dt>last exit</dt><dd data-testid="last-exit">${d.last_exit ? `${d.last_exit.reason} (${d.last_exit.code})${d.last_exit.detail ? ": " + d.last_exit.detail : ""}` : "none"}</dd>
      </dl></section>
      <section><h3>config</h3><pre>${JSON.stringify(config, null, 2)}</pre></section>
      <section><h3>recent events</h3><${EventTable} events=${mine} /></section>
    </div>`}
  </div>`;
}

function EventTable({ events }) {
  return html`<table class="events" data-testid="events"><thead><tr><th>id</th><th>time</th><th>domain</th><th>type</th><th>detail</th></tr></thead>
    <tbody>${events.map((e) => html`<tr><td>${e.id}</td><td>${time(e.time)}</td><td>${e.domain}</td><td>${e.type}</td><td>${e.detail}</td></tr>`)}</tbody></table>`;
}

function HostPage() {
  const [host, setHost] = useState(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api("GET", "/v1/host").then(setHost, (e) => setError(e.message));
  }, []);
  if (!host) return html`<div>${error ? html`<div class="error">${error}</div>` : "loading…"}</div>`;
  const rows = [
    ["backend", host.backend], ["version", host.version], ["CPUs", host.cpus],
    ["memory total", mib(host.memory_total_mib)], ["memory available", mib(host.memory_available_mib)],
    ["memory assigned to domains", mib(host.memory_assigned_mib)], ["memory reserved for the host", host.memory_reserve_mib !== undefined ? mib(host.memory_reserve_mib) : ""],
    ["overcommit", String(host.overcommit)], ["max vCPUs per domain", host.max_vcpus_per_domain],
    ["domains", `${host.domains_total} defined, ${host.domains_running} running (max ${host.max_domains})`],
    ["cgroups", host.cgroups ? host.cgroups.detail : ""],
    ["network", host.network ? `${host.network.bridge} ${host.network.subnet} gateway ${host.network.gateway}${host.network.nat ? " NAT" : ""}` : ""],
  ];
  return html`<div class="host" data-testid="host-page"><h2>Host</h2><dl>${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl></div>`;
}

function SignIn({ onSignedIn, reason }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  const submit = async (e) => {
    e.preventDefault();
    try {
      await signIn(token.trim());
      setToken("");
      onSignedIn();
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<form class="signin" onSubmit=${submit} data-testid="signin">
    <h1>Domus</h1>
    <p>Sign in with the API token (<code>&lt;state-dir&gt;/api.token</code> on the host).</p>
    ${reason ? html`<p class="note">${reason}</p>` : ""}
    <input type="password" name="token" autocomplete="off" value=${token} onInput=${(e) => setToken(e.target.value)} placeholder="token" />
    <button type="submit">Sign in</button>
    ${error ? html`<div class="error" data-testid="signin-error">${error}</div>` : ""}
  </form>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(null);
  const [reason, setReason] = useState("");
  const [where, setWhere] = useState(route());
  const [domains, setDomains] = useState([]);
  const [cpu, setCpu] = useState({});
  const [events, setEvents] = useState([]);
  const [live, setLive] = useState(false);
  const [notice, setNotice] = useState("");
  const [now, setNow] = useState(Date.now());
  const cpuRef = useRef({});

  useEffect(() => {
    setSignedOutHandler((why) => {
      setSignedIn(false);
      setReason(why);
    });
    api("GET", "/v1/host").then(() => setSignedIn(true), () => setSignedIn(false));
    const onHash = () => setWhere(route());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);

  const refresh = async () => {
    try {
      const r = await api("GET", "/v1/domains");
      const t = Date.now();
      cpuRef.current = updateCpu(cpuRef.current, r.domains, t);
      setCpu(cpuRef.current);
      setDomains(r.domains);
      setNow(t);
    } catch (e) {
      /* a 401 signs out; anything else shows on the next try */
    }
  };

  useEffect(() => {
    if (!signedIn) return;
    refresh();
    const t = setInterval(refresh, 1000);
    let stop = () => {};
    api("GET", "/v1/events").then((r) => {
      const start = Math.max(0, r.last_id - 200);
      return (start > 0 ? api("GET", `/v1/events?after=${start}`) : Promise.resolve(r)).then((rr) => {
        setEvents(rr.events);
        stop = followEvents(rr.last_id, (ev) => {
          setEvents((old) => [...old, ev].slice(-1000));
          refresh();
        }, setLive);
      });
    }, () => {});
    return () => {
      clearInterval(t);
      stop();
    };
  }, [signedIn]);

  const act = async (name, action) => {
    if (DESTRUCTIVE.has(action) && !window.confirm(`${action} ${name}?`)) return;
    setNotice("");
    try {
      if (action === "delete") {
        await api("DELETE", `/v1/domains/${encodeURIComponent(name)}`);
        if (where.page === "domain") location.hash = "#/";
      } else {
        await api("POST", `/v1/domains/${encodeURIComponent(name)}/${action}`);
      }
      refresh();
    } catch (e) {
      setNotice(e.message);
    }
  };

  if (signedIn === null) return html`<div class="loading">loading…</div>`;
  if (!signedIn) return html`<${SignIn} reason=${reason} onSignedIn=${() => { setReason(""); setSignedIn(true); }} />`;

  const out = async () => {
    try {
      await signOut();
    } finally {
      setSignedIn(false);
      setReason("signed out");
    }
  };
  let page;
  if (where.page === "create") page = html`<${CreateForm} onCreated=${(n) => { refresh(); location.hash = `#/domain/${encodeURIComponent(n)}`; }} />`;
  else if (where.page === "domain") page = html`<${DomainPage} name=${where.arg} cpu=${cpu} events=${events} act=${act} now=${now} />`;
  else if (where.page === "host") page = html`<${HostPage} />`;
  else if (where.page === "events") page = html`<div data-testid="events-page"><h2>Events</h2><${EventTable} events=${[...events].reverse()} /></div>`;
  else page = html`<div><h2>Domains</h2><${DomainList} domains=${domains} cpu=${cpu} act=${act} now=${now} /></div>`;
  return html`<div class="app">
    <header>
      <strong>Domus</strong>
      <a href="#/">domains</a><a href="#/create">create</a><a href="#/host">host</a><a href="#/events">events</a>
      <span class=${live ? "live on" : "live"} title="the event stream">${live ? "live" : "reconnecting"}</span>
      <button class="signout" onClick=${out}>sign out</button>
    </header>
    ${notice ? html`<div class="error" data-testid="notice">${notice}</div>` : ""}
    <main>${page}</main>
  </div>`;
}

render(html`<${App} />`, document.getElementById("app"));
