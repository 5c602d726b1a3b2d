import "./app.css";
import { Terminal } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
window.T = Terminal;
