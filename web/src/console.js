// The console tab: xterm.js on the domain's console WebSocket. On connect the server sends the
// console's last lines (?tail=N), then relays both ways; the terminal fits its
// box (and refits when the window changes); a dropped connection is retried with back-off
// while the component is shown. Pasted text goes to the guest like typed text; Enter (and a
// pasted CRLF) is sent as a newline.
import { h } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import htm from "htm";

const html = htm.bind(h);
const SCROLLBACK_LINES = 200;

export function Console({ name }) {
  const box = useRef(null);
  const [status, setStatus] = useState("connecting");
  const [connects, setConnects] = useState(0);
  useEffect(() => {
    const term = new Terminal({ convertEol: true, cursorBlink: true, scrollback: 5000, fontSize: 14 });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(box.current);
    fit.fit();
    const onResize = () => fit.fit();
    window.addEventListener("resize", onResize);
    let ws = null;
    let closed = false;
    let delay = 500;
    let timer = null;
    const input = term.onData((data) => {
      // Enter is a carriage return in xterm.js; the console is a serial line without a tty
      // layer in between, whose guests end lines at a newline (as `domus console` sends).
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(data.replace(/\r\n?/g, "\n"));
    });
    const connect = () => {
      if (closed) return;
      setStatus("connecting");
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      ws = new WebSocket(`${scheme}//${location.host}/v1/domains/${encodeURIComponent(name)}/console/ws?tail=${SCROLLBACK_LINES}`);
      ws.binaryType = "arraybuffer";
      ws.onopen = () => {
        delay = 500;
        term.reset(); // the server sends the scrollback first
        setStatus("connected");
        setConnects((n) => n + 1);
        term.focus();
      };
      ws.onmessage = (m) => term.write(typeof m.data === "string" ? m.data : new Uint8Array(m.data));
      ws.onclose = () => {
        if (closed) return;
        setStatus(`disconnected: retrying in ${Math.round(delay / 1000) || 1} s`);
        timer = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 10000);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      window.removeEventListener("resize", onResize);
      input.dispose();
      if (ws) ws.close();
      term.dispose();
    };
  }, [name]);
  return html`<div class="console">
    <div class="console-status" data-testid="console-status" data-connects=${connects}>${status}</div>
    <div class="terminal-box" ref=${box} data-testid="terminal"></div>
  </div>`;
}
