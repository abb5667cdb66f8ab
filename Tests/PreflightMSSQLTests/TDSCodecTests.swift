import PreflightCore
import Testing

@testable import PreflightMSSQL

/// The TDS encoders and decoders, without I/O.
@Suite
struct TDSCodecTests {
    @Test func preloginRoundTripsAndMatchesTheLayout() throws {
        let prelogin = TDSPrelogin(
            version: (16, 0, 4135, 4), encryption: .on, instance: "", threadID: 0x0102_0304, mars: false)
        let bytes = prelogin.encode()
        // Five options (25 bytes of headers) and the terminator, then VERSION's six bytes at offset 26.
        #expect(Array(bytes.prefix(5)) == [0x00, 0x00, 26, 0x00, 6])
        #expect(bytes[25] == 0xFF)
        #expect(Array(bytes[26..<32]) == [16, 0, 0x10, 0x27, 0, 4])
        #expect(bytes[32] == 0x01, "ENCRYPTION follows VERSION")
        let parsed = try TDSPrelogin.parse(bytes)
        #expect(parsed == prelogin)
        #expect(parsed.versionText == "16.0.4135")
    }

    @Test func preloginWithoutEncryptionIsRefused() {
        // VERSION only.
        let bytes: [UInt8] = [0x00, 0x00, 6, 0x00, 6, 0xFF, 15, 0, 0x07, 0xD0, 0, 0]
        #expect(throws: TDSDecodeError.malformed("no ENCRYPTION")) { try TDSPrelogin.parse(bytes) }
        #expect(throws: TDSDecodeError.self) { try TDSPrelogin.parse([0x00, 0x00, 0xFF, 0x00, 6]) }
    }

    @Test func sslModesMapOntoTheEncryptionOption() {
        #expect(TDSEncryptionNegotiation.request(for: .disable) == .notSupported)
        #expect(TDSEncryptionNegotiation.request(for: .prefer) == .off)
        #expect(TDSEncryptionNegotiation.request(for: .verifyFull) == .on)
        let plan = TDSEncryptionNegotiation.plan
        #expect(plan(.disable, .required) == .failure(.serverRequiresEncryption(.required)))
        #expect(plan(.disable, .off) == .success(.none))
        #expect(plan(.prefer, .off) == .success(.loginOnly))
        #expect(plan(.prefer, .required) == .success(.full))
        #expect(plan(.prefer, .notSupported) == .success(.none))
        #expect(plan(.require, .on) == .success(.full))
        #expect(plan(.verifyFull, .required) == .success(.full))
        #expect(plan(.verifyFull, .notSupported) == .failure(.serverCannotEncrypt))
    }

    @Test func passwordObfuscationSwapsNibblesThenXors() {
        // "a" is 0x61 0x00 in UTF-16LE: 0x61 -> 0x16 -> ^0xA5 = 0xB3; 0x00 -> 0xA5.
        #expect(TDSLogin7.obfuscate("a") == [0xB3, 0xA5])
        #expect(TDSLogin7.deobfuscate(TDSLogin7.obfuscate("Pa$$w0rd-é")) == TDSLogin7.ucs2("Pa$$w0rd-é"))
    }

    @Test func login7CarriesEveryFieldWhereTheOffsetsSay() throws {
        let login = TDSLogin7(
            hostName: "client", userName: "artie", password: "S3cret/+=é", serverName: "db.example.test",
            database: "app")
        let bytes = login.encode()
        #expect(Array(bytes[4..<8]) == [0x04, 0x00, 0x00, 0x74], "TDS 7.4, little-endian")
        #expect(bytes[24] == TDSLogin7.optionFlags1)
        #expect(!bytes.containsSubsequence(TDSLogin7.ucs2("S3cret")), "the password is never sent as text")
        let fields = try TDSLogin7Fields.parse(bytes)
        #expect(fields.userName == "artie")
        #expect(fields.password == "S3cret/+=é")
        #expect(fields.serverName == "db.example.test")
        #expect(fields.database == "app")
        #expect(fields.tdsVersion == TDSLogin7.tdsVersion)
    }

    @Test func messagesAreReassembledFromPacketsAndBadFramesRefused() throws {
        var id: UInt8 = 1
        let payload = Array(repeating: UInt8(7), count: 5000)
        let packets = TDSFraming.packets(type: 0x04, payload: payload, packetSize: 4096, packetID: &id)
        #expect(packets.count == 5000 + 16)
        #expect(packets[1] == 0 && packets[4096 + 1] == 1, "only the last packet is end-of-message")
        var reader = TDSMessageReader(maxMessage: 1 << 20)
        reader.append(Array(packets.prefix(4100)))
        #expect(try reader.next() == nil)
        reader.append(Array(packets.dropFirst(4100)))
        #expect(try reader.next() == TDSMessage(type: 0x04, payload: payload))

        var ssh = TDSMessageReader(maxMessage: 1024)
        ssh.append(Array("SSH-2.0-OpenSSH_9.2\r\n".utf8))
        #expect(throws: TDSFramingError.unexpectedType(0x53)) { try ssh.next() }
        var huge = TDSMessageReader(maxMessage: 1024)
        huge.append([0x04, 0x01, 0xFF, 0xFF, 0, 0, 1, 0])
        #expect(throws: TDSFramingError.badLength(65535)) { try huge.next() }
        var early = TDSMessageReader(maxMessage: 1024)
        early.append([0x00, 0xFF])
        #expect(throws: TDSFramingError.unexpectedType(0)) { try early.next() }
    }

    @Test func tokenStreamOfALoginIsRead() throws {
        let stream =
            TDSServerTokens.envChangeDatabase("app")
            + TDSServerTokens.message(5701, severity: 0, text: "Changed database context to 'app'.", info: true)
            + TDSServerTokens.loginAck()
            + TDSServerTokens.envChangeRouting(host: "tr5.westeurope1-a.worker.database.windows.net", port: 11020)
            + TDSServerTokens.done()
        let tokens = try TDSTokenReader.tokens(stream)
        #expect(tokens.first == .envChange(.database("app")))
        #expect(
            tokens.contains(.loginAck(tdsVersion: 0x7400_0004, program: "Microsoft SQL Server", version: "16.0.4135")))
        #expect(
            tokens.contains(.envChange(.routing(host: "tr5.westeurope1-a.worker.database.windows.net", port: 11020))))
        #expect(tokens.last == .done(status: 0, rowCount: 0))
        let failed = try TDSTokenReader.tokens(
            TDSServerTokens.message(18456, state: 8, text: "Login failed for user 'artie'.")
                + TDSServerTokens.done(status: 2))
        #expect(
            failed.first
                == .error(
                    TDSServerMessage(
                        number: 18456, state: 8, severity: 14, text: "Login failed for user 'artie'.",
                        serverName: "scripted")))
    }

    @Test func resultSetsAreDecoded() throws {
        let stream = TDSServerTokens.resultSet(
            [.nvarchar("version"), .int("cdc"), .int("neg")], rows: [["16.0.4135.4", "1", "-5"], [nil, nil, "0"]])
        let tokens = try TDSTokenReader.tokens(stream)
        #expect(tokens.contains(.row(["16.0.4135.4", "1", "-5"])))
        #expect(tokens.contains(.row([nil, nil, "0"])))
        #expect(throws: TDSDecodeError.self) { try TDSTokenReader.tokens([0xD1, 0x00]).count }
        #expect(TDSTokenReader.text(type: 0x32, [1]) == "1")
        #expect(TDSTokenReader.text(type: 0x7F, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == "-1")
    }

    @Test func sqlBatchCarriesTheTransactionDescriptorHeader() {
        let batch = TDSSQLBatch.encode("SELECT 1")
        #expect(Array(batch.prefix(10)) == [22, 0, 0, 0, 18, 0, 0, 0, 2, 0])
        #expect(TDSSQLBatch.text(of: batch) == "SELECT 1")
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<$0 + needle.count]) == needle }
    }
}
