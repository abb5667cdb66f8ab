// The API client: JSON calls with the bearer key, and the ping as a stream of Server-Sent Events.

/** Calls the Preflight API with one API key (held in memory, never in a URL). */
export class Api {
  constructor(key) {
    this.key = key;
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.key}`, ...extra };
  }

  /** A JSON call. Answers `{status, data}`; `data` is the parsed body or null. */
  async json(method, path, body) {
    const init = { method, headers: this.headers({ Accept: 'application/json' }), cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch { data = { error: text }; }
    }
    return { status: response.status, data };
  }

  /**
   * Posts a ping with `Accept: text/event-stream` and calls `onEvent(name, data)` for each event as it
   * arrives. A refusal before the ping starts (400, 401, 429, ...) is one `refused` event with the JSON
   * error and the status. Resolves when the stream ends; `signal` stops it (the server then stops the ping).
   */
  async ping(payload, onEvent, signal) {
    const response = await fetch('/connectors/ping', {
      method: 'POST',
      headers: this.headers({ Accept: 'text/event-stream', 'Content-Type': 'application/json' }),
      body: JSON.stringify(payload),
      cache: 'no-store',
      signal,
    });
    const type = response.headers.get('Content-Type') || '';
    if (!type.startsWith('text/event-stream')) {
      const text = await response.text();
      let data;
      try { data = JSON.parse(text); } catch { data = { error: text || `HTTP ${response.status}` }; }
      onEvent('refused', { status: response.status, ...data });
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        dispatch(block, onEvent);
      }
    }
    if (buffer.trim()) dispatch(buffer, onEvent);
  }
}

/** Parses one SSE message (comment lines, `event:` and `data:` fields) and hands it on. */
function dispatch(block, onEvent) {
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') name = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return;
  let parsed;
  try { parsed = JSON.parse(data.join('\n')); } catch { return; }
  onEvent(name, parsed);
}
