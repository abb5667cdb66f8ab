import NIOCore
import PreflightSCRAM
import Synchronization

/// What ``PostgresSCRAMHandler`` did, for the probe to read once postgres-nio has succeeded or failed.
final class PostgresSCRAMRecord: Sendable {
    private let state = Mutex<(answered: Bool, failure: SCRAMError?)>((false, nil))

    init() {}

    /// Whether the handler answered the server's SCRAM-SHA-256 request itself.
    var answered: Bool { state.withLock { $0.answered } }
    /// Why the handler stopped the login (a malformed server message, a server signature that does not verify).
    var failure: SCRAMError? { state.withLock { $0.failure } }

    func markAnswered() { state.withLock { $0.answered = true } }
    func fail(_ error: SCRAMError) { state.withLock { $0.failure = error } }
}

/// PostgreSQL's SCRAM-SHA-256 login, answered in front of postgres-nio so that the salted password
/// (PBKDF2 with the server's 4,096 or more iterations, most of a ping's own CPU) comes from SCRAM's cache
/// on a repeated ping, as MongoDB's drivers and ours do; postgres-nio computes it on every login.
///
/// It sits between the socket (or TLS) and postgres-nio. Until the login ends it reads whole backend
/// messages: an AuthenticationSASL that offers SCRAM-SHA-256 is answered here (SASLInitialResponse), and so
/// are AuthenticationSASLContinue (SASLResponse with the proof) and AuthenticationSASLFinal (the server's
/// signature checked). postgres-nio, which sent the startup message, then sees what follows as after trust
/// authentication: AuthenticationOk, or the server's ErrorResponse (a wrong password). Notices pass through;
/// anything else (MD5, a cleartext request, an error, bytes that are not PostgreSQL) is handed to postgres-nio
/// with everything after it, as if this handler were not there. A failure of the exchange is recorded in
/// `record` and the connection closed; the probe reads the record before postgres-nio's error.
final class PostgresSCRAMHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The longest authentication message read here; a longer one goes to postgres-nio to judge.
    static let maximumMessageLength = 8192
    static let mechanism = "SCRAM-SHA-256"

    private enum State {
        case awaitingRequest
        case sentFirst(SCRAMClient)
        case sentFinal(SCRAMClient)
        case awaitingOk
        case passThrough
    }

    private let password: String?
    private let record: PostgresSCRAMRecord
    private let clientNonce: String?
    private var state = State.awaitingRequest
    private var pending: ByteBuffer?

    /// `clientNonce` is for tests (the RFC's vectors); a ping makes a fresh one.
    init(password: String?, record: PostgresSCRAMRecord, clientNonce: String? = nil) {
        self.password = password
        self.record = record
        self.clientNonce = clientNonce
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .passThrough = state { return context.fireChannelRead(data) }
        var incoming = unwrapInboundIn(data)
        if pending == nil {
            pending = incoming
        } else {
            pending!.writeBuffer(&incoming)
        }
        readMessages(context: context)
    }

    private func readMessages(context: ChannelHandlerContext) {
        while let buffered = pending, buffered.readableBytes >= 5 {
            let start = buffered.readerIndex
            let type = buffered.getInteger(at: start, as: UInt8.self)!
            let length = Int(buffered.getInteger(at: start + 1, as: UInt32.self)!)
            let isAuthentication = type == UInt8(ascii: "R") && length >= 8 && length <= Self.maximumMessageLength
            let isNotice = type == UInt8(ascii: "N") && length >= 4 && length <= Self.maximumMessageLength
            guard isAuthentication || isNotice else { return passTheRestThrough(context: context) }
            guard buffered.readableBytes >= 1 + length else { return }
            let message = pending!.readSlice(length: 1 + length)!
            if isNotice {
                context.fireChannelRead(wrapInboundOut(message))
                continue
            }
            let code = message.getInteger(at: message.readerIndex + 5, as: UInt32.self)!
            let body = message.getSlice(at: message.readerIndex + 9, length: length - 8)!
            switch (code, state) {
            case (10, .awaitingRequest):
                guard let password, Self.mechanisms(in: body).contains(Self.mechanism) else {
                    // No password, or no SCRAM-SHA-256 on offer: postgres-nio says so as it always has.
                    context.fireChannelRead(wrapInboundOut(message))
                    return passTheRestThrough(context: context)
                }
                // PostgreSQL SASLpreps the password when it can and uses it as it is when it cannot; the user
                // name in the exchange is ignored (it came in the startup message), so libpq sends none.
                var client = SCRAMClient(
                    mechanism: .sha256, username: "", preparedPassword: SASLprep.prepare(password) ?? password,
                    clientNonce: clientNonce)
                client.iterationFloor = 1
                record.markAnswered()
                state = .sentFirst(client)
                send(Self.initialResponse(client.clientFirstMessage), context: context)
            case (11, .sentFirst(var client)):
                do {
                    let final = try client.clientFinalMessage(
                        serverFirst: String(decoding: body.readableBytesView, as: UTF8.self))
                    state = .sentFinal(client)
                    send(Self.response(final), context: context)
                } catch {
                    return fail(error, context: context)
                }
            case (12, .sentFinal(let client)):
                do {
                    try client.verifyServerFinal(String(decoding: body.readableBytesView, as: UTF8.self))
                    state = .awaitingOk
                } catch {
                    return fail(error, context: context)
                }
            case (11, _), (12, _):
                return fail(
                    SCRAMError(.protocolViolation, "the server sent a SCRAM message out of turn"), context: context)
            default:
                // AuthenticationOk (the login is done), MD5 or cleartext, or anything unexpected: postgres-nio's.
                context.fireChannelRead(wrapInboundOut(message))
                return passTheRestThrough(context: context)
            }
        }
    }

    /// From here on postgres-nio reads everything, starting with what is buffered.
    private func passTheRestThrough(context: ChannelHandlerContext) {
        state = .passThrough
        if let rest = pending, rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
        pending = nil
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func fail(_ error: SCRAMError, context: ChannelHandlerContext) {
        record.fail(error)
        state = .passThrough
        pending = nil
        context.close(promise: nil)
    }

    private func send(_ message: ByteBuffer, context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(message), promise: nil)
    }

    /// The mechanism names of an AuthenticationSASL body: NUL-terminated strings, an empty one last.
    static func mechanisms(in body: ByteBuffer) -> [String] {
        body.readableBytesView.split(separator: 0, omittingEmptySubsequences: true).map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// SASLInitialResponse: 'p', the length, the mechanism's name, the length of the client-first message, it.
    static func initialResponse(_ clientFirst: String) -> ByteBuffer {
        let name = Array(mechanism.utf8)
        let first = Array(clientFirst.utf8)
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(ascii: "p"))
        buffer.writeInteger(UInt32(4 + name.count + 1 + 4 + first.count))
        buffer.writeBytes(name)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(first.count))
        buffer.writeBytes(first)
        return buffer
    }

    /// SASLResponse: 'p', the length, the client-final message.
    static func response(_ clientFinal: String) -> ByteBuffer {
        let final = Array(clientFinal.utf8)
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(ascii: "p"))
        buffer.writeInteger(UInt32(4 + final.count))
        buffer.writeBytes(final)
        return buffer
    }
}
