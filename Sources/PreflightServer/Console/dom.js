// Small DOM helpers. Every text goes in through textContent: nothing here parses HTML.

/**
 * Creates an element. `props`: `class`, `text` (set as textContent), `attrs` (attributes), `on` (events).
 * Children are nodes or strings (strings become text nodes).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined && props.text !== null) node.textContent = String(props.text);
  for (const [name, value] of Object.entries(props.attrs || {})) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [name, handler] of Object.entries(props.on || {})) node.addEventListener(name, handler);
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** An SVG element with attributes. */
export function svg(tag, attrs = {}) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

/** Removes every child of `node`. */
export function clear(node) {
  node.replaceChildren();
}

/** Copies `text` to the clipboard; falls back to a selected off-screen text area. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = el('textarea', { class: 'offscreen', attrs: { readonly: true, 'aria-hidden': 'true' } });
    area.value = text;
    document.body.append(area);
    area.select();
    let copied = false;
    try { copied = document.execCommand('copy'); } catch { copied = false; }
    area.remove();
    return copied;
  }
}

/** A "Copy" button for the text `getText()` returns; says "Copied" for a moment after a click. */
export function copyButton(getText, label = 'Copy') {
  const button = el('button', { class: 'copy secondary', text: label, attrs: { type: 'button' } });
  button.addEventListener('click', async () => {
    const ok = await copyText(getText());
    button.textContent = ok ? 'Copied' : 'Copy failed: select the text';
    setTimeout(() => { button.textContent = label; }, 2000);
  });
  return button;
}

/** Formats milliseconds for people: "850 ms", "12.3 s". */
export function formatMs(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
