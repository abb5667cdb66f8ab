import NIOCore
import NIOPosix
import NIOSSL
import PreflightOracle
import Synchronization

/// An in-process Oracle listener for what no Oracle server here can show. It enforces the listener's
/// rules: the first packet must be a CONNECT (16-bit length, zero checksums, version 300 or later) whose
/// connect descriptor (inside the packet, or in the DATA packet that follows when longer than 230 bytes)
/// names a SERVICE_NAME or SID in CONNECT_DATA; an unknown service is refused with ERR=12514, an unknown
/// SID with 12505, neither with 12504, each as a real listener words its REFUSE. Known ones are
/// accepted (ACCEPT at version 319, 32-bit lengths after it), unless the rules redirect (a REDIRECT with
/// the data's length, then a DATA packet with `address\0descriptor`), ask for a
/// RESEND first, or refuse everything with a given code. After ACCEPT the database behind it logs the
/// client in as Oracle does (`ScriptedOracleServer`), or misbehaves as `AfterAccept` says.
///
/// python-oracledb (thin mode) is run against it first (`ScriptedListenerCheckedByOracledbTests`).
final class ScriptedTNSListener: Sendable {
    struct Rules: Sendable {
        var services: Set<String> = ["FREEPDB1"]
        var sids: Set<String> = ["XE"]
        /// Redirect every CONNECT that is not itself a redirected one to this port on 127.0.0.1.
        var redirectTo: Int?
        /// Redirect CONNECTs flagged as redirected too (a listener loop).
        var redirectFlagged = false
        /// Answer each connection's first CONNECT with RESEND.
        var resendFirst = false
        /// Refuse every CONNECT with this ORA- number.
        var refuseWith: Int?
        /// What the database behind the listener does after ACCEPT.
        var afterAccept = AfterAccept.login(OracleTesting.serverRules())
    }

    /// After ACCEPT: log in as Oracle does, or misbehave.
    enum AfterAccept: Sendable {
        case login(ScriptedOracleServer.Rules)
        /// Record the first packet and close.
        case close
        /// Record the first packet and say nothing more.
        case silent
        /// Answer the first packet with a DATA packet of bytes that are no TTC message.
        case garbage
        /// Answer the first packet with a header announcing a packet of 2 GiB.
        case hugeLength
    }

    /// What one connection did.
    struct Connection: Sendable {
        /// The descriptor of each CONNECT, in order.
        var descriptors: [String] = []
        /// The packet flags of each CONNECT (0x04: sent after a REDIRECT).
        var connectFlags: [UInt8] = []
        /// Whether a descriptor came in a DATA packet after its CONNECT.
        var descriptorInDataPacket = false
        /// What the listener answered, in order ("ACCEPT", "REFUSE 12514", "REDIRECT", "RESEND").
        var answers: [String] = []
        /// The type and first payload byte (the TTC message type) of the client's first packet after ACCEPT.
        var afterAccept: (type: UInt8, messageType: UInt8?)?
        /// A rule the client broke, when it did.
        var violation: String?
        /// What the database side saw and answered after ACCEPT ("PROTOCOL", "AUTH1 artie", "ORA-1017", ...).
        var session: [String] = []
        /// The user that logged in, when one did.
        var loggedInUser: String?
        /// Every byte the client sent after ACCEPT (searched for the password in the tests).
        var bytesAfterAccept: [UInt8] = []
    }

    let port: Int
    private let channel: any Channel
    private let log: Log

    var connections: [Connection] { log.connections }

    init(_ rules: Rules, tls: NIOSSLContext? = nil) async throws {
        let log = Log()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(
                        ListenerHandler(rules: rules, log: log, index: log.open()))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        self.log = log
    }

    func shutdown() async { try? await channel.close() }

    final class Log: Sendable {
        private let state = Mutex<[Connection]>([])
        var connections: [Connection] { state.withLock { $0 } }
        func open() -> Int {
            state.withLock {
                $0.append(Connection())
                return $0.count - 1
            }
        }
        func update(_ index: Int, _ change: (inout Connection) -> Void) { state.withLock { change(&$0[index]) } }
    }

    /// The REFUSE text a listener sends for `code`.
    static func refuseText(_ code: Int) -> String {
        "(DESCRIPTION=(TMP=)(VSNNUM=387973120)(ERR=\(code))(ERROR_STACK=(ERROR=(CODE=\(code))(EMFI=4))))"
    }

    /// Only touched on its channel's event loop.
    final class ListenerHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private let rules: Rules
        private let log: Log
        private let index: Int
        private var framer = TNSFramer(limit: 65535)
        private var pendingConnect: (flags: UInt8, length: Int)?
        private var accepted = false
        private var resent = false
        private var server: ScriptedOracleServer?
        private var answeredAfterAccept = false

        init(rules: Rules, log: Log, index: Int) {
            self.rules = rules
            self.log = log
            self.index = index
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            framer.feed(buffer.readBytes(length: buffer.readableBytes) ?? [])
            do {
                while let packet = try framer.next() {
                    handle(packet, context: context)
                }
            } catch {
                violate("\(error)", context: context)
            }
        }

        private func violate(_ problem: String, context: ChannelHandlerContext) {
            log.update(index) { if $0.violation == nil { $0.violation = problem } }
            context.close(promise: nil)
        }

        private func send(_ packet: TNSPacket, context: ChannelHandlerContext, largeLength: Bool = false) {
            context.writeAndFlush(
                NIOAny(context.channel.allocator.buffer(bytes: packet.encoded(largeLength: largeLength))), promise: nil)
        }

        private func handle(_ packet: TNSPacket, context: ChannelHandlerContext) {
            if accepted {
                afterAccept(packet, context: context)
                return
            }
            if let pending = pendingConnect {
                guard packet.type == .data, packet.payload.count >= 2 else {
                    violate("a CONNECT announced a long descriptor, then \(packet.type) came", context: context)
                    return
                }
                pendingConnect = nil
                let descriptor = String(decoding: packet.payload.dropFirst(2).prefix(pending.length), as: UTF8.self)
                log.update(index) { $0.descriptorInDataPacket = true }
                answer(descriptor, flags: pending.flags, context: context)
                return
            }
            guard packet.type == .connect else {
                violate("the first packet was \(packet.type), not CONNECT", context: context)
                return
            }
            let parsed: (version: UInt16, descriptorLength: Int, descriptor: String?)
            do { parsed = try TNSConnectRequest.parse(packet) } catch {
                violate("\(error)", context: context)
                return
            }
            guard parsed.version >= 300 else {
                violate("CONNECT version \(parsed.version) is below 300", context: context)
                return
            }
            guard let descriptor = parsed.descriptor else {
                pendingConnect = (packet.flags, parsed.descriptorLength)
                return
            }
            answer(descriptor, flags: packet.flags, context: context)
        }

        private func afterAccept(_ packet: TNSPacket, context: ChannelHandlerContext) {
            log.update(index) {
                if $0.afterAccept == nil { $0.afterAccept = (packet.type.rawValue, packet.payload.dropFirst(2).first) }
                $0.bytesAfterAccept += packet.encoded(largeLength: true)
            }
            switch rules.afterAccept {
            case .close:
                context.close(promise: nil)
            case .silent:
                return
            case .garbage:
                guard !answeredAfterAccept else { return }
                answeredAfterAccept = true
                send(OracleLogin.data([0xDE, 0xAD, 0xBE, 0xEF, 0x13, 0x37]), context: context, largeLength: true)
            case .hugeLength:
                guard !answeredAfterAccept else { return }
                answeredAfterAccept = true
                context.writeAndFlush(
                    NIOAny(context.channel.allocator.buffer(bytes: [0x7F, 0xFF, 0xFF, 0xFF, 6, 0, 0, 0, 0, 0, 1])),
                    promise: nil)
            case .login(let serverRules):
                var server = self.server ?? ScriptedOracleServer(serverRules)
                let reply = server.receive(packet)
                self.server = server
                log.update(index) {
                    $0.session = server.log
                    $0.loggedInUser = server.loggedInUser
                    if let violation = server.violation, $0.violation == nil { $0.violation = violation }
                }
                switch reply {
                case .send(let packets):
                    for packet in packets { send(packet, context: context, largeLength: true) }
                case .nothing: break
                case .close: context.close(promise: nil)
                }
            }
        }

        private func refuse(_ code: Int, context: ChannelHandlerContext) {
            let text = Array(ScriptedTNSListener.refuseText(code).utf8)
            var payload: [UInt8] = [0x22, 0x00, UInt8(text.count >> 8), UInt8(text.count & 0xFF)]
            payload += text
            log.update(index) { $0.answers.append("REFUSE \(code)") }
            send(TNSPacket(type: .refuse, payload: payload), context: context)
            context.close(promise: nil)
        }

        private func answer(_ descriptor: String, flags: UInt8, context: ChannelHandlerContext) {
            log.update(index) {
                $0.descriptors.append(descriptor)
                $0.connectFlags.append(flags)
            }
            if rules.resendFirst, !resent {
                resent = true
                log.update(index) { $0.answers.append("RESEND") }
                send(TNSPacket(type: .resend, payload: []), context: context)
                return
            }
            if let code = rules.refuseWith {
                refuse(code, context: context)
                return
            }
            guard let target = TNSConnectDescriptor.target(of: descriptor) else {
                refuse(12504, context: context)
                return
            }
            switch target {
            case .serviceName(let name) where !rules.services.contains(name.uppercased()):
                refuse(12514, context: context)
                return
            case .sid(let sid) where !rules.sids.contains(sid.uppercased()):
                refuse(12505, context: context)
                return
            default: break
            }
            if let port = rules.redirectTo, rules.redirectFlagged || flags & TNSPacket.redirectFlag == 0 {
                // As a listener sends it: the REDIRECT carries the length, a DATA packet the address
                // and the descriptor (python-oracledb reads the data only from that next packet).
                let data = Array("(ADDRESS=(PROTOCOL=tcp)(HOST=127.0.0.1)(PORT=\(port)))\0\(descriptor)".utf8)
                log.update(index) { $0.answers.append("REDIRECT") }
                send(
                    TNSPacket(type: .redirect, payload: [UInt8(data.count >> 8), UInt8(data.count & 0xFF)]),
                    context: context)
                send(TNSPacket(type: .data, payload: [0, 0] + data), context: context)
                context.close(promise: nil)
                return
            }
            log.update(index) { $0.answers.append("ACCEPT") }
            send(TNSAccept(version: 319, sdu: 8192).packet, context: context)
            accepted = true
            framer.largeLength = true
        }
    }
}
