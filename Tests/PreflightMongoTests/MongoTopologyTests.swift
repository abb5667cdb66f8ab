import PreflightCore
import PreflightMongo
import PreflightSCRAM
import Testing

@Suite struct MongoTopologyTests {
    let here = MongoHostAddress(host: "a.example.com")

    func hello(_ fields: BSONDocument) -> MongoHello { MongoHello(fields) }

    var secondary: MongoHello {
        hello([
            "ismaster": false, "secondary": true, "setName": "rs0",
            "hosts": ["a.example.com:27017", "b.example.com:27017"],
            "arbiters": ["c.example.com:27017"], "primary": "b.example.com:27017", "maxWireVersion": 21,
        ])
    }

    @Test func readsRolesAndMembers() {
        #expect(secondary.roleName == "SECONDARY")
        #expect(
            secondary.members.map(\.description) == [
                "a.example.com:27017", "b.example.com:27017", "c.example.com:27017",
            ])
        #expect(hello(["ismaster": true, "msg": "isdbgrid"]).roleName == "mongos")
        #expect(hello(["ismaster": true]).roleName == "standalone")
        #expect(hello(["isWritablePrimary": true, "setName": "rs0"]).roleName == "PRIMARY")
        #expect(hello(["arbiterOnly": true, "setName": "rs0"]).roleName == "ARBITER")
        #expect(hello(["isreplicaset": true]).isReplicaSetGhost)
        #expect(MongoHello.release(forWireVersion: 21) == "7.0")
        #expect(MongoHello.release(forWireVersion: 99) == "later than 8.2")
    }

    func decide(_ hello: MongoHello, replicaSet: String? = nil, direct: Bool = false) throws(ProbeFailure)
        -> MongoServerSelection.Decision
    {
        try MongoServerSelection.decide(
            hello: hello, at: here, replicaSet: replicaSet, directConnection: direct, loadBalanced: false,
            product: "MongoDB")
    }

    @Test func aSecondaryLeadsToThePrimary() throws {
        #expect(try decide(secondary) == .redirect(MongoHostAddress(host: "b.example.com")))
        #expect(try decide(secondary, direct: true) == .use)
        #expect(try decide(hello(["ismaster": true, "setName": "rs0"])) == .use)
        #expect(try decide(hello(["ismaster": true])) == .use)
    }

    @Test func noPrimaryIsAServerSelectionFailure() {
        var lost = secondary
        lost.primary = nil
        do {
            _ = try decide(lost)
            Issue.record("selected a server without a primary")
        } catch {
            #expect(error.category == .serverUnavailable)
            #expect(error.transient == true)
            #expect(error.message.contains("no primary"))
        }
    }

    @Test func replicaSetNameMismatch() {
        do {
            _ = try decide(secondary, replicaSet: "prod")
            Issue.record("accepted another set")
        } catch {
            #expect(error.message.contains("\"rs0\", not \"prod\""))
            #expect(error.hint?.contains("replicaSet=rs0") == true)
            #expect(error.transient == false)
        }
        #expect(throws: ProbeFailure.self) { try decide(hello(["ismaster": true]), replicaSet: "rs0") }
        #expect(throws: ProbeFailure.self) {
            try decide(hello(["ismaster": true, "msg": "isdbgrid"]), replicaSet: "rs0")
        }
    }

    @Test func deployments() {
        #expect(MongoDeployment(hello: secondary, loadBalanced: false) == .replicaSet(name: "rs0", members: 3))
        #expect(MongoDeployment(hello: hello(["msg": "isdbgrid"]), loadBalanced: false) == .sharded)
        #expect(MongoDeployment(hello: hello(["ismaster": true]), loadBalanced: false) == .standalone)
        #expect(MongoDeployment(hello: hello(["ismaster": true]), loadBalanced: true) == .loadBalanced)
    }

    @Test func memberSummary() {
        let text = MongoMemberState.summary([
            MongoMemberState(address: here, state: "PRIMARY", reachable: true),
            MongoMemberState(
                address: MongoHostAddress(host: "b", port: 1), state: "unreachable (refused)", reachable: false),
            MongoMemberState(
                address: MongoHostAddress(host: "c", port: 2), state: "PRIMARY", reachable: true, otherSetName: "x"),
        ])
        #expect(text == "a.example.com:27017 PRIMARY, b:1 unreachable (refused), c:2 PRIMARY (in replica set \"x\")")
    }
}

@Suite struct MongoReadinessTests {
    func observations(_ update: (inout MongoObservations) -> Void) -> MongoObservations {
        var seen = MongoObservations(type: .mongodb, user: "artie", authSource: "admin", database: "shop")
        seen.serverVersion = "7.0.12"
        seen.deployment = .replicaSet(name: "rs0", members: 3)
        seen.changeStream = .opened
        seen.oplogWindowSeconds = 48 * 3600
        seen.oplogOldest = 1_700_000_000
        update(&seen)
        return seen
    }

    func check(_ checks: [ReadinessCheck], _ name: String) -> ReadinessCheck? { checks.first { $0.name == name } }

    @Test func aHealthyReplicaSetPassesEverything() {
        let checks = MongoReadiness.checks(observations { _ in })
        #expect(checks.map(\.name) == ["server_version", "deployment", "change_stream", "oplog_window"])
        #expect(checks.allSatisfy { $0.status == .passed })
        #expect(check(checks, "oplog_window")?.observed.hasPrefix("48.0 hours") == true)
    }

    @Test func aShortOplogWindowIsAWarningWithTheResizeCommand() {
        let checks = MongoReadiness.checks(observations { $0.oplogWindowSeconds = 5400 })
        let window = check(checks, "oplog_window")
        #expect(window?.status == .warning)
        #expect(window?.observed.hasPrefix("1.5 hours") == true)
        #expect(window?.fix?.contains("replSetResizeOplog") == true)
        #expect(window?.restartRequired == false)
    }

    @Test func aStandaloneFailsAndNeedsARestart() {
        let seen = observations {
            $0.deployment = .standalone
            $0.changeStream = .failed(
                MongoCommandError(code: 40573, message: "The $changeStream stage is only supported on replica sets"))
            $0.oplogWindowSeconds = nil
        }
        let checks = MongoReadiness.checks(seen)
        #expect(check(checks, "deployment")?.status == .failed)
        #expect(check(checks, "deployment")?.restartRequired == true)
        #expect(check(checks, "change_stream")?.status == .failed)
        #expect(check(checks, "oplog_window")?.status == .skipped)
        #expect(!MongoReadiness.isPermissionProblem(seen))
    }

    @Test func anUnauthorizedStreamIsAPermissionProblemWithTheGrant() {
        let seen = observations {
            $0.changeStream = .failed(
                MongoCommandError(
                    code: 13, codeName: "Unauthorized", message: "not authorized on shop to execute command"))
            $0.oplogWindowSeconds = nil
            $0.oplogError = MongoCommandError(code: 13, message: "not authorized on local")
        }
        let checks = MongoReadiness.checks(seen)
        let stream = check(checks, "change_stream")
        #expect(stream?.status == .failed)
        #expect(
            stream?.fix == "db.getSiblingDB(\"admin\").grantRolesToUser(\"artie\", [{ role: \"read\", db: \"shop\" }])")
        #expect(check(checks, "oplog_window")?.status == .warning)
        #expect(check(checks, "oplog_window")?.fix?.contains("db: \"local\"") == true)
        #expect(MongoReadiness.isPermissionProblem(seen))
    }

    @Test func deploymentWideStreamsNeedReadAnyDatabase() {
        var seen = observations { $0.changeStream = .failed(MongoCommandError(code: 13, message: "no")) }
        seen.database = nil
        let stream = check(MongoReadiness.checks(seen), "change_stream")
        #expect(stream?.required.contains("the whole deployment") == true)
        #expect(stream?.fix?.contains("readAnyDatabase") == true)
    }

    @Test func oldVersions() {
        #expect(
            check(MongoReadiness.checks(observations { $0.serverVersion = "3.6.23" }), "server_version")?.status
                == .warning)
        #expect(
            check(MongoReadiness.checks(observations { $0.serverVersion = "3.4.1" }), "server_version")?.status
                == .failed)
        #expect(
            check(MongoReadiness.checks(observations { $0.serverVersion = "4.0.0-rc1" }), "server_version")?.status
                == .passed)
        #expect(
            check(MongoReadiness.checks(observations { $0.serverVersion = nil }), "server_version")?.status == .warning)
    }

    @Test func documentDBHasNoOplogCheckButARetentionNote() {
        let seen = observations {
            $0.type = .documentdb
            $0.oplogWindowSeconds = nil
            $0.changeStream = .failed(MongoCommandError(code: 136, message: "change streams are not enabled"))
        }
        let checks = MongoReadiness.checks(seen)
        #expect(check(checks, "oplog_window") == nil)
        #expect(check(checks, "change_stream_retention")?.status == .skipped)
        #expect(
            check(checks, "change_stream_retention")?.detail?.contains("change_stream_log_retention_duration") == true)
        #expect(check(checks, "change_stream")?.fix?.contains("modifyChangeStreams") == true)
        #expect(check(checks, "server_version")?.observed == "DocumentDB 7.0.12")
    }

    @Test func shardedClustersSkipTheOplog() {
        let checks = MongoReadiness.checks(
            observations {
                $0.deployment = .sharded
                $0.oplogWindowSeconds = nil
            })
        #expect(check(checks, "oplog_window")?.status == .skipped)
    }

    @Test func quotesInNamesAreEscapedInStatements() {
        let seen = observations {
            $0.user = "we\"ird"
            $0.changeStream = .failed(MongoCommandError(code: 13, message: "no"))
        }
        #expect(check(MongoReadiness.checks(seen), "change_stream")?.fix?.contains("\"we\\\"ird\"") == true)
    }
}

@Suite struct MongoErrorMappingTests {
    @Test func code18ListsTheLikelyCauses() {
        let failure = MongoErrorMapping.commandFailure(
            MongoCommandError(code: 18, codeName: "AuthenticationFailed", message: "Authentication failed."),
            server: "db:27017", user: "artie", authSource: "shop", mechanism: "SCRAM-SHA-256", type: .mongodb,
            activity: "saslContinue")
        #expect(failure.category == .auth)
        #expect(failure.message.contains("\"artie\""))
        #expect(failure.message.contains("authSource \"shop\""))
        #expect(failure.hint?.contains("authSource") == true)
        #expect(failure.hint?.contains("SCRAM-SHA-1") == true)
    }

    @Test func atlasBadAuthIsAuth() {
        let failure = MongoErrorMapping.commandFailure(
            MongoCommandError(code: 8000, codeName: "AtlasError", message: "bad auth : Authentication failed."),
            server: "x", user: "u", authSource: "admin", mechanism: nil, type: .mongodb, activity: "saslStart")
        #expect(failure.category == .auth)
    }

    @Test(arguments: [
        (13, FailureCategory.permission), (91, .serverUnavailable), (10107, .serverUnavailable), (59, .unsupported),
        (2, .protocolMismatch),
    ])
    func otherCodes(_ code: Int, _ category: FailureCategory) {
        let failure = MongoErrorMapping.commandFailure(
            MongoCommandError(code: code, message: "m"), server: "x", user: "u",
            authSource: "admin", mechanism: nil, type: .mongodb, activity: "a")
        #expect(failure.category == category)
    }

    @Test func readFailures() {
        let ssh = MongoErrorMapping.readFailure(
            .invalid(reason: "r", received: Array("SSH-2.0-OpenSSH_9.2\r\n".utf8)),
            server: "h:22", product: "MongoDB", activity: "hello", encrypted: false, firstReply: true)
        #expect(ssh.category == .protocolMismatch)
        #expect(ssh.message.contains("SSH server"))
        let closedPlain = MongoErrorMapping.readFailure(
            .closed(received: []), server: "h", product: "MongoDB", activity: "hello", encrypted: false,
            firstReply: true)
        #expect(closedPlain.category == .tls)
        let closedTLS = MongoErrorMapping.readFailure(
            .closed(received: []), server: "h", product: "MongoDB", activity: "hello", encrypted: true, firstReply: true
        )
        #expect(closedTLS.category == .protocolMismatch)
        let silent = MongoErrorMapping.readFailure(
            .timedOut(received: [], after: .seconds(2)), server: "h", product: "MongoDB", activity: "hello",
            encrypted: false, firstReply: true)
        #expect(silent.category == .timeout)
        let drip = MongoErrorMapping.readFailure(
            .timedOut(received: [1, 2, 3], after: .seconds(2)), server: "h", product: "MongoDB", activity: "hello",
            encrypted: false, firstReply: true)
        #expect(drip.message.contains("only 3 bytes"))
        let flood = MongoErrorMapping.readFailure(
            .inboundLimit(1 << 20), server: "h", product: "MongoDB", activity: "hello", encrypted: false,
            firstReply: true)
        #expect(flood.category == .protocolMismatch)
    }

    @Test func scramFailures() {
        let forged = MongoErrorMapping.scramFailure(
            SCRAMError(.serverSignature, "sig"), server: "h", user: "u", mechanism: "SCRAM-SHA-256")
        #expect(forged.category == .auth)
        let broken = MongoErrorMapping.scramFailure(
            SCRAMError(.protocolViolation, "nonce"), server: "h", user: "u", mechanism: "SCRAM-SHA-256")
        #expect(broken.category == .protocolMismatch)
    }
}
