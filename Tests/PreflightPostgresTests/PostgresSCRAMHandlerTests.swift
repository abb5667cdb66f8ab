import Crypto
import Foundation
import NIOCore
import NIOEmbedded
import PreflightCore
import PreflightSCRAM
import Testing

@testable import PreflightPostgres

/// The SCRAM-SHA-256 login answered in front of postgres-nio, without I/O: the test plays the server (RFC 5802's
/// arithmetic written out here, not the client's), feeds backend messages and reads what the handler writes
/// and what it passes on to postgres-nio.
struct PostgresSCRAMHandlerTests {
    static let password = "pencil-Planted-77"
    static let salt: [UInt8] = Array("salt-of-the-role".utf8)
    static let nonce = "clientNonce0123456789"

    /// A backend message: type, length (itself included), body.
    static func message(_ type: Character, _ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(type.asciiValue!)
        buffer.writeInteger(UInt32(4 + body.count))
        buffer.writeBytes(body)
        return buffer
    }

    /// An authentication request: 'R', the code, the data.
    static func authentication(_ code: UInt32, _ data: [UInt8] = []) -> ByteBuffer {
        var body = ByteBuffer()
        body.writeInteger(code)
        body.writeBytes(data)
        return message("R", Array(body.readableBytesView))
    }

    static func sasl(_ mechanisms: [String]) -> ByteBuffer {
        authentication(10, mechanisms.flatMap { Array($0.utf8) + [0] } + [0])
    }

    /// The server's side of SCRAM-SHA-256 for `password` with `salt` and `iterations`.
    struct Server {
        var iterations = 4096
        var password = PostgresSCRAMHandlerTests.password

        func keys(_ authMessage: String) -> (proof: [UInt8], signature: [UInt8]) {
            let salted = SymmetricKey(
                data: SCRAMClient.saltedPassword(
                    SHA256.self, password: Array(password.utf8), salt: PostgresSCRAMHandlerTests.salt,
                    iterations: iterations))
            let clientKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: salted))
            let stored = SymmetricKey(data: Array(SHA256.hash(data: clientKey)))
            let clientSignature = Array(HMAC<SHA256>.authenticationCode(for: Array(authMessage.utf8), using: stored))
            let serverKey = SymmetricKey(
                data: Array(HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), using: salted)))
            let signature = Array(HMAC<SHA256>.authenticationCode(for: Array(authMessage.utf8), using: serverKey))
            return (zip(clientKey, clientSignature).map { $0 ^ $1 }, signature)
        }
    }

    func makeChannel(password: String? = PostgresSCRAMHandlerTests.password) throws -> (
        EmbeddedChannel, PostgresSCRAMRecord
    ) {
        let record = PostgresSCRAMRecord()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            PostgresSCRAMHandler(password: password, record: record, clientNonce: Self.nonce))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5432)).wait()
        #expect(channel.isActive)
        return (channel, record)
    }

    /// Everything the handler passed on to postgres-nio so far, as bytes.
    func passedOn(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
        return bytes
    }

    /// The body of the next 'p' message the handler wrote.
    func written(_ channel: EmbeddedChannel) throws -> [UInt8] {
        var buffer = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let type = buffer.readInteger(as: UInt8.self)
        #expect(type == UInt8(ascii: "p"))
        let length = buffer.readInteger(as: UInt32.self) ?? 0
        #expect(Int(length) == 4 + buffer.readableBytes)
        return Array(buffer.readableBytesView)
    }

    /// Runs the exchange to the server-final message; returns the channel, the record and the AuthMessage.
    func exchange(server: Server = Server(), serverFinal: ((String) -> String)? = nil) throws -> (
        EmbeddedChannel, PostgresSCRAMRecord
    ) {
        let (channel, record) = try makeChannel()
        try channel.writeInbound(Self.sasl(["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]))
        let initial = try written(channel)
        let expectedFirst = Array("SCRAM-SHA-256".utf8) + [0] + [0, 0, 0, 29] + Array("n,,n=,r=\(Self.nonce)".utf8)
        #expect(initial == expectedFirst)
        #expect(record.answered)

        let serverFirst =
            "r=\(Self.nonce)SERVERPART,s=\(Data(Self.salt).base64EncodedString()),i=\(server.iterations)"
        try channel.writeInbound(Self.authentication(11, Array(serverFirst.utf8)))
        let final = String(decoding: try written(channel), as: UTF8.self)
        let withoutProof = "c=biws,r=\(Self.nonce)SERVERPART"
        #expect(final.hasPrefix(withoutProof + ",p="))
        let authMessage = "n=,r=\(Self.nonce),\(serverFirst),\(withoutProof)"
        let keys = server.keys(authMessage)
        #expect(final == withoutProof + ",p=" + Data(keys.proof).base64EncodedString(), "the proof the server checks")
        let signature = "v=" + Data(keys.signature).base64EncodedString()
        try channel.writeInbound(Self.authentication(12, Array((serverFinal?(signature) ?? signature).utf8)))
        return (channel, record)
    }

    @Test func aWholeExchangeLeavesPostgresNIOWithAuthenticationOkAndWhatFollows() throws {
        let (channel, record) = try exchange()
        #expect(try passedOn(channel).isEmpty, "nothing of the SCRAM exchange reaches postgres-nio")
        var after = Self.authentication(0)
        var parameter = Self.message("S", Array("server_version\u{0}15.18\u{0}".utf8))
        after.writeBuffer(&parameter)
        let expected = Array(after.readableBytesView)
        try channel.writeInbound(after)
        #expect(try passedOn(channel) == expected)
        #expect(record.failure == nil)
        #expect(channel.isActive)
        // From AuthenticationOk on, the handler is gone and bytes pass as they come.
        #expect(throws: (any Error).self) {
            try channel.pipeline.syncOperations.handler(type: PostgresSCRAMHandler.self)
        }
    }

    @Test func fewerIterationsThanMongoDBsFloorAreAcceptedAsPostgreSQLClientsDo() throws {
        let (channel, record) = try exchange(server: Server(iterations: 1024))
        #expect(record.failure == nil)
        #expect(channel.isActive)
    }

    @Test func aSignatureThatDoesNotVerifyStopsTheLogin() throws {
        let (channel, record) = try exchange { _ in "v=" + Data(repeating: 7, count: 32).base64EncodedString() }
        #expect(record.failure?.kind == .serverSignature)
        #expect(!channel.isActive, "the connection is closed")
        let failure = PostgresErrorMapping.scramFailure(try #require(record.failure), server: "db:5432")
        #expect(failure.category == .auth)
        #expect(failure.message.contains("signature does not verify"))
        #expect(!failure.message.contains(Self.password))
    }

    @Test func aServerNonceThatDoesNotExtendOursIsAProtocolMismatch() throws {
        let (channel, record) = try makeChannel()
        try channel.writeInbound(Self.sasl(["SCRAM-SHA-256"]))
        _ = try written(channel)
        try channel.writeInbound(Self.authentication(11, Array("r=someoneElse,s=c2FsdA==,i=4096".utf8)))
        #expect(record.failure?.kind == .protocolViolation)
        #expect(!channel.isActive)
        let failure = PostgresErrorMapping.scramFailure(try #require(record.failure), server: "db:5432")
        #expect(failure.category == .protocolMismatch)
    }

    @Test func aWrongPasswordIsTheServersErrorPassedOnToPostgresNIO() throws {
        let (channel, record) = try makeChannel()
        try channel.writeInbound(Self.sasl(["SCRAM-SHA-256"]))
        _ = try written(channel)
        try channel.writeInbound(
            Self.authentication(11, Array("r=\(Self.nonce)X,s=\(Data(Self.salt).base64EncodedString()),i=4096".utf8)))
        _ = try written(channel)
        let error = Self.message("E", Array("SFATAL\u{0}C28P01\u{0}Mpassword authentication failed\u{0}\u{0}".utf8))
        try channel.writeInbound(error)
        #expect(try passedOn(channel) == Array(error.readableBytesView))
        #expect(record.failure == nil)
    }

    @Test func md5CleartextAndNoPasswordAreLeftToPostgresNIO() throws {
        for (request, password) in [
            (Self.authentication(5, [1, 2, 3, 4]), Self.password), (Self.authentication(3), Self.password),
            (Self.sasl(["SCRAM-SHA-256"]), nil), (Self.sasl(["SCRAM-SHA-256-PLUS"]), Self.password),
        ] {
            let (channel, record) = try makeChannel(password: password)
            try channel.writeInbound(request)
            #expect(try passedOn(channel) == Array(request.readableBytesView))
            #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "nothing sent on postgres-nio's behalf")
            #expect(!record.answered)
        }
    }

    @Test func bytesThatAreNotPostgreSQLPassThroughUntouched() throws {
        let (channel, _) = try makeChannel()
        let http = ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\n\r\n")
        try channel.writeInbound(http)
        #expect(try passedOn(channel) == Array(http.readableBytesView))
        // A huge length on an authentication message is not read here either.
        let (other, _) = try makeChannel()
        var huge = ByteBuffer()
        huge.writeInteger(UInt8(ascii: "R"))
        huge.writeInteger(UInt32(0x7FFF_FFF0))
        try other.writeInbound(huge)
        #expect(try passedOn(other) == Array(huge.readableBytesView))
    }

    @Test func messagesSplitAcrossReadsAndNoticesBetweenThemAreHandled() throws {
        let (channel, record) = try makeChannel()
        var request = Self.sasl(["SCRAM-SHA-256"])
        let notice = Self.message("N", Array("SNOTICE\u{0}Mhello\u{0}\u{0}".utf8))
        var noticeCopy = notice
        var both = ByteBuffer()
        both.writeBuffer(&noticeCopy)
        both.writeBuffer(&request)
        for byte in both.readableBytesView { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        #expect(try passedOn(channel) == Array(notice.readableBytesView), "the notice reaches postgres-nio")
        _ = try written(channel)
        #expect(record.answered)
    }
}
