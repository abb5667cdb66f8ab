import Foundation
import PreflightCore
import PreflightEngine
import PreflightProbeTesting
import PreflightSnowflake
import PreflightTestSupport
import Testing

/// Key-pair pings against `FakeSnowflake` over HTTPS (TestPKI), which verifies the JWT as Snowflake does.
@Suite("Snowflake key-pair against a local peer")
struct SnowflakeKeyPairPeerTests {
    @Test("happy path: the JWT is accepted, the role can use the warehouse")
    func happyPath() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(accountURL: server.endpoint, privateKey: SnowflakeTestKeys.userPEM)
        let report = try await SnowflakeTesting.ping(
            SnowflakeTesting.engine(), payload, runtimeSecrets: fake.presentedJWTs)
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("tls")?.status == .passed)
        #expect(report.step("jwt")?.detail?.contains(SnowflakeTestKeys.userFingerprint) == true)
        #expect(report.step("statement")?.status == .passed)
        #expect(report.step("warehouse")?.detail == "role LOADER_ROLE can use warehouse LOADING_WH; Snowflake 9.1.0")
        let request = try #require(server.requests.first)
        #expect(request.header("X-Snowflake-Authorization-Token-Type") == "KEYPAIR_JWT")
        // One JWT, presented for the check query and again for destination readiness's SHOW WAREHOUSES.
        #expect(fake.presentedJWTs.count == 2 && Set(fake.presentedJWTs).count == 1)
        ProbeTesting.expectNoSecrets(in: report, payload: payload, runtime: fake.presentedJWTs)
        // The fake checks the JWT with our own JWT code; Python's `cryptography` re-checks it here (strict
        // base64url, RS256 against the user's key, iss = sub + the key's fingerprint computed independently).
        let token = try #require(fake.presentedJWTs.first)
        let verdicts = try await IndependentVerifier.jwt(token, keyPEM: SnowflakeTestKeys.userPEM)
        #expect(verdicts.sent["ok"] as? Bool == true, "\(verdicts.sent)")
        #expect(verdicts.header["alg"] as? String == "RS256")
        #expect(verdicts.sent["keyFingerprint"] as? String == SnowflakeTestKeys.userFingerprint)
        let subject = try #require(verdicts.claims["sub"] as? String)
        #expect(subject == "MYORG-MYACCOUNT.LOADER")
        #expect(verdicts.claims["iss"] as? String == "\(subject).\(SnowflakeTestKeys.userFingerprint)")
        let issuedAt = try #require(verdicts.claims["iat"] as? Int)
        let expires = try #require(verdicts.claims["exp"] as? Int)
        #expect(expires > issuedAt && expires - issuedAt <= 3600)
        #expect(verdicts.tamperedSignature["problem"] as? String == "bad signature", "\(verdicts.tamperedSignature)")
        #expect(
            verdicts.paddedClaims["problem"] as? String == "undecodable: not unpadded base64url",
            "\(verdicts.paddedClaims)")
    }

    @Test("a legacy locator identifier signs as the locator without its region")
    func locator() async throws {
        let fake = SnowflakeTesting.fake(account: "XY12345")
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountIdentifier: "xy12345.us-east-2.aws", accountURL: server.endpoint,
            privateKey: SnowflakeTestKeys.userPEM)
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(), payload)
        #expect(report.ok, "\(report.summary)")
    }

    @Test("an explicit role is used")
    func explicitRole() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountURL: server.endpoint, privateKey: SnowflakeTestKeys.userPEM, role: "public")
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(), payload)
        // PUBLIC is granted to the user but has no USAGE on LOADING_WH.
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("PUBLIC") == true)
    }

    @Test("a key the user did not register: 390144, auth, the hint names our fingerprint")
    func wrongKey() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(accountURL: server.endpoint, privateKey: SnowflakeTestKeys.strangerPEM)
        let report = try await SnowflakeTesting.ping(
            SnowflakeTesting.engine(), payload, runtimeSecrets: fake.presentedJWTs)
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("390144") == true)
        #expect(report.hint?.contains(SnowflakeTestKeys.strangerFingerprint) == true)
        #expect(report.step("statement")?.status == .failed)
        ProbeTesting.expectNoSecrets(in: report, payload: payload, runtime: fake.presentedJWTs)
    }

    @Test("the wrong account in the identifier: 390144")
    func wrongAccount() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountIdentifier: "otherorg-myaccount", accountURL: server.endpoint,
            privateKey: SnowflakeTestKeys.userPEM)
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(), payload)
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.hint?.contains("OTHERORG-MYACCOUNT") == true)
    }

    @Test("an unknown warehouse: permission, naming warehouse and role")
    func unknownWarehouse() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountURL: server.endpoint, warehouse: "NO_SUCH_WH", privateKey: SnowflakeTestKeys.userPEM)
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(), payload)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("NO_SUCH_WH") == true && report.message?.contains("LOADER_ROLE") == true)
        #expect(report.hint?.contains("GRANT USAGE ON WAREHOUSE NO_SUCH_WH TO ROLE LOADER_ROLE") == true)
        #expect(report.step("warehouse")?.status == .failed)
    }

    @Test("a warehouse the role may not use: permission")
    func notGranted() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountURL: server.endpoint, warehouse: "locked_wh", privateKey: SnowflakeTestKeys.userPEM)
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(), payload)
        #expect(report.category == .permission, "\(report.summary)")
    }

    @Test("a role not granted to the user: 390186, permission")
    func roleNotGranted() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountURL: server.endpoint, privateKey: SnowflakeTestKeys.userPEM, role: "SYSADMIN")
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(), payload)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("390186") == true)
        #expect(report.hint?.contains("GRANT ROLE SYSADMIN TO USER loader") == true)
    }

    @Test("an unknown user: 390144")
    func unknownUser() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountURL: server.endpoint, username: "nobody", privateKey: SnowflakeTestKeys.userPEM)
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(), payload)
        #expect(report.category == .auth, "\(report.summary)")
    }

    @Test("without the test CA the certificate is refused: tls")
    func untrustedCertificate() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountURL: server.endpoint, privateKey: SnowflakeTestKeys.userPEM, caPEM: nil)
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(), payload)
        #expect(report.category == .tls, "\(report.summary)")
        #expect(fake.presentedJWTs.isEmpty)
    }

    @Test("timing: ten key-pair pings against the local peer", .tags(.figures))
    func figures() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(accountURL: server.endpoint, privateKey: SnowflakeTestKeys.userPEM)
        let engine = SnowflakeTesting.engine()
        var times: [Double] = []
        for _ in 0..<10 {
            let report = try await engine.ping(payload)
            #expect(report.ok)
            times.append(report.durationMs)
        }
        print(
            "snowflake key-pair ping against the local peer: ms per ping \(times.map { String(format: "%.1f", $0) }.joined(separator: ", "))"
        )
    }
}

extension Tag {
    @Tag static var figures: Self
}
