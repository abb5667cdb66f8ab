import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PreflightCore
import PreflightSSH
import PreflightStore
import PreflightTestSupport
import Testing

@testable import PreflightServer

/// A tunnel as the API returns it.
struct WireTunnel: Decodable {
    var uuid: String
    var companyUUID: String
    var name: String
    var host: String
    var port: Int
    var username: String
    var publicKey: String
    var hostKeyFingerprint: String?
}

extension TestClientProtocol {
    func json(_ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil, headers: HTTPFields) async throws
        -> TestResponse
    {
        var headers = headers
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    func tunnel() throws -> WireTunnel { try JSONDecoder().decode(WireTunnel.self, from: Data(text.utf8)) }
}

@Suite("SSH tunnels API")
struct TunnelAPITests {
    static let createBody =
        #"{"name": "bastion prod", "host": "bastion.example.test", "port": 2222, "username": "artie"}"#

    @Test func createReturnsAnEd25519PublicKeyAndKeepsThePrivateKeySealed() async throws {
        try await withTestAPI { client, context in
            let response = try await client.json(.post, "/ssh-tunnels", Self.createBody, headers: context.auth)
            #expect(response.status == .ok, "\(response.text)")
            let tunnel = try response.tunnel()
            #expect(tunnel.publicKey.hasPrefix("ssh-ed25519 AAAA"))
            #expect(tunnel.publicKey.contains("preflight-tunnel-bastion-prod"))
            #expect(tunnel.companyUUID == context.company.uuid.uuidString.lowercased())
            #expect(tunnel.port == 2222 && tunnel.username == "artie" && tunnel.hostKeyFingerprint == nil)
            #expect(!response.text.lowercased().contains("private"))

            let tunnelUUID = try #require(UUID(uuidString: tunnel.uuid))
            let stored = try await context.store.tunnel(uuid: tunnelUUID, companyUUID: context.company.uuid)
            let record = try #require(stored)
            let raw = try context.sealer.openPrivateKey(of: record)
            #expect(raw.count == 32)
            #expect(record.sealedPrivateKey.range(of: raw) == nil, "the stored blob holds the key in clear")
            #expect(tunnel.publicKey.hasPrefix(SSHKeyPair(privateKeyRaw: raw, comment: "").authorizedKey))
            #expect(!context.logs.lines.contains { $0.contains(raw.base64EncodedString()) })
        }
    }

    @Test(arguments: [
        (#"{"port": 22, "username": "u"}"#, "host is required"),
        (#"{"host": "b", "port": 22}"#, "username is required"),
        (#"{"host": "b", "port": 21, "username": "u"}"#, "port must be from 22 to 65535"),
        (#"{"host": "b", "port": 70000, "username": "u"}"#, "port must be from 22 to 65535"),
        (#"{"host": "ssh://b", "port": 22, "username": "u"}"#, "not a URL"),
        (#"{"host": "b", "port": "x", "username": "u"}"#, "port"),
        (#"{"host": "b", "username": "u", "environmentUUID": "nope"}"#, "environmentUUID must be a UUID"),
    ])
    func createValidatesFields(body: String, expected: String) async throws {
        try await withTestAPI { client, context in
            let response = try await client.json(.post, "/ssh-tunnels", body, headers: context.auth)
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(response.errorMessage?.contains(expected) == true, "\(response.text)")
        }
    }

    @Test func listGetUpdateRotateTrustDelete() async throws {
        try await withTestAPI { client, context in
            let created = try await client.json(.post, "/ssh-tunnels", Self.createBody, headers: context.auth).tunnel()
            let path = "/ssh-tunnels/\(created.uuid)"

            let list = try await client.json(.get, "/ssh-tunnels", headers: context.auth)
            #expect(list.status == .ok && list.text.contains(created.uuid))

            let fetched = try await client.json(.get, path, headers: context.auth)
            #expect(try fetched.tunnel().publicKey == created.publicKey)

            let pinned = "SHA256:" + String(repeating: "A", count: 43)
            let trust = try await client.json(
                .post, path + "/trust-host-key", #"{"hostKeyFingerprint": "\#(pinned)"}"#, headers: context.auth)
            #expect(try trust.tunnel().hostKeyFingerprint == pinned)
            let badTrust = try await client.json(
                .post, path + "/trust-host-key", #"{"hostKeyFingerprint": "MD5:aa"}"#, headers: context.auth)
            #expect(badTrust.status == .badRequest)

            // A whole tunnel object, as Artie's clients send it; a new host clears the pinned key.
            let update = try await client.json(
                .post, path,
                #"{"uuid": "\#(created.uuid)", "name": "renamed", "host": "other.example.test", "port": 22, "username": "artie", "publicKey": "ignored"}"#,
                headers: context.auth)
            let updated = try update.tunnel()
            #expect(updated.name == "renamed" && updated.host == "other.example.test" && updated.port == 22)
            #expect(updated.hostKeyFingerprint == nil)
            #expect(updated.publicKey == created.publicKey)

            let rotated = try await client.json(.post, path + "/rotate-key", headers: context.auth).tunnel()
            #expect(rotated.publicKey != created.publicKey && rotated.publicKey.hasPrefix("ssh-ed25519 "))

            let cleared = try await client.json(.post, path + "/trust-host-key", headers: context.auth)
            #expect(cleared.status == .ok)
            #expect(try cleared.tunnel().hostKeyFingerprint == nil)

            let deleted = try await client.json(.delete, path, headers: context.auth)
            #expect(deleted.status == .noContent)
            let gone = try await client.json(.get, path, headers: context.auth)
            #expect(gone.status == .notFound)
            let again = try await client.json(.delete, path, headers: context.auth)
            #expect(again.status == .notFound)
        }
    }

    @Test func anotherCompanysTunnelIsInvisibleAndUnusable() async throws {
        try await withTestAPI { client, context in
            let mine = try await client.json(.post, "/ssh-tunnels", Self.createBody, headers: context.auth).tunnel()
            let other = try await context.store.createCompany(name: "Other Co")
            let otherKey = try await context.store.issueKey(for: other.uuid).secret
            let theirs: HTTPFields = [.authorization: "Bearer \(otherKey)"]
            let path = "/ssh-tunnels/\(mine.uuid)"
            let attempts: [(HTTPRequest.Method, String, String?)] = [
                (.get, path, nil), (.post, path, #"{"name": "x"}"#), (.post, path + "/rotate-key", nil),
                (.post, path + "/trust-host-key", nil), (.delete, path, nil),
            ]
            for (method, uri, body) in attempts {
                let response = try await client.json(method, uri, body, headers: theirs)
                #expect(response.status == .notFound, "\(method) \(uri): \(response.status)")
            }
            let list = try await client.json(.get, "/ssh-tunnels", headers: theirs)
            #expect(!list.text.contains(mine.uuid))

            let ping = try await client.ping(
                #"{"type": "postgresql", "sshTunnelUUID": "\#(mine.uuid)", "sharedConfig": {"host": "db", "user": "u"}}"#,
                headers: theirs)
            #expect(ping.status == .badRequest)
            #expect(ping.errorMessage?.contains("not an SSH tunnel of this company") == true, "\(ping.text)")
            // The owner still has it, untouched.
            let owner = try await client.json(.get, path, headers: context.auth)
            #expect(owner.status == .ok)
        }
    }

    @Test func malformedTunnelUUIDIsABadRequest() async throws {
        try await withTestAPI { client, context in
            let response = try await client.json(.get, "/ssh-tunnels/not-a-uuid", headers: context.auth)
            #expect(response.status == .badRequest)
            #expect(response.errorMessage?.contains("UUID") == true)
            let anonymous = try await client.json(.get, "/ssh-tunnels", headers: [:])
            #expect(anonymous.status == .unauthorized)
        }
    }
}

/// A ping through a saved tunnel, end to end: API -> store -> sealed key -> real OpenSSH -> real PostgreSQL.
@Suite(
    .enabled(
        if: (TestEnvironment.value("PREFLIGHT_TEST_SSH_PORT") != nil && TestEnvironment.postgres() != nil)
            || TestEnvironment.requireIntegration,
        "needs scripts/test-servers.sh (sshd and PostgreSQL)"), .serialized)
struct TunnelPingAPITests {
    @Test func pingThroughASavedTunnelPinsTheHostKeyAndThenRefusesAChangedOne() async throws {
        let pg = try #require(TestEnvironment.postgres())
        let sshPort = try #require(TestEnvironment.value("PREFLIGHT_TEST_SSH_PORT"))
        let sshUser = try #require(TestEnvironment.value("PREFLIGHT_TEST_SSH_USER"))
        let authorizedKeys = try #require(TestEnvironment.value("PREFLIGHT_TEST_SSH_AUTHORIZED_KEYS"))
        let fingerprint = try #require(TestEnvironment.value("PREFLIGHT_TEST_SSH_HOST_FINGERPRINT"))
        try await withTestAPI(defaultTimeout: .seconds(10)) { client, context in
            let body = #"{"name": "test bastion", "host": "127.0.0.1", "port": \#(sshPort), "username": "\#(sshUser)"}"#
            let tunnel = try await client.json(.post, "/ssh-tunnels", body, headers: context.auth).tunnel()
            let ping =
                #"{"type": "postgresql", "sshTunnelUUID": "\#(tunnel.uuid)", "sharedConfig": {"host": "\#(pg.host)", "port": \#(pg.port), "user": "\#(pg.scramUser)", "password": "\#(pg.scramPassword)", "sslMode": "disable"}}"#

            // Before the key is on the bastion: say which key to add where.
            let refused = try await client.ping(ping, headers: context.auth).wire()
            #expect(refused.report?.category == .ssh)
            #expect(refused.report?.hint?.contains(tunnel.publicKey) == true, "\(refused.report?.hint ?? "")")

            let handle = try #require(FileHandle(forWritingAtPath: authorizedKeys))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((tunnel.publicKey + "\n").utf8))
            try handle.close()

            let ok = try await client.ping(ping, headers: context.auth, query: "?verbose=true")
            #expect(ok.status == .ok)
            let report = try #require(try ok.wire().report)
            #expect(report.ok, "\(report.message ?? "")")
            #expect(report.steps.contains { $0.name == "ssh_channel" && $0.status == .passed })
            let pinned = try await client.json(.get, "/ssh-tunnels/\(tunnel.uuid)", headers: context.auth).tunnel()
            #expect(pinned.hostKeyFingerprint == fingerprint)
            #expect(!ok.text.contains(pg.scramPassword))

            // Now pinned, the next ping opens a connection under the pin; the one after shares it.
            var reports: [PingReport] = []
            for _ in 0..<2 {
                let again = try await client.ping(ping, headers: context.auth, query: "?verbose=true")
                reports.append(try #require(try again.wire().report))
            }
            #expect(reports.allSatisfy { $0.ok })
            let connects = reports.map { report in report.steps.first { $0.name == "ssh_connect" }?.detail ?? "" }
            #expect(!connects[0].hasPrefix("reused"))
            #expect(connects[1].hasPrefix("reused the SSH connection"), "\(connects)")

            let wrong = "SHA256:" + String(repeating: "B", count: 43)
            _ = try await client.json(
                .post, "/ssh-tunnels/\(tunnel.uuid)/trust-host-key", #"{"hostKeyFingerprint": "\#(wrong)"}"#,
                headers: context.auth)
            let changed = try await client.ping(ping, headers: context.auth).wire()
            #expect(changed.report?.category == .ssh)
            #expect(
                changed.error?.contains(wrong) == true && changed.error?.contains(fingerprint) == true,
                "\(changed.error ?? "")")
        }
    }
}
