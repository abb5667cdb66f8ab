import NIOCore
import Testing

@testable import PreflightMySQL

/// Answers to commands sent in one write: where the series ends, how it splits into answers, and the
/// packet handler's sequence ids starting again at 1 for each answer (no I/O).
struct MySQLPipelineTests {
    typealias Fixture = MySQLAnswerEndTests
    static let ok = Fixture.packet([0x00, 0, 0, 2, 0, 0, 0])
    static let resultSet = [Fixture.packet([1]), Fixture.column, Fixture.eof, Fixture.row, Fixture.eof]

    @Test("the series ends at the last packet of the last answer, whatever each answer is")
    func seriesEnd() {
        let packets = Self.resultSet + [Fixture.error] + Self.resultSet + [Self.ok]
        var series = MySQLAnswerEnd.Series(count: 4)
        #expect(packets.firstIndex { series.isLast($0) } == packets.count - 1)
        var three = MySQLAnswerEnd.Series(count: 3)
        #expect(packets.firstIndex { three.isLast($0) } == Self.resultSet.count * 2)
    }

    @Test("split gives each answer as a lone request would have; a missing answer is empty")
    func split() {
        let packets = Self.resultSet + [Fixture.error] + Self.resultSet
        let answers = MySQLAnswerEnd.split(packets, count: 3)
        #expect(answers.map(\.count) == [5, 1, 5])
        #expect(answers[1] == [Fixture.error])
        #expect(MySQLAnswerEnd.split(Array(Self.resultSet.prefix(3)), count: 2).map(\.count) == [3, 0])
    }

    /// The frames of one answer as a server sends it: sequence ids from 1.
    static func frames(_ answer: [MySQLPacket]) -> [UInt8] {
        var sequence: UInt8 = 1
        return answer.flatMap { MySQLFraming.frame($0.payload, sequence: &sequence) }
    }

    @Test("the handler takes answers back to back, each numbered from 1, in any chunking")
    func handlerSequences() throws {
        let answers = [Self.resultSet, [Fixture.error], Self.resultSet]
        let bytes = answers.flatMap(Self.frames)
        for chunk in [1, 3, 7, bytes.count] {
            let handler = MySQLPacketHandler(maxPayload: 1 << 20)
            for _ in 0..<3 { _ = handler.frame([0x03, 0x31], newCommand: true) }
            handler.expectPipelined(3)
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + chunk, bytes.count)
                handler.feed(ByteBuffer(bytes: bytes[offset..<end]))
                offset = end
            }
            #expect(handler.packets.failure == nil, "chunk \(chunk)")
            #expect(handler.packets.count == 11, "chunk \(chunk)")
        }
    }

    @Test("without the pipeline expectation the second answer's restart at 1 is refused as out of order")
    func outOfOrderWithoutPipeline() {
        let bytes = [Self.resultSet, [Fixture.error]].flatMap(Self.frames)
        let handler = MySQLPacketHandler(maxPayload: 1 << 20)
        _ = handler.frame([0x03, 0x31], newCommand: true)
        handler.feed(ByteBuffer(bytes: bytes))
        #expect(handler.packets.failure != nil)
    }
}
