// SSH tunnels: list, create (the public key and the authorized_keys line), rotate, delete, trust a host key.
import { el, clear, copyButton } from './dom.js';

/** The tunnels section: `onChange(tunnels)` is told the list whenever it changes. */
export class Tunnels {
  constructor(api, nodes, onChange) {
    this.api = api;
    this.nodes = nodes;
    this.onChange = onChange;
    this.items = [];
    nodes.form.addEventListener('submit', (event) => { event.preventDefault(); this.create(); });
  }

  async refresh() {
    const { status, data } = await this.api.json('GET', '/ssh-tunnels');
    if (status !== 200) { this.nodes.error.textContent = (data && data.error) || `listing tunnels failed (HTTP ${status})`; return; }
    this.items = data.items || [];
    this.render();
    this.onChange(this.items);
  }

  async create() {
    const { name, host, port, username } = this.nodes.inputs;
    this.nodes.error.textContent = '';
    if (!host.value.trim() || !username.value.trim()) {
      this.nodes.error.textContent = 'The bastion host and the username are required.';
      (host.value.trim() ? username : host).focus();
      return;
    }
    const body = { host: host.value.trim(), username: username.value.trim() };
    if (name.value.trim()) body.name = name.value.trim();
    if (port.value) body.port = Number(port.value);
    const { status, data } = await this.api.json('POST', '/ssh-tunnels', body);
    if (status !== 200) { this.nodes.error.textContent = (data && data.error) || `creating the tunnel failed (HTTP ${status})`; return; }
    this.nodes.form.reset();
    this.showKey(data, 'Tunnel created');
    await this.refresh();
  }

  async rotate(tunnel) {
    const { status, data } = await this.api.json('POST', `/ssh-tunnels/${encodeURIComponent(tunnel.uuid)}/rotate-key`);
    if (status !== 200) { this.nodes.error.textContent = (data && data.error) || `rotating failed (HTTP ${status})`; return; }
    this.showKey(data, 'New key issued: the old one stops working now');
    await this.refresh();
  }

  async remove(tunnel) {
    const { status, data } = await this.api.json('DELETE', `/ssh-tunnels/${encodeURIComponent(tunnel.uuid)}`);
    if (status !== 204) { this.nodes.error.textContent = (data && data.error) || `deleting failed (HTTP ${status})`; return; }
    clear(this.nodes.key);
    await this.refresh();
  }

  /** Pins `fingerprint` as the tunnel's bastion host key. Answers the error text, or null. */
  async trust(uuid, fingerprint) {
    const { status, data } = await this.api.json('POST', `/ssh-tunnels/${encodeURIComponent(uuid)}/trust-host-key`, { hostKeyFingerprint: fingerprint });
    if (status !== 200) return (data && data.error) || `HTTP ${status}`;
    await this.refresh();
    return null;
  }

  /** The public key of `tunnel`, and the exact line and command for the bastion's authorized_keys. */
  showKey(tunnel, title) {
    const box = this.nodes.key;
    clear(box);
    const line = tunnel.publicKey.trim();
    const file = `~${tunnel.username}/.ssh/authorized_keys`;
    const command = `echo '${line}' >> ${file}`;
    box.append(el('div', { class: 'keybox', attrs: { 'data-tunnel': tunnel.uuid } },
      el('h3', { text: `${title}: ${tunnel.name}` }),
      el('p', {}, 'Append this line to ', el('code', { text: file }), ` on ${tunnel.host}:`),
      el('pre', { class: 'public-key' }, el('code', { text: line })),
      copyButton(() => line, 'Copy public key'),
      el('p', { text: 'or run this there as that user:' }),
      el('pre', { class: 'authorized-keys-command' }, el('code', { text: command })),
      copyButton(() => command, 'Copy command')));
  }

  render() {
    const box = this.nodes.list;
    clear(box);
    if (this.items.length === 0) { box.append(el('p', { class: 'help', text: 'No tunnels yet.' })); return; }
    const body = el('tbody');
    for (const tunnel of this.items) {
      const confirm = el('button', { class: 'danger', text: `Really delete ${tunnel.name}`, attrs: { type: 'button', hidden: true } });
      confirm.addEventListener('click', () => this.remove(tunnel));
      const del = el('button', { class: 'secondary', text: 'Delete', attrs: { type: 'button', 'aria-label': `Delete ${tunnel.name}` } });
      del.addEventListener('click', () => { del.hidden = true; confirm.hidden = false; confirm.focus(); });
      const show = el('button', { class: 'secondary', text: 'Public key', attrs: { type: 'button', 'aria-label': `Public key of ${tunnel.name}` } });
      show.addEventListener('click', () => this.showKey(tunnel, 'Public key'));
      const rotate = el('button', { class: 'secondary', text: 'Rotate key', attrs: { type: 'button', 'aria-label': `Rotate the key of ${tunnel.name}` } });
      rotate.addEventListener('click', () => this.rotate(tunnel));
      body.append(el('tr', { attrs: { 'data-tunnel': tunnel.uuid } },
        el('th', { text: tunnel.name, attrs: { scope: 'row' } }),
        el('td', { text: `${tunnel.username}@${tunnel.host}:${tunnel.port}` }),
        el('td', {}, tunnel.hostKeyFingerprint ? el('code', { text: tunnel.hostKeyFingerprint }) : 'not pinned yet (pinned on first use)'),
        el('td', { class: 'actions' }, show, rotate, del, confirm)));
    }
    const head = el('tr', {}, ...['Name', 'Bastion', 'Host key', 'Actions'].map((text) => el('th', { text, attrs: { scope: 'col' } })));
    box.append(el('div', { class: 'scroll' }, el('table', { class: 'tunnels' }, el('thead', {}, head), body)));
  }
}

/** A fingerprint as the API writes it (`SHA256:` and 43 base64 characters). */
const FINGERPRINT = /SHA256:[A-Za-z0-9+/]{43}=?/g;

/**
 * The bastion key a ping through a tunnel saw, if the person may want to trust it: the key of a first use
 * (pinned now) or the new key of a changed host key (the last fingerprint of the message).
 */
export function seenHostKey(report) {
  const handshake = (report.steps || []).find((step) => step.name === 'ssh_handshake');
  if (report.category === 'ssh' && /host key .* changed/.test(report.message || '')) {
    const keys = (report.message || '').match(FINGERPRINT) || [];
    if (keys.length > 0) return { fingerprint: keys[keys.length - 1], changed: true };
  }
  if (handshake && handshake.detail && /first use/.test(handshake.detail)) {
    const keys = handshake.detail.match(FINGERPRINT) || [];
    if (keys.length > 0) return { fingerprint: keys[0], changed: false };
  }
  return null;
}
