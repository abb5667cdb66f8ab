"""The console at `/`, driven in a real headless Chromium (Debian's, through Playwright).

    python3 scripts/browser/console_test.py --base http://127.0.0.1:PORT --key arsk_...

Starts nothing but the browser and its own loopback peers (scripts/browser/peers.py): `preflight serve`
(with --allow-loopback) and the test servers are started by scripts/browser.sh. Reads the test servers'
PREFLIGHT_TEST_* variables from the environment. Prints one line per case and the figures (page weight,
time to interactive); exits 1 if any case failed.
"""

import argparse
import json
import os
import sys
import time
import traceback
import urllib.request

from playwright.sync_api import sync_playwright

import peers

CHROMIUM = os.environ.get("PREFLIGHT_CHROMIUM", "/usr/bin/chromium")
ASSETS = ["/", "/console/app.css", "/console/app.js", "/console/api.js", "/console/dom.js",
          "/console/form.js", "/console/timeline.js", "/console/tunnels.js"]

# Records, in order, every change of the timeline and the verdict (a MutationObserver in the page): each
# observer callback is one batch `{t, steps: ["name:state", ...], verdict}` taken when it fired.
RECORDER = """() => {
  window.__batches = [];
  const snap = () => ({
    t: performance.now(),
    steps: [...document.querySelectorAll('#timeline li')].map((li) => li.dataset.step + ':' + li.dataset.state),
    verdict: document.querySelector('#verdict .verdict') ? document.querySelector('#verdict .verdict').dataset.category : null,
  });
  const observer = new MutationObserver(() => window.__batches.push(snap()));
  for (const id of ['timeline', 'verdict']) {
    observer.observe(document.getElementById(id), { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  }
}"""


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


class Console:
    """One browser page on the console, and the steps a person takes."""

    opened = []  # every page of the run; after each case, none may have logged an error

    def __init__(self, browser, base, viewport=None):
        self.base = base
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        self.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        self.page = self.context.new_page()
        # Script errors and CSP refusals (a failed request, e.g. the wrong key's 401, is not one).
        self.errors = []
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        Console.opened.append(self)
        self.response = self.page.goto(base + "/")
        self.page.wait_for_selector("body[data-ready=true]")

    def sign_in(self, key):
        self.page.fill("#api-key", key)
        self.page.press("#api-key", "Enter")  # the keyboard, not the mouse
        self.page.wait_for_selector("#workspace:not([hidden])")
        self.page.wait_for_selector("#connector-type option[value=postgresql]", state="attached")

    def fill(self, type_, fields, timeout=None, tunnel=None):
        self.page.select_option("#connector-type", type_)
        for name, value in fields.items():
            self.page.fill(f"#field-{name}", str(value))
        self.page.fill("#timeout-seconds", "" if timeout is None else str(timeout))
        self.page.select_option("#ssh-tunnel", tunnel or "")

    def test(self, keyboard=False):
        self.page.evaluate(RECORDER)
        if keyboard:
            self.page.press("#field-password", "Enter")  # submits the form, as a keyboard user would
        else:
            self.page.click("#test-button")

    def verdict(self, timeout=30000):
        self.page.wait_for_selector("#verdict .verdict", timeout=timeout)
        return self.page.eval_on_selector("#verdict .verdict", "(e) => e.dataset.category")

    def results_text(self):
        return self.page.inner_text("#results")

    def close(self):
        self.context.close()


def postgres_fields(password=None):
    env = os.environ
    return {
        "host": env["PREFLIGHT_TEST_PG_HOST"], "port": env["PREFLIGHT_TEST_PG_PORT"],
        "user": env["PREFLIGHT_TEST_PG_SCRAM_USER"],
        "password": password if password is not None else env["PREFLIGHT_TEST_PG_SCRAM_PASSWORD"],
        "defaultDatabase": env["PREFLIGHT_TEST_PG_DATABASE"],
    }


# ----------------------------------------------------------------------------------------------- cases

def case_headers_and_weight(ctx):
    """The page and every asset: content type, CSP, nosniff; unknown assets are 404; the total weight."""
    total = 0
    for path in ASSETS:
        with urllib.request.urlopen(ctx.base + path) as answer:
            body = answer.read()
            total += len(body)
            csp = answer.headers.get("Content-Security-Policy", "")
            check("default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp,
                  f"{path}: CSP is {csp!r}")
            check("unsafe-inline" not in csp and "unsafe-eval" not in csp, f"{path}: CSP allows inline code: {csp!r}")
            check(answer.headers.get("X-Content-Type-Options") == "nosniff", f"{path}: no nosniff")
            expected = "text/html" if path == "/" else ("text/css" if path.endswith(".css") else "text/javascript")
            check(answer.headers.get("Content-Type", "").startswith(expected), f"{path}: {answer.headers.get('Content-Type')}")
    for path in ["/console/nope.js", "/console/../openapi.yaml", "/console/%2e%2e/Package.swift", "/console/"]:
        try:
            urllib.request.urlopen(ctx.base + path)
            raise Failure(f"{path} was served")
        except urllib.error.HTTPError as error:
            check(error.code == 404, f"{path}: HTTP {error.code}")
    ctx.figures["page_weight_bytes"] = total
    check(total < 150 * 1024, f"the console weighs {total} bytes (limit 150 KB)")


def case_sign_in(ctx):
    """A wrong key is refused in words; the right one (typed, Enter) opens the workspace; it is kept for
    the tab only (sessionStorage, never localStorage or the URL); the page loaded with its CSP and no error."""
    console = Console(ctx.browser, ctx.base)
    try:
        csp = console.response.headers.get("content-security-policy", "")
        check("frame-ancestors 'none'" in csp, f"the page's CSP: {csp!r}")
        timing = console.page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return {interactive: n.domInteractive, loaded: n.loadEventEnd}; }")
        ctx.figures["dom_interactive_ms"] = round(timing["interactive"], 1)
        ctx.figures["load_event_end_ms"] = round(timing["loaded"], 1)
        console.page.fill("#api-key", "arsk_not_a_real_key")
        console.page.click("#sign-in-form button[type=submit]")
        console.page.wait_for_selector("#sign-in-error:not(:empty)")
        check("not valid" in console.page.inner_text("#sign-in-error"), "no words for a wrong key")
        console.sign_in(ctx.key)
        stored = console.page.evaluate("() => ({s: sessionStorage.getItem('preflight.apiKey'), l: localStorage.length})")
        check(stored["s"] == ctx.key and stored["l"] == 0, f"key storage: {stored}")
        check(ctx.key not in console.page.url, "the key is in the URL")
        check(console.page.input_value("#api-key") == "", "the key stays in the sign-in field")
        options = console.page.eval_on_selector_all("#connector-type option", "(o) => o.map((x) => x.value)")
        check("postgresql" in options and "snowflake" in options, f"types: {options}")
        check(console.page.get_attribute("#field-password", "type") == "password", "the password field is not masked")
        check(console.page.get_attribute("#field-host", "aria-required") == "true", "host is not marked required")
        check(console.page.get_attribute("#field-port", "placeholder") == "5432", "the default port is not a placeholder")
        unlabelled = console.page.evaluate(
            "() => [...document.querySelectorAll('input, select, textarea')].filter((i) => i.type !== 'hidden'"
            " && !(i.labels && i.labels.length) && !i.getAttribute('aria-label')).map((i) => i.id)")
        check(unlabelled == [], f"inputs without a label: {unlabelled}")
        # A reload keeps the tab's key (sessionStorage) and signs in again.
        console.page.reload()
        console.page.wait_for_selector("#workspace:not([hidden])")
        check(not console.errors, f"page errors or CSP refusals: {console.errors}")
    finally:
        console.close()


def case_file_pickers(ctx):
    """A PEM key and a service-account JSON key are read from a chosen file into their (masked) field."""
    console = Console(ctx.browser, ctx.base)
    try:
        console.sign_in(ctx.key)
        pem = "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----"
        console.page.select_option("#connector-type", "snowflake")
        console.page.set_input_files("#file-privateKey", files=[{"name": "rsa_key.p8", "mimeType": "text/plain",
                                                                 "buffer": (pem + "\n").encode()}])
        console.page.wait_for_function("() => document.getElementById('field-privateKey').value.length > 0")
        check(console.page.input_value("#field-privateKey") == pem, "the PEM file was not read into the field")
        masked = console.page.eval_on_selector("#field-privateKey", "(e) => getComputedStyle(e).webkitTextSecurity")
        check(masked == "disc", f"the private key is shown in clear ({masked!r})")
        check(console.page.get_attribute("#field-password", "type") == "password", "snowflake password not masked")
        key_file = json.dumps({"type": "service_account", "project_id": "p", "private_key": pem})
        console.page.select_option("#connector-type", "bigquery")
        console.page.set_input_files("#file-credentialsData", files=[{"name": "key.json", "mimeType": "application/json",
                                                                      "buffer": key_file.encode()}])
        console.page.wait_for_function("() => document.getElementById('field-credentialsData').value.length > 0")
        check(console.page.input_value("#field-credentialsData") == key_file, "the JSON key file was not read")
    finally:
        console.close()


def case_postgres_live(ctx):
    """The real PostgreSQL, 30 ms away (peers.LatencyRelay: on loopback the whole ping ends within a few
    milliseconds): steps arrive one by one (recorded as they change) before the verdict, which passes;
    the password typed never appears in the results."""
    console = Console(ctx.browser, ctx.base)
    relay = peers.LatencyRelay(os.environ["PREFLIGHT_TEST_PG_HOST"], os.environ["PREFLIGHT_TEST_PG_PORT"])
    try:
        console.sign_in(ctx.key)
        fields = dict(postgres_fields(), host="127.0.0.1", port=str(relay.port))
        console.fill("postgresql", fields)
        console.test()
        category = console.verdict()
        check(category == "", f"the verdict is {category!r}: {console.page.inner_text('#verdict')}")
        batches = console.page.evaluate("() => window.__batches")
        before = [b for b in batches if b["verdict"] is None and b["steps"]]
        states = {tuple(b["steps"]) for b in before}
        ctx.figures["postgres_timeline_states_before_verdict"] = len(states)
        check(len(states) >= 2, f"the steps did not arrive one by one: {batches}")
        check(any(s.endswith(":running") for b in before for s in b["steps"]), "no step was ever seen running")
        final = console.page.eval_on_selector_all("#timeline li", "(l) => l.map((x) => x.dataset.step + ':' + x.dataset.state)")
        for step in ("connect:passed", "auth:passed"):
            check(step in final, f"{step} not in {final}")
        widths = console.page.eval_on_selector_all("#timeline rect.bar", "(r) => r.map((x) => Number(x.getAttribute('width')))")
        check(widths and max(widths) > 100, f"bars not sized by duration: {widths}")
        check(fields["password"] not in console.results_text(), "the password is shown in the results")
        check(console.page.inner_text("#run-status").startswith("Done"), "no done status")
        ctx.figures["postgres_timeline_final"] = final
    finally:
        console.close()
        relay.close()


def case_wrong_password(ctx):
    """A wrong password: category auth and its hint; the wrong password is not shown."""
    console = Console(ctx.browser, ctx.base)
    try:
        console.sign_in(ctx.key)
        wrong = "Wrong-Pa55word-in-the-form"
        console.fill("postgresql", postgres_fields(password=wrong))
        console.test(keyboard=True)
        check(console.verdict() == "auth", f"verdict: {console.page.inner_text('#verdict')}")
        hint = console.page.inner_text("#verdict .hint-text")
        check(len(hint) > 10, f"no hint: {hint!r}")
        check(console.page.eval_on_selector("li[data-step=auth]", "(e) => e.dataset.state") == "failed", "auth step not failed")
        check(wrong not in console.results_text(), "the typed password is shown in the results")
        check(console.page.input_value("#field-password") == wrong, "the form lost what was typed")
    finally:
        console.close()


def case_silent_peer(ctx):
    """A port that accepts and never answers: the step is shown running while the ping runs, then `timeout`."""
    peer = peers.silent()
    console = Console(ctx.browser, ctx.base)
    try:
        console.sign_in(ctx.key)
        console.fill("postgresql", {"host": "127.0.0.1", "port": peer.port, "user": "u", "password": "p4ssw0rd-silent"},
                     timeout=3)
        console.test()
        console.page.wait_for_selector("#timeline li[data-state=running]", timeout=5000)
        running = console.page.eval_on_selector_all("#timeline li[data-state=running]", "(l) => l.map((x) => x.dataset.step)")
        check(console.page.query_selector("#verdict .verdict") is None, "the verdict came before the running step was seen")
        console.page.wait_for_timeout(600)
        elapsed = console.page.inner_text("#timeline li[data-state=running] .time")
        check(elapsed.endswith("ms") or elapsed.endswith(" s"), f"no elapsed time on the running step: {elapsed!r}")
        check(console.verdict(timeout=15000) == "timeout", f"verdict: {console.page.inner_text('#verdict')}")
        ctx.figures["silent_peer_running_steps"] = running
        check(peer.accepted >= 1, "the silent peer was never dialled")
    finally:
        console.close()
        peer.close()


def case_xss_peer_text(ctx):
    """Peers whose words are markup (an SSH banner where MySQL was expected, a PostgreSQL server's error
    message): shown literally in the steps and the verdict, never parsed into an element, never run."""
    for type_, make_peer in (("mysql", peers.hostile_ssh_banner), ("postgresql", peers.hostile_postgres_error)):
        peer = make_peer()
        console = Console(ctx.browser, ctx.base)
        try:
            console.sign_in(ctx.key)
            console.fill(type_, {"host": "127.0.0.1", "port": peer.port, "user": "u", "password": "p4ssw0rd-xss"}, timeout=5)
            console.test()
            category = console.verdict()
            check(peers.XSS_PAYLOAD in console.page.inner_text("#timeline"), f"{type_}: not literal in the steps")
            check(peers.XSS_PAYLOAD in console.page.inner_text("#verdict"), f"{type_}: not literal in the verdict ({category})")
            console.page.wait_for_timeout(300)
            check(console.page.evaluate("() => window.__xss") is None, f"{type_}: the peer's onerror ran")
            check(console.page.query_selector("#results img") is None, f"{type_}: the peer's text became an element")
            ctx.figures[f"xss_{type_}_category"] = category
        finally:
            console.close()
            peer.close()


def case_tunnels(ctx):
    """Create a tunnel: its public key, a copy button that copies it, the authorized_keys line; rotate
    (a new key); then through the real bastion: the first ping shows the host key and "Trust this key"
    pins it; a changed host key is offered and trusted; delete (two steps)."""
    env = os.environ
    console = Console(ctx.browser, ctx.base)
    try:
        console.sign_in(ctx.key)
        console.page.fill("#tunnel-name", "browser-bastion")
        console.page.fill("#tunnel-host", env["PREFLIGHT_TEST_SSH_HOST"])
        console.page.fill("#tunnel-port", env["PREFLIGHT_TEST_SSH_PORT"])
        console.page.fill("#tunnel-username", env["PREFLIGHT_TEST_SSH_USER"])
        console.page.click("#tunnel-form button[type=submit]")
        console.page.wait_for_selector("#tunnel-key .public-key")
        key = console.page.inner_text("#tunnel-key .public-key").strip()
        check(key.startswith("ssh-ed25519 "), f"public key: {key!r}")
        command = console.page.inner_text("#tunnel-key .authorized-keys-command").strip()
        check(command == f"echo '{key}' >> ~{env['PREFLIGHT_TEST_SSH_USER']}/.ssh/authorized_keys", f"command: {command!r}")
        console.page.click("#tunnel-key button:has-text('Copy public key')")
        console.page.wait_for_selector("#tunnel-key button:has-text('Copied')")
        copied = console.page.evaluate("() => navigator.clipboard.readText()")
        check(copied == key, f"clipboard holds {copied!r}")
        uuid = console.page.get_attribute("#tunnel-key .keybox", "data-tunnel")
        check(console.page.query_selector(f"#tunnel-list tr[data-tunnel='{uuid}']") is not None, "not listed")

        console.page.click(f"#tunnel-list tr[data-tunnel='{uuid}'] button:has-text('Rotate key')")
        console.page.wait_for_function("(old) => { const k = document.querySelector('#tunnel-key .public-key');"
                                       " return k && k.textContent.trim() !== old; }", arg=key)
        key = console.page.inner_text("#tunnel-key .public-key").strip()

        # The bastion accepts the new key; the first ping through it shows the host key to trust.
        if env.get("PREFLIGHT_TEST_SSH_AUTHORIZED_KEYS"):
            with open(env["PREFLIGHT_TEST_SSH_AUTHORIZED_KEYS"], "a") as keys:
                keys.write(key + "\n")
            console.fill("postgresql", postgres_fields(), tunnel=uuid)
            console.test()
            check(console.verdict() == "", f"through the bastion: {console.page.inner_text('#verdict')}")
            fingerprint = console.page.inner_text("#host-key .fingerprint")
            check(fingerprint.startswith("SHA256:"), f"fingerprint: {fingerprint!r}")
            console.page.click("#host-key button:has-text('Trust this key')")
            console.page.wait_for_selector("#host-key p[role=status]:has-text('Pinned')")
            listed = console.page.inner_text(f"#tunnel-list tr[data-tunnel='{uuid}']")
            check(fingerprint in listed, f"the list does not show the pinned key: {listed!r}")
            ctx.figures["tunnel_host_key_trusted"] = True

            # Another key pinned (as if the bastion had been rebuilt): the ping fails with both keys, the
            # console offers the bastion's new key, and trusting it makes the next ping pass.
            other = "SHA256:" + "A" * 43
            request = urllib.request.Request(
                f"{ctx.base}/ssh-tunnels/{uuid}/trust-host-key", method="POST",
                data=json.dumps({"hostKeyFingerprint": other}).encode(),
                headers={"Authorization": f"Bearer {ctx.key}", "Content-Type": "application/json"})
            urllib.request.urlopen(request).close()
            console.test()
            check(console.verdict() == "ssh", f"a changed host key: {console.page.inner_text('#verdict')}")
            check("changed" in console.page.inner_text("#host-key h3"), "the host key box does not say it changed")
            check(console.page.inner_text("#host-key .fingerprint") == fingerprint, "not the bastion's real key")
            console.page.click("#host-key button:has-text('Trust this key')")
            console.page.wait_for_selector("#host-key p[role=status]:has-text('Pinned')")
            console.test()
            check(console.verdict() == "", f"after trusting the key again: {console.page.inner_text('#verdict')}")

        console.page.click(f"#tunnel-list tr[data-tunnel='{uuid}'] button:has-text('Delete')")
        console.page.click(f"#tunnel-list tr[data-tunnel='{uuid}'] button:has-text('Really delete')")
        console.page.wait_for_selector(f"#tunnel-list tr[data-tunnel='{uuid}']", state="detached")
    finally:
        console.close()


def case_phone(ctx):
    """On a phone-sized screen nothing is wider than the screen."""
    console = Console(ctx.browser, ctx.base, viewport={"width": 390, "height": 844})
    try:
        console.sign_in(ctx.key)
        widths = console.page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        check(widths[0] <= widths[1], f"the page is {widths[0]} px wide on a {widths[1]} px screen")
    finally:
        console.close()


def time_to_interactive(ctx, runs=5):
    """Median over `runs` fresh pages: navigation start to the console's module having run (its
    `console-ready` performance mark: the form answers input from then on)."""
    samples = []
    for _ in range(runs):
        context = ctx.browser.new_context()
        page = context.new_page()
        page.goto(ctx.base + "/")
        page.wait_for_selector("body[data-ready=true]")
        samples.append(page.evaluate("() => performance.getEntriesByName('console-ready')[0].startTime"))
        context.close()
    samples.sort()
    ctx.figures["time_to_interactive_ms_median_of_5"] = round(samples[len(samples) // 2], 1)


class Context:
    def __init__(self, browser, base, key):
        self.browser, self.base, self.key = browser, base, key
        self.figures = {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--only", help="run only the cases whose name contains this")
    args = parser.parse_args()
    cases = [case_headers_and_weight, case_sign_in, case_file_pickers, case_postgres_live, case_wrong_password, case_silent_peer,
             case_xss_peer_text, case_tunnels, case_phone]
    failed = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        ctx = Context(browser, args.base.rstrip("/"), args.key)
        for case in cases:
            if args.only and args.only not in case.__name__:
                continue
            start = time.monotonic()
            try:
                Console.opened.clear()
                case(ctx)
                errors = [e for console in Console.opened for e in console.errors]
                check(not errors, f"page errors or CSP refusals: {errors}")
                print(f"ok    {case.__name__} ({time.monotonic() - start:.1f}s)", flush=True)
            except Exception as error:  # noqa: BLE001 - every failure is reported, then the run fails
                failed += 1
                print(f"FAIL  {case.__name__}: {error}", flush=True)
                if not isinstance(error, Failure):
                    traceback.print_exc()
        if not args.only:
            time_to_interactive(ctx)
        browser.close()
    print("figures: " + json.dumps(ctx.figures), flush=True)
    print(f"{failed} failed", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
