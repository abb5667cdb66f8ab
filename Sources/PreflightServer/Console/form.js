// The connector form, built from one entry of GET /connector-types.
import { el, clear } from './dom.js';

/** Kinds whose value may come from a file (a PEM key, a service-account JSON key). */
const FILE_KINDS = new Set(['pem', 'json']);

/** Whether a file-like key holds a secret (a private key, a key file), so its text is masked on screen. */
const isMaskedText = (key) => key.kind === 'json' || /private|credential/i.test(key.name);

/** Builds the inputs of `description` into `container`; answers a reader of the payload. */
export function buildForm(container, description) {
  clear(container);
  const inputs = [];
  const required = description.keys.filter((key) => key.required);
  const optional = description.keys.filter((key) => !key.required && !key.isExtension);
  const extensions = description.keys.filter((key) => !key.required && key.isExtension);
  for (const key of [...required, ...optional]) container.append(field(key, inputs));
  if (description.defaultDatabase !== undefined) {
    container.append(field({
      name: 'defaultDatabase', kind: 'string', required: false, choices: [], isExtension: false,
      help: description.defaultDatabase, top: true,
    }, inputs));
  }
  if (extensions.length > 0) {
    const more = el('details', { class: 'extensions' }, el('summary', { text: "Preflight's own settings" }));
    for (const key of extensions) more.append(field(key, inputs));
    container.append(more);
  }
  if (description.keys.length === 0 && description.defaultDatabase === undefined) {
    container.append(el('p', { class: 'help', text: 'This type takes no settings.' }));
  }
  return {
    /** The ping payload's sharedConfig and top-level fields, and the secret values typed. */
    read() {
      const sharedConfig = {};
      const top = {};
      const secrets = [];
      for (const { key, input } of inputs) {
        let value = input.value;
        if (value === '') continue;
        if (key.kind === 'port' || key.kind === 'integer') {
          const number = Number(value);
          value = Number.isInteger(number) ? number : value;
        } else if (key.kind === 'boolean') {
          value = value === 'true';
        }
        if (key.kind === 'secret' || key.kind === 'pem' || key.kind === 'json') secrets.push(String(input.value));
        if (key.top) top[key.name] = value; else sharedConfig[key.name] = value;
      }
      return { sharedConfig, top, secrets };
    },
  };
}

/** One labelled input for `key`, with its help and, for PEM/JSON keys, a file picker. */
function field(key, inputs) {
  const id = `field-${key.name}`;
  const helpId = `${id}-help`;
  const label = el('label', { attrs: { for: id } }, el('code', { text: key.name }));
  if (key.required) label.append(' ', el('span', { class: 'req', text: '*', attrs: { 'aria-hidden': 'true' } }));
  if (key.isExtension) label.append(' ', el('span', { class: 'tag', text: 'Preflight' }));
  const common = {
    id,
    name: key.name,
    'aria-describedby': key.help ? helpId : null,
    'aria-required': key.required ? 'true' : null,
    required: key.required,
    autocomplete: 'off',
    spellcheck: 'false',
  };
  let input;
  if (key.kind === 'choice' || key.kind === 'boolean') {
    const choices = key.kind === 'boolean' ? ['true', 'false'] : key.choices;
    const fallback = key.defaultValue !== undefined ? `default (${key.defaultValue || 'empty'})` : 'not set';
    input = el('select', { attrs: common }, el('option', { text: fallback, attrs: { value: '' } }),
      ...choices.map((choice) => el('option', { text: choice === '' ? '(empty)' : choice, attrs: { value: choice } })));
  } else if (FILE_KINDS.has(key.kind)) {
    input = el('textarea', { class: isMaskedText(key) ? 'masked' : null, attrs: { ...common, rows: 4, placeholder: key.defaultValue } });
  } else {
    const type = { secret: 'password', port: 'number', integer: 'number', url: 'url' }[key.kind] || 'text';
    input = el('input', { attrs: { ...common, type, placeholder: key.defaultValue, min: key.kind === 'port' ? 1 : null, max: key.kind === 'port' ? 65535 : null } });
  }
  inputs.push({ key, input });
  const box = el('div', { class: 'field' }, label, input);
  if (FILE_KINDS.has(key.kind)) box.append(filePicker(key, input));
  if (key.help) box.append(el('p', { class: 'help', text: key.help, attrs: { id: helpId } }));
  return box;
}

/** A file input that reads the chosen file (a PEM key, a JSON key file) into `target`. */
function filePicker(key, target) {
  const id = `file-${key.name}`;
  const accept = key.kind === 'pem' ? '.pem,.key,.p8,.txt' : '.json,application/json';
  const picker = el('input', { attrs: { id, type: 'file', accept } });
  picker.addEventListener('change', async () => {
    const file = picker.files && picker.files[0];
    if (!file) return;
    if (file.size > 512 * 1024) { target.value = ''; return; }
    target.value = (await file.text()).trim();
    picker.value = '';
  });
  return el('div', { class: 'file' }, el('label', { text: `…or read ${key.name} from a file`, attrs: { for: id } }), picker);
}
