import Foundation
import PreflightCore
import PreflightKeyspaces
import PreflightTestSupport
import Testing

/// Our probe against the scripted peer, after cassandra-driver + cassandra-sigv4 checked the peer.
@Suite(.serialized)
struct KeyspacesPeerTests {
    let engine = KeyspacesTesting.engine(timeout: .seconds(8))
    static let ready: [ScriptedKeyspacesPeer.Table] = [
        .init(name: "orders", cdcStatus: "Enabled", viewType: "NEW_AND_OLD_IMAGES"),
        .init(name: "users", cdcStatus: "ENABLED", viewType: "NEW_AND_OLD_IMAGES"),
    ]

    func peer(_ options: ScriptedKeyspacesPeer.Options = KeyspacesTesting.options(keyspaces: ["app": ready]))
        async throws -> ScriptedKeyspacesPeer
    {
        try await PeerVerdict.require()
        return try await ScriptedKeyspacesPeer(options)
    }

    @Test func realClientsAgreeWithThePeer() async throws {
        try await PeerVerdict.require()
    }

    @Test func sigV4LoginReadsTheKeyspaceAndItsStreams() async throws {
        let peer = try await peer()
        defer { Task { await peer.shutdown() } }
        let report = try await KeyspacesTesting.ping(engine, KeyspacesTesting.payload(port: peer.port, keyspace: "app"))
        #expect(report.ok, "\(report.summary)")
        #expect(
            report.steps.map(\.name) == ["dns", "connect", "tls", "hello", "auth", "select", "database", "readiness"])
        #expect(report.step("auth")?.detail?.contains("HelenusAuthenticator") == true, "\(report.summary)")
        #expect(report.step("select")?.detail == "release_version 3.11.2")
        #expect(report.checks.first?.status == .passed, "\(report.checks)")
        #expect(peer.events.contains("AUTH sigv4 ok \(KeyspacesTesting.accessKey)"), "\(peer.events)")
    }

    @Test func serviceSpecificCredentialsLogIn() async throws {
        let peer = try await peer()
        defer { Task { await peer.shutdown() } }
        let report = try await KeyspacesTesting.ping(
            engine, KeyspacesTesting.payload(port: peer.port, password: true, keyspace: "app"))
        #expect(report.ok, "\(report.summary)")
        #expect(peer.events.contains("AUTH password ok \(KeyspacesTesting.user)"), "\(peer.events)")
    }

    @Test func badSecretIsAuth() async throws {
        let peer = try await peer()
        defer { Task { await peer.shutdown() } }
        let report = try await KeyspacesTesting.ping(
            engine, KeyspacesTesting.payload(port: peer.port, secret: "Wrong/Secret+Key=000000000000000000000000"))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("Bad credentials 0x0100") == true, "\(report.summary)")
        #expect(report.message?.contains(KeyspacesTesting.accessKey) == true)
        #expect(report.hint?.contains("awsSecretAccessKey") == true)
    }

    @Test func badPasswordIsAuth() async throws {
        var options = KeyspacesTesting.options()
        options.users = [KeyspacesTesting.user: "another"]
        let peer = try await peer(options)
        defer { Task { await peer.shutdown() } }
        let report = try await KeyspacesTesting.ping(engine, KeyspacesTesting.payload(port: peer.port, password: true))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.hint?.contains("service-specific credentials") == true)
    }

    @Test func unknownKeyspaceIsDatabaseNotFound() async throws {
        let peer = try await peer()
        defer { Task { await peer.shutdown() } }
        let report = try await KeyspacesTesting.ping(
            engine, KeyspacesTesting.payload(port: peer.port, keyspace: "nope"))
        #expect(report.category == .databaseNotFound, "\(report.summary)")
        #expect(report.message?.contains("nope") == true)
    }

    @Test func throttlingIsTransient() async throws {
        var options = KeyspacesTesting.options(keyspaces: ["app": Self.ready])
        options.throttleQueries = true
        let peer = try await peer(options)
        defer { Task { await peer.shutdown() } }
        let report = try await KeyspacesTesting.ping(engine, KeyspacesTesting.payload(port: peer.port, keyspace: "app"))
        #expect(report.category == .serverUnavailable, "\(report.summary)")
        #expect(report.transient == true)
        #expect(report.message?.contains("Overloaded 0x1001") == true, "\(report.summary)")
    }

    @Test func missingStreamsFailASourceWithTheFix() async throws {
        let tables: [ScriptedKeyspacesPeer.Table] = [
            .init(name: "orders", cdcStatus: "ENABLED", viewType: "NEW_AND_OLD_IMAGES"),
            .init(name: "users", cdcStatus: nil, viewType: nil),
        ]
        let peer = try await peer(KeyspacesTesting.options(keyspaces: ["app": tables]))
        defer { Task { await peer.shutdown() } }
        let report = try await KeyspacesTesting.ping(engine, KeyspacesTesting.payload(port: peer.port, keyspace: "app"))
        #expect(report.category == .cdcNotReady, "\(report.summary)")
        let check = try #require(report.checks.first)
        #expect(check.observed.contains("1 of 2 tables ready; no stream on users"), "\(check)")
        #expect(check.fix?.hasPrefix("ALTER TABLE app.users WITH cdc = true") == true, "\(check)")
        #expect(report.hint?.contains("ALTER TABLE app.users WITH cdc = true") == true)
    }

    @Test func deniedSchemaReadIsPermission() async throws {
        var options = KeyspacesTesting.options(keyspaces: ["app": Self.ready])
        options.denySchemaMCS = true
        let peer = try await peer(options)
        defer { Task { await peer.shutdown() } }
        let report = try await KeyspacesTesting.ping(engine, KeyspacesTesting.payload(port: peer.port, keyspace: "app"))
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.hint?.contains("cassandra:Select") == true)
    }

    @Test func selfSignedCertificateIsTLSWithItsNameAndTheFix() async throws {
        var options = KeyspacesTesting.options()
        options.certificatePEM = TestCertificates.selfSigned.certificatePEM
        options.keyPEM = TestCertificates.selfSigned.privateKeyPEM
        let peer = try await peer(options)
        defer { Task { await peer.shutdown() } }
        let report = try await KeyspacesTesting.ping(engine, KeyspacesTesting.payload(port: peer.port, rootCert: nil))
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.message?.contains(TestCertificates.selfSigned.commonName) == true, "\(report.summary)")
        #expect(report.message?.contains("self-signed") == true, "\(report.summary)")
        #expect(report.hint?.contains("sslRootCert") == true)
    }
}
