import NIOCore
import PreflightCore
import PreflightNetwork

/// A ping of a MongoDB-wire deployment: srv (for mongodb+srv://), then for the first seed that answers
/// dns, connect, tls, hello (and the same for the primary when that seed is not it), auth, topology
/// (every member's state), database, and read-only readiness checks for change streams.
struct MongoProbe: Probe {
    let config: MongoConfig
    let dns: DNSClient

    var target: PingTarget { PingTarget(host: config.displayHost, port: config.displayPort) }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        var ping = MongoPing(config: config, context: context, dns: dns)
        if !config.connection.unknownOptions.isEmpty {
            // Drivers only warn about options they do not know; a misspelt replicaSet or authSource shows here.
            context.trace.note(
                .options, status: .warning,
                detail:
                    "the connection string has options this service does not know, ignored as drivers ignore them: \(config.connection.unknownOptions.prefix(10).joined(separator: ", "))",
                hint: "check their spelling (e.g. replicaSet, authSource, tls)")
        }
        var seeds = config.connection.hosts
        if config.connection.isSRV {
            (seeds, ping.config) = try await ping.discoverSeeds()
        }
        let first = try await ping.contactSeeds(seeds)
        let session = try await ping.selectServer(first)
        let mechanism = try await ping.authenticate(session)
        await ping.describeTopology(session, first: first, seeds: seeds)
        try await ping.checkDatabase(session, mechanism: mechanism)
        try await ping.readiness(session)
        session.connection.close()
        if first.connection !== session.connection { first.connection.close() }
    }
}

/// A connection that answered `hello`.
struct MongoSession: Sendable {
    let connection: MongoConnection
    let address: MongoHostAddress
    let hello: MongoHello
    let encrypted: Bool
}

/// One run of the probe: the plan, the context, and the steps as methods.
struct MongoPing: Sendable {
    var config: MongoConfig
    let context: ProbeContext
    let dns: DNSClient

    var product: String { config.product }
    var trace: PingTrace { context.trace }

    /// What the commands after the handshake may wait: what is left, less a margin for the report.
    var commandTimeout: Duration { context.budget(reserving: .milliseconds(100)) }

    func updateTarget(_ update: (inout PingTarget) -> Void) {
        trace.updateTarget(update, host: config.displayHost, port: config.displayPort)
    }

    /// Runs a step (`ProbeContext.step`) whose failure is a warning when `soft` (another seed remains to
    /// try), a failure otherwise.
    func step<T: Sendable>(
        _ name: StepName, _ activity: String, timeoutHint: String? = nil, soft: Bool = false,
        _ body: (inout StepOutcome) async throws(ProbeFailure) -> T
    ) async throws(ProbeFailure) -> T {
        try await context.step(
            name, activity, timeoutHint: timeoutHint, retryNote: soft ? " (trying the next host)" : nil, body)
    }

    // MARK: mongodb+srv://

    /// Looks up `_mongodb._tcp.<host>` (SRV) and `<host>` (TXT) at once; records the `srv` step.
    func discoverSeeds() async throws(ProbeFailure) -> ([MongoHostAddress], MongoConfig) {
        let host = config.connection.srvHost ?? ""
        let name = MongoSRV.queryName(for: host, serviceName: config.connection.srvServiceName)
        updateTarget { _ in }
        let dns = self.dns
        let context = self.context
        let config = self.config
        return try await step(
            .srv, "looking up the SRV and TXT records of \(host)",
            timeoutHint: "the DNS server did not answer in time; check this service's DNS settings"
        ) { outcome throws(ProbeFailure) in
            let budget = context.deadline.budget(atMost: .seconds(5))
            let group = context.eventLoopGroup
            let register: @Sendable (any Channel) -> Void = { context.register($0) }
            async let srvAnswer = Self.lookup(dns, name, .srv, budget: budget, group: group, register: register)
            async let txtAnswer = Self.lookup(dns, host, .txt, budget: budget, group: group, register: register)
            let srv = await srvAnswer
            let txt = await txtAnswer
            let seeds: [MongoHostAddress]
            switch srv {
            case .failure(let failure): throw Self.dnsFailure(failure, name: name)
            case .success(let answer):
                do throws(DNSError) {
                    seeds = try MongoSRV.seeds(
                        from: answer, srvHost: host, serviceName: config.connection.srvServiceName)
                } catch {
                    throw ProbeFailure(
                        .dns, error.reason,
                        hint: answer.responseCode == 3
                            ? "check the cluster's host name (copy the mongodb+srv:// string again), or use a mongodb:// string with the hosts"
                            : nil)
                }
            }
            var options: [String: String] = [:]
            switch txt {
            case .failure(let failure): throw Self.dnsFailure(failure, name: host + " (TXT)")
            case .success(let answer):
                if answer.responseCode != 0 && answer.responseCode != 3 {
                    throw ProbeFailure(
                        .dns,
                        "the DNS server answered \(DNSMessage.describe(responseCode: answer.responseCode)) for the TXT record of \(host)",
                        transient: true)
                }
                do throws(DNSError) { options = try MongoSRV.options(from: answer, srvHost: host) } catch {
                    throw ProbeFailure(.dns, error.reason)
                }
            }
            var limited = seeds
            if let cap = config.connection.srvMaxHosts, cap > 0, limited.count > cap {
                limited = Array(limited.prefix(cap))
            }
            let txtText =
                options.isEmpty
                ? "no TXT options"
                : "TXT " + options.keys.sorted().map { "\($0)=\(options[$0]!)" }.joined(separator: "&")
            outcome.detail = "\(name): \(limited.map(\.description).joined(separator: ", ")); \(txtText)"
            return (limited, config.applyingTXT(options))
        }
    }

    static func lookup(
        _ dns: DNSClient, _ name: String, _ type: DNSRecordType, budget: Duration, group: any EventLoopGroup,
        register: @escaping @Sendable (any Channel) -> Void
    ) async -> Result<DNSMessage, DNSLookupFailure> {
        do throws(DNSLookupFailure) {
            return .success(try await dns.query(name, type: type, budget: budget, group: group, register: register))
        } catch {
            return .failure(error)
        }
    }

    static func dnsFailure(_ failure: DNSLookupFailure, name: String) -> ProbeFailure {
        switch failure {
        case .timedOut(let servers):
            return ProbeFailure(
                .dns, "no DNS server answered for \(name) (asked \(servers.joined(separator: ", ")))",
                hint:
                    "check this service's DNS settings (/etc/resolv.conf); SRV lookups need a resolver that answers SRV and TXT queries",
                transient: true)
        case .malformed(let reason):
            return ProbeFailure(.dns, "the DNS answer for \(name) is unusable: \(reason)")
        case .unreachable(let reason):
            return ProbeFailure(.dns, "the DNS server for \(name) could not be asked: \(reason)", transient: true)
        }
    }
}
