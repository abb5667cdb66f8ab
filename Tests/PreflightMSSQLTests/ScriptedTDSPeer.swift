import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import PreflightTestSupport
import Synchronization

@testable import PreflightMSSQL

/// An in-process SQL Server on 127.0.0.1 that performs the server side of what a ping needs, by the
/// rules of MS-TDS (no SQL Server can be installed here):
///
/// - PRELOGIN answered as SQL Server does for its encryption setting: `.optional` (a certificate,
///   Force Encryption off) echoes the client's OFF / ON / NOT_SUP; `.forced` answers ENCRYPT_REQ (and
///   closes on a client that cannot encrypt); `.unavailable` (no certificate) answers ENCRYPT_NOT_SUP;
/// - TLS (1.2, as TDS 7.x) carried in PRELOGIN packets during the handshake, bare afterwards; with
///   ENCRYPT_OFF on both sides only LOGIN7 is encrypted and the answer comes back in plaintext;
/// - LOGIN7 read, its password de-obfuscated and compared; a wrong one gets error 18456 (state 1, as
///   SQL Server tells clients), an unknown database 4060 then 18456, and the connection is closed;
/// - optionally a routing ENVCHANGE (Azure's gateway) after LOGINACK;
/// - canned result sets for the readiness queries, matched on their text.
final class ScriptedTDSPeer: Sendable {
    enum Encryption: Sendable { case optional, forced, unavailable }

    struct Account: Sendable {
        var user: String
        var password: String
        /// Answer the login with this error instead (18488, 40615, ...).
        var loginError: TDSServerMessage?
    }

    struct Script: Sendable {
        var accounts: [Account]
        var databases: Set<String> = ["master", "app"]
        var encryption: Encryption = .optional
        /// TDS 8.0 strict encryption: TLS first (TLS 1.2 or 1.3, ALPN tds/8.0), PRELOGIN inside it.
        var strict = false
        var certificatePEM = TestPKI.serverCertificatePEM
        var keyPEM = TestPKI.serverKeyPEM
        var routeTo: (host: String, port: Int)?
        var version = "16.0.4135.4"
        var edition = "Developer Edition (64-bit)"
        var engineEdition = 3
        var cdcEnabled = true
        var snapshotIsolation = 1
        /// SQL Server Agent's status; nil: sys.dm_server_services is refused (error 300, no VIEW SERVER STATE).
        var agent: String? = "Running"
        var captureJob: (name: String, enabled: Bool)? = ("cdc.app_capture", true)
        /// HAS_PERMS_BY_NAME on schema cdc: 1, 0, or nil (NULL: no such schema).
        var cdcSchemaReadable: Int? = 1
        var permissions: [(String, String)] = [
            ("DATABASE", "CONNECT"), ("DATABASE", "CREATE TABLE"), ("SCHEMA", "ALTER"),
        ]

        init(accounts: [Account]) {
            self.accounts = accounts
        }
    }

    struct Stats: Sendable {
        var connections = 0
        /// The ENCRYPTION byte of each client PRELOGIN.
        var clientEncryption: [UInt8] = []
        var tlsHandshakes = 0
        /// Logins answered in plaintext after an encrypted LOGIN7 (ENCRYPT_OFF on both sides).
        var loginOnlyAnswers = 0
        /// (user, whether the de-obfuscated password matched, whether LOGIN7 arrived encrypted).
        var logins: [(user: String, passwordMatched: Bool, encrypted: Bool)] = []
        var serverNames: [String] = []
        var queries: [String] = []
    }

    let port: Int
    private let channel: any Channel
    private let shared: TDSPeerShared

    var stats: Stats { shared.stats.withLock { $0 } }

    init(_ script: Script, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws {
        let shared = TDSPeerShared()
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(script.certificatePEM.utf8)).map {
                .certificate($0)
            },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(script.keyPEM.utf8), format: .pem)))
        if script.strict {
            tls.applicationProtocols = ["tds/8.0"]
        } else {
            tls.maximumTLSVersion = .tlsv12
        }
        let context = try NIOSSLContext(configuration: tls)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    shared.children.withLock { $0.append(channel) }
                    shared.stats.withLock { $0.connections += 1 }
                    if script.strict {
                        let handler = NIOSSLServerHandler(context: context)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        try channel.pipeline.syncOperations.addHandler(
                            HandshakeDone(framing: TDSTLSFraming(), shared: shared))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptedTDSConnection(script: script, tls: context, shared: shared))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
        self.shared = shared
    }

    func shutdown() async {
        try? await channel.close()
        for child in shared.children.withLock({ $0 }) { try? await child.close() }
    }
}

final class TDSPeerShared: Sendable {
    let stats = Mutex(ScriptedTDSPeer.Stats())
    let children = Mutex<[any Channel]>([])
}

/// Tells the framing below the TLS handler that the handshake is over (TLS records travel bare from here).
private final class HandshakeDone: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let framing: TDSTLSFraming
    let shared: TDSPeerShared

    init(framing: TDSTLSFraming, shared: TDSPeerShared) {
        self.framing = framing
        self.shared = shared
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            framing.passThrough()
            shared.stats.withLock { $0.tlsHandshakes += 1 }
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// One connection of the scripted server. Only touched on its event loop.
private final class ScriptedTDSConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase { case prelogin, login, command, closed }
    enum Plan { case none, loginOnly, full }

    let script: ScriptedTDSPeer.Script
    let tls: NIOSSLContext
    let shared: TDSPeerShared
    var reader = TDSMessageReader(maxMessage: 1 << 20)
    var phase = Phase.prelogin
    var plan = Plan.none
    var packetID: UInt8 = 1

    init(script: ScriptedTDSPeer.Script, tls: NIOSSLContext, shared: TDSPeerShared) {
        self.script = script
        self.tls = tls
        self.shared = shared
        reader.acceptedTypes = [0x01, 0x06, 0x0E, 0x10, 0x12]
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        reader.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        do {
            while phase != .closed, let message = try reader.next() { handle(message, context: context) }
        } catch {
            phase = .closed
            context.close(promise: nil)
        }
    }

    func send(_ payload: [UInt8], context: ChannelHandlerContext, thenClose: Bool = false) {
        let bytes = TDSFraming.packets(type: TDSPacketType.tabularResult, payload: payload, packetID: &packetID)
        let written = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)))
        if thenClose {
            phase = .closed
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func handle(_ message: TDSMessage, context: ChannelHandlerContext) {
        switch (phase, message.type) {
        case (.prelogin, TDSPacketType.prelogin): prelogin(message.payload, context: context)
        case (.login, TDSPacketType.login7): login(message.payload, context: context)
        case (.command, TDSPacketType.sqlBatch): batch(message.payload, context: context)
        case (.command, 0x0E), (.command, 0x06):
            send(TDSServerTokens.done(status: message.type == 0x06 ? 0x20 : 0), context: context)
        default:
            // Out of order: SQL Server drops such a connection.
            phase = .closed
            context.close(promise: nil)
        }
    }

    func prelogin(_ payload: [UInt8], context: ChannelHandlerContext) {
        guard let client = try? TDSPrelogin.parse(payload) else {
            phase = .closed
            context.close(promise: nil)
            return
        }
        shared.stats.withLock { $0.clientEncryption.append(client.encryption.rawValue) }
        let answer: TDSEncryption
        switch script.encryption {
        case .optional: answer = client.encryption
        case .forced: answer = .required
        case .unavailable: answer = .notSupported
        }
        let reply = TDSPrelogin(
            version: (16, 0, 4135, 4), encryption: answer, instance: "", threadID: nil, mars: false)
        switch (client.encryption, answer) {
        case (.notSupported, .required):
            send(reply.encode(), context: context, thenClose: true)
            return
        case (.off, .off): plan = .loginOnly
        case (_, .on), (_, .required): plan = .full
        default: plan = .none
        }
        send(reply.encode(), context: context)
        phase = .login
        if script.strict { plan = .none }  // the whole connection is already TLS
        guard plan != .none else { return }
        let framing = TDSTLSFraming()
        let handler = NIOSSLServerHandler(context: tls)
        do {
            let pipeline = context.pipeline.syncOperations
            try pipeline.addHandler(framing, position: .first)
            try pipeline.addHandler(handler, position: .after(framing))
            try pipeline.addHandler(HandshakeDone(framing: framing, shared: shared), position: .after(handler))
        } catch {
            context.close(promise: nil)
        }
    }

    func login(_ payload: [UInt8], context: ChannelHandlerContext) {
        guard let fields = try? TDSLogin7Fields.parse(payload), fields.tdsVersion >= 0x7200_0009 else {
            phase = .closed
            context.close(promise: nil)
            return
        }
        let account = script.accounts.first { $0.user == fields.userName }
        let matched = account?.password == fields.password
        let encrypted = plan != .none
        shared.stats.withLock {
            $0.logins.append((fields.userName, matched, encrypted))
            $0.serverNames.append(fields.serverName)
        }
        let database = fields.database.isEmpty ? "master" : fields.database
        var reply: [UInt8]
        var close = true
        if let account, matched, let error = account.loginError {
            reply = TDSServerTokens.message(
                Int(error.number), state: error.state, severity: error.severity, text: error.text)
        } else if !matched {
            reply = TDSServerTokens.message(18456, state: 1, text: "Login failed for user '\(fields.userName)'.")
        } else if !script.databases.contains(database) {
            reply =
                TDSServerTokens.message(
                    4060, state: 1, severity: 11,
                    text: "Cannot open database \"\(database)\" requested by the login. The login failed.")
                + TDSServerTokens.message(18456, state: 1, text: "Login failed for user '\(fields.userName)'.")
        } else {
            close = false
            reply =
                TDSServerTokens.envChangeDatabase(database)
                + TDSServerTokens.message(
                    5701, severity: 0, text: "Changed database context to '\(database)'.", info: true)
                + TDSServerTokens.loginAck()
            if let route = script.routeTo {
                reply += TDSServerTokens.envChangeRouting(host: route.host, port: route.port)
            }
        }
        reply += TDSServerTokens.done(status: close ? 0x02 : 0)
        phase = close ? .closed : .command
        guard plan == .loginOnly else {
            send(reply, context: context, thenClose: close)
            return
        }
        // Only LOGIN7 was encrypted: drop TLS (outside the TLS handler's own read) and answer in plaintext.
        shared.stats.withLock { $0.loginOnlyAnswers += 1 }
        let channel = context.channel
        let answer = reply
        let closeAfter = close
        context.eventLoop.execute {
            let pipeline = channel.pipeline.syncOperations
            if let handler = try? pipeline.handler(type: NIOSSLServerHandler.self) {
                pipeline.removeHandler(handler, promise: nil)
            }
            if let framing = try? pipeline.handler(type: TDSTLSFraming.self) {
                pipeline.removeHandler(framing, promise: nil)
            }
            if let done = try? pipeline.handler(type: HandshakeDone.self) { pipeline.removeHandler(done, promise: nil) }
            let bytes = TDSFraming.packets(type: TDSPacketType.tabularResult, payload: answer, packetID: &self.packetID)
            let written = channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
            if closeAfter { written.whenComplete { _ in channel.close(promise: nil) } }
        }
    }

    func batch(_ payload: [UInt8], context: ChannelHandlerContext) {
        let sql = TDSSQLBatch.text(of: payload) ?? ""
        shared.stats.withLock { $0.queries.append(sql) }
        let s = script
        var reply: [UInt8]
        if sql.uppercased().hasPrefix("USE ") {
            // What some clients send after login instead of naming the database in LOGIN7.
            let name = sql.dropFirst(4).trimmingCharacters(in: CharacterSet(charactersIn: " []\";\n"))
            reply =
                s.databases.contains(name)
                ? TDSServerTokens.envChangeDatabase(name) + TDSServerTokens.done()
                : TDSServerTokens.message(
                    911, state: 1, severity: 16,
                    text: "Database '\(name)' does not exist. Make sure that the name is entered correctly.")
                    + TDSServerTokens.done(status: 0x02)
        } else if sql.contains("SERVERPROPERTY('ProductVersion')") {
            reply = TDSServerTokens.resultSet(
                [.nvarchar(""), .nvarchar(""), .int(""), .nvarchar(""), .nvarchar(""), .int(""), .int("")],
                rows: [
                    [
                        s.version, s.edition, String(s.engineEdition), "app", "dbo", s.cdcEnabled ? "1" : "0",
                        String(s.snapshotIsolation),
                    ]
                ])
        } else if sql.contains("sys.dm_server_services") {
            if let agent = s.agent {
                reply = TDSServerTokens.resultSet(
                    [.nvarchar(""), .nvarchar("")], rows: [["SQL Server Agent (MSSQLSERVER)", agent]])
            } else {
                reply =
                    TDSServerTokens.message(
                        300, state: 1,
                        text: "VIEW SERVER STATE permission was denied on object 'server', database 'master'.")
                    + TDSServerTokens.done(status: 0x02)
            }
        } else if sql.contains("msdb.dbo.cdc_jobs") {
            reply = TDSServerTokens.resultSet(
                [.nvarchar(""), .int("")],
                rows: s.captureJob.map { job -> [[String?]] in [[job.name, job.enabled ? "1" : "0"]] } ?? [])
        } else if sql.contains("HAS_PERMS_BY_NAME") {
            reply = TDSServerTokens.resultSet([.int("")], rows: [[s.cdcSchemaReadable.map(String.init)]])
        } else if sql.contains("fn_my_permissions") {
            reply = TDSServerTokens.resultSet(
                [.nvarchar(""), .nvarchar("")],
                rows: s.permissions.map { permission -> [String?] in [permission.0, permission.1] })
        } else {
            reply = TDSServerTokens.done()
        }
        send(reply, context: context)
    }
}
