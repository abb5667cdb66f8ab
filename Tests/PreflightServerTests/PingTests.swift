import Foundation
import HTTPTypes
import HummingbirdTesting
import PreflightCore
import PreflightEngine
import PreflightNetwork
import PreflightTestSupport
import Testing

@testable import PreflightServer

@Suite("POST /connectors/ping: answers")
struct PingTests {
    static let planted = "S3cr3t-planted-value-123"

    static func postgres(port: Int, password: String = planted, extra: String = "") -> String {
        #"{"type": "postgresql", "defaultDatabase": "app", "sharedConfig": {"host": "127.0.0.1", "port": \#(port), "user": "artie", "password": \#(jsonString(password))}\#(extra)}"#
    }

    @Test("a closed port: 200 with error, report.category refused (Artie's failure shape plus the report)")
    func refused() async throws {
        try await withTestAPI { client, context in
            let response = try await client.ping(Self.postgres(port: closedPort()), headers: context.auth)
            #expect(response.status == .ok)
            #expect(response.jsonKeys == ["error", "report"])
            let wire = try response.wire()
            let report = try #require(wire.report)
            #expect(report.ok == false)
            #expect(report.category == .refused)
            #expect(report.transient == true)
            #expect(report.type == .postgresql)
            #expect(report.dataPlane == "local")
            #expect(report.target?.host == "127.0.0.1")
            #expect(!(wire.error ?? "").isEmpty)
            // Artie's clients show only `error`: the message, then the fix.
            #expect(wire.error == report.errorText)
            #expect(wire.error?.hasPrefix(report.message ?? "-") == true)
            #expect(
                report.hint.map { wire.error?.lowercased().contains($0.prefix(20).lowercased()) == true } ?? true,
                "\(wire.error ?? "")")
            #expect(!report.steps.isEmpty)
        }
    }

    @Test("a known type that cannot be probed yet: 200 with category unsupported")
    func unsupported() async throws {
        try await withTestAPI { client, context in
            let body =
                #"{"type": "keyspaces", "sharedConfig": {"awsRegion": "us-east-1", "password": "\#(Self.planted)"}}"#
            let response = try await client.ping(body, headers: context.auth)
            #expect(response.status == .ok)
            let wire = try response.wire()
            #expect(wire.report?.category == .unsupported)
            #expect(wire.error?.contains("Amazon Keyspaces") == true)
        }
    }

    @Test("?verbose=true on a failure answers the same failure")
    func verboseFailure() async throws {
        try await withTestAPI { client, context in
            let response = try await client.ping(
                Self.postgres(port: closedPort()), headers: context.auth, query: "?verbose=true")
            #expect(response.status == .ok)
            let wire = try response.wire()
            #expect(wire.report?.category == .refused)
            #expect(wire.error != nil)
        }
    }

    @Test("success: 204 with an empty body; with ?verbose=true 200 with only the report")
    func success() async throws {
        try await withTestAPI(factories: [AlwaysWorks()]) { client, context in
            let body = #"{"type": "mysql", "sharedConfig": {"host": "db.example.com", "password": "\#(Self.planted)"}}"#
            let plain = try await client.ping(body, headers: context.auth)
            #expect(plain.status == .noContent)
            #expect(plain.body.readableBytes == 0)
            let verbose = try await client.ping(body, headers: context.auth, query: "?verbose=true")
            #expect(verbose.status == .ok)
            #expect(verbose.jsonKeys == ["report"])
            let report = try #require(try verbose.wire().report)
            #expect(report.ok)
            #expect(report.category == nil)
            #expect(report.steps.map(\.name) == ["connect"])
            let quiet = try await client.ping(body, headers: context.auth, query: "?verbose=false")
            #expect(quiet.status == .noContent)
            #expect(!verbose.text.contains(Self.planted))
        }
    }

    @Test("a whole saved connector (Artie's MCP client) is accepted; unknown fields are ignored")
    func savedConnector() async throws {
        try await withTestAPI { client, context in
            let body = """
                {
                  "uuid": "0b7a6f5e-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
                  "companyUUID": "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
                  "environmentUUID": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                  "dataPlaneName": "local",
                  "type": "postgresql",
                  "label": "Production DB",
                  "defaultDatabase": "app",
                  "connectionRole": "source",
                  "privateLinkUUID": null,
                  "snapshotPrivateLinkUUID": "",
                  "sshTunnelUUID": null,
                  "sharedConfig": {"host": "127.0.0.1", "port": "\(closedPort())", "user": "artie", "password": \(jsonString(Self.planted)),
                                   "snapshotHost": "", "extraThing": {"nested": [1, 2, 3]}},
                  "createdAt": "2024-05-01T12:00:00Z",
                  "updatedAt": "2024-05-02T12:00:00Z",
                  "isValid": true,
                  "lastUpdatedBy": {"uuid": "x", "email": "someone@example.com"},
                  "tags": ["a", "b"],
                  "version": 7
                }
                """
            let response = try await client.ping(body, headers: context.auth)
            #expect(response.status == .ok, "\(response.text)")
            #expect(try response.wire().report?.category == .refused)
        }
    }

    @Test("a Terraform-style payload with every unused key an empty string is tolerated")
    func terraformStyle() async throws {
        try await withTestAPI { client, context in
            let keys = [
                "snapshotHost", "snapshotPort", "endpoint", "username", "tlsMode", "awsRegion", "awsAccessKeyID",
                "awsSecretAccessKey", "awsRoleARN", "awsExternalID", "streamsArn", "projectID", "location",
                "credentialsData", "accountIdentifier", "accountURL", "virtualDWH", "privateKey", "httpPath",
                "personalAccessToken", "clientID", "clientSecret", "volume", "token", "bucketARN", "region",
                "provider", "uri", "credential", "authURI", "scope", "warehouse", "prefix", "database", "tls",
            ]
            let empties = keys.map { "\"\($0)\": \"\"" }.joined(separator: ", ")
            let body = #"""
                {"type": "postgresql", "dataPlaneName": "", "sshTunnelUUID": "", "defaultDatabase": "", "label": "",
                 "environmentUUID": "", "uuid": "", "connectionRole": "",
                 "sharedConfig": {"host": "127.0.0.1", "port": \#(closedPort()), "user": "artie", "password": "", \#(empties)}}
                """#
            let response = try await client.ping(body, headers: context.auth)
            #expect(response.status == .ok, "\(response.text)")
            #expect(try response.wire().report?.category == .refused)
        }
    }

    @Test("any Content-Type and any Accept header are tolerated")
    func lenientHeaders() async throws {
        try await withTestAPI { client, context in
            for contentType in [
                "application/x-www-form-urlencoded", "text/plain", nil, "application/json; charset=utf-8",
            ] {
                let response = try await client.ping(
                    #"{"type": "keyspaces"}"#, headers: context.auth, contentType: contentType)
                #expect(response.status == .ok, "\(contentType ?? "none"): \(response.text)")
            }
            var headers = context.auth
            headers[.accept] = "text/html"
            let html = try await client.ping(#"{"type": "keyspaces"}"#, headers: headers)
            #expect(html.status == .ok, "\(html.text)")
            headers[.accept] = ";;;,"
            let odd = try await client.ping(#"{"type": "keyspaces"}"#, headers: headers)
            #expect(odd.status == .ok, "\(odd.text)")
        }
    }

    @Test("a planted password never appears in any response body or log line")
    func plantedSecret() async throws {
        try await withTestAPI(defaultTimeout: .seconds(2)) { client, context in
            let peer = try await HostilePeer(.silent)
            let bodies = [
                Self.postgres(port: closedPort()),
                Self.postgres(port: peer.port, extra: #", "timeoutSeconds": 1"#),
                #"{"type": "postgresql", "sharedConfig": {"host": "127.0.0.1", "port": "abc", "password": "\#(Self.planted)"}}"#,
                #"{"type": "postgresql", "sharedConfig": {"host": "127.0.0.1", "port": 70000, "password": "\#(Self.planted)"}}"#,
                #"{"type": "postgresql", "sharedConfig": {"host": "127.0.0.1", "user": "u", "password": {"v": "\#(Self.planted)"}}}"#,
                #"{"type": "postgresql", "dataPlaneName": "\#(Self.planted)", "sharedConfig": {"host": "db", "user": "u", "password": "\#(Self.planted)"}}"#,
                #"{"type": "\#(Self.planted)", "sharedConfig": {"password": "\#(Self.planted)"}}"#,
                #"{"type": "keyspaces", "sharedConfig": {"password": "\#(Self.planted)"}}"#,
                #"{"type": "postgresql", "sharedConfig": {"password": "\#(Self.planted)"#,
            ]
            for body in bodies {
                for query in ["", "?verbose=true"] {
                    let response = try await client.ping(body, headers: context.auth, query: query)
                    #expect(response.status != .internalServerError)
                    #expect(!response.text.contains("S3cr3t"), "\(response.status.code): \(response.text)")
                }
            }
            await peer.shutdown()
            let lines = context.logs.lines
            #expect(lines.contains { $0.contains("ping finished") })
            #expect(lines.contains { $0.contains("ping.category") })
            #expect(!lines.contains { $0.contains("S3cr3t") }, "\(lines.filter { $0.contains("S3cr3t") })")
        }
    }

    @Test("a secret pasted into the host (a connection string) is masked in the report's target too")
    func secretInHost() async throws {
        try await withTestAPI { client, context in
            let bodies = [
                #"{"type": "postgresql", "sharedConfig": {"host": "\#(Self.planted)", "user": "u", "password": "\#(Self.planted)"}}"#,
                #"{"type": "postgresql", "sharedConfig": {"host": "postgres://artie:\#(Self.planted)@db.invalid:5432/app", "user": "u"}}"#,
            ]
            for body in bodies {
                let response = try await client.ping(body, headers: context.auth, query: "?verbose=true")
                #expect(response.status == .ok || response.status == .badRequest)
                #expect(!response.text.contains("S3cr3t"), "\(response.text)")
            }
            let leaked = context.logs.lines.filter { $0.contains("S3cr3t") }
            #expect(leaked.isEmpty, "\(leaked)")
        }
    }

    @Test("429 with Retry-After once every slot is taken; a bad request is still a 400; slots free up again")
    func overloaded() async throws {
        try await withTestAPI(maxInFlight: 1) { client, context in
            let peer = try await HostilePeer(.silent)
            let slowBody = Self.postgres(port: peer.port, extra: #", "timeoutSeconds": 2"#)
            var slow: [Task<TestResponse, any Error>] = []
            var rejected: TestResponse?
            // Fill the engine with slow pings until one is turned away.
            for _ in 0..<6 {
                let expected = slow.count + 1
                let task = Task { try await client.ping(slowBody, headers: context.auth) }
                if await eventually(within: .seconds(1), { context.engine.pingsInFlight == expected }) {
                    slow.append(task)
                    continue
                }
                let response = try await task.value
                if response.status == .tooManyRequests {
                    rejected = response
                    break
                }
                // Admitted after all (a slow machine): it has timed out by now; keep filling.
                #expect(try response.wire().report?.category == .timeout)
            }
            let response = try #require(rejected)
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] == "1")
            #expect(response.jsonKeys == ["error"])
            #expect(response.errorMessage?.contains("too many pings") == true)
            let bad = try await client.ping(#"{"type": "nope"}"#, headers: context.auth)
            #expect(bad.status == .badRequest)
            for task in slow {
                let first = try await task.value
                #expect(first.status == .ok)
                #expect(try first.wire().report?.category == .timeout)
            }
            let after = try await client.ping(#"{"type": "keyspaces"}"#, headers: context.auth)
            #expect(after.status == .ok)
            await peer.shutdown()
        }
    }

    @Test("maxInFlight 1: a second ping while one is in flight is turned away")
    func exactlyMaxInFlight() async throws {
        try await withTestAPI(maxInFlight: 1) { client, context in
            let peer = try await HostilePeer(.silent)
            let slow = Task {
                try await client.ping(
                    Self.postgres(port: peer.port, extra: #", "timeoutSeconds": 2"#), headers: context.auth)
            }
            #expect(await eventually(within: .seconds(3)) { context.engine.pingsInFlight == 1 })
            let second = try await client.ping(#"{"type": "keyspaces"}"#, headers: context.auth)
            #expect(second.status == .tooManyRequests)
            #expect(second.headers[.retryAfter] == "1")
            let first = try await slow.value
            #expect(try first.wire().report?.category == .timeout)
            await peer.shutdown()
        }
    }

    @Test("maxInFlight 0: every ping is turned away with 429, but a bad request is still a 400")
    func maxInFlightZero() async throws {
        try await withTestAPI(maxInFlight: 0) { client, context in
            let response = try await client.ping(#"{"type": "keyspaces"}"#, headers: context.auth)
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] == "1")
            #expect(response.jsonKeys == ["error"])
            let bad = try await client.ping(#"{"type": "nope"}"#, headers: context.auth)
            #expect(bad.status == .badRequest)
        }
    }

    @Test("every engine category and step status is a value of the spec's enums")
    func categoryMapping() {
        for category in FailureCategory.allCases {
            #expect(Components.Schemas.FailureCategory(rawValue: category.rawValue) != nil, "\(category)")
        }
        #expect(Components.Schemas.FailureCategory.allCases.count == FailureCategory.allCases.count)
        for status in [StepStatus.passed, .failed, .warning, .skipped] {
            #expect(Components.Schemas.StepStatus(rawValue: status.rawValue) != nil, "\(status)")
        }
    }

    @Test("the engine's report, as the ping route encodes it, is the spec's PingReport and round-trips unchanged")
    func reportMapping() throws {
        let report = PingReport(
            ok: false, type: .postgresql, category: .cdcNotReady, transient: false, message: "wal_level is replica",
            hint: "set wal_level", durationMs: 12.5, dataPlane: "local",
            target: PingTarget(host: "db", port: 5432, addresses: ["10.0.0.1"], connectedAddress: "10.0.0.1"),
            steps: [PingStep(name: "connect", status: .passed, durationMs: 1, detail: "ok", hint: nil)],
            checks: [
                ReadinessCheck(
                    name: "wal_level", status: .failed, observed: "replica", required: "logical",
                    detail: nil, fix: "ALTER SYSTEM SET wal_level = logical", restartRequired: true)
            ])
        let ours = try JSONEncoder().encode(PingRoute.PingAnswer(error: report.message, report: report))
        let spec = try JSONDecoder().decode(Components.Schemas.RouterConnectorPingResponse.self, from: ours)
        #expect(spec.error == "wal_level is replica")
        let wire = try JSONEncoder().encode(try #require(spec.report))
        #expect(try JSONDecoder().decode(PingReport.self, from: wire) == report)
    }
}

/// A probe factory whose probes always pass, to exercise the success answers without a database.
struct AlwaysWorks: ProbeFactory {
    var types: Set<ConnectorType> { [.mysql] }

    func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        Works(target: PingTarget(host: try payload.sharedConfig.requiredString("host", for: payload.type), port: 3306))
    }

    struct Works: Probe {
        var target: PingTarget
        func run(in context: ProbeContext) async throws(ProbeFailure) {
            try await context.step(.connect, "connecting") { outcome in outcome.detail = "connected" }
        }
    }
}
