import NIOCore
import PreflightCore
import PreflightNetwork

extension MongoPing {
    // MARK: Topology

    /// Asks every member of the replica set for its state (`hello`, no login needed) at once.
    func describeTopology(_ session: MongoSession, first: MongoSession, seeds: [MongoHostAddress]) async {
        let deployment = MongoDeployment(hello: session.hello, loadBalanced: config.connection.loadBalanced == true)
        guard case .replicaSet(let setName, _) = deployment else {
            trace.note(.topology, status: .passed, detail: "\(deployment.description) at \(session.address)")
            return
        }
        if config.connection.directConnection == true {
            trace.note(
                .topology, status: session.hello.isWritablePrimary ? .passed : .warning,
                detail:
                    "directConnection=true: only \(session.address) (\(session.hello.roleName)) is used; replica set \"\(setName)\" lists \(session.hello.members.map(\.description).joined(separator: ", "))",
                hint: session.hello.isWritablePrimary
                    ? nil
                    : "change streams on a secondary lag behind the primary; remove directConnection to follow the primary"
            )
            return
        }
        var known: [MongoHostAddress: MongoMemberState] = [
            session.address: MongoMemberState(address: session.address, state: session.hello.roleName, reachable: true)
        ]
        if first.address != session.address {
            known[first.address] = MongoMemberState(
                address: first.address, state: first.hello.roleName, reachable: true,
                otherSetName: first.hello.setName == setName ? nil : first.hello.setName)
        }
        let members = session.hello.members
        let unknown = members.filter { known[$0] == nil }
        let ping = self
        let budget = max(.milliseconds(300), min(.seconds(3), context.deadline.remaining * 0.4))
        let states = await withTaskGroup(of: MongoMemberState.self) { group in
            for member in unknown {
                group.addTask { await ping.memberState(member, setName: setName, budget: budget) }
            }
            var collected: [MongoMemberState] = []
            for await state in group { collected.append(state) }
            return collected
        }
        for state in states { known[state.address] = state }
        let ordered =
            members.compactMap { known[$0] }
            + known.values.filter { !members.contains($0.address) }.sorted {
                $0.address.description < $1.address.description
            }
        var problems: [String] = []
        let unreachable = ordered.filter { !$0.reachable }
        if !unreachable.isEmpty {
            problems.append("\(unreachable.count) of \(ordered.count) members cannot be reached from this service")
        }
        let strays = ordered.filter { $0.otherSetName != nil }
        if !strays.isEmpty {
            problems.append(
                "\(strays.map(\.address.description).joined(separator: ", ")) belong\(strays.count == 1 ? "s" : "") to another replica set"
            )
        }
        let foreignSeeds = seeds.filter { !members.contains($0) }
        if !foreignSeeds.isEmpty, !config.connection.isSRV {
            problems.append(
                "seed\(foreignSeeds.count == 1 ? "" : "s") \(foreignSeeds.map(\.description).joined(separator: ", ")) \(foreignSeeds.count == 1 ? "is" : "are") not among the members the set lists (the set names its members differently)"
            )
        }
        trace.note(
            .topology, status: problems.isEmpty ? .passed : .warning,
            detail: "replica set \"\(setName)\": \(MongoMemberState.summary(ordered))"
                + (problems.isEmpty ? "" : "; " + problems.joined(separator: "; ")),
            hint: unreachable.isEmpty
                ? nil
                : "drivers connect to every member by the names the replica set configuration lists; make each name resolvable and reachable from here (or use directConnection=true for one member)"
        )
    }

    /// One member's `hello`, bounded by `budget`; never throws (an unreachable member is a state).
    func memberState(_ address: MongoHostAddress, setName: String, budget: Duration) async -> MongoMemberState {
        let context = self.context
        let tls = config.tls
        let product = self.product
        do throws(ProbeFailure) {
            return try await withDeadline(budget, activity: "asking \(address) for its state") {
                () async throws(ProbeFailure) -> MongoMemberState in
                let addresses: [SocketAddress]
                if IPAddress(address.host) != nil {
                    do { addresses = [try SocketAddress(ipAddress: address.host, port: address.port)] } catch {
                        throw ProbeFailure(.invalidConfig, "not a usable address")
                    }
                } else {
                    addresses = try await context.resolver.resolve(address.host, port: address.port, within: budget)
                }
                let connection = try await MongoDialer.connect(to: addresses, address: address, context: context)
                    .connection
                defer { connection.close() }
                if var settings = tls {
                    settings.serverName = address.host
                    _ = try await TLSUpgrade.perform(
                        on: connection.channel, settings: settings, peerName: address.description, context: context)
                }
                let reply: BSONDocument
                do throws(MongoReadFailure) {
                    reply = try await connection.run(["hello": 1, "helloOk": true], database: "admin", timeout: budget)
                } catch {
                    throw MongoErrorMapping.readFailure(
                        error, server: address.description, product: product, activity: "hello", encrypted: tls != nil,
                        firstReply: true)
                }
                var hello = MongoHello(reply)
                if MongoCommandError.from(reply)?.code == 59,
                    let legacy = try? await connection.run(["isMaster": 1], database: "admin", timeout: budget)
                {
                    hello = MongoHello(legacy)
                }
                return MongoMemberState(
                    address: address, state: hello.roleName, reachable: true,
                    otherSetName: hello.setName == setName ? nil : (hello.setName ?? "none"))
            }
        } catch {
            return MongoMemberState(
                address: address, state: "unreachable (\(error.category.rawValue): \(error.message.prefix(120)))",
                reachable: false)
        }
    }

    // MARK: Database

    /// Lists the collections the user can see in the configured database (nothing to do without one).
    func checkDatabase(_ session: MongoSession, mechanism: String?) async throws(ProbeFailure) {
        guard let database = config.database else { return }
        let ping = self
        try await step(.database, "listing the collections of \"\(database)\"") { outcome throws(ProbeFailure) in
            let reply = try await ping.rawCommand(
                session,
                [
                    "listCollections": 1, "nameOnly": true, "authorizedCollections": true, "cursor": ["batchSize": 200],
                ], database: database, activity: "listCollections on \"\(database)\"")
            if let error = MongoCommandError.from(reply) {
                if error.code == 13 {
                    throw ProbeFailure(
                        .permission,
                        "user \"\(ping.config.user ?? "")\" may not use database \"\(database)\": \(error)",
                        hint: ping.config.user == nil
                            ? "the server requires authentication: set sharedConfig.user and sharedConfig.password"
                            : "db.getSiblingDB(\(MongoReadiness.jsString(ping.config.authSource))).grantRolesToUser(\(MongoReadiness.jsString(ping.config.user ?? "")), [{ role: \"read\", db: \(MongoReadiness.jsString(database)) }])",
                        transient: false)
                }
                outcome.status = .warning
                outcome.detail = "listCollections on \"\(database)\" failed: \(error)"
                return
            }
            let cursor = reply["cursor"]?.documentValue
            let names = cursor?["firstBatch"]?.arrayValue?.compactMap { $0.documentValue?["name"]?.stringValue } ?? []
            if let id = cursor?["id"]?.intValue, id != 0 {
                _ = try? await session.connection.run(
                    ["killCursors": "$cmd.listCollections", "cursors": [.int64(Int64(id))]], database: database,
                    timeout: ping.commandTimeout)
            }
            if names.isEmpty {
                outcome.status = .warning
                outcome.detail = "database \"\(database)\" has no collection this user can see"
                outcome.hint =
                    "MongoDB creates a database on its first write, so a misspelt name looks like an empty database; check defaultDatabase (show dbs in mongosh lists them), and that the user has a role on it"
            } else {
                let shown =
                    names.prefix(5).joined(separator: ", ") + (names.count > 5 ? " and \(names.count - 5) more" : "")
                outcome.detail =
                    "database \"\(database)\": \(names.count) collection\(names.count == 1 ? "" : "s") visible (\(shown))"
            }
        }
    }

    // MARK: Readiness

    /// Read-only checks for change data capture, all collected; failures fail the ping only for a source.
    func readiness(_ session: MongoSession) async throws(ProbeFailure) {
        let ping = self
        let server = session.address.description
        let seen = try await step(.readiness, "running read-only readiness commands on \(server)") {
            outcome throws(ProbeFailure) -> MongoObservations in
            let seen = try await ping.observe(session)
            let checks = MongoReadiness.checks(seen)
            for check in checks { ping.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.step(
                for: checks, isSource: ping.context.isSource, readyFor: "change streams")
            return seen
        }
        guard context.isSource else { return }
        let checks = MongoReadiness.checks(seen)
        guard let failure = ReadinessVerdict.sourceFailure(for: checks, server: server) else { return }
        if MongoReadiness.isPermissionProblem(seen) {
            let list = checks.filter { $0.status == .failed }.map {
                "\($0.name): \($0.observed) (needs \($0.required))"
            }.joined(separator: "; ")
            throw ProbeFailure(
                .permission, "user \"\(config.user ?? "")\" cannot read change events from \(server): \(list)",
                hint: checks.first { $0.status == .failed }?.fix, transient: false)
        }
        throw failure
    }

    /// buildInfo, a change stream opened and closed at once, and the oplog's oldest and newest entries.
    func observe(_ session: MongoSession) async throws(ProbeFailure) -> MongoObservations {
        var seen = MongoObservations(
            type: config.type, user: config.user, authSource: config.authSource, database: config.database)
        let deployment = MongoDeployment(hello: session.hello, loadBalanced: config.connection.loadBalanced == true)
        seen.deployment = deployment

        let build = try await rawCommand(session, ["buildInfo": 1], database: "admin", activity: "buildInfo")
        if let error = MongoCommandError.from(build) {
            seen.versionError = error
        } else {
            seen.serverVersion = build["version"]?.stringValue
        }

        let streamDatabase = config.database ?? "admin"
        let stage: BSONDocument = config.database == nil ? ["allChangesForCluster": true] : [:]
        let stream = try await rawCommand(
            session,
            [
                "aggregate": 1, "pipeline": [.document(["$changeStream": .document(stage)])],
                "cursor": ["batchSize": 0],
            ], database: streamDatabase, activity: "opening a change stream")
        if let error = MongoCommandError.from(stream) {
            seen.changeStream = .failed(error)
        } else {
            seen.changeStream = .opened
            if let id = stream["cursor"]?.documentValue?["id"]?.intValue, id != 0 {
                _ = try? await session.connection.run(
                    ["killCursors": "$cmd.aggregate", "cursors": [.int64(Int64(id))]], database: streamDatabase,
                    timeout: commandTimeout)
            }
        }

        if config.type == .mongodb, case .replicaSet = deployment {
            let oldest = try await rawCommand(
                session,
                [
                    "find": "oplog.rs", "filter": [:], "sort": ["$natural": 1], "limit": 1, "singleBatch": true,
                    "projection": ["ts": 1],
                ], database: "local", activity: "reading the oldest oplog entry")
            if let error = MongoCommandError.from(oldest) {
                seen.oplogError = error
            } else {
                let newest = try await rawCommand(
                    session,
                    [
                        "find": "oplog.rs", "filter": [:], "sort": ["$natural": -1], "limit": 1, "singleBatch": true,
                        "projection": ["ts": 1],
                    ], database: "local", activity: "reading the newest oplog entry")
                if let error = MongoCommandError.from(newest) {
                    seen.oplogError = error
                } else if let first = Self.timestamp(oldest), let last = Self.timestamp(newest) {
                    seen.oplogOldest = first
                    seen.oplogWindowSeconds = Double(last) - Double(first)
                } else {
                    seen.oplogError = MongoCommandError(
                        code: nil, message: "local.oplog.rs is empty or has no ts field")
                }
            }
        }
        return seen
    }

    /// The seconds of the `ts` timestamp of a find reply's first document.
    static func timestamp(_ reply: BSONDocument) -> UInt32? {
        guard let document = reply["cursor"]?.documentValue?["firstBatch"]?.arrayValue?.first?.documentValue,
            case .timestamp(let seconds, _) = document["ts"]
        else { return nil }
        return seconds
    }
}
