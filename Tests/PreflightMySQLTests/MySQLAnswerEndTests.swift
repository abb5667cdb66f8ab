import Testing

@testable import PreflightMySQL

/// Where a command's answer ends, one packet at a time (no I/O).
struct MySQLAnswerEndTests {
    static func packet(_ bytes: [UInt8]) -> MySQLPacket { MySQLPacket(sequence: 1, payload: bytes) }
    static let eof = packet([0xFE, 0, 0, 0x02, 0])
    static let column = packet([0x03, 0x64, 0x65, 0x66])
    static let row = packet([0x01, 0x61])
    static let error = packet([0xFF, 0x15, 0x04, 0x23] + Array("42000denied".utf8))

    /// The index of the packet `end` calls last, or nil when it never does.
    static func lastIndex(_ packets: [MySQLPacket], maxRows: Int = 10_000) -> Int? {
        var end = MySQLAnswerEnd(maxRows: maxRows)
        return packets.firstIndex { end.isLast($0) }
    }

    @Test("an OK or an error alone is the whole answer")
    func single() {
        #expect(Self.lastIndex([Self.packet([0x00, 0, 0, 2, 0, 0, 0])]) == 0)
        #expect(Self.lastIndex([Self.error]) == 0)
    }

    @Test("a result set ends at the EOF after its rows, not the one after its columns")
    func classic() {
        let answer = [Self.packet([2]), Self.column, Self.column, Self.eof, Self.row, Self.row, Self.eof]
        #expect(Self.lastIndex(answer) == 6)
        let empty = [Self.packet([1]), Self.column, Self.eof, Self.eof]
        #expect(Self.lastIndex(empty) == 3)
    }

    @Test("without the intermediate EOF (CLIENT_DEPRECATE_EOF) the rows follow the columns")
    func deprecatedEOF() {
        let answer = [Self.packet([1]), Self.column, Self.row, Self.row, Self.eof]
        #expect(Self.lastIndex(answer) == 4)
    }

    @Test("an error anywhere ends the answer")
    func errors() {
        #expect(Self.lastIndex([Self.packet([2]), Self.error]) == 1)
        #expect(Self.lastIndex([Self.packet([1]), Self.column, Self.error]) == 2)
        #expect(Self.lastIndex([Self.packet([1]), Self.column, Self.eof, Self.row, Self.error]) == 4)
    }

    @Test("a malformed column count ends it (the reader names it); too many rows cut it short")
    func bounds() {
        #expect(Self.lastIndex([Self.packet([0xFB])]) == 0)
        #expect(Self.lastIndex([Self.packet([])]) == 0)
        let many = [Self.packet([1]), Self.column, Self.eof] + Array(repeating: Self.row, count: 5)
        #expect(Self.lastIndex(many, maxRows: 3) == 6)
        #expect(Self.lastIndex(many, maxRows: 10) == nil)
    }
}
