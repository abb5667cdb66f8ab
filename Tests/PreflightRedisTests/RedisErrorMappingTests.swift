import PreflightCore
import PreflightRedis
import Testing

/// How Redis error replies become categories, and what INFO says, without I/O.
struct RedisErrorMappingTests {
    let situation = RedisErrorMapping.Situation(
        server: "10.0.0.5:6379", user: "cdc", passwordGiven: true, database: 99, tls: false)

    func map(_ line: String, _ command: RedisCommand = .hello, passwordGiven: Bool = true) -> ProbeFailure {
        var situation = self.situation
        situation.passwordGiven = passwordGiven
        return RedisErrorMapping.failure(for: RedisError(line), command: command, in: situation)
    }

    @Test func credentialsRejected() {
        let wrong = map("WRONGPASS invalid username-password pair or user is disabled.")
        #expect(wrong.category == .auth)
        #expect(wrong.message.contains("WRONGPASS"))
        #expect(wrong.message.contains("\"cdc\""))
        #expect(map("ERR invalid password", .auth).category == .auth)
        #expect(map("ERR invalid username-password pair", .auth).category == .auth)
    }

    @Test func missingPasswordSaysOneIsRequired() {
        let failure = map(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used",
            passwordGiven: false)
        #expect(failure.category == .auth)
        #expect(failure.message.contains("requires a password and none was given"))
        #expect(failure.hint?.contains("sharedConfig.password") == true)
        #expect(map("NOAUTH Authentication required.", .ping, passwordGiven: false).category == .auth)
    }

    @Test func permissionLoadingClientsProtectedMode() {
        let noperm = map("NOPERM this user has no permissions to run the 'ping' command", .ping)
        #expect(noperm.category == .permission)
        #expect(noperm.hint?.contains("ACL SETUSER cdc +ping") == true)
        let loading = map("LOADING Redis is loading the dataset in memory")
        #expect(loading.category == .serverUnavailable)
        #expect(loading.transient == true)
        #expect(map("ERR max number of clients reached").category == .serverUnavailable)
        let denied = map(
            "DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user."
        )
        #expect(denied.category == .auth)
        #expect(denied.hint?.contains("protected-mode") == true)
    }

    @Test func databases() {
        let outOfRange = map("ERR DB index is out of range", .select)
        #expect(outOfRange.category == .databaseNotFound)
        #expect(outOfRange.message.contains("no database 99"))
        #expect(map("ERR SELECT is not allowed in cluster mode", .select).category == .databaseNotFound)
    }

    @Test func oldServersAndOddErrors() {
        #expect(RedisError("ERR unknown command 'HELLO'").isUnknownCommand)
        #expect(RedisError("ERR unknown command `HELLO`, with args beginning with: `3`, ").isUnknownCommand)
        #expect(RedisError("NOPROTO unsupported protocol version").isUnsupportedProtocol)
        #expect(RedisError("ERR Client sent AUTH, but no password is set").isAuthWithoutPasswordSet)
        #expect(map("ERR wrong number of arguments for 'auth' command", .auth).category == .auth)
        #expect(map("ERR unknown command 'SELECT'", .select).category == .unsupported)
        #expect(map("WEIRD something else").category == .protocolMismatch)
        // Control characters and endless lines from the peer are tamed.
        let long = RedisError("ERR " + String(repeating: "x", count: 1000) + "\u{1b}[31m")
        #expect(long.line.count <= 303)
        #expect(!long.line.contains("\u{1b}"))
    }

    @Test func infoServerOfARESP2Server() {
        let info = RedisServerInfo.fromInfo(
            "# Server\r\nredis_version:5.0.14\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\nos:Linux\r\n")
        #expect(info.description == "Redis 5.0.14 (standalone), RESP2")
        let valkey = RedisServerInfo.fromInfo(
            "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\nredis_mode:cluster\r\n")
        #expect(valkey.description == "Valkey 8.0.1 (cluster), RESP2")
    }
}
