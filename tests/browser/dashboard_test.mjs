// The dashboard end to end in a real browser: Debian's chromium driven by playwright-core,
// against a real domusd (HTTPS on 127.0.0.1) booting real domains on /dev/kvm. Signs in (a
// wrong token first), creates a domain from the form (a bad value first), sees it running
// with a moving CPU figure, types a line into its console and reads the guest's answer,
// pauses and unpauses it, destroys and deletes it; checks that a cross-origin WebSocket and a
// cross-origin POST are refused and that signing out ends the session. Screenshots of each
// page go to --out.
// Also: a disk the page refuses, a NIC the API refuses (its message shown as it is), a domain
// made from a pasted xl.cfg, a paste into the console, the console reconnecting by itself
// after a reboot ended its connection, a domain that runs a program (exec) made from the form,
// the browser trusting the daemon's certificate by its key and no other.
// Usage: node dashboard_test.mjs --domusd PATH --modules NODE_MODULES --out DIR [--chromium PATH]
import { spawn } from "node:child_process";
import { X509Certificate, createHash, generateKeyPairSync } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
for (const k of ["domusd", "modules", "out"]) {
  if (!args[k]) {
    console.error(`missing --${k}`);
    process.exit(2);
  }
}
const chromiumPath = args.chromium || "/usr/bin/chromium";
const require = createRequire(path.join(path.resolve(args.modules), "x.js"));
const { chromium } = require("playwright-core");

const step = (s) => console.log(`[dashboard] ${s}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
    s.on("error", reject);
  });
}

async function until(what, f, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

// Chromium's --ignore-certificate-errors-spki-list value for a public key: the base64 SHA-256 of
// its DER SubjectPublicKeyInfo. Chromium then accepts a certificate with that key, and only that.
function spkiHash(publicKey) {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64");
}

function trustingBrowser(hash) {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: ["--no-sandbox", `--ignore-certificate-errors-spki-list=${hash}`] });
}

// A raw HTTPS request to the daemon, trusting its own certificate.
function request(port, ca, method, target, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port, method, path: target, headers, ca, servername: "localhost" }, (res) => {
      let data = "";
      res.on("data", (c) => (data += c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode, headers: res.headers, body: "" });
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

const dir = mkdtempSync(path.join(os.tmpdir(), "domus-dashboard-"));
const stateDir = path.join(dir, "state");
const port = await freePort();
const base = `https://127.0.0.1:${port}`;
mkdirSync(args.out, { recursive: true });
const log = [];
const daemon = spawn(args.domusd, ["--socket", path.join(dir, "domusd.sock"), "--state-dir", stateDir, "--listen", `127.0.0.1:${port}`, "--verbose"], {
  stdio: ["ignore", "pipe", "pipe"],
});
daemon.stdout.on("data", (d) => log.push(d.toString()));
daemon.stderr.on("data", (d) => log.push(d.toString()));
let browser = null;
let token = "";
let ca = null;
let failed = false;

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  if (token) {
    // Nothing may outlive the test: a monitor survives its daemon.
    const auth = { Authorization: `Bearer ${token}` };
    for (const n of ["web1"]) {
      await request(port, ca, "POST", `/v1/domains/${n}/destroy`, auth).catch(() => {});
    }
  }
  daemon.kill("SIGTERM");
  await new Promise((r) => (daemon.exitCode !== null ? r() : daemon.on("exit", r)));
  rmSync(dir, { recursive: true, force: true });
}

try {
  await until("domusd's TLS files and token", () =>
    existsSync(path.join(stateDir, "api.token")) && existsSync(path.join(stateDir, "tls", "cert.pem")),
  );
  token = readFileSync(path.join(stateDir, "api.token"), "utf8").trim();
  ca = readFileSync(path.join(stateDir, "tls", "cert.pem"));
  await until("domusd to listen", async () => (await request(port, ca, "GET", "/")).status === 200);

  // The browser trusts the daemon's self-signed certificate by its key (as Node above trusts it
  // as its CA), no other: one that trusts another key must refuse the daemon's.
  {
    const other = await trustingBrowser(spkiHash(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey));
    try {
      const p = await (await other.newContext()).newPage();
      const refused = await p.goto(`${base}/`).then(() => null, (e) => e);
      check(refused && /ERR_CERT/.test(refused.message), `a browser that does not trust the daemon's key loaded the page (${refused && refused.message})`);
    } finally {
      await other.close();
    }
    step("a browser that trusts another key refuses the daemon's certificate");
  }
  browser = await trustingBrowser(spkiHash(new X509Certificate(ca).publicKey));
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on("dialog", (d) => d.accept());
  // Errors in the page (a CSP refusal, an exception) fail the test; the 401s and 403s the
  // test provokes show up as failed loads, which are expected.
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) pageErrors.push(m.text());
  });
  const shot = (name) => page.screenshot({ path: path.join(args.out, `${name}.png`) });

  // Sign-in: a wrong token is refused with the API's words.
  step("sign in with a wrong token");
  const firstLoad = Date.now();
  await page.goto(base + "/");
  await page.waitForSelector("[data-testid=signin]");
  const loadMs = Date.now() - firstLoad;
  const transferred = await page.evaluate(() =>
    performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource")).reduce((n, e) => n + e.transferSize, 0),
  );
  await shot("signin");
  await page.fill("input[name=token]", "0".repeat(64));
  await page.click("button[type=submit]");
  const refused = await page.textContent("[data-testid=signin-error]");
  check(refused.includes("the token is not valid"), `wrong token message: ${refused}`);
  check((await context.cookies()).length === 0, "no cookie after a wrong token");
  await shot("signin-refused");

  step("sign in");
  await page.fill("input[name=token]", token);
  await page.click("button[type=submit]");
  await page.waitForSelector("[data-testid=domain-list] tr[data-domain='Domain-0']");
  const cookie = (await context.cookies()).find((c) => c.name === "domus_session");
  check(cookie && cookie.httpOnly && cookie.secure && cookie.sameSite === "Strict", `session cookie ${JSON.stringify(cookie)}`);
  check(!page.url().includes(token), "no token in the URL");

  step("create from the form: a bad value first");
  await page.click("a[href='#/create']");
  await page.waitForSelector("[data-testid=create-form]");
  await page.fill("[data-testid=create-form] input[name=name]", "web1");
  await page.fill("[data-testid=create-form] input[name=memory]", "2");
  await page.fill("[data-testid=create-form] input[name=cmdline]", "service");
  await page.click("[data-testid=create-form] button[type=submit]");
  const bad = await page.textContent("[data-testid=form-error]");
  check(bad.includes("memory 2 MiB"), `memory error: ${bad}`);
  await shot("create-invalid");
  await page.fill("[data-testid=create-form] input[name=memory]", "64");
  // A bad disk is caught in the page, as the API would word it; a NIC address outside the
  // daemon's subnet goes to the API, whose message is shown as it is.
  await page.click("[data-testid=disks] button");
  await page.fill("[data-testid=create-form] input[name=disk0-vdev]", "xvdz");
  await page.click("[data-testid=create-form] button[type=submit]");
  await until("the disk error", async () => (await page.textContent("[data-testid=form-error]")).includes("disks[0].path is required"));
  await page.click("[data-testid=disks] .item button");
  await page.click("[data-testid=nics] button");
  await page.fill("[data-testid=create-form] input[name=nic0-ip]", "10.99.0.2");
  await page.click("[data-testid=create-form] button[type=submit]");
  await until("the API's NIC error", async () => (await page.textContent("[data-testid=form-error]")).includes("nics[0].ip 10.99.0.2 is outside the subnet"));
  await shot("create-api-error");
  await page.click("[data-testid=nics] .item button");
  check((await request(port, ca, "GET", "/v1/domains/web1", { Authorization: `Bearer ${token}` })).status === 404, "a refused create leaves nothing");

  step("create from a pasted xl.cfg (not started), then delete it");
  await page.uncheck("[data-testid=create-form] input[name=start]");
  await page.fill("[data-testid=xl-form] textarea", 'name = "xl1"\nmemory = 32   # MiB\ncmdline = "service"\non_crash = \'preserve\'\n');
  await page.click("[data-testid=xl-form] button[type=submit]");
  await page.waitForSelector("[data-testid=domain-page]");
  await until("xl1 stopped", async () => (await page.textContent("[data-testid=domain-page] [data-testid=state]")) === "stopped");
  const xl1 = JSON.parse((await request(port, ca, "GET", "/v1/domains/xl1", { Authorization: `Bearer ${token}` })).body);
  check(xl1.memory === 32 && xl1.on_crash === "preserve" && xl1.cmdline === "service", `xl1 as pasted: ${JSON.stringify(xl1)}`);
  await page.click("[data-testid=domain-page] button[data-action=delete]");
  await page.waitForSelector("[data-testid=domain-list]");
  await until("xl1 gone", async () => (await page.$("[data-testid=domain-list] tr[data-domain='xl1']")) === null);

  step("create from the form a domain that runs a program (exec), then delete it");
  copyFileSync("/bin/busybox", path.join(stateDir, "images", "busybox")); // busybox-static
  await page.click("a[href='#/create']");
  await page.waitForSelector("[data-testid=create-form]");
  await until("busybox among the programs", async () => (await page.$("[data-testid=create-form] select[name=exec] option[value=busybox]")) !== null);
  await page.fill("[data-testid=create-form] input[name=name]", "prog1");
  await page.selectOption("[data-testid=create-form] select[name=exec]", "busybox");
  await page.fill("[data-testid=create-form] textarea[name=exec_args]", "sh\n-c\necho from the form $((6*7))\n");
  await page.check("[data-testid=create-form] input[name=exec_busybox]");
  await shot("create-exec");
  await page.click("[data-testid=create-form] button[type=submit]");
  await page.waitForSelector("[data-testid=domain-page]");
  await until("prog1 stopped", async () => (await page.textContent("[data-testid=domain-page] [data-testid=state]")) === "stopped");
  const prog1 = JSON.parse((await request(port, ca, "GET", "/v1/domains/prog1", { Authorization: `Bearer ${token}` })).body);
  check(JSON.stringify(prog1.exec) === JSON.stringify({ program: "busybox", args: ["sh", "-c", "echo from the form $((6*7))"], with_busybox: true, overlay: null }), `prog1's exec: ${JSON.stringify(prog1.exec)}`);
  check(prog1.last_exit && prog1.last_exit.reason === "exit" && prog1.last_exit.code === 0, `prog1's exit: ${JSON.stringify(prog1.last_exit)}`);
  const prog1Console = (await request(port, ca, "GET", "/v1/domains/prog1/console?tail=50", { Authorization: `Bearer ${token}` })).body;
  check(prog1Console.includes("from the form 42"), `prog1's console: ${prog1Console}`);
  await page.click("[data-testid=domain-page] button[data-action=delete]");
  await page.waitForSelector("[data-testid=domain-list]");
  await until("prog1 gone", async () => (await page.$("[data-testid=domain-list] tr[data-domain='prog1']")) === null);

  step("create from the form");
  await page.click("a[href='#/create']");
  await page.waitForSelector("[data-testid=create-form]");
  await page.fill("[data-testid=create-form] input[name=name]", "web1");
  await page.fill("[data-testid=create-form] input[name=cmdline]", "service");
  await shot("create");
  await page.click("[data-testid=create-form] button[type=submit]");
  await page.waitForSelector("[data-testid=domain-page]");
  await until("web1 running", async () => (await page.textContent("[data-testid=domain-page] [data-testid=state]")) === "running");

  step("the list shows it running with a moving CPU figure");
  await page.click("a[href='#/']");
  const row = "[data-testid=domain-list] tr[data-domain='web1']";
  await page.waitForSelector(row);
  await until("state running in the list", async () => (await page.textContent(`${row} [data-testid=state]`)) === "running");
  const seen = new Set();
  await until("two different CPU figures", async () => {
    const t = (await page.textContent(`${row} [data-testid=cpu]`)).trim();
    if (t) seen.add(t);
    return seen.size >= 2;
  }, 30000);
  step(`CPU figures seen: ${[...seen].join(" ")}`);
  check([...seen].some((t) => parseFloat(t) > 0), "a CPU figure above 0");
  await shot("domains");

  step("the console: type a line, read the guest's answer");
  await page.click(`${row} a`);
  await page.waitForSelector("[data-testid=domain-page]");
  await shot("domain");
  await page.click("[data-testid=console-tab]");
  await until("the console to connect", async () => (await page.textContent("[data-testid=console-status]")) === "connected");
  // The scrollback: the guest printed this line at boot, long before the console connected.
  await until("the scrollback", async () => (await page.textContent("[data-testid=terminal] .xterm-rows")).includes("service: started"));
  await page.click("[data-testid=terminal]");
  await page.keyboard.type("hello-from-the-browser");
  await page.keyboard.press("Enter");
  await until("the guest's answer", async () => (await page.textContent("[data-testid=terminal] .xterm-rows")).includes("service: input: hello-from-the-browser"));
  // A paste (two lines, as a clipboard gives them) reaches the guest line by line.
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.setData("text/plain", "pasted-one\npasted-two\n");
    document.querySelector("[data-testid=terminal] textarea").dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await until("both pasted lines echoed", async () => {
    const t = await page.textContent("[data-testid=terminal] .xterm-rows");
    return t.includes("service: input: pasted-one") && t.includes("service: input: pasted-two");
  });
  await shot("console");

  step("a reboot ends the console connection; the page reconnects by itself");
  await page.click("[data-testid=domain-page] button[data-action=reboot]");
  const connects = () => page.getAttribute("[data-testid=console-status]", "data-connects");
  await until("a second connection", async () => Number(await connects()) >= 2 && (await page.textContent("[data-testid=console-status]")) === "connected", 30000);
  await until("the rebooted guest's service", async () => (await page.textContent("[data-testid=terminal] .xterm-rows")).includes("service: started"));
  await page.click("[data-testid=terminal]");
  await page.keyboard.type("after-reconnect");
  await page.keyboard.press("Enter");
  await until("the answer after the reconnect", async () => (await page.textContent("[data-testid=terminal] .xterm-rows")).includes("service: input: after-reconnect"));

  step("a cross-origin WebSocket and a cross-origin POST are refused");
  const cookieHeader = `domus_session=${cookie.value}`;
  const ws = (origin) =>
    request(port, ca, "GET", "/v1/domains/web1/console/ws", {
      Connection: "Upgrade", Upgrade: "websocket", "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", Cookie: cookieHeader, Origin: origin,
    });
  const cross = await ws("https://evil.example");
  check(cross.status === 403, `cross-origin WebSocket got ${cross.status}`);
  const own = await ws(base);
  check(own.status === 101, `same-origin WebSocket got ${own.status}`);
  const post = await request(port, ca, "POST", "/v1/domains/web1/destroy", { Cookie: cookieHeader, Origin: "https://evil.example" });
  check(post.status === 403, `cross-origin POST got ${post.status}`);

  step("pause and unpause");
  await page.click("nav.tabs button:first-child");
  const state = () => page.textContent("[data-testid=domain-page] [data-testid=state]");
  await page.click("[data-testid=domain-page] button[data-action=pause]");
  await until("paused", async () => (await state()) === "paused");
  await page.click("[data-testid=domain-page] button[data-action=unpause]");
  await until("running again", async () => (await state()) === "running");

  step("destroy and delete");
  await page.click("[data-testid=domain-page] button[data-action=destroy]");
  await until("stopped", async () => (await state()) === "stopped");
  await page.click("[data-testid=domain-page] button[data-action=delete]");
  await page.waitForSelector("[data-testid=domain-list]");
  await until("web1 gone", async () => (await page.$(row)) === null);

  step("host and events pages");
  await page.click("a[href='#/host']");
  await page.waitForSelector("[data-testid=host-page]");
  check((await page.textContent("[data-testid=host-page]")).includes("backend"), "host page");
  await shot("host");
  await page.click("a[href='#/events']");
  await page.waitForSelector("[data-testid=events-page]");
  await until("the events of web1", async () => {
    const t = await page.textContent("[data-testid=events-page]");
    return ["created", "started", "paused", "unpaused", "deleted"].every((e) => t.includes(e));
  });
  await shot("events");

  step("sign out ends the session");
  await page.click("button.signout");
  await page.waitForSelector("[data-testid=signin]");
  const after = await request(port, ca, "GET", "/v1/domains", { Cookie: cookieHeader });
  check(after.status === 401, `old cookie after sign-out got ${after.status}`);

  // Neither the token nor the session id appears in the daemon's (verbose) log.
  const logText = log.join("");
  check(logText.includes("GET /v1/domains"), "the request log is on");
  check(!logText.includes(token) && !logText.includes(cookie.value), "no token or cookie in the log");

  check(pageErrors.length === 0, `errors in the page: ${pageErrors.join(" | ")}`);

  const figures = { first_load_ms: loadMs, first_load_transferred_bytes: transferred };
  writeFileSync(path.join(args.out, "figures.json"), JSON.stringify(figures, null, 2) + "\n");
  step(`passed (screenshots in ${args.out})`);
} catch (e) {
  failed = true;
  if (browser) {
    for (const c of browser.contexts()) for (const p of c.pages()) await p.screenshot({ path: path.join(args.out, "failure.png") }).catch(() => {});
  }
  console.error(`[dashboard] FAILED: ${e.stack || e}`);
  console.error(`[dashboard] domusd's log:\n${log.join("").slice(-4000)}`);
}
await cleanup();
process.exit(failed ? 1 : 0);
