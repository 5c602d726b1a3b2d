// The checks the API makes on a domain's configuration (docs/api.md), made before sending so a
// form can name the bad field at once; the API checks again and its word is final.

export const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;
export const POLICIES = ["destroy", "restart", "preserve"];

function intIn(v, lo, hi) {
  return Number.isInteger(v) && v >= lo && v <= hi;
}

// Returns {field, message} for the first bad field, or null.
export function checkConfig(c) {
  if (typeof c.name !== "string" || !NAME_RE.test(c.name))
    return { field: "name", message: `name '${c.name ?? ""}' must be 1 to 64 of A-Z a-z 0-9 _ . -` };
  if (c.name === "Domain-0") return { field: "name", message: "name 'Domain-0' is reserved" };
  if (c.memory !== undefined && !intIn(c.memory, 4, 32768))
    return { field: "memory", message: `memory ${c.memory} MiB is out of range (4..32768)` };
  if (c.vcpus !== undefined && !intIn(c.vcpus, 1, 64))
    return { field: "vcpus", message: `vcpus ${c.vcpus} is out of range (1..64)` };
  if (c.cmdline !== undefined && new TextEncoder().encode(c.cmdline).length >= 1024)
    return { field: "cmdline", message: "cmdline must be shorter than 1024 bytes" };
  for (const p of ["on_poweroff", "on_reboot", "on_crash"]) {
    if (c[p] !== undefined && !POLICIES.includes(c[p]))
      return { field: p, message: `${p} '${c[p]}' must be destroy, restart or preserve` };
  }
  if (c.disks !== undefined) {
    if (!Array.isArray(c.disks) || c.disks.length > 6) return { field: "disks", message: "at most 6 disks" };
    for (let i = 0; i < c.disks.length; ++i) {
      const d = c.disks[i];
      if (typeof d.path !== "string" || !d.path) return { field: `disks[${i}].path`, message: `disks[${i}].path is required` };
      if (d.vdev != null && !/^(xvd|hd|sd|vd)[a-f]$/.test(d.vdev))
        return { field: `disks[${i}].vdev`, message: `disks[${i}].vdev '${d.vdev}' must be xvdX, hdX, sdX or vdX with X in a..f` };
    }
  }
  if (c.nics !== undefined) {
    if (!Array.isArray(c.nics) || c.nics.length > 4) return { field: "nics", message: "at most 4 NICs" };
    for (let i = 0; i < c.nics.length; ++i) {
      const n = c.nics[i];
      if (n.mac != null && !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(n.mac))
        return { field: `nics[${i}].mac`, message: `nics[${i}].mac '${n.mac}' is not a MAC address (xx:xx:xx:xx:xx:xx)` };
      if (n.ip != null && !/^([0-9]{1,3})(\.[0-9]{1,3}){3}$/.test(n.ip))
        return { field: `nics[${i}].ip`, message: `nics[${i}].ip '${n.ip}' is not an IPv4 address` };
    }
  }
  if (c.exec != null) {
    const e = c.exec;
    if (typeof e !== "object" || Array.isArray(e)) return { field: "exec", message: "exec must be an object or null" };
    if (typeof e.program !== "string" || !e.program) return { field: "exec.program", message: "exec.program is required (the static program to run)" };
    if (e.args !== undefined) {
      if (!Array.isArray(e.args)) return { field: "exec.args", message: "exec.args must be an array of strings" };
      if (e.args.length > 64) return { field: "exec.args", message: `exec.args has ${e.args.length} entries: a program takes at most 64 arguments` };
      for (let i = 0; i < e.args.length; ++i) {
        if (typeof e.args[i] !== "string") return { field: `exec.args[${i}]`, message: `exec.args[${i}] must be a string` };
      }
    }
    if (e.with_busybox !== undefined && typeof e.with_busybox !== "boolean")
      return { field: "exec.with_busybox", message: "exec.with_busybox must be true or false" };
    if (e.overlay != null && (typeof e.overlay !== "string" || !e.overlay))
      return { field: "exec.overlay", message: "exec.overlay must be a directory's path or null" };
    if (c.ramdisk != null && c.ramdisk !== "")
      return { field: "exec", message: `exec packs the domain's initramfs: it cannot be combined with ramdisk '${c.ramdisk}' (leave one out)` };
  }
  return null;
}

// A subset of xl.cfg(5): `key = value` lines, values quoted strings, integers or [lists];
// '#' starts a comment. Returns {config} or {error}.
export function parseXlCfg(text) {
  const config = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; ++i) {
    const line = stripComment(lines[i]).trim();
    if (!line) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(line);
    if (!m) return { error: `line ${i + 1}: expected key = value, got '${line}'` };
    const value = parseValue(m[2].trim());
    if (value === undefined) return { error: `line ${i + 1}: cannot read the value of ${m[1]}` };
    config[m[1]] = value;
  }
  return { config };
}

function stripComment(line) {
  let quote = null;
  for (let i = 0; i < line.length; ++i) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") return line.slice(0, i);
  }
  return line;
}

function parseValue(v) {
  if (/^-?[0-9]+$/.test(v)) return Number(v);
  const q = /^"([^"]*)"$|^'([^']*)'$/.exec(v);
  if (q) return q[1] ?? q[2];
  if (v.startsWith("[") && v.endsWith("]")) {
    const inner = v.slice(1, -1).trim();
    if (!inner) return [];
    const items = [];
    const re = /\s*("([^"]*)"|'([^']*)'|-?[0-9]+)\s*(,|$)/y;
    let m;
    while (re.lastIndex < inner.length && (m = re.exec(inner))) {
      items.push(m[2] ?? m[3] ?? Number(m[1]));
    }
    if (re.lastIndex !== inner.length) return undefined;
    return items;
  }
  return undefined;
}

// xl.cfg keys as the API's JSON config: scalars keep their names; `disk` and `vif` lists of
// xl's spec strings become `disks` and `nics` objects; `extra` is appended to `cmdline`;
// exec, exec_args, exec_busybox (0/1) and exec_overlay become the `exec` object.
const EXEC_KEYS = { exec: "program", exec_args: "args", exec_busybox: "with_busybox", exec_overlay: "overlay" };
export function xlToConfig(xl) {
  const c = {};
  for (const [k, v] of Object.entries(xl)) {
    if (k in EXEC_KEYS) {
      c.exec = c.exec || {};
      c.exec[EXEC_KEYS[k]] = k === "exec_busybox" && (v === 0 || v === 1) ? v === 1 : v;
    } else if (k === "disk") c.disks = v.map(xlDisk);
    else if (k === "vif") c.nics = v.map(xlVif);
    else if (k === "extra") c.cmdline = c.cmdline ? `${c.cmdline} ${v}` : v;
    else if (k === "cmdline" && c.cmdline) c.cmdline = `${v} ${c.cmdline}`;
    else c[k] = v;
  }
  return c;
}

function xlDisk(spec) {
  const d = {};
  const parts = String(spec).split(",").map((p) => p.trim());
  const positional = [];
  for (const p of parts) {
    const eq = p.indexOf("=");
    if (eq < 0) positional.push(p);
    else {
      const key = p.slice(0, eq), val = p.slice(eq + 1);
      if (key === "target") d.path = val;
      else if (key === "vdev") d.vdev = val;
      else if (key === "access") d.read_only = val === "ro" || val === "r";
      else if (key !== "format") d[key] = val;
    }
  }
  // target, format, vdev, access
  if (positional[0] !== undefined && d.path === undefined) d.path = positional[0];
  if (positional[2] !== undefined && d.vdev === undefined) d.vdev = positional[2];
  if (positional[3] !== undefined) d.read_only = positional[3] === "ro" || positional[3] === "r";
  return d;
}

function xlVif(spec) {
  const n = {};
  for (const p of String(spec).split(",").map((s) => s.trim()).filter(Boolean)) {
    const eq = p.indexOf("=");
    if (eq < 0) continue;
    n[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return n;
}
