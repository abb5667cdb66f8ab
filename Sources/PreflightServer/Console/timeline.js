// The live timeline (a waterfall of the ping's steps), the verdict and the readiness checks.
import { el, svg, clear, copyButton, formatMs } from './dom.js';

const WIDTH = 1000;

/** Replaces each of `secrets` in `text` with dots: the results never show what was typed in a secret field. */
export function scrub(text, secrets) {
  let out = text === undefined || text === null ? '' : String(text);
  for (const secret of secrets) {
    if (secret && secret.length >= 3) out = out.split(secret).join('••••');
  }
  return out;
}

/** The steps of one ping as they arrive: a row per step, its bar placed and sized by time. */
export class Timeline {
  constructor(list, secrets) {
    this.list = list;
    this.secrets = secrets;
    this.rows = [];
    this.t0 = performance.now();
    clear(list);
    this.timer = setInterval(() => this.layout(), 100);
  }

  /** A step began: a running row. */
  started(event) {
    const row = this.row(event.name);
    row.start = performance.now() - this.t0;
    row.node.dataset.state = 'running';
    row.node.className = 'step running';
    row.status.textContent = 'running';
    row.detail.textContent = scrub(event.activity, this.secrets);
    this.layout();
  }

  /** A step ended (or was recorded without running, e.g. skipped). */
  ended(step) {
    let row = this.rows.find((candidate) => candidate.name === step.name && candidate.duration === undefined);
    if (!row) {
      row = this.row(step.name);
      const now = performance.now() - this.t0;
      row.start = Math.max(0, now - (step.durationMs || 0));
    }
    row.duration = step.durationMs || 0;
    row.node.dataset.state = step.status;
    row.node.className = `step ${step.status}`;
    row.status.textContent = step.status;
    row.time.textContent = formatMs(row.duration);
    row.detail.textContent = scrub(step.detail, this.secrets);
    if (step.hint) row.hint.textContent = scrub(`Hint: ${step.hint}`, this.secrets);
    this.layout();
  }

  /** Stops the clock; rows still running are left as they were seen last. */
  finish() {
    clearInterval(this.timer);
    for (const row of this.rows) {
      if (row.duration === undefined) {
        row.duration = performance.now() - this.t0 - row.start;
        row.node.dataset.state = 'unfinished';
        row.node.className = 'step unfinished';
        row.status.textContent = 'did not finish';
      }
    }
    this.layout();
  }

  row(name) {
    const status = el('span', { class: 'status' });
    const time = el('span', { class: 'time' });
    const bar = svg('rect', { class: 'bar', x: 0, y: 0, width: 0, height: 10 });
    const track = svg('svg', { class: 'track', viewBox: `0 0 ${WIDTH} 10`, preserveAspectRatio: 'none', 'aria-hidden': 'true', focusable: 'false' });
    track.append(bar);
    const detail = el('p', { class: 'detail' });
    const hint = el('p', { class: 'hint' });
    const node = el('li', { class: 'step', attrs: { 'data-step': name } },
      el('div', { class: 'head' }, el('code', { class: 'name', text: name }), status, time), track, detail, hint);
    this.list.append(node);
    const row = { name, node, bar, status, time, detail, hint, start: performance.now() - this.t0, duration: undefined };
    this.rows.push(row);
    return row;
  }

  /** Places every bar on one scale: the time from the start to now (or to the last step's end). */
  layout() {
    const now = performance.now() - this.t0;
    let total = 1;
    for (const row of this.rows) total = Math.max(total, row.start + (row.duration === undefined ? now - row.start : row.duration));
    for (const row of this.rows) {
      const length = row.duration === undefined ? now - row.start : row.duration;
      if (row.duration === undefined) row.time.textContent = formatMs(length);
      const x = (row.start / total) * WIDTH;
      row.bar.setAttribute('x', x.toFixed(1));
      row.bar.setAttribute('width', Math.max(4, (length / total) * WIDTH).toFixed(1));
    }
  }
}

/** The verdict of a report: ok or not, category, message, hint. */
export function renderVerdict(container, report, error, secrets) {
  clear(container);
  const ok = report.ok;
  const box = el('div', { class: `verdict ${ok ? 'ok' : 'failed'}`, attrs: { 'data-category': report.category || '' } });
  const warned = (report.steps || []).some((step) => step.status === 'warning') || (report.checks || []).some((check) => check.status !== 'passed');
  box.append(el('h3', { text: ok ? (warned ? 'It works, with warnings' : 'It works') : 'It does not work' }));
  const facts = el('dl');
  if (report.category) facts.append(el('dt', { text: 'Category' }), el('dd', {}, el('code', { class: 'category', text: report.category })));
  const message = error || report.message || report.summary;
  if (message) facts.append(el('dt', { text: 'Message' }), el('dd', { class: 'message', text: scrub(message, secrets) }));
  if (report.hint) facts.append(el('dt', { text: 'Hint' }), el('dd', { class: 'hint-text', text: scrub(report.hint, secrets) }));
  if (report.durationMs !== undefined) facts.append(el('dt', { text: 'Took' }), el('dd', { text: formatMs(report.durationMs) }));
  if (report.target && report.target.connectedAddress) {
    facts.append(el('dt', { text: 'Connected to' }), el('dd', { text: report.target.connectedAddress }));
  }
  if (report.transient) facts.append(el('dt', { text: 'Transient' }), el('dd', { text: 'yes: trying again unchanged may succeed' }));
  box.append(facts);
  container.append(box);
}

/** The readiness checks as a table: observed, required, the fix (with a copy button), restart required. */
export function renderChecks(container, checks, secrets) {
  clear(container);
  if (!checks || checks.length === 0) return;
  const head = el('tr', {}, ...['Check', 'Status', 'Observed', 'Required', 'Fix', 'Restart'].map((text) => el('th', { text, attrs: { scope: 'col' } })));
  const body = el('tbody');
  for (const check of checks) {
    const fix = el('td', { class: 'fix', attrs: { 'data-label': 'Fix' } });
    if (check.fix) {
      const text = scrub(check.fix, secrets);
      fix.append(el('pre', {}, el('code', { text })), copyButton(() => text, 'Copy fix'));
    }
    if (check.detail) fix.append(el('p', { class: 'help', text: scrub(check.detail, secrets) }));
    body.append(el('tr', { class: `check ${check.status}` },
      el('th', { attrs: { scope: 'row' } }, el('code', { text: check.name })),
      el('td', { class: 'status', text: check.status, attrs: { 'data-label': 'Status' } }),
      el('td', { text: scrub(check.observed, secrets), attrs: { 'data-label': 'Observed' } }),
      el('td', { text: scrub(check.required, secrets), attrs: { 'data-label': 'Required' } }),
      fix,
      el('td', { class: 'restart', text: check.restartRequired ? 'restart required' : '', attrs: { 'data-label': 'Restart' } })));
  }
  container.append(el('h3', { text: 'Readiness checks' }),
    el('div', { class: 'scroll' }, el('table', { class: 'checks' }, el('thead', {}, head), body)));
}
