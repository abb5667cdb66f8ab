import NIOCore
import PreflightCore
import PreflightNetwork

extension MongoPing {
    // MARK: Seeds

    /// Contacts the seeds in order until one answers `hello`. Failed seeds are warnings while others
    /// remain; when all fail, the most telling failure is reported with every attempt.
    func contactSeeds(_ seeds: [MongoHostAddress]) async throws(ProbeFailure) -> MongoSession {
        guard !seeds.isEmpty else { throw ProbeFailure(.invalidConfig, "the connection string names no host") }
        var failures: [(MongoHostAddress, ProbeFailure)] = []
        for (index, seed) in seeds.enumerated() {
            let left = seeds.count - index
            do throws(ProbeFailure) {
                return try await open(seed, soft: left > 1, share: left, purpose: nil)
            } catch {
                failures.append((seed, error))
            }
        }
        if failures.count == 1 { throw failures[0].1 }
        let order: [FailureCategory] = [
            .protocolMismatch, .tls, .serverUnavailable, .refused, .timeout, .unreachable, .egressDenied, .dns,
            .internalError,
        ]
        let best = failures.min {
            (order.firstIndex(of: $0.1.category) ?? 99) < (order.firstIndex(of: $1.1.category) ?? 99)
        }!.1
        let all = failures.map { "\($0.0): \($0.1.message)" }.joined(separator: "; ")
        throw ProbeFailure(
            best.category, "no host of the seed list answered (server selection failed): \(all)",
            hint: best.hint, transient: best.transient)
    }

    /// dns, connect, tls and hello for one host. `share` is how many hosts still share the time left.
    func open(_ address: MongoHostAddress, soft: Bool, share: Int, purpose: String?) async throws(ProbeFailure)
        -> MongoSession
    {
        let budget = soft ? max(context.deadline.remaining / share, .seconds(1)) : context.deadline.remaining
        let label = purpose.map { "\($0) \(address)" } ?? "\(address)"
        let addresses = try await resolve(address, soft: soft, label: label)
        let connection = try await connect(address, addresses: addresses, soft: soft, budget: budget, label: label)
        let encrypted = try await startTLS(connection, soft: soft)
        // A silent seed must leave time for the next ones.
        let wait =
            soft ? min(max(context.deadline.remaining / share, .milliseconds(500)), commandTimeout) : commandTimeout
        return try await hello(
            connection, addresses: addresses, encrypted: encrypted, soft: soft, wait: wait, label: label)
    }

    func resolve(_ address: MongoHostAddress, soft: Bool, label: String) async throws(ProbeFailure) -> [SocketAddress] {
        let host = address.host
        let port = address.port
        if context.tunnel != nil {
            trace.note(.dns, status: .skipped, detail: "\(host) is resolved by the SSH bastion")
            return []
        }
        if IPAddress(host) != nil {
            let socket: SocketAddress
            do { socket = try SocketAddress(ipAddress: host, port: port) } catch {
                throw ProbeFailure(.invalidConfig, "\(host) is not a usable IP address")
            }
            trace.note(.dns, status: .skipped, detail: "\(host) is an IP address")
            updateTarget { $0.addresses = [Dialer.describe(socket)] }
            return [socket]
        }
        let resolver = context.resolver
        let budget = context.deadline.budget(atMost: .seconds(5))
        return try await step(
            .dns, "resolving \(host)",
            timeoutHint: "the DNS server did not answer in time; check this service's DNS settings", soft: soft
        ) { outcome throws(ProbeFailure) in
            let found = try await withDeadline(budget, activity: "resolving \(host)") { () async throws(ProbeFailure) in
                try await resolver.resolve(host, port: port, within: budget)
            }
            updateTarget { $0.addresses = found.map(Dialer.describe) }
            outcome.detail = "\(host) resolves to \(found.compactMap(\.ipAddress).joined(separator: ", "))"
            return found
        }
    }

    func connect(_ address: MongoHostAddress, addresses: [SocketAddress], soft: Bool, budget: Duration, label: String)
        async throws(ProbeFailure) -> MongoConnection
    {
        let context = self.context
        return try await step(
            .connect, "connecting to \(label)",
            timeoutHint: "a firewall or security group is probably dropping traffic to this port", soft: soft
        ) { outcome throws(ProbeFailure) in
            let dial: (connection: MongoConnection, socket: SocketAddress, attempts: [String])
            if soft {
                dial = try await withDeadline(budget, activity: "connecting to \(address)") {
                    () async throws(ProbeFailure) in
                    try await MongoDialer.connect(to: addresses, address: address, context: context)
                }
            } else {
                dial = try await MongoDialer.connect(to: addresses, address: address, context: context)
            }
            updateTarget { $0.connectedAddress = Dialer.describe(dial.socket) }
            outcome.detail = dial.attempts.joined(separator: "; ")
            return dial.connection
        }
    }

    /// TLS starts right after the TCP connection (MongoDB has no in-protocol TLS negotiation).
    func startTLS(_ connection: MongoConnection, soft: Bool) async throws(ProbeFailure) -> Bool {
        guard var settings = config.tls else {
            trace.note(
                .tls, status: .skipped,
                detail: "TLS is off (tls=false or not requested): the connection is not encrypted",
                hint: config.type == .documentdb
                    ? "DocumentDB clusters normally require TLS; set tls=true unless TLS is disabled in the cluster parameter group"
                    : nil)
            return false
        }
        settings.serverName = connection.address.host
        let context = self.context
        let notes = config.tlsNotes
        let documentDB = config.type == .documentdb
        let address = connection.address
        try await step(
            .tls, "TLS handshake with \(address)",
            timeoutHint:
                "the server accepted the connection but did not answer the TLS handshake; does this port speak TLS?",
            soft: soft
        ) { outcome throws(ProbeFailure) in
            do throws(ProbeFailure) {
                let info = try await TLSUpgrade.perform(
                    on: connection.channel, settings: settings, peerName: address.description, context: context)
                outcome.detail = info.description
                if !notes.isEmpty { outcome.hint = notes.joined(separator: "; ") }
            } catch {
                var failure = error
                var hints = [failure.hint].compactMap { $0 } + notes
                if documentDB && settings.rootCertificatesPEM == nil && failure.message.contains("not trusted") {
                    hints.insert(
                        "DocumentDB certificates are signed by Amazon RDS CAs, which are not in the system's trust store: paste the PEM text of global-bundle.pem (from https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem) into sslRootCert",
                        at: 0)
                }
                failure.hint = hints.isEmpty ? nil : hints.joined(separator: "; ")
                throw failure
            }
        }
        return true
    }

    /// The `hello` handshake: OP_MSG `hello`, then OP_MSG `isMaster` for servers before 4.4.2 that do not
    /// know `hello`, then (on a new connection) OP_QUERY `isMaster` for servers before 3.6 that close
    /// the connection on OP_MSG.
    func hello(
        _ connection: MongoConnection, addresses: [SocketAddress], encrypted: Bool, soft: Bool, wait: Duration,
        label: String
    ) async throws(ProbeFailure) -> MongoSession {
        let product = self.product
        let ping = self
        return try await step(
            .hello, "waiting for \(label) to answer hello",
            timeoutHint: "the port accepted the connection but nothing answered; is this a \(product) port?", soft: soft
        ) { outcome throws(ProbeFailure) in
            var connection = connection
            let server = connection.address.description
            var reply: BSONDocument
            do throws(MongoReadFailure) {
                reply = try await connection.run(ping.helloCommand("hello"), database: "admin", timeout: wait)
                if MongoCommandError.from(reply)?.code == 59 {
                    reply = try await connection.run(
                        ping.helloCommand("isMaster"), database: "admin", timeout: ping.commandTimeout)
                }
            } catch .closed(received: []) {
                // Perhaps a server older than 3.6, which drops OP_MSG: ask again with OP_QUERY.
                guard
                    let legacy = await ping.legacyHandshake(
                        connection.address, addresses: addresses, encrypted: encrypted)
                else {
                    throw MongoErrorMapping.readFailure(
                        .closed(received: []), server: server, product: product, activity: "hello",
                        encrypted: encrypted, firstReply: true)
                }
                (connection, reply) = legacy
            } catch {
                throw MongoErrorMapping.readFailure(
                    error, server: server, product: product, activity: "hello", encrypted: encrypted, firstReply: true)
            }
            if let error = MongoCommandError.from(reply) {
                throw MongoErrorMapping.commandFailure(
                    error, server: server, user: ping.config.user, authSource: ping.config.authSource,
                    mechanism: nil, type: ping.config.type, activity: "hello")
            }
            guard reply["maxWireVersion"] != nil || reply["ismaster"] != nil || reply["isWritablePrimary"] != nil else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(server) answered hello with a document that has none of the fields \(product) sends (ismaster, maxWireVersion); it is not \(product)"
                )
            }
            let hello = MongoHello(reply)
            if let wire = hello.maxWireVersion, wire < 6 { connection.setUsesOpQuery(true) }
            outcome.detail = ping.describe(hello, at: connection.address, legacy: connection.usesOpQuery)
            return MongoSession(connection: connection, address: connection.address, hello: hello, encrypted: encrypted)
        }
    }

    func helloCommand(_ name: String) -> BSONDocument {
        var command: BSONDocument = [name: 1, "helloOk": true]
        command["client"] = .document([
            "application": ["name": "preflight"],
            "driver": ["name": "preflight", "version": "1.0"],
            "os": ["type": .string(Self.osType)],
            "platform": "Swift",
        ])
        if let user = config.user, config.mechanism == nil {
            command["saslSupportedMechs"] = .string("\(config.authSource).\(user)")
        }
        if config.connection.loadBalanced == true { command["loadBalanced"] = true }
        return command
    }

    static var osType: String {
        #if os(Linux)
            "Linux"
        #elseif os(macOS)
            "Darwin"
        #else
            "unknown"
        #endif
    }

    /// A new connection (and TLS) to the same host, then OP_QUERY `isMaster`; nil when that fails too.
    func legacyHandshake(_ address: MongoHostAddress, addresses: [SocketAddress], encrypted: Bool) async -> (
        MongoConnection, BSONDocument
    )? {
        guard let dial = try? await MongoDialer.connect(to: addresses, address: address, context: context) else {
            return nil
        }
        let connection = dial.connection
        if encrypted, var settings = config.tls {
            settings.serverName = address.host
            guard
                (try? await TLSUpgrade.perform(
                    on: connection.channel, settings: settings, peerName: address.description, context: context)) != nil
            else { return nil }
        }
        guard
            let reply = try? await connection.run(
                helloCommand("isMaster"), database: "admin", timeout: commandTimeout, forceOpQuery: true)
        else {
            return nil
        }
        return (connection, reply)
    }

    /// "127.0.0.1:27017 is PRIMARY of replica set \"rs0\"; wire version 21 (MongoDB 7.0)"
    func describe(_ hello: MongoHello, at address: MongoHostAddress, legacy: Bool) -> String {
        var text = "\(address) is "
        switch hello.roleName {
        case "mongos": text += "a mongos (sharded cluster router)"
        case "standalone": text += "a standalone server"
        default: text += hello.roleName + (hello.setName.map { " of replica set \"\($0)\"" } ?? "")
        }
        if let wire = hello.maxWireVersion {
            text += "; wire version \(wire)"
            if config.type == .mongodb, let release = MongoHello.release(forWireVersion: wire) {
                text += " (MongoDB \(release))"
            }
        }
        if legacy { text += "; a server older than 3.6: commands go as OP_QUERY" }
        return text
    }

    // MARK: Server selection

    /// The member to authenticate on: the one that answered, or the primary it names.
    func selectServer(_ first: MongoSession) async throws(ProbeFailure) -> MongoSession {
        let connection = config.connection
        let decision = try MongoServerSelection.decide(
            hello: first.hello, at: first.address, replicaSet: connection.replicaSet,
            directConnection: connection.directConnection == true, loadBalanced: connection.loadBalanced == true,
            product: product)
        switch decision {
        case .use:
            return first
        case .redirect(let primary):
            let primarySession = try await open(primary, soft: false, share: 1, purpose: "primary")
            if let wanted = first.hello.setName, primarySession.hello.setName != wanted {
                throw ProbeFailure(
                    .serverUnavailable,
                    "\(first.address) names \(primary) as the primary of replica set \"\(wanted)\", but \(primary) is \(primarySession.hello.roleName)\(primarySession.hello.setName.map { " of replica set \"\($0)\"" } ?? "")",
                    hint:
                        "the replica set configuration lists host names that do not lead back to its members from here",
                    transient: true)
            }
            guard primarySession.hello.isWritablePrimary else {
                throw ProbeFailure(
                    .serverUnavailable,
                    "\(primary), named as the primary by \(first.address), is \(primarySession.hello.roleName) now",
                    hint: "an election may be in progress; try again in a minute", transient: true)
            }
            return primarySession
        }
    }
}
