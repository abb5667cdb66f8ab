import PreflightCore
import PreflightPostgres
import Testing

@Suite("PostgresErrorMapping (pure)")
struct PostgresErrorMappingTests {
    private func map(_ sqlState: String, _ message: String, encrypted: Bool = false) -> ProbeFailure {
        PostgresErrorMapping.failure(
            for: PostgresServerError(sqlState: sqlState, message: message),
            user: "artie", database: "app", server: "db.example.com:5432", encrypted: encrypted)
    }

    @Test func wrongPassword() {
        let failure = map("28P01", "password authentication failed for user \"artie\"")
        #expect(failure.category == .auth)
        #expect(
            failure.message
                == "db.example.com:5432 rejected the password for user \"artie\" (the server said: password authentication failed for user \"artie\")"
        )
        #expect(failure.hint?.contains("check the password") == true)
        #expect(failure.transient == nil)
        #expect(!failure.category.isTransient)
    }

    @Test func noEncryptionEntryWhenUnencrypted() {
        let message = "no pg_hba.conf entry for host \"10.0.0.9\", user \"artie\", database \"app\", no encryption"
        let failure = map("28000", message, encrypted: false)
        #expect(failure.category == .auth)
        #expect(failure.message.contains("only accepts TLS connections"), "\(failure.message)")
        #expect(failure.hint?.contains("sslMode to require") == true)
    }

    @Test func noEncryptionTextWhileEncryptedIsAPlainHBAFailure() {
        // Over TLS the "no encryption" advice would be wrong; it falls through to the pg_hba.conf explanation.
        let message = "no pg_hba.conf entry for host \"10.0.0.9\", user \"artie\", database \"app\", no encryption"
        let failure = map("28000", message, encrypted: true)
        #expect(failure.category == .auth)
        #expect(!failure.message.contains("only accepts TLS"), "\(failure.message)")
        #expect(failure.message.contains("has no pg_hba.conf entry allowing user \"artie\""), "\(failure.message)")
    }

    @Test func hbaEntryMissing() {
        let message = "no pg_hba.conf entry for host \"10.0.0.9\", user \"artie\", database \"app\", SSL encryption"
        let failure = map("28000", message, encrypted: true)
        #expect(failure.category == .auth)
        #expect(
            failure.message
                == "db.example.com:5432 has no pg_hba.conf entry allowing user \"artie\" from this address to database \"app\" (the server said: \(message))"
        )
        #expect(failure.hint == "add a line for this client's address to pg_hba.conf and reload the server")
    }

    @Test func otherInvalidAuthorization() {
        let failure = map("28000", "role \"artie\" is not permitted to log in")
        #expect(failure.category == .auth)
        #expect(
            failure.message
                == "db.example.com:5432 refused user \"artie\" (the server said: role \"artie\" is not permitted to log in)"
        )
    }

    @Test func databaseDoesNotExist() {
        let failure = map("3D000", "database \"app\" does not exist")
        #expect(failure.category == .databaseNotFound)
        #expect(
            failure.message == "database \"app\" does not exist on db.example.com:5432; the credentials were accepted")
        #expect(failure.hint?.contains("defaultDatabase") == true)
    }

    @Test func insufficientPrivilege() {
        let failure = map("42501", "permission denied for database \"app\"")
        #expect(failure.category == .permission)
        #expect(failure.message.contains("lacks a privilege needed to connect to \"app\""))
        #expect(failure.hint == "GRANT CONNECT ON DATABASE \"app\" TO \"artie\";")
    }

    @Test func startingUp() {
        let failure = map("57P03", "the database system is starting up")
        #expect(failure.category == .serverUnavailable)
        #expect(failure.transient == true)
        #expect(failure.message.contains("starting up"))
    }

    @Test func tooManyConnections() {
        let failure = map("53300", "sorry, too many clients already")
        #expect(failure.category == .serverUnavailable)
        #expect(failure.transient == true)
        #expect(
            failure.message
                == "db.example.com:5432 has no free connection slots (the server said: sorry, too many clients already)"
        )
        #expect(failure.hint?.contains("max_connections") == true)
    }

    @Test func shuttingDown() {
        for state in ["57P01", "57P02"] {
            let failure = map(state, "terminating connection due to administrator command")
            #expect(failure.category == .serverUnavailable)
            #expect(failure.transient == true)
        }
    }

    @Test func featureNotSupported() {
        #expect(map("0A000", "unsupported frontend protocol").category == .unsupported)
    }

    @Test func unknownClass28IsAuth() {
        let failure = map("28XYZ", "something about authorization")
        #expect(failure.category == .auth)
        #expect(failure.message.contains("SQLSTATE 28XYZ"))
    }

    @Test func unknownClass53And57AreUnavailable() {
        for state in ["53200", "53100", "57014"] {
            let failure = map(state, "out of memory")
            #expect(failure.category == .serverUnavailable, "\(state)")
            #expect(failure.transient == true)
            #expect(failure.message.contains("SQLSTATE \(state)"))
        }
    }

    @Test func anyOtherStateIsAProtocolMismatch() {
        let failure = map("XX000", "internal error")
        #expect(failure.category == .protocolMismatch)
        #expect(
            failure.message
                == "db.example.com:5432 refused the connection (the server said: internal error, SQLSTATE XX000)")
        let empty = map("", "unknown error")
        #expect(empty.category == .protocolMismatch)
    }

    @Test func userNamesAreQuotedAsGiven() {
        let failure = PostgresErrorMapping.failure(
            for: PostgresServerError(sqlState: "42501", message: "permission denied"),
            user: "we\"ird", database: "app", server: "s", encrypted: false)
        // The hint is a statement a person may paste: the embedded quote must be doubled.
        #expect(failure.hint == "GRANT CONNECT ON DATABASE \"app\" TO \"we\"\"ird\";")
    }
}

@Suite("PostgresReadiness (pure)")
struct PostgresReadinessTests {
    /// Everything a CDC source needs, on PostgreSQL 15.
    static var good: PostgresObservations {
        var seen = PostgresObservations()
        seen.serverVersion = "15.6"
        seen.serverVersionNum = 150006
        seen.walLevel = "logical"
        seen.inRecovery = false
        seen.rolReplication = true
        seen.rolSuper = false
        seen.rdsReplicationMember = false
        seen.publications = ["artie_publication"]
        seen.logicalSlots = ["artie (pgoutput, inactive)"]
        seen.maxReplicationSlots = 10
        seen.usedReplicationSlots = 1
        seen.maxWalSenders = 10
        seen.tablesTotal = 12
        seen.tablesUnreadable = []
        return seen
    }

    private func checks(_ seen: PostgresObservations, user: String = "artie") -> [String: ReadinessCheck] {
        let list = PostgresReadiness.checks(seen, user: user, database: "app")
        #expect(Set(list.map(\.name)).count == list.count, "check names are unique")
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }

    @Test func allGoodAllPassed() {
        let list = PostgresReadiness.checks(Self.good, user: "artie", database: "app")
        #expect(
            list.map(\.name) == [
                "server_version", "wal_level", "replication_privilege", "primary", "replication_slots_free",
                "max_wal_senders", "publications", "logical_slots", "select_privilege",
            ])
        for check in list {
            #expect(check.status == .passed, "\(check.name): \(check)")
            #expect(check.fix == nil, "\(check.name)")
        }
        let byName = checks(Self.good)
        #expect(byName["server_version"]?.observed == "15.6")
        #expect(byName["replication_slots_free"]?.observed == "1 of 10 in use")
        #expect(byName["select_privilege"]?.observed == "SELECT on all 12 tables")
    }

    @Test func walLevelReplica() throws {
        var seen = Self.good
        seen.walLevel = "replica"
        let check = try #require(checks(seen)["wal_level"])
        #expect(check.status == .failed)
        #expect(check.observed == "replica")
        #expect(check.required == "logical")
        #expect(check.fix?.contains("ALTER SYSTEM SET wal_level = logical") == true)
        #expect(check.restartRequired == true)
    }

    @Test func noReplicationAttribute() throws {
        var seen = Self.good
        seen.rolReplication = false
        let check = try #require(checks(seen)["replication_privilege"])
        #expect(check.status == .failed)
        #expect(check.observed == "no REPLICATION attribute")
        #expect(check.fix?.hasPrefix("ALTER ROLE \"artie\" WITH REPLICATION;") == true, "\(check.fix ?? "")")
        #expect(check.fix?.contains("GRANT rds_replication TO \"artie\";") == true)
        #expect(check.restartRequired == false)
    }

    @Test func userNameWithADoubleQuoteIsEscapedInTheFix() throws {
        var seen = Self.good
        seen.rolReplication = false
        seen.tablesUnreadable = ["public.secrets"]
        let byName = checks(seen, user: "ar\"tie")
        let fix = try #require(byName["replication_privilege"]?.fix)
        #expect(fix.hasPrefix("ALTER ROLE \"ar\"\"tie\" WITH REPLICATION;"), "\(fix)")
        #expect(byName["select_privilege"]?.fix?.contains("TO \"ar\"\"tie\";") == true)
    }

    @Test func rdsReplicationMembershipPasses() throws {
        var seen = Self.good
        seen.rolReplication = false
        seen.rdsReplicationMember = true
        let check = try #require(checks(seen)["replication_privilege"])
        #expect(check.status == .passed)
        #expect(check.observed == "member of rds_replication")
        #expect(check.fix == nil)
    }

    @Test func superuserPasses() throws {
        var seen = Self.good
        seen.rolReplication = false
        seen.rolSuper = true
        #expect(checks(seen)["replication_privilege"]?.status == .passed)
        #expect(checks(seen)["replication_privilege"]?.observed == "superuser")
    }

    @Test func inRecoveryBefore16Fails() throws {
        var seen = Self.good
        seen.inRecovery = true
        let check = try #require(checks(seen)["primary"])
        #expect(check.status == .failed)
        #expect(check.observed == "read replica (in recovery)")
        #expect(check.fix == "connect to the primary (writer) endpoint instead")
    }

    @Test func inRecoveryOn16IsAWarning() throws {
        var seen = Self.good
        seen.inRecovery = true
        seen.serverVersionNum = 160002
        seen.serverVersion = "16.2"
        let check = try #require(checks(seen)["primary"])
        #expect(check.status == .warning)
        #expect(check.detail?.contains("before PostgreSQL 16") == true)
    }

    @Test func noFreeSlots() throws {
        var seen = Self.good
        seen.usedReplicationSlots = 10
        let check = try #require(checks(seen)["replication_slots_free"])
        #expect(check.status == .failed)
        #expect(check.observed == "10 of 10 in use")
        #expect(check.fix?.contains("max_replication_slots = 20") == true)
        #expect(check.restartRequired == true)
    }

    @Test func noWalSenders() throws {
        var seen = Self.good
        seen.maxWalSenders = 0
        let check = try #require(checks(seen)["max_wal_senders"])
        #expect(check.status == .failed)
        #expect(check.restartRequired == true)
    }

    @Test func noPublicationsIsAWarning() throws {
        var seen = Self.good
        seen.publications = []
        let check = try #require(checks(seen)["publications"])
        #expect(check.status == .warning)
        #expect(check.observed == "none in app")
        #expect(check.fix?.contains("CREATE PUBLICATION") == true)
    }

    @Test func unreadableTablesAreAWarningListingThem() throws {
        var seen = Self.good
        seen.tablesUnreadable = ["public.a", "public.b", "public.c", "billing.d", "billing.e", "billing.f", "hr.g"]
        let check = try #require(checks(seen)["select_privilege"])
        #expect(check.status == .warning)
        #expect(
            check.observed
                == "no SELECT on 7 of 12 tables: public.a, public.b, public.c, billing.d, billing.e and 2 more")
        #expect(check.fix?.contains("GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"artie\";") == true)
    }

    @Test func oldServerFails() throws {
        var seen = Self.good
        seen.serverVersionNum = 90624
        seen.serverVersion = "9.6.24"
        let check = try #require(checks(seen)["server_version"])
        #expect(check.status == .failed)
        #expect(check.observed == "9.6.24")
        #expect(check.fix != nil)
    }

    @Test func queryErrorsAreWarningsThatCouldNotBeRead() throws {
        var seen = PostgresObservations()
        seen.queryErrors = [
            "wal_level": "permission denied for function current_setting",
            "replication_privilege": "relation \"pg_roles\" does not exist",
        ]
        let byName = checks(seen)
        for name in ["server_version", "wal_level", "replication_privilege", "primary"] {
            let check = try #require(byName[name], "\(name)")
            #expect(check.status == .warning, "\(name)")
            #expect(check.observed == "unknown", "\(name)")
            #expect(check.detail?.hasPrefix("could not be read") == true, "\(name)")
        }
        #expect(byName["wal_level"]?.detail == "could not be read: permission denied for function current_setting")
        #expect(byName["replication_privilege"]?.detail == "could not be read: relation \"pg_roles\" does not exist")
        #expect(byName["server_version"]?.detail == "could not be read")
        // Optional checks are left out rather than guessed.
        #expect(byName["publications"] == nil)
        #expect(byName["replication_slots_free"] == nil)
        #expect(byName.values.allSatisfy { $0.status != .failed })
    }
}
