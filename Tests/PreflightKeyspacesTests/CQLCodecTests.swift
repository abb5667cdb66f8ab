import Foundation
import PreflightAWS
import PreflightKeyspaces
import Testing

/// The frame codec, the ROWS decoder and the login tokens, without I/O.
struct CQLCodecTests {
    @Test func requestFramesAreV4WithTheirLength() {
        let options = CQLRequest.options(stream: 1).encoded()
        #expect(options == [0x04, 0, 0, 1, 0x05, 0, 0, 0, 0])
        let startup = CQLRequest.startup(stream: 2).encoded()
        #expect(startup.prefix(5) == [0x04, 0, 0, 2, 0x01])
        #expect(Int(startup[8]) == startup.count - 9)
        // {"CQL_VERSION": "3.0.0"} as a [string map].
        #expect(Array(startup[9...]) == [0, 1, 0, 11] + Array("CQL_VERSION".utf8) + [0, 5] + Array("3.0.0".utf8))
    }

    @Test func queryCarriesConsistencyAndValues() throws {
        let frame = CQLRequest.query(stream: 3, "SELECT x FROM t WHERE k = ?", values: ["ks"])
        var reader = CQLReader(frame.body)
        #expect(try reader.longString() == "SELECT x FROM t WHERE k = ?")
        #expect(try reader.short() == CQLConsistency.localOne.rawValue)
        #expect(try reader.byte() == 0x01)
        #expect(try reader.short() == 1)
        #expect(try reader.bytesValue() == Array("ks".utf8))
        #expect(reader.remaining == 0)
    }

    @Test func responsesDecodeAndPartialFramesWait() throws {
        let frame = CQLFrame(versionByte: 0x84, stream: 5, opcode: .authenticate, body: [0, 3] + Array("abc".utf8))
        let bytes = frame.encoded()
        #expect(try CQLFrameDecoder.decode(bytes.prefix(8)) == nil)
        #expect(try CQLFrameDecoder.decode(bytes.dropLast()) == nil)
        let (decoded, used) = try #require(try CQLFrameDecoder.decode(bytes[...]))
        #expect(used == bytes.count && decoded == frame)
        #expect(try CQLResponse.decode(decoded).response == .authenticate(authenticator: "abc"))
    }

    @Test func hugeLengthIsRefusedFromTheHeader() {
        let header: [UInt8] = [0x84, 0, 0, 1, 0x08, 0x7F, 0xFF, 0xFF, 0xFF]
        #expect(throws: CQLFrameError.badLength(Int64(Int32.max))) { try CQLFrameDecoder.decode(header[...]) }
        #expect(throws: CQLFrameError.badLength(-1)) {
            try CQLFrameDecoder.decode([0x84, 0, 0, 1, 0x08, 0xFF, 0xFF, 0xFF, 0xFF][...])
        }
    }

    @Test func notCQLIsRefusedFromTheFirstByte() {
        #expect(throws: CQLFrameError.badVersion(0x53)) { try CQLFrameDecoder.decode(Array("SSH-2.0".utf8)[...]) }
        // A request frame is not an answer, and v2 is not spoken.
        #expect(throws: CQLFrameError.badVersion(0x04)) { try CQLFrameDecoder.decode([0x04][...]) }
        #expect(throws: CQLFrameError.badVersion(0x82)) { try CQLFrameDecoder.decode([0x82][...]) }
        #expect(throws: CQLFrameError.badOpcode(0x42)) {
            try CQLFrameDecoder.decode([0x84, 0, 0, 1, 0x42, 0, 0, 0, 0][...])
        }
    }

    @Test func warningsAndErrorsDecode() throws {
        let body = CQLWriter.stringList(["slow"]) + CQLWriter.int(0x0100) + CQLWriter.string("bad creds")
        let frame = CQLFrame(versionByte: 0x84, flags: .warning, stream: 1, opcode: .error, body: body)
        let (response, warnings) = try CQLResponse.decode(frame)
        #expect(warnings == ["slow"])
        #expect(response == .error(CQLServerError(code: 0x0100, message: "bad creds")))
        #expect(CQLServerError(code: 0x0100, message: "").hexCode == "0x0100")
    }

    @Test func rowsWithNestedMapsDecode() throws {
        let type = CQLType.map(.varchar, .map(.varchar, .varchar))
        var inner = CQLWriter.int(2)
        for (key, value) in [("status", "Enabled"), ("view_type", "NEW_IMAGE")] {
            inner += CQLWriter.bytes(Array(key.utf8)) + CQLWriter.bytes(Array(value.utf8))
        }
        let outer = CQLWriter.int(1) + CQLWriter.bytes(Array("cdc_specification".utf8)) + CQLWriter.bytes(inner)
        let body = CQLRows(columns: [("table_name", .varchar), ("custom_properties", type)], rows: []).encoded(
            keyspace: "system_schema_mcs", table: "tables",
            cells: [[Array("orders".utf8), outer], [Array("t2".utf8), nil]])
        let frame = CQLFrame(versionByte: 0x84, stream: 1, opcode: .result, body: body)
        guard case .rows(let rows) = try CQLResponse.decode(frame).response else {
            Issue.record("not rows")
            return
        }
        #expect(rows.rows.count == 2)
        #expect(rows.value("table_name")?.text == "orders")
        #expect(
            rows.value("custom_properties")?.textMap?["cdc_specification"]?.textMap?["view_type"]?.text == "NEW_IMAGE")
        #expect(rows.value("custom_properties", row: 1) == .null)
        let streams = KeyspacesCDC.streams(in: rows)
        #expect(
            streams == [
                .init(table: "orders", status: "ENABLED", viewType: "NEW_IMAGE"),
                .init(table: "t2", status: nil, viewType: nil),
            ])
    }

    @Test func rowCountsBeyondTheBodyAreRefused() {
        var body = CQLWriter.int(2) + CQLWriter.int(0x0001) + CQLWriter.int(1)
        body += CQLWriter.string("ks") + CQLWriter.string("t") + CQLWriter.string("c") + CQLType.varchar.encoded()
        body += CQLWriter.int(1_000_000)
        #expect(throws: CQLFrameError.self) {
            try CQLResponse.decode(CQLFrame(versionByte: 0x84, stream: 1, opcode: .result, body: body))
        }
    }

    @Test func plainTokenIsNulSeparated() {
        #expect(CQLAuthTokens.plain(username: "u", password: "p") == [0, 0x75, 0, 0x70])
        #expect(CQLAuthTokens.sigV4Initial == Array("SigV4".utf8) + [0, 0])
    }

    /// The expected value was computed by cassandra-sigv4 4.0.2 (`_generate_signature`) for the same inputs.
    @Test func sigV4SignatureMatchesAmazonsPlugin() throws {
        let date = Date(timeIntervalSince1970: 1_796_582_756.123)
        #expect(CQLAuthTokens.timestamp(date) == "2026-12-06T18:45:56.123Z")
        let nonce = Array("0123456789abcdef0123456789abcdef".utf8)
        let signature = CQLAuthTokens.signature(
            nonce: nonce, accessKeyID: "AKIAIOSFODNN7EXAMPLE", secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            region: "us-east-1", timestamp: "2026-12-06T18:45:56.123Z")
        #expect(signature == "dbae59a779f813c4d5e49ed120c0d9f3fe340fe970127eaa8e8571773f68f953")
        let response = try #require(
            CQLAuthTokens.sigV4Response(
                challenge: Array("nonce=".utf8) + nonce,
                credentials: AWSCredentials(
                    accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                    sessionToken: "TOKEN"),
                region: "us-east-1", date: date))
        #expect(
            String(decoding: response, as: UTF8.self)
                == "signature=\(signature),access_key=AKIAIOSFODNN7EXAMPLE,amzdate=2026-12-06T18:45:56.123Z,session_token=TOKEN"
        )
        #expect(
            CQLAuthTokens.sigV4Response(
                challenge: Array("nonce=short".utf8), credentials: .init(accessKeyID: "a", secretAccessKey: "b"),
                region: "r", date: date) == nil)
    }
}
