import PreflightCore
import PreflightNetwork

/// A probe for engine tests: no network, its behaviour chosen by `sharedConfig.script`.
///
/// - `pass`: one passed `connect` step.
/// - `fail`: a failed `auth` step, category `auth`, its message quoting `sharedConfig.password`
///   (the engine must mask it).
/// - `hang`: a `connect` step that never ends on its own (only the deadline ends it).
/// - `leak`: passes, after remembering `sharedConfig.token` as a run-time secret and putting it in a detail.
struct ScriptedProbeFactory: ProbeFactory {
    var types: Set<ConnectorType> { [.redis] }

    func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        let script = try payload.sharedConfig.requiredString("script", for: payload.type)
        guard ["pass", "fail", "hang", "leak"].contains(script) else {
            throw InvalidConfig("sharedConfig.script must be pass, fail, hang or leak")
        }
        return ScriptedProbe(
            script: script, password: try payload.sharedConfig.secret("password"),
            token: try payload.sharedConfig.secret("token"))
    }
}

struct ScriptedProbe: Probe {
    let script: String
    let password: String?
    let token: String?

    var target: PingTarget { PingTarget(host: "scripted.invalid", port: 1) }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        switch script {
        case "pass":
            try await context.step(.connect, "connecting") { outcome in outcome.detail = "connected" }
        case "fail":
            try await context.step(.auth, "logging in") { (_: inout StepOutcome) throws -> Void in
                throw ProbeFailure(.auth, "password \(password ?? "") was refused", hint: "check the password")
            }
        case "hang":
            try await context.step(.connect, "connecting to scripted.invalid:1", timeoutHint: "open the firewall") {
                (_: inout StepOutcome) async -> Void in
                // Sleeps far past any test's deadline; the engine's deadline cancels it.
                try? await Task.sleep(for: .seconds(3600))
            }
        default:
            context.rememberSecret(token)
            try await context.step(.oauthToken, "exchanging a token") { outcome in
                outcome.detail = "got \(token ?? "")"
            }
        }
    }
}
