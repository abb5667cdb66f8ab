import Crypto
import Foundation
import NIOCore
import NIOPosix
import PreflightMySQL
import Synchronization
import _CryptoExtras

/// An in-process MySQL server on 127.0.0.1 that performs the real server side of the exchanges a ping
/// needs, for what the local MariaDB cannot show (MySQL 8's `caching_sha2_password`, error greetings,
/// auth switches to plugins Preflight refuses):
///
/// - `caching_sha2_password` as MySQL 8 does it: an account whose password is not in the server's cache
///   gets "perform full authentication" (0x01 0x04); the client asks for the RSA public key (0x02) or
///   brings its own; the server decrypts the reply with its RSA private key (OAEP), XORs it with the nonce
///   and compares the password; on success the account is cached, and the next login takes the fast path
///   (the scramble is checked against SHA256(SHA256(password)), then 0x01 0x03 and OK);
/// - `mysql_native_password`, checking the scramble against SHA1(SHA1(password));
/// - an auth-switch request when the account's plugin differs from the one the client announced;
/// - after login, canned answers to the readiness queries (a MySQL 8 with ROW binlogs) and COM_QUIT.
///
/// It does not speak TLS (the test target has no NIOSSL): an SSL request is answered by closing.
final class ScriptedMySQLPeer: Sendable {
    struct Account: Sendable {
        var user: String
        var password: String
        /// caching_sha2_password, mysql_native_password, or any other name (the peer then switches to it and fails).
        var plugin: String
        /// Answer the login with this error instead (e.g. 3159).
        var loginError: MySQLServerError?

        init(user: String, password: String, plugin: String, loginError: MySQLServerError? = nil) {
            self.user = user
            self.password = password
            self.plugin = plugin
            self.loginError = loginError
        }
    }

    enum Script: Sendable {
        /// A MySQL 8 server with these accounts.
        case server(accounts: [Account], defaultPlugin: String)
        /// An ERR packet instead of the greeting, then close (1040, 1130, ...).
        case errorGreeting(MySQLServerError)
    }

    struct Stats: Sendable {
        var connections = 0
        var fastAuths = 0
        var fullAuths = 0
        var publicKeyRequests = 0
        var authSwitches: [String] = []
        var rsaPasswordsDecrypted = 0
        var queries: [String] = []
        var quits = 0
        var received: [UInt8] = []
    }

    let port: Int
    /// The server's RSA key pair (PEM), for full authentication.
    let privateKeyPEM: String
    let publicKeyPEM: String
    private let channel: any Channel
    private let shared: PeerShared

    var stats: Stats { shared.state.withLock { $0.stats } }

    /// A 2048-bit key made once for the whole test run (generating one takes a moment).
    static let sharedKeyPEM: String = try! _RSA.Encryption.PrivateKey(keySize: .bits2048).pemRepresentation

    init(
        _ script: Script, privateKeyPEM: String = ScriptedMySQLPeer.sharedKeyPEM, version: String = "8.0.36",
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws {
        let keyPEM = privateKeyPEM
        let key = try _RSA.Encryption.PrivateKey(pemRepresentation: keyPEM)
        self.publicKeyPEM = key.publicKey.pemRepresentation
        let shared = PeerShared()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    shared.children.withLock { $0.append(channel) }
                    shared.state.withLock { $0.stats.connections += 1 }
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptedConnection(
                            script: script, key: try _RSA.Encryption.PrivateKey(pemRepresentation: keyPEM),
                            version: version, shared: shared))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
        self.privateKeyPEM = keyPEM
        self.shared = shared
    }

    /// Closes the listening socket and every connection still open.
    func shutdown() async {
        try? await channel.close()
        for child in shared.children.withLock({ $0 }) { try? await child.close() }
    }
}

/// What the peer's connections share.
final class PeerShared: Sendable {
    let state = Mutex<(stats: ScriptedMySQLPeer.Stats, cache: Set<String>)>((ScriptedMySQLPeer.Stats(), []))
    let children = Mutex<[any Channel]>([])
}

/// One connection of the scripted server. Only touched on its event loop.
private final class ScriptedConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase {
        case handshake
        case authSwitch(ScriptedMySQLPeer.Account)
        case cachingFast(ScriptedMySQLPeer.Account)
        case cachingFull(ScriptedMySQLPeer.Account)
        case command
        case closed
    }

    let script: ScriptedMySQLPeer.Script
    let key: _RSA.Encryption.PrivateKey
    let version: String
    let shared: PeerShared
    var reader = MySQLPacketReader(maxPayload: 1 << 20)
    var phase = Phase.handshake
    var sequence: UInt8 = 0
    var nonce: [UInt8] = (0..<20).map { _ in UInt8.random(in: 1...126) }
    var clientPlugin = ""

    init(
        script: ScriptedMySQLPeer.Script, key: _RSA.Encryption.PrivateKey, version: String,
        shared: PeerShared
    ) {
        self.script = script
        self.key = key
        self.version = version
        self.shared = shared
    }

    func channelActive(context: ChannelHandlerContext) {
        switch script {
        case .errorGreeting(let error):
            send(error.encoded(), context: context)
            context.close(promise: nil)
            phase = .closed
        case .server(_, let defaultPlugin):
            let capabilities: MySQLCapabilities = [
                .longPassword, .longFlag, .connectWithDB, .protocol41, .transactions, .secureConnection,
                .multiResults, .pluginAuth, .pluginAuthLengthEncodedData, .connectAttributes, .deprecateEOF,
            ]
            let greeting = MySQLGreeting(
                serverVersion: version, connectionID: 7, capabilities: capabilities,
                characterSet: 255, statusFlags: 2, authPluginName: defaultPlugin, scramble: nonce)
            send(greeting.encoded(), context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        shared.state.withLock { $0.stats.received += bytes }
        reader.append(bytes)
        while case .some(let packet) = try? reader.next() {
            sequence = packet.nextSequence
            handle(packet.payload, context: context)
        }
    }

    private func send(_ payload: [UInt8], context: ChannelHandlerContext) {
        let frames = MySQLFraming.frame(payload, sequence: &sequence)
        reader.expectedSequence = sequence
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: frames)), promise: nil)
    }

    private func accessDenied(_ user: String, context: ChannelHandlerContext) {
        send(
            MySQLServerError(
                code: 1045, sqlState: "28000",
                message: "Access denied for user '\(user)'@'127.0.0.1' (using password: YES)"
            ).encoded(), context: context)
        context.close(promise: nil)
        phase = .closed
    }

    private func ok(_ context: ChannelHandlerContext) {
        send(mysqlOKPayload, context: context)
        phase = .command
        // Each command starts a new sequence at 0.
        reader.expectedSequence = nil
    }

    private func handle(_ payload: [UInt8], context: ChannelHandlerContext) {
        guard case .server(let accounts, _) = script else { return }
        switch phase {
        case .handshake:
            guard payload.count > 32 else {
                // An SSL request (32 bytes): this peer has no TLS.
                context.close(promise: nil)
                phase = .closed
                return
            }
            var reader = MySQLPayloadReader(payload)
            guard let flags = try? reader.uint(4, "caps"), (try? reader.skip(28, "head")) != nil,
                let userBytes = try? reader.nulTerminated("user")
            else { return context.close(promise: nil) }
            let capabilities = MySQLCapabilities(rawValue: UInt32(flags))
            let response: [UInt8]
            if capabilities.contains(.pluginAuthLengthEncodedData) {
                response = ((try? reader.lengthEncodedBytes("auth")) ?? nil) ?? []
            } else {
                let length = Int((try? reader.u8("len")) ?? 0)
                response = (try? reader.take(length, "auth")) ?? []
            }
            if capabilities.contains(.connectWithDB) { _ = try? reader.nulTerminated("db") }
            clientPlugin =
                capabilities.contains(.pluginAuth)
                ? String(decoding: (try? reader.nulTerminated("plugin", orToEnd: true)) ?? [], as: UTF8.self) : ""
            let user = String(decoding: userBytes, as: UTF8.self)
            guard let account = accounts.first(where: { $0.user == user }) else {
                return accessDenied(user, context: context)
            }
            if let error = account.loginError {
                send(error.encoded(), context: context)
                context.close(promise: nil)
                phase = .closed
                return
            }
            if account.plugin != clientPlugin {
                nonce = (0..<20).map { _ in UInt8.random(in: 1...126) }
                shared.state.withLock { $0.stats.authSwitches.append(account.plugin) }
                phase = .authSwitch(account)
                send([0xFE] + Array(account.plugin.utf8) + [0] + nonce + [0], context: context)
                return
            }
            verify(account, response: response, context: context)
        case .authSwitch(let account):
            verify(account, response: payload, context: context)
        case .cachingFast(let account):
            verify(account, response: payload, context: context)
        case .cachingFull(let account):
            if payload == [0x02] {
                shared.state.withLock { $0.stats.publicKeyRequests += 1 }
                send([0x01] + Array(key.publicKey.pemRepresentation.utf8), context: context)
                return
            }
            // The password XOR-ed with the nonce, RSA-OAEP encrypted with our public key.
            guard let plain = try? key.decrypt(payload, padding: .PKCS1_OAEP) else {
                return accessDenied(account.user, context: context)
            }
            shared.state.withLock { $0.stats.rsaPasswordsDecrypted += 1 }
            let clear = plain.enumerated().map { $0.element ^ nonce[$0.offset % nonce.count] }
            guard clear.last == 0, Array(clear.dropLast()) == Array(account.password.utf8) else {
                return accessDenied(account.user, context: context)
            }
            shared.state.withLock {
                $0.cache.insert(account.user)
                $0.stats.fullAuths += 1
            }
            ok(context)
        case .command:
            command(payload, context: context)
        case .closed:
            break
        }
    }

    private func verify(_ account: ScriptedMySQLPeer.Account, response: [UInt8], context: ChannelHandlerContext) {
        let password = Array(account.password.utf8)
        switch account.plugin {
        case MySQLAuthenticator.nativePassword:
            // The server stores SHA1(SHA1(password)); the reply XOR SHA1(nonce + stored) must hash to it.
            let stored = Array(Insecure.SHA1.hash(data: Array(Insecure.SHA1.hash(data: password))))
            let mix = Array(Insecure.SHA1.hash(data: nonce + stored))
            guard response.count == 20 else { return accessDenied(account.user, context: context) }
            let stage1 = zip(response, mix).map { $0 ^ $1 }
            guard Array(Insecure.SHA1.hash(data: stage1)) == stored else {
                return accessDenied(account.user, context: context)
            }
            ok(context)
        case MySQLAuthenticator.cachingSHA2:
            let cached = shared.state.withLock { $0.cache.contains(account.user) }
            guard cached else {
                // Without a cache entry the server cannot check the scramble: full authentication.
                phase = .cachingFull(account)
                send([0x01, 0x04], context: context)
                return
            }
            let stored = Array(SHA256.hash(data: Array(SHA256.hash(data: password))))
            let mix = Array(SHA256.hash(data: stored + nonce))
            let stage1 = zip(response, mix).map { $0 ^ $1 }
            guard response.count == 32, Array(SHA256.hash(data: stage1)) == stored else {
                // MySQL 8 (sha2_password.cc) treats a failed fast path like a cache miss: it asks for
                // full authentication, and only the password itself can then be refused.
                phase = .cachingFull(account)
                send([0x01, 0x04], context: context)
                return
            }
            shared.state.withLock { $0.stats.fastAuths += 1 }
            send([0x01, 0x03], context: context)
            ok(context)
        default:
            // A plugin this peer only names (clear password, GSSAPI): whatever arrives is refused.
            accessDenied(account.user, context: context)
        }
    }

    private func command(_ payload: [UInt8], context: ChannelHandlerContext) {
        defer { reader.expectedSequence = nil }
        guard let code = payload.first else { return }
        switch code {
        case 0x01:
            shared.state.withLock { $0.stats.quits += 1 }
            context.close(promise: nil)
            phase = .closed
        case 0x03:
            let sql = String(decoding: payload.dropFirst(), as: UTF8.self)
            shared.state.withLock { $0.stats.queries.append(sql) }
            if sql.hasPrefix("SHOW GLOBAL VARIABLES") {
                resultSet(
                    ["Variable_name", "Value"],
                    rows: [
                        ["binlog_expire_logs_seconds", "2592000"], ["binlog_format", "ROW"],
                        ["binlog_row_image", "FULL"],
                        ["enforce_gtid_consistency", "ON"], ["expire_logs_days", "0"], ["gtid_mode", "ON"],
                        ["log_bin", "ON"],
                        ["version", version], ["version_comment", "MySQL Community Server - GPL"],
                    ], context: context)
            } else if sql == "SHOW GRANTS" {
                resultSet(
                    ["Grants for cdc@%"],
                    rows: [["GRANT SELECT, RELOAD, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `cdc`@`%`"]],
                    context: context)
            } else if sql.uppercased().hasPrefix("SET NAMES ") || sql.uppercased().hasPrefix("SET AUTOCOMMIT") {
                // What real clients send after login (PyMySQL: SET NAMES utf8mb4); a server says OK.
                ok(context)
            } else if sql == "SELECT CURRENT_USER()" {
                resultSet(["CURRENT_USER()"], rows: [["cdc@%"]], context: context)
            } else {
                send(
                    MySQLServerError(code: 1064, sqlState: "42000", message: "You have an error in your SQL syntax")
                        .encoded(), context: context)
            }
        default:
            send(
                MySQLServerError(code: 1047, sqlState: "08S01", message: "Unknown command").encoded(), context: context)
        }
    }

    /// A text result set in the classic form (column definitions, EOF, rows, EOF), as the client did not ask for DEPRECATE_EOF.
    private func resultSet(_ columns: [String], rows: [[String]], context: ChannelHandlerContext) {
        var count = MySQLPayloadWriter()
        count.lengthEncoded(UInt64(columns.count))
        send(count.bytes, context: context)
        for name in columns {
            var definition = MySQLPayloadWriter()
            for field in ["def", "", "", "", name, name] { definition.lengthEncodedBytes(Array(field.utf8)) }
            definition.u8(0x0C)
            definition.uint(255, size: 2)
            definition.uint(1024, size: 4)
            definition.u8(0xFD)
            definition.uint(0, size: 2)
            definition.u8(0)
            definition.uint(0, size: 2)
            send(definition.bytes, context: context)
        }
        send([0xFE, 0, 0, 2, 0], context: context)
        for row in rows {
            var writer = MySQLPayloadWriter()
            for value in row { writer.lengthEncodedBytes(Array(value.utf8)) }
            send(writer.bytes, context: context)
        }
        send([0xFE, 0, 0, 2, 0], context: context)
    }
}
