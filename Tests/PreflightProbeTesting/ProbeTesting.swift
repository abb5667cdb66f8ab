import Foundation
import PreflightCore
import PreflightEngine
import PreflightNetwork
import Synchronization
import Testing

/// What every connector test target needs: an engine with only its factory, and a ping whose report is
/// searched for every secret of the payload, in every form a client or a log could see it.
public enum ProbeTesting {
    /// An engine with only `factories`, a deadline of `timeout`, and `clock` (a `ManualPingClock` for
    /// tests that decide the deadline themselves).
    public static func engine(
        _ factories: [any ProbeFactory], timeout: Duration = .seconds(10), clock: any PingClock = SystemPingClock()
    ) -> PingEngine {
        PingEngine(configuration: EngineConfiguration(defaultTimeout: timeout, clock: clock), factories: factories)
    }

    /// Pings and checks that none of the payload's secrets (and `secrets`, e.g. tokens a peer issued)
    /// appears in the report.
    public static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, secrets: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        let report = try await engine.ping(payload)
        expectNoSecrets(in: report, secrets: payloadSecrets(payload) + secrets, sourceLocation: sourceLocation)
        return report
    }

    /// Runs `payload` on an engine with `factories` and a manual clock: once `ready()` holds (the peer
    /// has the request) and the engine waits on its deadline, and 50 ms more of real time have let the client
    /// take in what the peer sent, moves the clock to the deadline. The
    /// report then says exactly where the ping stood, however slow the machine; its duration is checked
    /// to be the deadline to the millisecond, and it is searched for secrets like ``ping(_:_:secrets:sourceLocation:)``.
    public static func pingToTheDeadline(
        _ factories: [any ProbeFactory], _ payload: ConnectorPayload, timeout: Duration = .seconds(10),
        secrets: [String] = [], until ready: @Sendable () -> Bool, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        let clock = ManualPingClock()
        let engine = engine(factories, timeout: timeout, clock: clock)
        let ping = Task { try await engine.ping(payload) }
        for _ in 0..<4000 where !(ready() && clock.sleeperCount > 0) { try await Task.sleep(for: .milliseconds(5)) }
        #expect(ready(), "the peer never saw the request", sourceLocation: sourceLocation)
        // What `ready()` sees (bytes a peer got or sent) can run a little ahead of the client taking it in:
        // give the client a moment to reach the state the test describes before the deadline falls.
        try await Task.sleep(for: .milliseconds(50))
        let limit = payload.timeoutSeconds.map { min(Duration.milliseconds(Int64($0 * 1000)), timeout) } ?? timeout
        clock.advance(by: limit)
        let report = try await ping.value
        #expect(report.durationMs == limit.milliseconds, "\(report.summary)", sourceLocation: sourceLocation)
        expectNoSecrets(in: report, secrets: payloadSecrets(payload) + secrets, sourceLocation: sourceLocation)
        return report
    }

    /// A ping at a misbehaving peer, on a manual clock, for the two ways such a ping may end: a peer that
    /// only a deadline can end (`atDeadline`: silent, dripping) has the clock moved to the deadline once
    /// `ready()` holds (see ``pingToTheDeadline(_:_:timeout:secrets:until:sourceLocation:)``); any other must
    /// be decided with the clock never moving (``pingWithoutTheDeadline(_:_:timeout:secrets:patience:sourceLocation:)``).
    public static func pingAtPeer(
        _ factories: [any ProbeFactory], _ payload: ConnectorPayload, atDeadline: Bool,
        timeout: Duration = .seconds(10),
        secrets: [String] = [], until ready: @escaping @Sendable () -> Bool = { true },
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        if atDeadline {
            return try await pingToTheDeadline(
                factories, payload, timeout: timeout, secrets: secrets, until: ready, sourceLocation: sourceLocation)
        }
        return try await pingWithoutTheDeadline(
            factories, payload, timeout: timeout, secrets: secrets, sourceLocation: sourceLocation)
    }

    /// Runs `payload` on an engine with `factories` and a manual clock that never moves: the probe must
    /// decide on its own (an answer, a refusal, a closed connection, a length it will not read), never by
    /// waiting for its deadline. The report's duration is checked to be 0 on that clock, and it is searched
    /// for secrets. If the ping is still running after `patience` of real time (a guard against a hang, not a
    /// measure of speed), the clock is moved to the deadline to end it and the test fails.
    public static func pingWithoutTheDeadline(
        _ factories: [any ProbeFactory], _ payload: ConnectorPayload, timeout: Duration = .seconds(10),
        inboundByteLimit: Int? = nil, secrets: [String] = [], patience: Duration = .seconds(60),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        let clock = ManualPingClock()
        var configuration = EngineConfiguration(defaultTimeout: timeout, clock: clock)
        if let inboundByteLimit { configuration.inboundByteLimit = inboundByteLimit }
        let engine = PingEngine(configuration: configuration, factories: factories)
        let finished = Atomic<Bool>(false)
        let ping = Task {
            let report = try await engine.ping(payload)
            finished.store(true, ordering: .releasing)
            return report
        }
        let started = ContinuousClock.now
        while !finished.load(ordering: .acquiring), ContinuousClock.now - started < patience {
            try await Task.sleep(for: .milliseconds(5))
        }
        if !finished.load(ordering: .acquiring) {
            Issue.record(
                "the ping was still waiting after \(patience): only its deadline would have ended it",
                sourceLocation: sourceLocation)
            clock.advance(by: timeout)
        }
        let report = try await ping.value
        #expect(report.durationMs == 0, "the deadline decided: \(report.summary)", sourceLocation: sourceLocation)
        expectNoSecrets(in: report, secrets: payloadSecrets(payload) + secrets, sourceLocation: sourceLocation)
        return report
    }

    /// The values of the payload's secret keys (as the redactor decides them), and the parts of them
    /// that are secrets on their own: the secret half of an `id:secret` credential, each base64 line of
    /// a PEM key (also inside a service-account key file), a JWT's signature.
    public static func payloadSecrets(_ payload: ConnectorPayload) -> [String] {
        var secrets: [String] = []
        for (key, value) in payload.sharedConfig.values where Redactor.isSecretKey(key) {
            let text: String
            switch value {
            case .string(let string): text = string
            case .object, .array: text = String(decoding: (try? JSONEncoder().encode(value)) ?? Data(), as: UTF8.self)
            default: continue
            }
            guard !text.isEmpty else { continue }
            secrets.append(text)
            if let colon = text.firstIndex(of: ":"), key == "credential" {
                secrets.append(String(text[text.index(after: colon)...]))
            }
            var pems = [text]
            if let file = JSONValue.parse(Array(text.utf8)), let pem = file["private_key"]?.stringValue {
                pems.append(pem)
                secrets.append(pem)
            }
            for pem in pems where pem.contains("-----BEGIN") {
                secrets += pem.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { $0.count >= 40 && !$0.hasPrefix("-----") }
            }
            let parts = text.split(separator: ".")
            if parts.count == 3, let signature = parts.last, signature.count >= 16 { secrets.append(String(signature)) }
        }
        return secrets
    }

    /// Fails the test when any secret of at least 4 characters appears in the report as the API sends it
    /// (compact, slashes unescaped), as Foundation's default encoder writes it (`/` as `\/`), in its
    /// one-line summary, or decoded back from JSON; in each, raw, JSON-escaped, URL-encoded or base64.
    public static func expectNoSecrets(
        in report: PingReport, secrets: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let server = JSONEncoder()
        server.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var texts = [report.summary]
        for encoder in [server, JSONEncoder()] {
            if let data = try? encoder.encode(report) { texts.append(String(decoding: data, as: UTF8.self)) }
        }
        texts += report.steps.flatMap { [$0.detail, $0.hint].compactMap { $0 } }
        texts += report.checks.flatMap { [$0.detail, $0.fix, $0.observed].compactMap { $0 } }
        texts += [report.message, report.hint].compactMap { $0 }
        for secret in secrets where secret.count >= 4 {
            for form in forms(of: secret) {
                for text in texts where text.contains(form) {
                    Issue.record(
                        "a secret leaked into the report (as \(form.prefix(12))...): \(text.prefix(300))",
                        sourceLocation: sourceLocation)
                }
            }
        }
    }

    /// ``expectNoSecrets(in:secrets:sourceLocation:)`` with the payload's secrets and `runtime` (tokens
    /// or JWTs obtained or sent during the ping).
    public static func expectNoSecrets(
        in report: PingReport, payload: ConnectorPayload, runtime: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectNoSecrets(in: report, secrets: payloadSecrets(payload) + runtime, sourceLocation: sourceLocation)
    }

    /// Expects `engine` to refuse each payload before running it, with a message containing the text
    /// paired with it.
    public static func expectInvalid(
        _ engine: PingEngine, _ cases: [(ConnectorPayload, String)], sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        for (payload, expected) in cases {
            do {
                let report = try await engine.ping(payload)
                Issue.record("expected invalid, got \(report.summary)", sourceLocation: sourceLocation)
            } catch {
                guard case .invalid(let invalid) = error else {
                    Issue.record("expected invalid, got \(error)", sourceLocation: sourceLocation)
                    continue
                }
                #expect(invalid.message.contains(expected), "\(invalid.message)", sourceLocation: sourceLocation)
            }
        }
    }

    /// The forms in which a secret could be echoed.
    public static func forms(of secret: String) -> Set<String> {
        var forms: Set<String> = [secret]
        if let escaped = try? JSONEncoder().encode(secret) {
            forms.insert(String(decoding: escaped.dropFirst().dropLast(), as: UTF8.self))
        }
        if let encoded = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) { forms.insert(encoded) }
        let base64 = Data(secret.utf8).base64EncodedString()
        forms.insert(base64.trimmingCharacters(in: CharacterSet(charactersIn: "=")))
        return forms.filter { $0.count >= 4 }
    }
}
