// The Preflight console: sign in with an API key, test a connector with live steps, manage SSH tunnels.
// The key lives in this module and in sessionStorage (this tab only): never in localStorage or a URL.
import { Api } from './api.js';
import { el, clear } from './dom.js';
import { buildForm } from './form.js';
import { Timeline, renderVerdict, renderChecks, scrub } from './timeline.js';
import { Tunnels, seenHostKey } from './tunnels.js';

const KEY_SLOT = 'preflight.apiKey';
const $ = (id) => document.getElementById(id);

const state = { api: null, types: [], form: null, tunnels: null, running: null };

async function signIn(key) {
  const api = new Api(key);
  const { status, data } = await api.json('GET', '/ssh-tunnels');
  if (status === 401) return 'This key is not valid (or was revoked).';
  if (status !== 200) return (data && data.error) || `The server answered HTTP ${status}.`;
  state.api = api;
  sessionStorage.setItem(KEY_SLOT, key);
  $('api-key').value = '';
  $('sign-in').hidden = true;
  $('workspace').hidden = false;
  $('sign-out').hidden = false;
  state.tunnels = new Tunnels(api, {
    form: $('tunnel-form'), error: $('tunnel-error'), key: $('tunnel-key'), list: $('tunnel-list'),
    inputs: { name: $('tunnel-name'), host: $('tunnel-host'), port: $('tunnel-port'), username: $('tunnel-username') },
  }, fillTunnelChoices);
  state.tunnels.items = data.items || [];
  state.tunnels.render();
  fillTunnelChoices(state.tunnels.items);
  await loadTypes();
  $('connector-type').focus();
  return null;
}

function signOut() {
  sessionStorage.removeItem(KEY_SLOT);
  state.api = null;
  if (state.running) state.running.abort();
  location.reload();
}

async function loadTypes() {
  const response = await fetch('/connector-types', { headers: { Accept: 'application/json' } });
  const data = await response.json();
  state.types = data.connectorTypes || [];
  const select = $('connector-type');
  clear(select);
  for (const type of state.types) {
    select.append(el('option', { text: `${type.productName} (${type.type})${type.probed ? '' : ' – not tested by this build'}`, attrs: { value: type.type } }));
  }
  select.value = state.types.some((type) => type.type === 'postgresql') ? 'postgresql' : (state.types[0] || {}).type;
  showType();
}

function showType() {
  const description = state.types.find((type) => type.type === $('connector-type').value);
  if (!description) return;
  $('type-summary').textContent = description.summary;
  state.form = buildForm($('fields'), description);
}

function fillTunnelChoices(tunnels) {
  const select = $('ssh-tunnel');
  const chosen = select.value;
  clear(select);
  select.append(el('option', { text: 'none', attrs: { value: '' } }));
  for (const tunnel of tunnels) {
    select.append(el('option', { text: `${tunnel.name} (${tunnel.username}@${tunnel.host}:${tunnel.port})`, attrs: { value: tunnel.uuid } }));
  }
  if (tunnels.some((tunnel) => tunnel.uuid === chosen)) select.value = chosen;
}

async function runTest() {
  $('form-error').textContent = '';
  const missing = [...$('fields').querySelectorAll('[aria-required="true"]')].find((input) => input.value === '');
  if (missing) {
    $('form-error').textContent = `${missing.name} is required.`;
    missing.focus();
    return;
  }
  const { sharedConfig, top, secrets } = state.form.read();
  const payload = { type: $('connector-type').value, sharedConfig, ...top };
  if ($('connection-role').value) payload.connectionRole = $('connection-role').value;
  if ($('ssh-tunnel').value) payload.sshTunnelUUID = $('ssh-tunnel').value;
  if ($('timeout-seconds').value) payload.timeoutSeconds = Number($('timeout-seconds').value);

  const results = $('results');
  results.hidden = false;
  clear($('verdict'));
  clear($('checks'));
  clear($('host-key'));
  $('run-status').textContent = `Testing ${payload.type}…`;
  const timeline = new Timeline($('timeline'), secrets);
  const checks = [];
  const controller = new AbortController();
  state.running = controller;
  $('test-button').disabled = true;
  $('stop-button').hidden = false;
  try {
    await state.api.ping(payload, (name, data) => {
      if (name === 'step_started') timeline.started(data);
      else if (name === 'step') timeline.ended(data);
      else if (name === 'check') { checks.push(data); renderChecks($('checks'), checks, secrets); }
      else if (name === 'report') {
        timeline.finish();
        renderVerdict($('verdict'), data.report, data.error, secrets);
        renderChecks($('checks'), data.report.checks, secrets);
        offerHostKey(data.report, payload.sshTunnelUUID);
        $('run-status').textContent = data.report.ok ? 'Done: it works.' : `Done: ${data.report.category}.`;
      } else if (name === 'refused' || name === 'error') {
        timeline.finish();
        const verdict = $('verdict');
        clear(verdict);
        verdict.append(el('div', { class: 'verdict failed', attrs: { 'data-category': 'refused' } },
          el('h3', { text: data.status ? `Not attempted (HTTP ${data.status})` : 'Not attempted' }),
          el('p', { class: 'message', text: scrub(data.error, secrets) })));
        $('run-status').textContent = 'The request was refused.';
        if (data.status === 401) signOut();
      }
    }, controller.signal);
  } catch (error) {
    timeline.finish();
    $('run-status').textContent = controller.signal.aborted ? 'Stopped.' : `The connection to the server failed: ${error.message}`;
  } finally {
    state.running = null;
    $('test-button').disabled = false;
    $('stop-button').hidden = true;
  }
}

/** After a ping through a tunnel: the bastion's key, and a button that pins it. */
function offerHostKey(report, tunnelUUID) {
  const box = $('host-key');
  clear(box);
  if (!tunnelUUID) return;
  const seen = seenHostKey(report);
  if (!seen) return;
  const result = el('p', { attrs: { role: 'status' } });
  const button = el('button', { text: 'Trust this key', attrs: { type: 'button' } });
  button.addEventListener('click', async () => {
    const error = await state.tunnels.trust(tunnelUUID, seen.fingerprint);
    result.textContent = error ? `Not pinned: ${error}` : `Pinned ${seen.fingerprint}: later pings accept only this key.`;
    if (!error) button.disabled = true;
  });
  box.append(el('div', { class: 'keybox' },
    el('h3', { text: seen.changed ? "The bastion's host key changed" : "The bastion's host key (first use)" }),
    el('p', { text: seen.changed
      ? 'Trust the new key only if you know the bastion was rebuilt or its keys rotated; otherwise the connection may be intercepted.'
      : 'Compare it with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the bastion.' }),
    el('pre', {}, el('code', { class: 'fingerprint', text: seen.fingerprint })), button, result));
}

function start() {
  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    $('sign-in-error').textContent = '';
    if (!key) { $('sign-in-error').textContent = 'Paste an API key.'; return; }
    const error = await signIn(key);
    if (error) { $('sign-in-error').textContent = error; $('api-key').focus(); }
  });
  $('sign-out').addEventListener('click', signOut);
  $('connector-type').addEventListener('change', showType);
  $('connector-form').addEventListener('submit', (event) => { event.preventDefault(); if (!state.running) runTest(); });
  $('stop-button').addEventListener('click', () => { if (state.running) state.running.abort(); });
  const saved = sessionStorage.getItem(KEY_SLOT);
  if (saved) {
    signIn(saved).then((error) => { if (error) sessionStorage.removeItem(KEY_SLOT); });
  } else {
    $('api-key').focus();
  }
  document.body.dataset.ready = 'true';
  performance.mark('console-ready');
}

start();
