import PreflightCore
import PreflightEngine
import PreflightNetwork
import Testing

/// A probe that obtains a secret at run time and then (carelessly) puts it in a step and its failure.
struct LeakyProbeFactory: ProbeFactory {
    static let token = "ya29.runtime-token-PLANTED"
    var types: Set<ConnectorType> { [.api] }
    func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe { LeakyProbe() }
}

struct LeakyProbe: Probe {
    var target: PingTarget { PingTarget(host: "example.test", port: 443) }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        context.rememberSecret(LeakyProbeFactory.token)
        try await context.step(.oauthToken, "getting a token") { outcome in
            outcome.detail = "got \(LeakyProbeFactory.token)"
        }
        throw ProbeFailure(
            .auth, "the API refused \(LeakyProbeFactory.token)", hint: "token was \(LeakyProbeFactory.token)")
    }
}

@Test("a secret a probe remembers at run time is masked in the whole report by the engine")
func runtimeSecretsAreMaskedByTheEngine() async throws {
    let engine = PingEngine(factories: [LeakyProbeFactory()])
    let report = try await engine.ping(ConnectorPayload(type: .api))
    #expect(report.category == .auth)
    #expect(report.message == "the API refused [redacted]")
    #expect(report.hint == "token was [redacted]")
    #expect(report.step("oauth_token")?.detail == "got [redacted]")
}
