// The dashboard's own checks (web/src/validate.js) with hostile inputs: the config checks the
// create form makes before sending (they must agree with docs/api.md's limits) and the xl.cfg
// reader behind "paste an xl.cfg". Run by node's test runner.
import assert from "node:assert/strict";
import test from "node:test";
import { checkConfig, parseXlCfg, xlToConfig } from "../../web/src/validate.js";

test("configs within the API's limits pass", () => {
  assert.equal(checkConfig({ name: "web1" }), null);
  assert.equal(checkConfig({ name: "a.b-c_9", memory: 4, vcpus: 64, cmdline: "x".repeat(1023) }), null);
  assert.equal(checkConfig({ name: "w", memory: 32768, on_crash: "preserve", disks: [{ path: "a.img", vdev: "xvdf" }], nics: [{ ip: "10.77.0.9", mac: "00:16:3e:00:00:01" }] }), null);
});

test("each bad field is named", () => {
  const field = (c) => (checkConfig(c) || {}).field;
  assert.equal(field({ name: "" }), "name");
  assert.equal(field({ name: "a b" }), "name");
  assert.equal(field({ name: "x".repeat(65) }), "name");
  assert.equal(field({ name: "Domain-0" }), "name");
  assert.equal(field({ name: "é" }), "name");
  assert.equal(field({ name: "w", memory: 3 }), "memory");
  assert.equal(field({ name: "w", memory: 32769 }), "memory");
  assert.equal(field({ name: "w", memory: NaN }), "memory");
  assert.equal(field({ name: "w", memory: 6.5 }), "memory");
  assert.equal(field({ name: "w", vcpus: 0 }), "vcpus");
  assert.equal(field({ name: "w", vcpus: 65 }), "vcpus");
  assert.equal(field({ name: "w", cmdline: "é".repeat(512) }), "cmdline"); // 1024 bytes
  assert.equal(field({ name: "w", on_reboot: "reboot" }), "on_reboot");
  assert.equal(field({ name: "w", disks: new Array(7).fill({ path: "a" }) }), "disks");
  assert.equal(field({ name: "w", disks: [{ path: "" }] }), "disks[0].path");
  assert.equal(field({ name: "w", disks: [{ path: "a" }, { path: "b", vdev: "xvda1" }] }), "disks[1].vdev");
  assert.equal(field({ name: "w", nics: [{ mac: "00:16:3e:00:00" }] }), "nics[0].mac");
  assert.equal(field({ name: "w", nics: [{ ip: "10.77.0" }] }), "nics[0].ip");
  assert.equal(field({ name: "w", nics: new Array(5).fill({}) }), "nics");
  assert.equal(field({ name: "w", exec: "hello" }), "exec");
  assert.equal(field({ name: "w", exec: {} }), "exec.program");
  assert.equal(field({ name: "w", exec: { program: "" } }), "exec.program");
  assert.equal(field({ name: "w", exec: { program: "h", args: "a b" } }), "exec.args");
  assert.equal(field({ name: "w", exec: { program: "h", args: new Array(65).fill("a") } }), "exec.args");
  assert.equal(field({ name: "w", exec: { program: "h", args: ["a", 2] } }), "exec.args[1]");
  assert.equal(field({ name: "w", exec: { program: "h", with_busybox: 1 } }), "exec.with_busybox");
  assert.equal(field({ name: "w", exec: { program: "h", overlay: "" } }), "exec.overlay");
  assert.equal(field({ name: "w", ramdisk: "r.cpio", exec: { program: "h" } }), "exec");
  assert.equal(checkConfig({ name: "w", exec: null }), null);
  assert.equal(checkConfig({ name: "w", exec: { program: "h", args: ["a b", ""], with_busybox: true, overlay: "site" } }), null);
});

test("xl.cfg: the exec keys become the exec object", () => {
  const r = parseXlCfg(`name = "x"
exec = "hello"
exec_args = [ "a", 'b c' ]
exec_busybox = 1
exec_overlay = "site"`);
  assert.deepEqual(xlToConfig(r.config), { name: "x", exec: { program: "hello", args: ["a", "b c"], with_busybox: true, overlay: "site" } });
  assert.equal(xlToConfig(parseXlCfg("exec_busybox = 2").config).exec.with_busybox, 2); // refused by checkConfig, as by the API
});

test("xl.cfg: values, lists, comments", () => {
  const r = parseXlCfg(`# a domain
name = "web" # the name
memory=64
vcpus = 2
cmdline = 'service # not a comment'
disk = [ 'root.img,raw,xvda,rw', "format=raw, vdev=xvdb, access=ro, target=data.img" ]
vif = [ 'ip=10.77.0.5,mac=00:16:3e:00:00:05' ]
extra = "quiet"
`);
  assert.equal(r.error, undefined);
  const c = xlToConfig(r.config);
  assert.deepEqual(c, {
    name: "web",
    memory: 64,
    vcpus: 2,
    cmdline: "service # not a comment quiet",
    disks: [
      { path: "root.img", vdev: "xvda", read_only: false },
      { path: "data.img", vdev: "xvdb", read_only: true },
    ],
    nics: [{ ip: "10.77.0.5", mac: "00:16:3e:00:00:05" }],
  });
});

test("xl.cfg: what it cannot read is named by line", () => {
  assert.match(parseXlCfg('name = "a"\nmemory 64').error, /^line 2:/);
  assert.match(parseXlCfg('name = "a').error, /^line 1:/);
  assert.match(parseXlCfg("name = a").error, /^line 1:/);
  assert.match(parseXlCfg("disk = [ 'a', ]x").error, /^line 1:/);
  assert.match(parseXlCfg("disk = [ 'a' 'b' ]").error, /^line 1:/);
  assert.match(parseXlCfg("= 1").error, /^line 1:/);
  assert.equal(parseXlCfg("\n\n   \n# only comments\n").error, undefined);
  // Long hostile input ends quickly.
  assert.ok(parseXlCfg("x = [" + "'a',".repeat(100000) + "]").config);
  assert.ok(parseXlCfg("x".repeat(100000)).error);
});
