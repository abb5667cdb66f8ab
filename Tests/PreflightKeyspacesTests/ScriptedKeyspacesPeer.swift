import Crypto
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PreflightKeyspaces
import PreflightTestSupport
import Synchronization

/// An in-process Amazon Keyspaces look-alike: CQL native protocol v4 over TLS (the `TestPKI` server
/// certificate, or another pair), with the rules a real server enforces: v4 frames only (other versions
/// get the protocol error drivers downgrade on), OPTIONS/STARTUP before anything else, a login before
/// any query, the SigV4 authenticator (a random nonce, the signature recomputed here from the access
/// key's secret, the timestamp within 15 minutes) and PasswordAuthenticator (`\0user\0password`), and
/// canned rows for the system tables drivers and the ping read. Checked first by cassandra-driver with
/// cassandra-sigv4 (`scripts/peers/cql_check.py`).
final class ScriptedKeyspacesPeer: Sendable {
    /// A table and its CDC stream (nil status: no `cdc_specification`).
    struct Table: Sendable {
        var name: String
        var cdcStatus: String?
        var viewType: String?
    }

    struct Options: Sendable {
        var region = "us-east-1"
        /// access key id -> secret.
        var accessKeys: [String: String] = [:]
        /// session tokens accepted with an access key (temporary credentials).
        var sessionTokens: [String: String] = [:]
        /// user name -> password (service-specific credentials).
        var users: [String: String] = [:]
        var authenticator = "com.amazon.helenus.auth.HelenusAuthenticator"
        var keyspaces: [String: [Table]] = [:]
        /// Every QUERY is answered with Overloaded (0x1001), as Keyspaces throttles.
        var throttleQueries = false
        /// Queries on system_schema_mcs are refused as Unauthorized (0x2100).
        var denySchemaMCS = false
        var certificatePEM = TestPKI.serverCertificatePEM
        var keyPEM = TestPKI.serverKeyPEM
        /// Raw bytes to answer a request with instead of the rules (hostile variants); nil: the rules.
        var override: (@Sendable (UInt8) -> [UInt8]?)?
        /// Close the connection after an override's bytes (a peer that hangs up mid-frame).
        var closeAfterOverride = false
    }

    let port: Int
    let options: Options
    private let channel: any Channel
    private let log: Log

    /// What happened, in order ("OPTIONS", "STARTUP", "AUTH sigv4 ok AKIA...", "QUERY SELECT ...").
    var events: [String] { log.events }

    init(_ options: Options) async throws {
        let log = Log()
        self.options = options
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [
                .certificate(try NIOSSLCertificate(bytes: Array(options.certificatePEM.utf8), format: .pem))
            ],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(options.keyPEM.utf8), format: .pem)))
        let context = try NIOSSLContext(configuration: configuration)
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.addHandler(Connection(options: options, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        self.log = log
    }

    func shutdown() async { try? await channel.close() }

    final class Log: Sendable {
        private let state = Mutex<[String]>([])
        var events: [String] { state.withLock { $0 } }
        func append(_ event: String) { state.withLock { $0.append(event) } }
    }

    /// One connection's state machine. Only touched on its channel's event loop.
    final class Connection: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        enum State {
            case new, authenticating
            case sigV4Challenged(nonce: [UInt8])
            case ready
        }

        private let options: Options
        private let log: Log
        private var buffer: [UInt8] = []
        private var state = State.new

        init(options: Options, log: Log) {
            self.options = options
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            buffer += bytes.readBytes(length: bytes.readableBytes) ?? []
            while buffer.count >= 9 {
                let version = buffer[0]
                let stream = Int16(bitPattern: UInt16(buffer[2]) << 8 | UInt16(buffer[3]))
                guard version == 0x04 else {
                    // What Cassandra answers a version it does not speak; drivers downgrade on this text.
                    log.append("VERSION \(version)")
                    send(
                        context, stream: stream, opcode: .error,
                        body: CQLWriter.int(0x000A)
                            + CQLWriter.string(
                                "Invalid or unsupported protocol version (\(version & 0x7F)); supported versions are (3/v3, 4/v4)"
                            ),
                        close: true)
                    buffer.removeAll()
                    return
                }
                let frame: CQLFrame
                do {
                    guard let (decoded, used) = try CQLFrameDecoder.decode(buffer[...], responses: false) else {
                        return
                    }
                    frame = decoded
                    buffer.removeFirst(used)
                } catch {
                    log.append("BAD FRAME \(error)")
                    send(context, stream: stream, opcode: .error, body: errorBody(0x000A, "\(error)"), close: true)
                    return
                }
                if let raw = options.override?(frame.opcode.rawValue) {
                    log.append("OVERRIDE \(frame.opcode)")
                    let written = context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: raw)))
                    if options.closeAfterOverride {
                        written.whenComplete { _ in context.close(promise: nil) }
                        return
                    }
                    continue
                }
                handle(frame, context: context)
            }
        }

        private func errorBody(_ code: Int32, _ message: String) -> [UInt8] {
            CQLWriter.int(code) + CQLWriter.string(message)
        }

        private func send(
            _ context: ChannelHandlerContext, stream: Int16, opcode: CQLFrame.Opcode, body: [UInt8], close: Bool = false
        ) {
            let frame = CQLFrame(versionByte: 0x84, stream: stream, opcode: opcode, body: body)
            let future = context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: frame.encoded())))
            if close { future.whenComplete { _ in context.close(promise: nil) } }
        }

        private func handle(_ frame: CQLFrame, context: ChannelHandlerContext) {
            let stream = frame.stream
            var reader = CQLReader(frame.body)
            switch (frame.opcode, state) {
            case (.options, _):
                log.append("OPTIONS")
                var body = CQLWriter.short(3)
                body += CQLWriter.string("CQL_VERSION") + CQLWriter.stringList(["3.4.4"])
                body += CQLWriter.string("COMPRESSION") + CQLWriter.stringList([])
                body += CQLWriter.string("PROTOCOL_VERSIONS") + CQLWriter.stringList(["3/v3", "4/v4"])
                send(context, stream: stream, opcode: .supported, body: body)
            case (.startup, .new):
                let map = (try? reader.stringMap()) ?? [:]
                log.append("STARTUP \(map["CQL_VERSION"] ?? "-")")
                guard map["CQL_VERSION"]?.hasPrefix("3.") == true else {
                    return send(
                        context, stream: stream, opcode: .error,
                        body: errorBody(0x000A, "Missing value CQL_VERSION in STARTUP message"))
                }
                guard map["COMPRESSION"] == nil else {
                    return send(
                        context, stream: stream, opcode: .error,
                        body: errorBody(0x000A, "Unknown compression algorithm"))
                }
                state = .authenticating
                send(context, stream: stream, opcode: .authenticate, body: CQLWriter.string(options.authenticator))
            case (.authResponse, .authenticating):
                let token = (try? reader.bytesValue()).flatMap { $0 } ?? []
                if token == Array("SigV4".utf8) + [0, 0] {
                    // 32 characters, as the plugins read them.
                    let nonce = Array(
                        (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined().utf8)
                    state = .sigV4Challenged(nonce: nonce)
                    log.append("AUTH sigv4 challenge")
                    send(
                        context, stream: stream, opcode: .authChallenge,
                        body: CQLWriter.bytes(Array("nonce=".utf8) + nonce))
                    return
                }
                let parts = token.split(separator: 0, omittingEmptySubsequences: false).map {
                    String(decoding: $0, as: UTF8.self)
                }
                guard parts.count == 3, let expected = options.users[parts[1]], expected == parts[2] else {
                    let user = parts.count > 1 ? parts[1] : ""
                    log.append("AUTH password refused \(user)")
                    return send(
                        context, stream: stream, opcode: .error,
                        body: errorBody(0x0100, "Provided username \(user) and/or password are incorrect"))
                }
                log.append("AUTH password ok \(parts[1])")
                state = .ready
                send(context, stream: stream, opcode: .authSuccess, body: CQLWriter.bytes(nil))
            case (.authResponse, .sigV4Challenged(let nonce)):
                let text = String(decoding: (try? reader.bytesValue()).flatMap { $0 } ?? [], as: UTF8.self)
                switch verifySigV4(text, nonce: nonce) {
                case .success(let key):
                    log.append("AUTH sigv4 ok \(key)")
                    state = .ready
                    send(context, stream: stream, opcode: .authSuccess, body: CQLWriter.bytes(nil))
                case .failure(let problem):
                    log.append("AUTH sigv4 refused \(problem.reason)")
                    send(
                        context, stream: stream, opcode: .error,
                        body: errorBody(0x0100, "Authentication failure: \(problem.reason)"))
                }
            case (.register, .ready):
                log.append("REGISTER")
                send(context, stream: stream, opcode: .ready, body: [])
            case (.query, .ready):
                let query = (try? reader.longString()) ?? ""
                _ = try? reader.short()
                let flags = (try? reader.byte()) ?? 0
                var values: [String] = []
                if flags & 0x01 != 0, let count = try? reader.short() {
                    for _ in 0..<count {
                        values.append(String(decoding: (try? reader.bytesValue()).flatMap { $0 } ?? [], as: UTF8.self))
                    }
                }
                log.append("QUERY \(query)")
                let (opcode, body) = answer(query, values: values)
                send(context, stream: stream, opcode: opcode, body: body)
            default:
                log.append("OUT OF ORDER \(frame.opcode)")
                send(
                    context, stream: stream, opcode: .error,
                    body: errorBody(
                        0x000A, "Unexpected message \(frame.opcode), expecting STARTUP or AUTH_RESPONSE first"),
                    close: true)
            }
        }

        struct Refusal: Error { let reason: String }

        /// Recomputes the signature the SigV4 authenticator must send (written here from AWS's description
        /// of the exchange, not with the module's signer) and compares.
        private func verifySigV4(_ text: String, nonce: [UInt8]) -> Result<String, Refusal> {
            var fields: [String: String] = [:]
            for part in text.split(separator: ",") {
                guard let equals = part.firstIndex(of: "=") else { continue }
                fields[String(part[..<equals])] = String(part[part.index(after: equals)...])
            }
            guard let signature = fields["signature"], let key = fields["access_key"], let stamp = fields["amzdate"]
            else { return .failure(Refusal(reason: "signature, access_key and amzdate are required")) }
            guard let secret = options.accessKeys[key] else {
                return .failure(
                    Refusal(reason: "the security token included in the request is invalid (unknown access key)"))
            }
            if let token = options.sessionTokens[key], fields["session_token"] != token {
                return .failure(Refusal(reason: "the session token is missing or invalid"))
            }
            let parser = ISO8601DateFormatter()
            parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = parser.date(from: stamp), abs(date.timeIntervalSinceNow) < 900 else {
                return .failure(Refusal(reason: "amzdate \(stamp) is not within 15 minutes of the server's time"))
            }
            let day = String(stamp.prefix(10)).replacingOccurrences(of: "-", with: "")
            let scope = "\(day)/\(options.region)/cassandra/aws4_request"
            let encodedScope = scope.replacingOccurrences(of: "/", with: "%2F")
            let encodedStamp = stamp.replacingOccurrences(of: ":", with: "%3A")
            let canonical = [
                "PUT", "/authenticate",
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=\(key)%2F\(encodedScope)&X-Amz-Date=\(encodedStamp)&X-Amz-Expires=900",
                "host:cassandra", "", "host", hex(SHA256.hash(data: nonce)),
            ].joined(separator: "\n")
            let toSign = ["AWS4-HMAC-SHA256", stamp, scope, hex(SHA256.hash(data: Array(canonical.utf8)))]
                .joined(separator: "\n")
            var signingKey = SymmetricKey(data: Array("AWS4\(secret)".utf8))
            for part in [day, options.region, "cassandra", "aws4_request"] {
                signingKey = SymmetricKey(
                    data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: signingKey)))
            }
            let expected = hex(HMAC<SHA256>.authenticationCode(for: Array(toSign.utf8), using: signingKey))
            guard expected == signature else {
                return .failure(
                    Refusal(reason: "the request signature we calculated does not match the signature you provided"))
            }
            return .success(key)
        }

        private func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
            bytes.map { String(format: "%02x", $0) }.joined()
        }

        // MARK: Canned tables

        private func text(_ value: String) -> [UInt8]? { Array(value.utf8) }

        private var localRow: [(String, CQLType, [UInt8]?)] {
            [
                ("key", .varchar, text("local")), ("bootstrapped", .varchar, text("COMPLETED")),
                ("broadcast_address", .inet, [127, 0, 0, 1]), ("cluster_name", .varchar, text("Amazon Keyspaces")),
                ("cql_version", .varchar, text("3.4.4")), ("data_center", .varchar, text(options.region)),
                ("host_id", .uuid, Array(repeating: 7, count: 16)), ("listen_address", .inet, [127, 0, 0, 1]),
                ("native_protocol_version", .varchar, text("4")),
                ("partitioner", .varchar, text("com.amazonaws.cassandra.DefaultPartitioner")),
                ("rack", .varchar, text("rack1")), ("release_version", .varchar, text("3.11.2")),
                ("rpc_address", .inet, [127, 0, 0, 1]), ("schema_version", .uuid, Array(repeating: 9, count: 16)),
                ("tokens", .set(.varchar), CQLWriter.int(1) + CQLWriter.bytes(Array("0".utf8))),
            ]
        }

        private func rows(_ keyspace: String, _ table: String, _ columns: [(String, CQLType)], _ cells: [[[UInt8]?]])
            -> (CQLFrame.Opcode, [UInt8])
        {
            (
                .result,
                CQLRows(columns: columns.map { (name: $0.0, type: $0.1) }, rows: []).encoded(
                    keyspace: keyspace, table: table, cells: cells)
            )
        }

        /// The selected column names of `SELECT a, b FROM ...` (nil for `*`).
        private func selected(_ query: String) -> [String]? {
            let lower = query.lowercased()
            guard let select = lower.range(of: "select "), let from = lower.range(of: " from ") else { return nil }
            let list = lower[select.upperBound..<from.lowerBound].trimmingCharacters(in: .whitespaces)
            if list == "*" { return nil }
            return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }

        private func answer(_ query: String, values: [String]) -> (CQLFrame.Opcode, [UInt8]) {
            let lower = query.lowercased()
            if options.throttleQueries {
                return (
                    .error, errorBody(0x1001, "Request throttled: rate exceeded for the table (ReadThrottleEvents)")
                )
            }
            if lower.contains("from system.local") {
                let wanted = selected(query)
                let columns = localRow.filter { wanted == nil || wanted!.contains($0.0) }
                return rows("system", "local", columns.map { ($0.0, $0.1) }, [columns.map(\.2)])
            }
            if lower.contains("from system.peers_v2") {
                return (.error, errorBody(0x2200, "unconfigured table peers_v2"))
            }
            if lower.contains("from system.peers") {
                let columns: [(String, CQLType)] = [
                    ("peer", .inet), ("data_center", .varchar), ("host_id", .uuid), ("rack", .varchar),
                    ("release_version", .varchar), ("rpc_address", .inet), ("schema_version", .uuid),
                    ("tokens", .set(.varchar)),
                ]
                return rows("system", "peers", columns, [])
            }
            if lower.contains("from system_schema.keyspaces") {
                let name = values.first ?? ""
                let found = options.keyspaces[name] != nil
                return rows("system_schema", "keyspaces", [("keyspace_name", .varchar)], found ? [[text(name)]] : [])
            }
            if lower.contains("from system_schema_mcs.tables") {
                if options.denySchemaMCS {
                    return (
                        .error, errorBody(0x2100, "User has no SELECT permission on <table system_schema_mcs.tables>")
                    )
                }
                let tables = options.keyspaces[values.first ?? ""] ?? []
                let propertiesType = CQLType.map(.varchar, .map(.varchar, .varchar))
                let cells: [[[UInt8]?]] = tables.map { table in
                    var outer: [(String, [(String, String)])] = [
                        ("capacity_mode", [("throughput_mode", "PAY_PER_REQUEST")])
                    ]
                    if let status = table.cdcStatus {
                        outer.append(
                            (
                                "cdc_specification",
                                [("status", status), ("view_type", table.viewType ?? "NEW_AND_OLD_IMAGES")]
                            ))
                    }
                    var map = CQLWriter.int(Int32(outer.count))
                    for (key, inner) in outer {
                        var innerBytes = CQLWriter.int(Int32(inner.count))
                        for (k, v) in inner {
                            innerBytes += CQLWriter.bytes(Array(k.utf8)) + CQLWriter.bytes(Array(v.utf8))
                        }
                        map += CQLWriter.bytes(Array(key.utf8)) + CQLWriter.bytes(innerBytes)
                    }
                    return [text(table.name), map]
                }
                return rows(
                    "system_schema_mcs", "tables", [("table_name", .varchar), ("custom_properties", propertiesType)],
                    cells)
            }
            return (.error, errorBody(0x2000, "line 1:0 no viable alternative at input '\(query.prefix(40))'"))
        }
    }
}
