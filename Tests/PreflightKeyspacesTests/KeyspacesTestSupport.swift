import Foundation
import PreflightCore
import PreflightEngine
import PreflightKeyspaces
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// Shared helpers: an engine with only the Keyspaces probe, payloads, the peer's credentials, and the
/// gate every probe test passes first: the scripted peer checked by cassandra-driver + cassandra-sigv4.
enum KeyspacesTesting {
    static let accessKey = "AKIAKEYSPACESTEST001"
    static let secret = "Ks/Secret+Key=Planted-0123456789abcdefGHIJ"
    static let user = "artie-at-111122223333"
    static let password = "Svc-Specific/Pass+word=42"

    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        ProbeTesting.engine([KeyspacesProbeFactory()], timeout: timeout)
    }

    static func options(keyspaces: [String: [ScriptedKeyspacesPeer.Table]] = [:]) -> ScriptedKeyspacesPeer.Options {
        var options = ScriptedKeyspacesPeer.Options()
        options.accessKeys = [accessKey: secret]
        options.users = [user: password]
        options.keyspaces = keyspaces
        return options
    }

    /// A SigV4 payload (or a password one with `password: true`) aimed at the peer on `port`.
    static func payload(
        port: Int, secret: String = secret, password: Bool = false, keyspace: String? = nil,
        rootCert: String? = TestPKI.caPEM, extra: [String: String] = [:], timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config = ["host": "127.0.0.1", "port": String(port), "awsRegion": "us-east-1"]
        if password {
            config["username"] = user
            config["password"] = Self.password
        } else {
            config["awsAccessKeyID"] = accessKey
            config["awsSecretAccessKey"] = secret
        }
        if let rootCert { config["sslRootCert"] = rootCert }
        for (key, value) in extra { config[key] = value }
        var payload = ConnectorPayload(
            type: .keyspaces, sharedConfig: SharedConfig(strings: config), timeoutSeconds: timeoutSeconds)
        payload.defaultDatabase = keyspace
        return payload
    }

    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, sourceLocation: sourceLocation)
    }

    /// Runs `scripts/peers/cql_check.py` (cassandra-driver + cassandra-sigv4) against `peer`.
    static func realClient(_ peer: ScriptedKeyspacesPeer, cases: [[String: String]]) async throws -> [[String: Any]] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cql-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = directory.appendingPathComponent("ca.pem")
        try TestPKI.caPEM.write(to: ca, atomically: true, encoding: .utf8)
        let spec: [String: Any] = ["port": peer.port, "ca": ca.path, "region": peer.options.region, "cases": cases]
        let json = String(decoding: try JSONSerialization.data(withJSONObject: spec), as: UTF8.self)
        let script = URL(fileURLWithPath: IndependentVerifier.script).deletingLastPathComponent()
            .appendingPathComponent("cql_check.py").path
        let run = try await IndependentVerifier.python([script, json])
        guard run.status == 0, let data = run.stdout.data(using: .utf8),
            let results = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else {
            throw CheckFailure(
                description: "cql_check.py exited \(run.status): \(run.stdout) \(run.stderr.suffix(2000))")
        }
        return results
    }
}

/// Why a real-client check could not give its verdicts.
struct CheckFailure: Error, CustomStringConvertible {
    var description: String
}

/// The scripted peer is trusted only after real clients agree with it: cassandra-driver logs in with
/// cassandra-sigv4 (good and bad secret) and with PlainTextAuthProvider (good and bad password), over
/// TLS verified against the test CA, and reads system.local. Run once; every probe test awaits it.
enum PeerVerdict {
    static let checked: Task<String?, Never> = Task {
        do {
            let peer = try await ScriptedKeyspacesPeer(KeyspacesTesting.options())
            defer { Task { await peer.shutdown() } }
            let results = try await KeyspacesTesting.realClient(
                peer,
                cases: [
                    [
                        "name": "sigv4", "auth": "sigv4", "user": KeyspacesTesting.accessKey,
                        "secret": KeyspacesTesting.secret,
                    ],
                    [
                        "name": "sigv4-bad", "auth": "sigv4", "user": KeyspacesTesting.accessKey,
                        "secret": "Wrong/Secret",
                    ],
                    [
                        "name": "plain", "auth": "plain", "user": KeyspacesTesting.user,
                        "secret": KeyspacesTesting.password,
                    ],
                    ["name": "plain-bad", "auth": "plain", "user": KeyspacesTesting.user, "secret": "wrong"],
                    [
                        "name": "negotiated", "auth": "plain", "user": KeyspacesTesting.user,
                        "secret": KeyspacesTesting.password, "negotiate": "1",
                    ],
                ])
            let byName = Dictionary(uniqueKeysWithValues: results.map { ($0["name"] as? String ?? "", $0) })
            for good in ["sigv4", "plain"] {
                guard byName[good]?["ok"] as? Bool == true, byName[good]?["release_version"] as? String == "3.11.2"
                else { return "cassandra-driver case \(good) failed: \(byName[good] ?? [:])" }
            }
            // Started at v5, the driver must settle on v4 after the peer's protocol error, as with Cassandra 3.11.
            guard byName["negotiated"]?["ok"] as? Bool == true, byName["negotiated"]?["protocol_version"] as? Int == 4
            else { return "cassandra-driver did not negotiate down to v4: \(byName["negotiated"] ?? [:])" }
            guard peer.events.contains(where: { $0.hasPrefix("VERSION ") }) else {
                return "cassandra-driver never offered a version above 4, so the downgrade was not exercised"
            }
            for bad in ["sigv4-bad", "plain-bad"] {
                guard byName[bad]?["ok"] as? Bool == false,
                    (byName[bad]?["error"] as? String)?.contains("AuthenticationFailed") == true
                        || (byName[bad]?["error"] as? String)?.contains("Authentication") == true
                else {
                    return
                        "cassandra-driver case \(bad) was not refused as an authentication failure: \(byName[bad] ?? [:])"
                }
            }
            return nil
        } catch {
            return "the real-client check could not run: \(error)"
        }
    }

    /// Fails the calling test unless the real clients agreed with the peer.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        if let problem = await checked.value {
            Issue.record(Comment(rawValue: problem), sourceLocation: sourceLocation)
            throw CheckFailure(description: problem)
        }
    }
}

/// A ping on the Keyspaces-only engine whose report is also searched for `secrets` (a peer's session credentials).
enum ProbeTestingBridge {
    static func ping(_ payload: ConnectorPayload, secrets: [String] = []) async throws -> PingReport {
        try await ProbeTesting.ping(KeyspacesTesting.engine(timeout: .seconds(8)), payload, secrets: secrets)
    }
}
