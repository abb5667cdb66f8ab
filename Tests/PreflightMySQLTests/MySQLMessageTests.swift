import PreflightCore
import Testing

@testable import PreflightMySQL

/// Greeting and handshake-response layout, ERR packets, config validation and error mapping. Pure.
struct MySQLMessageTests {
    static func bytes(_ hex: String) -> [UInt8] { MySQLScrambleTests.bytes(hex) }

    // A greeting captured from this project's MariaDB 10.11 (scripts/servers/mariadb.sh), header included.
    static let mariadbGreeting = bytes(
        "680000000a352e352e352d31302e31312e31392d4d6172696144422d302b646562313275312d6c6f67001600000050627b666a63347500feff2d0200ff81150000000000001d00000075692e4a674872255f31726c006d7973716c5f6e61746976655f70617373776f726400"
    )

    @Test func parsesARealMariaDBGreeting() throws {
        var reader = MySQLPacketReader(expectedSequence: 0)
        reader.append(Self.mariadbGreeting)
        let packet = try #require(try reader.next())
        #expect(packet.sequence == 0)
        let greeting = try MySQLGreeting.parse(packet.payload)
        #expect(greeting.protocolVersion == 10)
        #expect(greeting.serverVersion == "5.5.5-10.11.19-MariaDB-0+deb12u1-log")
        #expect(greeting.displayVersion == "10.11.19-MariaDB-0+deb12u1-log")
        #expect(greeting.isMariaDB)
        #expect(greeting.connectionID == 22)
        #expect(greeting.authPluginName == "mysql_native_password")
        #expect(greeting.scramble.count == 20)
        #expect(Array(greeting.scramble.prefix(8)) == Array("Pb{fjc4u".utf8))
        #expect(greeting.capabilities.contains(.ssl))
        #expect(greeting.capabilities.contains(.protocol41))
        #expect(greeting.capabilities.contains(.pluginAuth))
    }

    @Test func greetingRoundTrips() throws {
        let greeting = MySQLGreeting(
            serverVersion: "8.0.36", connectionID: 9,
            capabilities: [.protocol41, .secureConnection, .pluginAuth, .ssl],
            authPluginName: "caching_sha2_password", scramble: (1...20).map { UInt8($0) })
        #expect(try MySQLGreeting.parse(greeting.encoded()) == greeting)
    }

    @Test func greetingErrors() {
        #expect(throws: MySQLGreeting.ParseError.unsupportedProtocol(9)) {
            try MySQLGreeting.parse([0x09] + Array("3.23".utf8) + [0])
        }
        #expect(throws: MySQLGreeting.ParseError.self) { try MySQLGreeting.parse([0x0A] + Array("8.0".utf8)) }
        #expect(throws: MySQLGreeting.ParseError.self) { try MySQLGreeting.parse([0x0A, 0x01, 0x02, 0x00, 0x00]) }
    }

    @Test func handshakeResponseLayout() {
        let payload = MySQLClientMessages.handshakeResponse(
            capabilities: [.protocol41, .secureConnection, .pluginAuth, .pluginAuthLengthEncodedData, .connectWithDB],
            user: "cdc", authResponse: [0xAA, 0xBB], database: "appdb", pluginName: "mysql_native_password",
            attributes: [])
        var reader = MySQLPayloadReader(payload)
        let flags = MySQLCapabilities(rawValue: UInt32((try? reader.uint(4, "caps")) ?? 0))
        #expect(flags.contains(.connectWithDB))
        #expect((try? reader.uint(4, "max")) == 0xFF_FFFF)
        #expect((try? reader.u8("charset")) == 45)
        #expect((try? reader.take(23, "filler")) == [UInt8](repeating: 0, count: 23))
        #expect((try? reader.nulTerminated("user")) == Array("cdc".utf8))
        #expect(((try? reader.lengthEncodedBytes("auth")) ?? nil) == [0xAA, 0xBB])
        #expect((try? reader.nulTerminated("db")) == Array("appdb".utf8))
        #expect((try? reader.nulTerminated("plugin")) == Array("mysql_native_password".utf8))
        #expect(reader.isAtEnd)
        #expect(MySQLClientMessages.sslRequest([.protocol41]).count == 32)
        #expect(
            MySQLCapabilities(rawValue: UInt32(MySQLClientMessages.sslRequest([.protocol41])[1]) << 8).contains(.ssl))
    }

    @Test func errorPacketsWithAndWithoutSQLState() {
        let withState = MySQLServerError.parse(
            [0xFF, 0x15, 0x04, UInt8(ascii: "#")] + Array("28000Access denied".utf8))
        #expect(withState == MySQLServerError(code: 1045, sqlState: "28000", message: "Access denied"))
        let greeting = MySQLServerError.parse(
            [0xFF, 0x6A, 0x04] + Array("Host '10.1.2.3' is not allowed to connect to this MySQL server".utf8))
        #expect(greeting?.code == 1130)
        #expect(greeting?.sqlState == nil)
        #expect(MySQLServerError.parse([0x00]) == nil)
    }

    // MARK: Config

    static func config(_ extra: [String: String] = [:], database: String? = nil) throws(InvalidConfig) -> MySQLConfig {
        try config(.mysql, extra, database: database)
    }

    static func config(_ type: ConnectorType, _ extra: [String: String] = [:], database: String? = nil)
        throws(InvalidConfig) -> MySQLConfig
    {
        var values = ["host": "db.example.com", "user": "cdc", "password": "pw-123456"]
        for (key, value) in extra { values[key] = value }
        return try MySQLConfig(
            payload: ConnectorPayload(
                type: type, sharedConfig: SharedConfig(strings: values), defaultDatabase: database))
    }

    @Test func tlsModeFollowsArtie() throws {
        #expect(try Self.config().tls.mode == .disable)
        #expect(try Self.config(["tlsMode": ""]).tls.mode == .disable)
        #expect(try Self.config(["tlsMode": "preferred"]).tls.mode == .prefer)
        #expect(try Self.config(["tlsMode": "VERIFY_IDENTITY"]).tls.mode == .verifyFull)
        // sslMode wins over tlsMode.
        #expect(try Self.config(["tlsMode": "preferred", "sslMode": "verify-full"]).tls.mode == .verifyFull)
        #expect(try Self.config(["sslMode": "disable", "tlsMode": "preferred"]).tls.mode == .disable)
        #expect(throws: InvalidConfig.self) { try Self.config(["tlsMode": "sometimes"]) }
        #expect(throws: InvalidConfig.self) { try Self.config(["sslMode": "maybe"]) }
    }

    @Test func defaultsAndKeys() throws {
        let config = try Self.config(database: "appdb")
        #expect(config.port == 3306)
        #expect(config.database == "appdb")
        #expect(try Self.config().database == nil)
        #expect(try Self.config(["port": "3307"]).port == 3307)
        #expect(throws: InvalidConfig.self) {
            try MySQLConfig(payload: ConnectorPayload(type: .mysql, sharedConfig: SharedConfig(strings: ["host": "h"])))
        }
        #expect(throws: InvalidConfig.self) { try Self.config(["serverPublicKey": "not pem"]) }
        #expect(
            try Self.config(["serverPublicKey": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"])
                .serverPublicKeyPEM != nil)
    }

    @Test func planetscaleIsAlwaysVerifyFull() throws {
        #expect(try Self.config(.planetscale).tls.mode == .verifyFull)
        #expect(try Self.config(.planetscale, ["tlsMode": ""]).tls.mode == .verifyFull)
        #expect(try Self.config(.planetscale, ["sslMode": "verify-full"]).tls.mode == .verifyFull)
        for weaker in ["disable", "prefer", "require", "verify-ca"] {
            #expect(throws: InvalidConfig.self) { try Self.config(.planetscale, ["sslMode": weaker]) }
        }
    }

    @Test func factoryCoversBothTypes() throws {
        #expect(MySQLProbeFactory().types == [.mysql, .planetscale])
        let probe = try MySQLProbeFactory().makeProbe(
            for: ConnectorPayload(type: .mysql, sharedConfig: SharedConfig(strings: ["host": "db", "user": "u"])))
        #expect(probe.target == PingTarget(host: "db", port: 3306))
    }

    // MARK: Error mapping

    static func map(_ code: UInt16, _ message: String, database: String? = "appdb") -> ProbeFailure {
        MySQLErrorMapping.failure(
            for: MySQLServerError(code: code, sqlState: "HY000", message: message), user: "cdc", database: database,
            server: "db:3306", product: "MySQL", encrypted: false, passwordGiven: true)
    }

    @Test func errorCodesMapToCategories() {
        let denied = Self.map(1045, "Access denied for user 'cdc'@'10.0.3.7' (using password: YES)")
        #expect(denied.category == .auth)
        #expect(denied.message.contains("'cdc'@'10.0.3.7'"))
        #expect(Self.map(1049, "Unknown database 'appdb'").category == .databaseNotFound)
        #expect(Self.map(1044, "Access denied for user 'cdc'@'%' to database 'appdb'").category == .permission)
        let host = Self.map(1130, "Host '198.51.100.4' is not allowed to connect to this MySQL server")
        #expect(host.category == .auth)
        #expect(host.message.contains("198.51.100.4"))
        #expect(Self.map(1040, "Too many connections").category == .serverUnavailable)
        #expect(Self.map(1040, "Too many connections").transient == true)
        #expect(
            Self.map(1203, "User cdc already has more than 'max_user_connections' active connections").category
                == .serverUnavailable)
        #expect(Self.map(3159, "Connections using insecure transport are prohibited").message.contains("requires TLS"))
        #expect(Self.map(1251, "Client does not support authentication protocol").category == .unsupported)
        #expect(Self.map(3118, "Access denied for user 'cdc'@'%'. Account is locked.").message.contains("locked"))
    }

    @Test func accountAndHostAreReadFromMessages() {
        #expect(
            MySQLErrorMapping.account(in: "Access denied for user 'a b'@'::1' (using password: NO)")! == ("a b", "::1"))
        #expect(MySQLErrorMapping.host(in: "Host '::1' is not allowed to connect to this MariaDB server") == "::1")
    }
}

/// SHOW GRANTS parsing and the readiness verdicts, for MySQL, MariaDB, Aurora and RDS. Pure.
struct MySQLReadinessTests {
    @Test func grantLinesParse() throws {
        let global = try #require(
            MySQLGrant.parse(
                "GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `repl_user`@`127.0.0.1` IDENTIFIED BY PASSWORD '*49805D72CE673CAD822A37463CDD6A75236BCBE4'"
            ))
        #expect(global.privileges == ["SELECT", "REPLICATION SLAVE", "BINLOG MONITOR"])
        #expect(global.object == "*.*")
        let columns = try #require(MySQLGrant.parse("GRANT SELECT (`a`, `b`), INSERT ON `app db`.`t` TO 'u'@'%'"))
        #expect(columns.privileges == ["SELECT", "INSERT"])
        #expect(columns.database == "app db")
        #expect(!columns.isDatabaseLevel)
        let role = try #require(MySQLGrant.parse("GRANT `cdc_role`@`%` TO `u`@`%`"))
        #expect(role.roles == ["cdc_role"])
        #expect(MySQLGrant.parse("GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION") == nil)
        #expect(
            MySQLGrant.withoutCredentials("GRANT USAGE ON *.* TO `u`@`h` IDENTIFIED BY PASSWORD '*ABC'")
                == "GRANT USAGE ON *.* TO `u`@`h`")
        #expect(MySQLGrant.database("app_1", matches: "app\\_%"))
        #expect(!MySQLGrant.database("appx1", matches: "app\\_%"))
        #expect(MySQLGrant.database("appx1", matches: "app_1"))
    }

    /// Keywords match without case and never inside quotes (byte-wise, ``QuotedText/asciiPrefixEnd(of:in:at:)``).
    @Test func grantKeywordsWithoutCaseAndOutsideQuotes() throws {
        let lower = try #require(MySQLGrant.parse("  grant select on table `a`.`t` to 'u'@'%'"))
        #expect(lower.privileges == ["SELECT"])
        #expect(lower.object == "`a`.`t`")
        let quoted = try #require(MySQLGrant.parse("GRANT INSERT ON `x on y to z`.* To `u`@`%`"))
        #expect(quoted.object == "`x on y to z`.*")
        #expect(quoted.database == "x on y to z")
        #expect(MySQLGrant.parse("GRANTED SELECT ON *.* TO u") == nil)
        let text = Substring("ab To c")
        #expect(QuotedText.asciiPrefixEnd(of: " TO ", in: text, at: text.index(text.startIndex, offsetBy: 2)) != nil)
        #expect(QuotedText.asciiPrefixEnd(of: " TO ", in: text, at: text.startIndex) == nil)
        #expect(QuotedText.asciiPrefixEnd(of: "C ", in: text, at: text.index(before: text.endIndex)) == nil)
    }

    @Test func quotingForHints() {
        #expect(MySQLConfig.quoted(#"o'brien\x"#) == #"'o\'brien\\x'"#)
        #expect(MySQLConfig.backquoted("a`b") == "`a``b`")
        #expect(MySQLReadiness.granteeText("repl@10.%", fallbackUser: "x") == "'repl'@'10.%'")
    }

    static let mysql8Variables = [
        "version": "8.0.36", "log_bin": "ON", "binlog_format": "ROW", "binlog_row_image": "FULL",
        "binlog_expire_logs_seconds": "2592000", "gtid_mode": "ON", "enforce_gtid_consistency": "ON",
    ]

    static func checks(
        _ variables: [String: String], grants: [String], currentUser: String = "cdc@%", rds: String?? = nil,
        database: String? = "appdb"
    ) -> [ReadinessCheck] {
        let seen = MySQLObservations(
            variables: variables, grants: grants, currentUser: currentUser, rdsBinlogRetentionHours: rds)
        return MySQLReadiness.checks(
            seen, server: MySQLServerInfo(versionString: variables["version"] ?? "", variables: variables), user: "cdc",
            database: database)
    }

    @Test func mysql8WithGrantsIsReady() {
        let checks = Self.checks(
            Self.mysql8Variables, grants: ["GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `cdc`@`%`"])
        #expect(
            checks.map(\.name) == [
                "replication_privileges", "select_privilege", "log_bin", "binlog_format", "binlog_row_image",
                "binlog_retention", "gtid_mode", "server_version", "flavor",
            ])
        #expect(checks.allSatisfy { $0.status == .passed }, "\(checks.filter { $0.status != .passed })")
    }

    @Test func missingPrivilegesAndSettingsSayTheFix() {
        var variables = Self.mysql8Variables
        variables["binlog_format"] = "MIXED"
        variables["binlog_row_image"] = "MINIMAL"
        variables["binlog_expire_logs_seconds"] = "86400"
        variables["log_bin"] = "OFF"
        let checks = Self.checks(variables, grants: ["GRANT USAGE ON *.* TO `cdc`@`%`"])
        let byName = Dictionary(uniqueKeysWithValues: checks.map { ($0.name, $0) })
        #expect(
            byName["replication_privileges"]?.fix == "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'cdc'@'%';")
        #expect(byName["select_privilege"]?.fix == "GRANT SELECT ON `appdb`.* TO 'cdc'@'%';")
        #expect(byName["log_bin"]?.restartRequired == true)
        #expect(
            byName["binlog_format"]?.fix
                == "SET PERSIST binlog_format = 'ROW';  -- sessions already open keep the old value")
        #expect(byName["binlog_row_image"]?.status == .failed)
        #expect(byName["binlog_retention"]?.observed == "1 day (binlog_expire_logs_seconds = 86400)")
        #expect(byName["binlog_retention"]?.fix == "SET PERSIST binlog_expire_logs_seconds = 604800;")
    }

    @Test func roleGrantsTurnFailuresIntoWarnings() {
        let checks = Self.checks(
            Self.mysql8Variables, grants: ["GRANT USAGE ON *.* TO `cdc`@`%`", "GRANT `cdc_role`@`%` TO `cdc`@`%`"])
        #expect(checks.first { $0.name == "replication_privileges" }?.status == .warning)
        #expect(checks.first { $0.name == "replication_privileges" }?.detail?.contains("cdc_role") == true)
    }

    @Test func rdsRetentionComesFromRDSConfiguration() {
        var variables = Self.mysql8Variables
        variables["basedir"] = "/rdsdbbin/mysql-8.0.35.R2/"
        let null = Self.checks(variables, grants: [], rds: .some(nil)).first { $0.name == "binlog_retention" }
        #expect(null?.status == .failed)
        #expect(null?.fix == "CALL mysql.rds_set_configuration('binlog retention hours', 168);")
        let week = Self.checks(variables, grants: [], rds: .some("168")).first { $0.name == "binlog_retention" }
        #expect(week?.status == .passed)
        let flavor = Self.checks(variables, grants: []).first { $0.name == "flavor" }
        #expect(flavor?.observed == "MySQL 8.0.36 on Amazon RDS")
    }

    @Test func auroraIsNamed() {
        var variables = Self.mysql8Variables
        variables["aurora_version"] = "3.05.2"
        variables["version"] = "8.0.32"
        let info = MySQLServerInfo(versionString: "8.0.32", variables: variables)
        #expect(info.flavor == .aurora)
        #expect(info.isRDS)
        #expect(info.description == "Aurora MySQL 3.05.2 (MySQL 8.0.32)")
        #expect(MySQLReadiness.logBinFix(info).contains("cluster parameter group"))
    }

    @Test func mariadbUsesItsOwnPrivilegeNames() {
        let variables = [
            "version": "10.11.19-MariaDB-log", "log_bin": "ON", "binlog_format": "ROW", "binlog_row_image": "FULL",
            "binlog_expire_logs_seconds": "604800", "expire_logs_days": "7.000000", "gtid_strict_mode": "OFF",
            "gtid_current_pos": "0-1-14",
        ]
        let ready = Self.checks(
            variables, grants: ["GRANT SELECT, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `r`@`h`"], currentUser: "r@h"
        )
        #expect(ready.allSatisfy { $0.status == .passed }, "\(ready.filter { $0.status != .passed })")
        #expect(
            ready.first { $0.name == "gtid_mode" }?.observed
                == "MariaDB GTIDs (always on), gtid_strict_mode OFF, position 0-1-14")
        let missing = Self.checks(variables, grants: ["GRANT REPLICATION SLAVE ON *.* TO `r`@`h`"], currentUser: "r@h")
        #expect(missing.first { $0.name == "replication_privileges" }?.fix == "GRANT BINLOG MONITOR ON *.* TO 'r'@'h';")
        // Before 10.5.2, REPLICATION CLIENT (or SUPER) is what shows the binlog position.
        var old = variables
        old["version"] = "10.3.39-MariaDB"
        let older = Self.checks(
            old, grants: ["GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `r`@`h`"], currentUser: "r@h")
        #expect(older.first { $0.name == "replication_privileges" }?.status == .passed)
    }

    @Test func mysql57RetentionUsesExpireLogsDays() {
        let variables = [
            "version": "5.7.44-log", "log_bin": "ON", "binlog_format": "ROW", "binlog_row_image": "FULL",
            "expire_logs_days": "3",
        ]
        let retention = Self.checks(variables, grants: []).first { $0.name == "binlog_retention" }
        #expect(retention?.status == .failed)
        #expect(retention?.fix?.hasPrefix("SET GLOBAL expire_logs_days = 7;") == true)
        let never = Self.checks(["version": "5.7.44", "expire_logs_days": "0"], grants: []).first {
            $0.name == "binlog_retention"
        }
        #expect(never?.status == .passed)
    }

    @Test func unreadableQueriesAreWarnings() {
        let seen = MySQLObservations(queryErrors: [
            "variables": "ERROR 1227: denied", "grants": "ERROR 1141: no grants",
        ])
        let checks = MySQLReadiness.checks(
            seen, server: MySQLServerInfo(versionString: "8.0.36"), user: "cdc", database: nil)
        #expect(checks.first { $0.name == "log_bin" }?.status == .warning)
        #expect(checks.first { $0.name == "log_bin" }?.detail == "could not be read: ERROR 1227: denied")
        #expect(checks.first { $0.name == "replication_privileges" }?.status == .warning)
    }
}
