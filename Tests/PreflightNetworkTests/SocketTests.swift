import Foundation
import Logging
import NIOCore
import NIOPosix
import PreflightCore
import PreflightNetwork
import PreflightTestSupport
import Testing

/// Shared set-up for the socket tests: a context on the singleton loop group with a short deadline.
enum Net {
    static func context(
        timeout: Duration = .seconds(3),
        egress: EgressPolicy = EgressPolicy(),
        resolver: PreflightNetwork.Resolver = .system,
        inboundByteLimit: Int = 1 << 20
    ) -> ProbeContext {
        ProbeContext(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, deadline: PingDeadline(timeout: timeout),
            egress: egress, resolver: resolver, logger: Logger(label: "test"), inboundByteLimit: inboundByteLimit)
    }

    /// A resolver that answers every name with `addresses` (for tests that need a given order or family).
    static func resolver(_ addresses: [SocketAddress]) -> PreflightNetwork.Resolver {
        PreflightNetwork.Resolver { _, _ throws(ProbeFailure) in addresses }
    }

    static func address(_ ip: String, _ port: Int) -> SocketAddress {
        try! SocketAddress(ipAddress: ip, port: port)
    }

    /// PostgreSQL's SSLRequest.
    static let sslRequest: [UInt8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]

    /// Runs `body` with a peer, then shuts the peer down whatever happened.
    static func withPeer<T>(_ behaviour: HostilePeer.Behaviour, _ body: (HostilePeer) async throws -> T) async throws
        -> T
    {
        let peer = try await HostilePeer(behaviour)
        do {
            let result = try await body(peer)
            await peer.shutdown()
            return result
        } catch {
            await peer.shutdown()
            throw error
        }
    }

    /// The ProbeFailure `body` throws (records an issue when it throws nothing or something else).
    static func failure<T>(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> T
    ) async -> ProbeFailure? {
        do {
            let value = try await body()
            Issue.record("expected a ProbeFailure, got \(value)", sourceLocation: sourceLocation)
            return nil
        } catch let failure as ProbeFailure {
            return failure
        } catch {
            Issue.record("expected a ProbeFailure, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }
}

@Suite("Resolving and dialling")
struct DialTests {
    @Test func closedPortIsRefused() async throws {
        let port = closedPort()
        let context = Net.context()
        let failure = try #require(await Net.failure { try await context.resolveAndConnect("127.0.0.1", port: port) })
        #expect(failure.category == .refused)
        #expect(failure.category.isTransient)
        #expect(failure.message == "127.0.0.1:\(port) refused the connection: nothing is listening on that port")
        #expect(failure.hint != nil)
        let steps = context.trace.seal().steps
        #expect(steps.map(\.name) == ["dns", "connect"])
        #expect(steps[0].status == .skipped)
        #expect(steps[1].status == .failed)
        #expect(steps[1].detail?.contains("refused") == true)
    }

    @Test func localhostResolvesAndConnects() async throws {
        try await Net.withPeer(.silent) { peer in
            let context = Net.context()
            let dial = try await context.resolveAndConnect("localhost", port: peer.port)
            defer { context.closeAll() }
            let sealed = context.trace.seal()
            let dns = try #require(sealed.steps.first)
            #expect(dns.name == "dns")
            #expect(dns.status == .passed)
            #expect(dns.detail?.hasPrefix("localhost resolves to ") == true)
            #expect(dns.detail?.contains("127.0.0.1") == true)
            let target = try #require(sealed.target)
            #expect(target.host == "localhost")
            #expect(target.port == peer.port)
            #expect(target.addresses.contains("127.0.0.1:\(peer.port)"))
            #expect(target.connectedAddress == "127.0.0.1:\(peer.port)")
            let connect = try #require(sealed.steps.last)
            #expect(connect.name == "connect")
            #expect(connect.status == .passed)
            #expect(connect.detail?.contains("127.0.0.1:\(peer.port) connected") == true)
            if target.addresses.contains("[::1]:\(peer.port)") {
                // ::1 came first and nothing listens there: the detail tells both attempts.
                #expect(connect.detail?.contains("[::1]:\(peer.port)") == true)
            }
            #expect(dial.address.ipAddress == "127.0.0.1")
            #expect(await eventually { peer.connectionCount == 1 })
        }
    }

    @Test func ipv6RefusedThenIPv4ConnectsMentionsBoth() async throws {
        try await Net.withPeer(.silent) { peer in
            let context = Net.context(
                resolver: Net.resolver([Net.address("::1", peer.port), Net.address("127.0.0.1", peer.port)]))
            let dial = try await context.resolveAndConnect("db.test", port: peer.port)
            defer { context.closeAll() }
            #expect(dial.address.ipAddress == "127.0.0.1")
            #expect(dial.attempts.count == 2)
            #expect(dial.attempts[0].hasPrefix("[::1]:\(peer.port) "))
            #expect(dial.attempts[1] == "127.0.0.1:\(peer.port) connected")
            let sealed = context.trace.seal()
            #expect(sealed.target?.addresses == ["[::1]:\(peer.port)", "127.0.0.1:\(peer.port)"])
            let connect = try #require(sealed.steps.last)
            #expect(connect.detail?.contains("[::1]:\(peer.port)") == true)
            #expect(connect.detail?.contains("127.0.0.1:\(peer.port) connected") == true)
        }
    }

    @Test func everyAddressRefusedNamesEveryAttempt() async throws {
        let port = closedPort()
        let context = Net.context(
            resolver: Net.resolver([Net.address("127.0.0.1", port), Net.address("127.0.0.2", port)]))
        let failure = try #require(await Net.failure { try await context.resolveAndConnect("db.test", port: port) })
        #expect(failure.category == .refused)
        #expect(
            failure.message.contains("(tried 127.0.0.1:\(port) refused; 127.0.0.2:\(port) refused)"),
            "\(failure.message)")
    }

    @Test func unknownHostIsADNSFailure() async throws {
        let context = Net.context()
        let failure = try #require(
            await Net.failure { try await context.resolveAndConnect("no-such-host.invalid", port: 5432) })
        #expect(failure.category == .dns)
        #expect(failure.message.contains("no-such-host.invalid"))
        #expect(context.trace.seal().steps.map(\.status) == [.failed])
    }

    @Test func metadataAddressIsNeverDialled() async throws {
        let context = Net.context()
        let failure = try #require(
            await Net.failure {
                try await Dialer().connect(
                    to: [Net.address("169.254.169.254", 80)], host: "169.254.169.254", context: context)
            })
        #expect(failure.category == .egressDenied)
        #expect(
            failure.message
                == "169.254.169.254 resolves to 169.254.169.254 is in 169.254.0.0/16, which is never dialled (link-local, cloud metadata or unspecified)"
        )
    }

    @Test func mappedMetadataAddressIsNeverDialled() async throws {
        let context = Net.context()
        let failure = try #require(
            await Net.failure {
                try await Dialer().connect(
                    to: [Net.address("::ffff:169.254.169.254", 80)], host: "metadata.test", context: context)
            })
        #expect(failure.category == .egressDenied)
        #expect(failure.message.contains("169.254.169.254 is in 169.254.0.0/16"), "\(failure.message)")
    }

    @Test func customDenyListStopsLoopbackBeforeAnyConnection() async throws {
        try await Net.withPeer(.acceptAndClose) { peer in
            let policy = EgressPolicy(deny: [IPNetwork("127.0.0.0/8")!, IPNetwork("::1/128")!])
            for host in ["127.0.0.1", "localhost"] {
                let context = Net.context(egress: policy)
                let failure = try #require(
                    await Net.failure { try await context.resolveAndConnect(host, port: peer.port) })
                #expect(failure.category == .egressDenied, "\(host): \(failure)")
                #expect(failure.message.contains("which this service's egress policy denies"), "\(failure.message)")
                let connect = try #require(context.trace.seal().steps.last)
                #expect(connect.name == "connect")
                #expect(connect.status == .failed)
            }
            try await Task.sleep(for: .milliseconds(100))
            #expect(peer.connectionCount == 0)
        }
    }

    @Test func deniedAddressesAreSkippedForAllowedOnes() async throws {
        try await Net.withPeer(.silent) { peer in
            let context = Net.context(
                resolver: Net.resolver([Net.address("169.254.169.254", peer.port), Net.address("127.0.0.1", peer.port)])
            )
            let dial = try await context.resolveAndConnect("db.test", port: peer.port)
            defer { context.closeAll() }
            #expect(dial.address.ipAddress == "127.0.0.1")
            #expect(dial.attempts.first?.hasPrefix("169.254.169.254:\(peer.port) not dialled") == true)
        }
    }

    @Test func closeAllClosesRegisteredChannelsAndLateOnes() async throws {
        try await Net.withPeer(.silent) { peer in
            let context = Net.context()
            let dial = try await context.resolveAndConnect("127.0.0.1", port: peer.port)
            context.closeAll()
            try await dial.channel.closeFuture.get()
            #expect(await eventually { peer.openConnections == 0 })
            // A channel registered after the ping ended is closed at once.
            let late = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(
                host: "127.0.0.1", port: peer.port
            ).get()
            context.register(late)
            try await late.closeFuture.get()
        }
    }
}

@Suite("Reading from hostile peers")
struct ExchangeTests {
    @Test func silentPeerTimesOut() async throws {
        try await Net.withPeer(.silent) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            let start = ContinuousClock.now
            let response = try await channel.exchange(ByteBuffer(bytes: Net.sslRequest), timeout: .milliseconds(300)) {
                $0.readableBytes > 0
            }
            #expect(response.ending == .timedOut)
            #expect(response.bytes.readableBytes == 0)
            #expect(ContinuousClock.now - start < .milliseconds(1300))
            #expect(await eventually { peer.received == Net.sslRequest })
        }
    }

    @Test func replyIsReadUntilComplete() async throws {
        let reply = Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)
        try await Net.withPeer(.replyWith(reply)) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            let response = try await channel.exchange(ByteBuffer(bytes: Net.sslRequest), timeout: .seconds(2)) {
                $0.readableBytes >= reply.count
            }
            #expect(response.ending == .complete)
            #expect(response.bytes.peekBytes == reply)
            #expect(
                ProtocolSniffer.identify(response.bytes.peekBytes).map { if case .http = $0 { true } else { false } }
                    == true)
        }
    }

    @Test func maxBytesCapsTheRead() async throws {
        try await Net.withPeer(.replyWith(Array(repeating: 0x41, count: 5000))) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            let response = try await channel.exchange(ByteBuffer(bytes: [1]), maxBytes: 100, timeout: .seconds(2)) {
                _ in false
            }
            #expect(response.ending == .complete)
            #expect(response.bytes.readableBytes >= 100)
        }
    }

    @Test func peerClosingMidMessage() async throws {
        let partial: [UInt8] = [UInt8(ascii: "E"), 0, 0, 0, 0x50, UInt8(ascii: "S"), UInt8(ascii: "F")]
        try await Net.withPeer(.closeAfter(bytes: partial)) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            let response = try await channel.exchange(ByteBuffer(bytes: Net.sslRequest), timeout: .seconds(2)) {
                $0.readableBytes >= 0x51
            }
            #expect(response.ending == .closed)
            #expect(response.bytes.peekBytes == partial)
        }
    }

    /// A peer that closes before anything is read: the read must say `closed`, whether the close was
    /// noticed before or after the reader was attached.
    ///
    /// Disabled because it crashes the whole test process: `Channel.exchange` (ResponseReader.swift:75-88)
    /// makes its promise, then `addHandler` throws `ioOnClosedChannel` on the closed channel, the promise is
    /// never completed, and NIO traps with "leaking promise" in debug builds. Enable it once that is fixed.
    @Test
    func peerThatAcceptsAndClosesIsReportedClosed() async throws {
        try await Net.withPeer(.acceptAndClose) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            try await channel.closeFuture.get()
            let response = try await channel.exchange(ByteBuffer(bytes: Net.sslRequest), timeout: .seconds(2)) {
                $0.readableBytes > 0
            }
            #expect(response.ending == .closed)
            #expect(response.bytes.readableBytes == 0)
        }
    }

    /// Bytes a peer sends the moment it accepts (SSH, MySQL and SMTP servers speak first) must still be
    /// there for the first reader, not dropped because they arrived before it was attached.
    @Test func bannerSentOnAcceptIsNotLost() async throws {
        let banner = "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"
        try await Net.withPeer(.banner(banner)) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            #expect(await eventually { peer.bytesSent == banner.utf8.count })
            try await Task.sleep(for: .milliseconds(50))
            let response = try await channel.exchange(nil, timeout: .seconds(1)) { $0.peekBytes.contains(0x0a) }
            #expect(String(decoding: response.bytes.peekBytes, as: UTF8.self) == banner, "ending \(response.ending)")
        }
    }

    /// A server that speaks first and hangs up at once (MySQL's "Host ... is not allowed to connect" does
    /// this): what it said must still reach the first reader, with the close after it. Disabled because it
    /// crashes the process: once the channel is closed its pipeline is torn down (the EarlyBytesBuffer and
    /// the bytes it held go with it), `addHandler` in `Channel.exchange` throws `ioOnClosedChannel`, and the
    /// promise made at ResponseReader.swift:75 leaks (NIO traps in debug builds).
    @Test
    func greetingThenCloseIsNotLost() async throws {
        let greeting = Array("-ERR max number of clients reached\r\n".utf8)
        try await Net.withPeer(.sendOnAcceptThenClose(greeting)) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            try await channel.closeFuture.get()
            let response = try await channel.exchange(nil, timeout: .seconds(1)) { _ in false }
            #expect(response.bytes.peekBytes == greeting)
            #expect(response.ending == .closed)
        }
    }

    @Test func dripIsReadByteByByte() async throws {
        let text = Array("HTTP/1.1 400 Bad Request\r\n".utf8)
        try await Net.withPeer(.drip(bytes: text, interval: .milliseconds(40))) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            let start = ContinuousClock.now
            let response = try await channel.exchange(nil, timeout: .seconds(3)) { buffer in
                if case .http = ProtocolSniffer.identify(buffer.peekBytes) { return true }
                return false
            }
            #expect(response.ending == .complete)
            // Two late drips can arrive in one read; the read stops as soon as HTTP is recognisable.
            #expect(response.bytes.peekBytes.starts(with: Array("HTTP/".utf8)))
            #expect(response.bytes.readableBytes < text.count)
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }
}

@Suite("Guards against hostile peers")
struct GuardTests {
    @Test func firstBytesGuardNamesTheProtocolAndCloses() async throws {
        try await Net.withPeer(.replyWith(Array("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n".utf8))) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            let record = MismatchRecord()
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    FirstBytesGuard(record: record) { $0 == UInt8(ascii: "R") })
            }.get()
            await #expect(throws: ProtocolMismatchDetected.self) {
                _ = try await channel.exchange(ByteBuffer(bytes: [0, 0, 0, 8]), timeout: .seconds(2)) { _ in false }
            }
            guard case .ssh(let banner) = record.peer else {
                Issue.record("expected SSH, got \(String(describing: record.peer))")
                return
            }
            #expect(banner.hasPrefix("SSH-2.0-OpenSSH_9.2p1 Debian-2"))
            try await channel.closeFuture.get()
        }
    }

    @Test func firstBytesGuardLetsTheExpectedProtocolThrough() async throws {
        let authOK: [UInt8] = [UInt8(ascii: "R"), 0, 0, 0, 8, 0, 0, 0, 0]
        try await Net.withPeer(.replyWith(authOK)) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            let record = MismatchRecord()
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    FirstBytesGuard(record: record) { $0 == UInt8(ascii: "R") })
            }.get()
            let response = try await channel.exchange(ByteBuffer(bytes: [0, 0, 0, 8]), timeout: .seconds(2)) {
                $0.readableBytes >= authOK.count
            }
            #expect(response.bytes.peekBytes == authOK)
            #expect(record.peer == nil)
            #expect(channel.isActive)
        }
    }

    @Test func garbageIsUnknownWithAHexPreview() async throws {
        let garbage: [UInt8] = [0xde, 0xad, 0xbe, 0xef, 0x00, 0x13, 0x37]
        try await Net.withPeer(.replyWith(garbage)) { peer in
            let context = Net.context()
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            let record = MismatchRecord()
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    FirstBytesGuard(record: record) { $0 == UInt8(ascii: "R") })
            }.get()
            _ = try? await channel.exchange(ByteBuffer(bytes: [1]), timeout: .seconds(2)) { _ in false }
            #expect(record.peer == .unknown(preview: "de ad be ef 00 13 37"))
        }
    }

    /// A peer announcing a huge message and then streaming: the byte limit closes the connection after
    /// `limit` bytes, so nothing buffers the flood, and the peer sees the close and stops.
    @Test func inboundByteLimitStopsAFlood() async throws {
        try await Net.withPeer(.hugeLengthThenFlood) { peer in
            let limit = 64 << 10
            let context = Net.context(inboundByteLimit: limit)
            defer { context.closeAll() }
            let channel = try await context.resolveAndConnect("127.0.0.1", port: peer.port).channel
            let start = ContinuousClock.now
            do {
                let response = try await channel.exchange(
                    ByteBuffer(bytes: Net.sslRequest), maxBytes: 256 << 20, timeout: .seconds(3)
                ) { _ in false }
                // If the close won the race against the error, the read ended closed with at most `limit` bytes.
                #expect(response.ending == .closed)
                #expect(response.bytes.readableBytes <= limit)
            } catch let error as InboundByteLimitExceeded {
                #expect(error.limit == limit)
            }
            try await channel.closeFuture.get()
            #expect(ContinuousClock.now - start < .seconds(2))
            #expect(await eventually(within: .seconds(3)) { peer.openConnections == 0 })
            // The peer would send 64 MiB; it stopped at a fraction (what the kernel buffers allow).
            #expect(peer.bytesSent < HostilePeer.floodLimit / 2, "peer sent \(peer.bytesSent) bytes")
        }
    }
}

@Suite("withDeadline")
struct WithDeadlineTests {
    @Test func fastOperationReturnsItsValue() async throws {
        let value = try await withDeadline(.seconds(2), activity: "adding") { () async throws(ProbeFailure) in 40 + 2 }
        #expect(value == 42)
    }

    @Test func failureIsPassedThrough() async {
        do {
            _ = try await withDeadline(.seconds(2), activity: "failing") { () async throws(ProbeFailure) -> Int in
                throw ProbeFailure(.dns, "no such host")
            }
            Issue.record("expected a failure")
        } catch {
            #expect(error.category == .dns)
            #expect(error.message == "no such host")
        }
    }

    /// A stuck operation (one that ignores cancellation) must not hold the caller past the budget.
    @Test func stuckOperationTimesOutOnBudget() async {
        let start = ContinuousClock.now
        do {
            _ = try await withDeadline(.milliseconds(200), activity: "resolving db.test") {
                () async throws(ProbeFailure) -> Int in
                // Ignores cancellation, like a blocking getaddrinfo.
                let end = ContinuousClock.now + .seconds(2)
                while ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
                return 1
            }
            Issue.record("expected a timeout")
        } catch {
            #expect(error.category == .timeout)
            #expect(error.message == "resolving db.test took longer than 200 ms")
        }
        #expect(ContinuousClock.now - start < .seconds(1))
    }
}

@Suite("ChainVerifier.store")
struct CertificateBundleTests {
    @Test func readsEveryCertificateInABundle() throws {
        let bundle = TestCertificates.selfSigned.certificatePEM + "\n" + TestCertificates.expired.certificatePEM
        _ = try ChainVerifier.store(fromPEM: bundle)
    }

    @Test func rejectsUnreadableCertificates() {
        #expect(throws: (any Error).self) {
            try ChainVerifier.store(fromPEM: "-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n")
        }
        #expect(throws: (any Error).self) { try ChainVerifier.store(fromPEM: "no certificate here") }
    }

    /// `sslRootCert` passes config validation as soon as it contains a BEGIN marker; an END marker
    /// without its BEGIN must then be an error, not a crash. Disabled because it crashes the process:
    /// CertificateSummary.swift:99 force-unwraps `block.range(of: "-----BEGIN CERTIFICATE-----")!`.
    @Test
    func endMarkerWithoutBeginIsAnError() {
        #expect(throws: (any Error).self) {
            try ChainVerifier.store(fromPEM: "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n")
        }
    }
}
