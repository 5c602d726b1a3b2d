// bench_dashboard: figures of the web dashboard against a real domusd (HTTPS on 127.0.0.1)
// and a real domain, in Debian's chromium driven by playwright-core.
//   first load      time to the sign-in form and the bytes transferred (a fresh browser)
//   CPU/dashboard   domusd's CPU time (utime+stime of /proc/PID/stat) while 0, 1 and 5
//                   signed-in dashboards show the list of 100 domains (one running), per
//                   dashboard above the idle daemon
//   console echo    a line typed into the `service` guest's console until its echo comes
//                   back: over a browser WebSocket (the dashboard's path) and through
//                   `domus console` (the CLI over WSS); median and p90 of --echoes lines
// Usage: bench_dashboard [--seconds N] [--echoes N] [--domains N] [--chromium PATH]
import { execSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const args = { seconds: "20", echoes: "30", domains: "100" };
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const seconds = Number(args.seconds), echoes = Number(args.echoes), domainCount = Number(args.domains);
const require = createRequire(path.join(path.resolve(args.modules), "x.js"));
const { chromium } = require("playwright-core");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ticks = Number(execSync("getconf CLK_TCK").toString().trim());

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}
async function until(what, f, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if (await f()) return;
    } catch (e) {
      /* not yet */
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}
function request(port, ca, method, target, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, method, path: target, headers, ca, servername: "localhost" }, (res) => {
      let data = "";
      res.on("data", (c) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode, body: data }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / ticks; // utime, stime
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const dir = mkdtempSync(path.join(os.tmpdir(), "domus-dashboard-bench-"));
const stateDir = path.join(dir, "state");
const port = await freePort();
const base = `https://127.0.0.1:${port}`;
const daemon = spawn(args.domusd, ["--socket", path.join(dir, "domusd.sock"), "--state-dir", stateDir, "--listen", `127.0.0.1:${port}`], { stdio: "ignore" });
let browser = null, token = "", ca = null, failed = false;
try {
  await until("domusd", () => existsSync(path.join(stateDir, "api.token")) && existsSync(path.join(stateDir, "tls", "cert.pem")));
  token = readFileSync(path.join(stateDir, "api.token"), "utf8").trim();
  ca = readFileSync(path.join(stateDir, "tls", "cert.pem"));
  await until("domusd to listen", async () => (await request(port, ca, "GET", "/")).status === 200);
  const auth = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };
  const echoCfg = JSON.stringify({ name: "echo1", cmdline: "service" });
  const made = await request(port, ca, "POST", "/v1/domains?start=true", auth, echoCfg);
  if (made.status !== 201) throw new Error(`create echo1: ${made.status} ${made.body}`);
  for (let i = 1; i < domainCount; ++i) {
    const r = await request(port, ca, "POST", "/v1/domains", auth, JSON.stringify({ name: `idle${i}` }));
    if (r.status !== 201) throw new Error(`create idle${i}: ${r.status} ${r.body}`);
  }
  console.log(`bench_dashboard: ${domainCount} domains defined (echo1 running the service workload), ${seconds} s per CPU figure, ${echoes} echoes`);

  browser = await chromium.launch({ executablePath: args.chromium || "/usr/bin/chromium", headless: true, args: ["--no-sandbox"] });
  // First load: a fresh context, no cache.
  {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await ctx.newPage();
    const t0 = Date.now();
    await page.goto(base + "/");
    await page.waitForSelector("[data-testid=signin]");
    const ms = Date.now() - t0;
    const bytes = await page.evaluate(() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).reduce((n, e) => n + e.transferSize, 0));
    console.log(`first load: ${ms} ms to the sign-in form, ${bytes} bytes transferred`);
    await ctx.close();
  }
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true });
  // Sign in through the page once; the context then holds the cookie for every page.
  const first = await ctx.newPage();
  await first.goto(base + "/");
  await first.fill("input[name=token]", token);
  await first.click("button[type=submit]");
  await first.waitForSelector(`[data-testid=domain-list] tr[data-domain='idle${domainCount - 1}']`);
  await first.close();

  const measure = async () => {
    const c0 = cpuSeconds(daemon.pid), t0 = Date.now();
    await sleep(seconds * 1000);
    return (cpuSeconds(daemon.pid) - c0) / ((Date.now() - t0) / 1000);
  };
  const idle = await measure();
  console.log(`domusd CPU, no dashboard: ${(idle * 100).toFixed(2)}% of one CPU`);
  const pages = [];
  for (const n of [1, 5]) {
    while (pages.length < n) {
      const p = await ctx.newPage();
      await p.goto(base + "/");
      await p.waitForSelector(`[data-testid=domain-list] tr[data-domain='idle${domainCount - 1}']`);
      pages.push(p);
    }
    const busy = await measure();
    console.log(`domusd CPU, ${n} dashboard(s) listing ${domainCount} domains: ${(busy * 100).toFixed(2)}% of one CPU, ${(((busy - idle) / n) * 100).toFixed(2)}% per dashboard`);
  }
  for (const p of pages) await p.close();

  // Console echo over the browser's WebSocket.
  const page = await ctx.newPage();
  await page.goto(base + "/");
  await page.waitForSelector("[data-testid=domain-list]");
  const browserMs = await page.evaluate(async (n) => {
    const ws = new WebSocket(`wss://${location.host}/v1/domains/echo1/console/ws`);
    ws.binaryType = "arraybuffer";
    await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
    const dec = new TextDecoder();
    let buf = "";
    let waiter = null;
    ws.onmessage = (m) => {
      buf += dec.decode(new Uint8Array(m.data), { stream: true });
      if (waiter) waiter();
    };
    const out = [];
    for (let i = 0; i < n; ++i) {
      const want = `service: input: b${i}\n`;
      const t0 = performance.now();
      ws.send(`b${i}\n`);
      while (!buf.includes(want)) await new Promise((r) => (waiter = r));
      out.push(performance.now() - t0);
      buf = buf.slice(buf.indexOf(want) + want.length);
    }
    ws.close();
    return out;
  }, echoes);
  console.log(`console echo, browser WebSocket: median ${pct(browserMs, 50).toFixed(2)} ms, p90 ${pct(browserMs, 90).toFixed(2)} ms`);

  // The same through `domus console` over WSS.
  const tokenFile = path.join(dir, "token");
  writeFileSync(tokenFile, token + "\n");
  const cli = spawn(args.domus, ["--url", base, "--cacert", path.join(stateDir, "tls", "cert.pem"), "--token-file", tokenFile, "console", "echo1"], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let wake = null;
  cli.stdout.on("data", (d) => {
    out += d.toString();
    if (wake) wake();
  });
  await sleep(1000);
  const cliMs = [];
  for (let i = 0; i < echoes; ++i) {
    const want = `service: input: c${i}`;
    const t0 = performance.now();
    cli.stdin.write(`c${i}\n`);
    const end = Date.now() + 5000;
    while (!out.includes(want)) {
      if (Date.now() > end) throw new Error(`no echo of c${i} through domus console`);
      await new Promise((r) => { wake = r; setTimeout(r, 50); });
    }
    cliMs.push(performance.now() - t0);
    out = out.slice(out.indexOf(want) + want.length);
  }
  cli.kill("SIGTERM");
  console.log(`console echo, domus console:     median ${pct(cliMs, 50).toFixed(2)} ms, p90 ${pct(cliMs, 90).toFixed(2)} ms`);
} catch (e) {
  failed = true;
  console.error(`bench_dashboard: ${e.stack || e}`);
}
if (browser) await browser.close().catch(() => {});
if (token) await request(port, ca, "POST", "/v1/domains/echo1/destroy", { Authorization: `Bearer ${token}` }).catch(() => {});
daemon.kill("SIGTERM");
await new Promise((r) => (daemon.exitCode !== null ? r() : daemon.on("exit", r)));
rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
