import PreflightOracle
import Testing

/// TTC's integers and byte strings, and the error message's layouts.
struct TTCBufferTests {
    @Test func universalIntegersRoundTrip() throws {
        var writer = TTCWriter()
        let values: [UInt64] = [0, 1, 255, 256, 65535, 65536, 0xFFFF_FFFF, 0x1_0000_0000]
        for value in values { writer.ub(value) }
        #expect(Array(writer.bytes.prefix(6)) == [0, 1, 1, 1, 255, 2])
        var reader = TTCReader(writer.bytes)
        for value in values { #expect(try reader.ub8() == value) }
        #expect(reader.remaining == 0)
        var short = TTCReader([4, 1, 2])
        #expect(throws: TTCDecodeError.truncated) { try short.ub4() }
        var wide = TTCReader([5, 1, 2, 3, 4, 5])
        #expect(throws: TTCDecodeError.self) { try wide.ub4() }
        var negative = TTCReader([0x81, 7])
        #expect(throws: TTCDecodeError.self) { try negative.ub2() }
        var signed = TTCReader([0x81, 7])
        #expect(try signed.sb2() == 7)
    }

    @Test func longBytesAreChunked() throws {
        let long = [UInt8](repeating: 0x41, count: 40000)
        var writer = TTCWriter()
        writer.bytesWithLength(long)
        writer.bytesWithLength([1, 2, 3])
        #expect(writer.bytes.first == 0xFE)
        var reader = TTCReader(writer.bytes)
        #expect(try reader.bytesWithLength() == long)
        #expect(try reader.bytesWithLength() == [1, 2, 3])
        var limited = TTCReader(writer.bytes)
        #expect(throws: TTCDecodeError.self) { try limited.bytesWithLength(limit: 1000) }
    }

    @Test func errorsAreReadInBothLayouts() throws {
        for version in [TTCFieldVersion.v19_1Ext1, TTCFieldVersion.v23_4] {
            let bytes = ScriptedOracleMessages.error(
                code: 28000, message: "ORA-28000: The account is locked.\n", fieldVersion: version)
            let response = try TTCResponse.decode(bytes, fieldVersion: version)
            #expect(response.error == TTCServerError(code: 28000, message: "ORA-28000: The account is locked."))
            // Read with the other layout, the same bytes do not make the same error.
            let other = version == TTCFieldVersion.v23_4 ? TTCFieldVersion.v19_1Ext1 : TTCFieldVersion.v23_4
            let misread = try? TTCResponse.decode(bytes, fieldVersion: other)
            #expect(misread?.error != response.error)
        }
        let end = try TTCResponse.decode(
            ScriptedOracleMessages.error(code: 0, fieldVersion: TTCFieldVersion.v19_1Ext1),
            fieldVersion: TTCFieldVersion.v19_1Ext1)
        #expect(end.error == nil)
    }

    @Test func parametersCarryTheVerifierType() throws {
        let bytes =
            ScriptedOracleMessages.parameters(
                [("AUTH_SESSKEY", "AB"), ("AUTH_VFR_DATA", "0011")], verifierType: O5Logon.verifier12c)
            + ScriptedOracleMessages.status()
        let response = try TTCResponse.decode(bytes, fieldVersion: TTCFieldVersion.v19_1Ext1)
        #expect(response.parameters == ["AUTH_SESSKEY": "AB", "AUTH_VFR_DATA": "0011"])
        #expect(response.verifierType == O5Logon.verifier12c)
        #expect(response.messageTypes == [TTCMessageType.parameter, TTCMessageType.status])
        #expect(throws: TTCDecodeError.truncated) {
            try TTCResponse.decode(Array(bytes.dropLast(3)), fieldVersion: TTCFieldVersion.v19_1Ext1)
        }
    }
}
