import Foundation
import PreflightCore
import PreflightOracle
import PreflightTestSupport
import Testing

/// Our probe's login against the scripted database (checked by python-oracledb first,
/// `ScriptedLoginCheckedByOracledbTests`): each outcome's category, message and fix.
@Suite(.serialized)
struct OracleLoginProbeTests {
    let engine = OracleTesting.engine(timeout: .seconds(5))

    func ping(user: String, password: String? = OracleTesting.password, rules: ScriptedOracleServer.Rules? = nil)
        async throws -> (PingReport, ScriptedTNSListener)
    {
        let listener = try await ScriptedTNSListener(.init(afterAccept: .login(rules ?? OracleTesting.serverRules())))
        let report = try await OracleTesting.ping(
            engine, OracleTesting.payload(port: listener.port, user: user, password: password))
        Task { await listener.shutdown() }
        #expect(
            listener.connections.allSatisfy { $0.violation == nil }, "\(listener.connections.compactMap(\.violation))")
        return (report, listener)
    }

    @Test func the11gVerifierLogsIn() async throws {
        let (report, listener) = try await ping(user: "legacy", password: OracleTesting.legacyPassword)
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("auth")?.detail?.contains("11g verifier (SHA-1)") == true, "\(report.summary)")
        #expect(listener.connections.first?.loggedInUser == "legacy")
        // LOGOFF is answered before the ping ends; the final EOF may still be on its way.
        for _ in 0..<400 where listener.connections.first?.session.last != "EOF" {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(listener.connections.first?.session.suffix(2) == ["LOGOFF", "EOF"])
    }

    @Test func aWrongPasswordIsAuthWithTheCheckToMake() async throws {
        let (report, _) = try await ping(user: "artie", password: "Not-The-Password-9")
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("ORA-01017") == true, "\(report.summary)")
        #expect(report.message?.contains("invalid username or password") == true, "\(report.summary)")
        #expect(report.hint?.contains("sharedConfig.password") == true, "\(report.summary)")
        #expect(report.step("auth")?.status == .failed)
        #expect(report.step("readiness") == nil)
        let (unknown, _) = try await ping(user: "nobody")
        #expect(unknown.category == .auth && unknown.message?.contains("ORA-01017") == true, "\(unknown.summary)")
    }

    @Test func noPasswordIsSaidSo() async throws {
        let (report, _) = try await ping(user: "artie", password: nil)
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.hint == "no password was sent: set sharedConfig.password", "\(report.summary)")
    }

    @Test func accountStatesAndMissingCreateSessionGiveTheirFix() async throws {
        let (locked, _) = try await ping(user: "locked")
        #expect(locked.category == .auth, "\(locked.summary)")
        #expect(locked.message?.contains("ORA-28000") == true && locked.message?.contains("is locked") == true)
        #expect(locked.hint?.contains("ALTER USER locked ACCOUNT UNLOCK;") == true, "\(locked.summary)")
        let (expired, _) = try await ping(user: "expired")
        #expect(expired.category == .auth, "\(expired.summary)")
        #expect(expired.message?.contains("ORA-28001") == true && expired.message?.contains("has expired") == true)
        #expect(expired.hint?.contains("ALTER USER expired IDENTIFIED BY") == true, "\(expired.summary)")
        let (noSession, _) = try await ping(user: "nosession")
        #expect(noSession.category == .permission, "\(noSession.summary)")
        #expect(noSession.message?.contains("ORA-01045") == true, "\(noSession.summary)")
        #expect(noSession.hint == "GRANT CREATE SESSION TO nosession;", "\(noSession.summary)")
    }

    @Test func aPasswordInItsGracePeriodPassesWithAWarning() async throws {
        let (report, _) = try await ping(user: "grace")
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("auth")?.status == .warning, "\(report.summary)")
        #expect(report.step("auth")?.detail?.contains("ORA-28002") == true, "\(report.summary)")
        #expect(
            report.step("auth")?.hint?.hasPrefix("the password expires soon: ALTER USER grace IDENTIFIED BY") == true)
    }

    @Test func a10GOnlyAccountNamesTheServerSetting() async throws {
        let (report, listener) = try await ping(user: "old10g")
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("10G password verifier") == true, "\(report.summary)")
        #expect(report.hint?.contains("SQLNET.ALLOWED_LOGON_VERSION_SERVER") == true, "\(report.summary)")
        #expect(listener.connections.first?.session.contains { $0.hasPrefix("AUTH2") } == false)
    }

    @Test func anImpostorIsNamedNotTrusted() async throws {
        let (report, _) = try await ping(user: "artie", rules: OracleTesting.serverRules(impostor: true))
        #expect(!report.ok)
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("could not prove it knows") == true, "\(report.summary)")
    }

    @Test func errorsAfterABreakMarkerAreRead() async throws {
        let rules = OracleTesting.serverRules(breakBeforeErrors: true)
        let (report, listener) = try await ping(user: "locked", rules: rules)
        #expect(report.category == .auth && report.message?.contains("ORA-28000") == true, "\(report.summary)")
        #expect(listener.connections.first?.session.contains("RESET") == true)
    }

    @Test func a23aiServerLogsInAtTheNegotiatedLayout() async throws {
        let rules = OracleTesting.serverRules(fieldVersion: TTCFieldVersion.v23_4)
        let (report, _) = try await ping(user: "artie", rules: rules)
        #expect(report.ok, "\(report.summary)")
        let (wrong, _) = try await ping(user: "artie", password: "Wrong-Password-1", rules: rules)
        #expect(wrong.message?.contains("ORA-01017") == true, "\(wrong.summary)")
    }

    func source(user: String = "artie", rules: ScriptedOracleServer.Rules = OracleTesting.serverRules(), role: String?)
        async throws -> (PingReport, ScriptedTNSListener)
    {
        let listener = try await ScriptedTNSListener(.init(afterAccept: .login(rules)))
        var payload = OracleTesting.payload(port: listener.port, user: user)
        payload.connectionRole = role
        let report = try await OracleTesting.ping(engine, payload)
        Task { await listener.shutdown() }
        #expect(
            listener.connections.allSatisfy { $0.violation == nil }, "\(listener.connections.compactMap(\.violation))")
        return (report, listener)
    }

    @Test func aSourceWithoutArchivingOrSupplementalLoggingIsNotReady() async throws {
        let rules = OracleTesting.serverRules(logMode: "NOARCHIVELOG", supplementalLogDataMin: "NO")
        let (report, listener) = try await source(rules: rules, role: "source")
        #expect(report.category == .cdcNotReady, "\(report.summary)")
        #expect(report.message?.contains("log_mode is NOARCHIVELOG, needs ARCHIVELOG") == true, "\(report.summary)")
        #expect(report.message?.contains("supplemental_log_data_min is NO, needs YES") == true, "\(report.summary)")
        #expect(report.hint?.contains("ALTER DATABASE ARCHIVELOG") == true, "\(report.summary)")
        #expect(report.hint?.contains("a restart is required") == true, "\(report.summary)")
        #expect(report.check("log_mode")?.restartRequired == true)
        #expect(
            report.check("supplemental_log_data_min")?.fix?.hasPrefix("ALTER DATABASE ADD SUPPLEMENTAL LOG DATA;")
                == true)
        #expect(report.step("readiness")?.status == .failed)
        // Read-only: the queries were the four SELECTs, and the session ended with LOGOFF.
        let connection = try #require(listener.connections.first)
        #expect(connection.session.filter { $0 == "EXECUTE" }.count == 4, "\(connection.session)")
        #expect(connection.session.contains("LOGOFF"))
    }

    @Test func aSourceUserWithoutLogMinerPrivilegesGetsTheGrants() async throws {
        let (report, _) = try await source(user: "bare", role: "source")
        #expect(report.category == .cdcNotReady, "\(report.summary)")
        #expect(report.check("log_mode")?.status == .warning, "V$DATABASE is not readable: \(report.checks)")
        #expect(report.check("log_mode")?.observed.contains("ORA-00942") == true, "\(report.checks)")
        #expect(report.check("logmining")?.fix == "GRANT LOGMINING TO bare;")
        #expect(report.check("select_any_transaction")?.fix == "GRANT SELECT ANY TRANSACTION TO bare;")
        #expect(report.check("execute_dbms_logmnr")?.fix == "GRANT EXECUTE ON DBMS_LOGMNR TO bare;")
        #expect(report.check("select_catalog_role")?.fix == "GRANT SELECT_CATALOG_ROLE TO bare;")
        #expect(report.hint?.hasPrefix("GRANT LOGMINING TO bare;") == true, "\(report.summary)")
    }

    /// Artie reads Oracle only as a source: with no connectionRole the readiness checks still decide.
    @Test func anUnsetRoleIsASource() async throws {
        let (report, _) = try await source(user: "bare", role: nil)
        #expect(!report.ok, "\(report.summary)")
        #expect(report.category == .cdcNotReady, "\(report.summary)")
        #expect(report.step("readiness")?.status == .failed, "\(report.summary)")
        let (ready, _) = try await source(role: nil)
        #expect(ready.ok, "\(ready.summary)")
    }

    @Test func aQueryAnsweredOverSeveralCallsIsFetchedToTheEnd() async throws {
        let (report, listener) = try await source(rules: OracleTesting.serverRules(rowsPerCall: 1), role: "source")
        #expect(report.ok, "\(report.summary)")
        #expect(report.check("select_any_transaction")?.status == .passed, "\(report.checks)")
        #expect(listener.connections.first?.session.contains { $0.hasPrefix("FETCH") } == true)
    }

    @Test func aReadyServerAt23aiLayout() async throws {
        let (report, _) = try await source(
            rules: OracleTesting.serverRules(fieldVersion: TTCFieldVersion.v23_4), role: "source")
        #expect(report.ok, "\(report.summary)")
        #expect(report.checks.count == 6 && report.checks.allSatisfy { $0.status == .passed }, "\(report.checks)")
    }
}
