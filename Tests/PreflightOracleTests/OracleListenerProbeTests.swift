import Foundation
import PreflightCore
import PreflightOracle
import PreflightTestSupport
import Testing

/// Our probe against the scripted listener (checked by python-oracledb first).
@Suite(.serialized)
struct OracleListenerProbeTests {
    let engine = OracleTesting.engine(timeout: .seconds(5))

    @Test func acceptedServiceLogsInAndReadsReadiness() async throws {
        let listener = try await ScriptedTNSListener(.init())
        defer { Task { await listener.shutdown() } }
        let report = try await OracleTesting.ping(engine, OracleTesting.payload(port: listener.port))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("connect")?.status == .passed)
        #expect(report.step("tls")?.status == .skipped)
        #expect(report.step("database")?.status == .passed)
        #expect(report.step("database")?.detail?.contains("TNS protocol 319") == true, "\(report.summary)")
        #expect(report.step("auth")?.status == .passed, "\(report.summary)")
        #expect(report.step("auth")?.detail?.contains("12c verifier") == true, "\(report.summary)")
        #expect(report.step("auth")?.detail?.contains("Oracle 19.3.0.0.0") == true, "\(report.summary)")
        #expect(report.step("readiness")?.status == .passed, "\(report.summary)")
        #expect(
            report.step("readiness")?.detail == "Oracle 19.3.0.0.0: ready for Oracle LogMiner CDC (6 checks passed)",
            "\(report.summary)")
        #expect(
            report.checks.map(\.name) == [
                "log_mode", "supplemental_log_data_min", "logmining", "select_any_transaction", "execute_dbms_logmnr",
                "select_catalog_role",
            ])
        #expect(report.checks.allSatisfy { $0.status == .passed }, "\(report.checks)")
        let connection = try #require(listener.connections.first)
        #expect(connection.violation == nil, "\(connection)")
        #expect(connection.answers == ["ACCEPT"])
        #expect(connection.loggedInUser == "artie")
        #expect(connection.descriptors.first?.contains("(CONNECT_DATA=(SERVICE_NAME=FREEPDB1)") == true)
        #expect(connection.descriptors.allSatisfy { !$0.contains(OracleTesting.password) })
        #expect(!connection.bytesAfterAccept.contains(subsequence: Array(OracleTesting.password.utf8)))
    }

    @Test func unknownServiceIsDatabaseNotFoundWithTheListenerFix() async throws {
        let listener = try await ScriptedTNSListener(.init())
        defer { Task { await listener.shutdown() } }
        let report = try await OracleTesting.ping(engine, OracleTesting.payload(port: listener.port, service: "ORCL"))
        #expect(report.category == .databaseNotFound, "\(report.summary)")
        #expect(report.message?.contains("ORA-12514") == true)
        #expect(report.message?.contains("service ORCL") == true)
        #expect(report.hint?.contains("lsnrctl services") == true)
        #expect(report.step("database")?.status == .failed)
    }

    @Test func sidIsAskedForAndAnUnknownOneIsORA12505() async throws {
        let listener = try await ScriptedTNSListener(.init())
        defer { Task { await listener.shutdown() } }
        let known = try await OracleTesting.ping(
            engine, OracleTesting.payload(port: listener.port, service: nil, sid: "xe"))
        #expect(known.ok, "\(known.summary)")
        #expect(known.step("database")?.detail?.contains("accepted SID xe") == true, "\(known.summary)")
        let unknown = try await OracleTesting.ping(
            engine, OracleTesting.payload(port: listener.port, service: nil, sid: "ORCL"))
        #expect(unknown.category == .databaseNotFound, "\(unknown.summary)")
        #expect(unknown.message?.contains("ORA-12505") == true)
        #expect(listener.connections.first?.descriptors.first?.contains("(SID=xe)") == true)
    }

    @Test func noHandlerIsServerUnavailableAndTransient() async throws {
        for code in [12516, 12519] {
            let listener = try await ScriptedTNSListener(.init(refuseWith: code))
            defer { Task { await listener.shutdown() } }
            let report = try await OracleTesting.ping(engine, OracleTesting.payload(port: listener.port))
            #expect(report.category == .serverUnavailable, "\(report.summary)")
            #expect(report.transient == true)
            #expect(report.message?.contains("ORA-\(code)") == true, "\(report.summary)")
        }
    }

    @Test func anUnknownRefusalNamesItsCode() async throws {
        let listener = try await ScriptedTNSListener(.init(refuseWith: 12508))
        defer { Task { await listener.shutdown() } }
        let report = try await OracleTesting.ping(engine, OracleTesting.payload(port: listener.port))
        #expect(report.category == .serverUnavailable, "\(report.summary)")
        #expect(report.transient == false)
        #expect(report.message?.contains("ORA-12508") == true, "\(report.summary)")
    }

    @Test func redirectIsFollowedOnceAndReported() async throws {
        let listener = try await ScriptedTNSListener(.init())
        let redirecting = try await ScriptedTNSListener(.init(redirectTo: listener.port))
        defer {
            Task {
                await listener.shutdown()
                await redirecting.shutdown()
            }
        }
        let report = try await OracleTesting.ping(engine, OracleTesting.payload(port: redirecting.port))
        #expect(report.ok, "\(report.summary)")
        #expect(
            report.step("database")?.detail?.contains("redirected the connection to 127.0.0.1:\(listener.port)") == true
        )
        #expect(report.step("redirect_connect")?.status == .passed, "\(report.summary)")
        #expect(report.step("redirect_database")?.status == .passed, "\(report.summary)")
        #expect(report.step("auth")?.status == .passed, "\(report.summary)")
        #expect(listener.connections.first?.loggedInUser == "artie")
        #expect(redirecting.connections.map(\.answers) == [["REDIRECT"]])
        #expect(listener.connections.map(\.answers) == [["ACCEPT"]])
        #expect(listener.connections.first?.connectFlags == [0x04])
    }

    @Test func aRedirectToAClosedPortFailsInRedirectConnect() async throws {
        let redirecting = try await ScriptedTNSListener(.init(redirectTo: closedPort()))
        defer { Task { await redirecting.shutdown() } }
        let report = try await OracleTesting.ping(engine, OracleTesting.payload(port: redirecting.port))
        #expect(report.category == .refused, "\(report.summary)")
        #expect(report.step("redirect_connect")?.status == .failed, "\(report.summary)")
    }

    @Test func aSecondRedirectIsNotFollowed() async throws {
        let listener = try await ScriptedTNSListener(.init())
        let second = try await ScriptedTNSListener(.init(redirectTo: listener.port, redirectFlagged: true))
        let first = try await ScriptedTNSListener(.init(redirectTo: second.port))
        defer {
            Task {
                for peer in [listener, second, first] { await peer.shutdown() }
            }
        }
        let report = try await OracleTesting.ping(engine, OracleTesting.payload(port: first.port))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("a second time") == true, "\(report.summary)")
        #expect(listener.connections.isEmpty, "the second redirect must not be followed")
    }

    @Test func resendSendsTheConnectAgain() async throws {
        let listener = try await ScriptedTNSListener(.init(resendFirst: true))
        defer { Task { await listener.shutdown() } }
        let report = try await OracleTesting.ping(engine, OracleTesting.payload(port: listener.port))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("database")?.detail?.contains("after one RESEND") == true, "\(report.summary)")
        #expect(listener.connections.first?.answers == ["RESEND", "ACCEPT"])
        #expect(listener.connections.first?.descriptors.count == 2)
    }

    @Test func longDescriptorTravelsInADataPacket() async throws {
        let listener = try await ScriptedTNSListener(.init(services: [String(repeating: "S", count: 200)]))
        defer { Task { await listener.shutdown() } }
        let report = try await OracleTesting.ping(
            engine, OracleTesting.payload(port: listener.port, service: String(repeating: "s", count: 200)))
        #expect(report.ok, "\(report.summary)")
        #expect(listener.connections.first?.descriptorInDataPacket == true)
    }

    @Test func tcpsIsVerifiedAgainstTheGivenCA() async throws {
        let listener = try await ScriptedTNSListener(.init(), tls: try OracleTesting.tcpsContext())
        defer { Task { await listener.shutdown() } }
        let report = try await OracleTesting.ping(
            engine,
            OracleTesting.payload(
                port: listener.port, extra: ["sslMode": "verify-full", "sslRootCert": TestPKI.caPEM]))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("tls")?.status == .passed, "\(report.summary)")
        #expect(listener.connections.first?.descriptors.first?.contains("(PROTOCOL=TCPS)") == true)
        let untrusted = try await OracleTesting.ping(
            engine, OracleTesting.payload(port: listener.port, extra: ["sslMode": "verify-full"]))
        #expect(untrusted.category == .tls, "\(untrusted.summary)")
    }

    @Test func tcpsRedirectNegotiatesTLSAgain() async throws {
        let context = try OracleTesting.tcpsContext()
        let listener = try await ScriptedTNSListener(.init(), tls: context)
        let redirecting = try await ScriptedTNSListener(.init(redirectTo: listener.port), tls: context)
        defer {
            Task {
                await listener.shutdown()
                await redirecting.shutdown()
            }
        }
        let report = try await OracleTesting.ping(
            engine,
            OracleTesting.payload(
                port: redirecting.port, extra: ["sslMode": "verify-full", "sslRootCert": TestPKI.caPEM]))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("tls")?.status == .passed, "\(report.summary)")
        #expect(report.step("redirect_tls")?.status == .passed, "\(report.summary)")
        #expect(listener.connections.first?.connectFlags == [0x04])
    }

    @Test func tcpsAgainstAPlainListenerFailsInTLS() async throws {
        let listener = try await ScriptedTNSListener(.init())
        defer { Task { await listener.shutdown() } }
        let report = try await OracleTesting.ping(
            engine, OracleTesting.payload(port: listener.port, extra: ["sslMode": "require"], timeoutSeconds: 2))
        #expect(!report.ok)
        #expect(report.step("tls")?.status == .failed, "\(report.summary)")
    }
}
