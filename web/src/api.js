// Talking to domusd: JSON requests with the session cookie (same origin), errors as the API
// words them, and the event stream (SSE over fetch, resumed with Last-Event-ID after a drop).

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let onSignedOut = () => {};
export function setSignedOutHandler(f) {
  onSignedOut = f;
}

export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, "network", `cannot reach domusd: ${e.message}`);
  }
  if (r.status === 204) return null;
  const type = r.headers.get("Content-Type") || "";
  const data = type.startsWith("application/json") ? await r.json() : await r.text();
  if (!r.ok) {
    const e = data && data.error ? data.error : { code: "http", message: `HTTP ${r.status}` };
    if (r.status === 401 && path !== "/v1/session") onSignedOut(e.message);
    throw new ApiError(r.status, e.code, e.message, e.field);
  }
  return data;
}

export const signIn = (token) => api("POST", "/v1/session", { token });
export const signOut = () => api("DELETE", "/v1/session");

// Calls onEvent(event) for every lifecycle event after `after`, reconnecting with back-off.
// Returns a function that stops it.
export function followEvents(after, onEvent, onState) {
  let stopped = false;
  let last = after;
  let delay = 500;
  let controller = null;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const r = await fetch(`/v1/events?after=${last}`, {
          headers: { Accept: "text/event-stream" },
          credentials: "same-origin",
          signal: controller.signal,
        });
        if (r.status === 401) {
          onSignedOut("the session has ended");
          return;
        }
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        onState && onState(true);
        delay = 500;
        const reader = r.body.getReader();
        const decoder = new TextDecoder();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let end;
          while ((end = buf.indexOf("\n\n")) >= 0) {
            const record = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const data = record
              .split("\n")
              .filter((l) => l.startsWith("data: "))
              .map((l) => l.slice(6))
              .join("\n");
            if (!data) continue;
            const ev = JSON.parse(data);
            if (ev.id > last) last = ev.id;
            onEvent(ev);
          }
        }
      } catch (e) {
        if (stopped) return;
      }
      onState && onState(false);
      await new Promise((res) => setTimeout(res, delay));
      delay = Math.min(delay * 2, 10000);
    }
  };
  run();
  return () => {
    stopped = true;
    if (controller) controller.abort();
  };
}
