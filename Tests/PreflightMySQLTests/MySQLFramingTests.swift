import PreflightMySQL
import Testing

/// Packet framing: headers, sequence ids, payloads of 16 MiB and more split into frames, reassembly.
struct MySQLFramingTests {
    @Test func smallPayloadIsOneFrameWithLengthAndSequence() {
        var sequence: UInt8 = 3
        let frames = MySQLFraming.frame([0x03, 0x41, 0x42], sequence: &sequence)
        #expect(frames == [0x03, 0x00, 0x00, 0x03, 0x03, 0x41, 0x42])
        #expect(sequence == 4)
    }

    @Test func emptyPayloadIsAHeaderAlone() {
        var sequence: UInt8 = 0
        #expect(MySQLFraming.frame([], sequence: &sequence) == [0, 0, 0, 0])
        #expect(sequence == 1)
    }

    @Test func sequenceWrapsAt256() {
        var sequence: UInt8 = 255
        let frames = MySQLFraming.frame([1], sequence: &sequence)
        #expect(frames[3] == 255)
        #expect(sequence == 0)
    }

    @Test func payloadOfExactly16MiBMinusOneEndsWithAnEmptyFrame() {
        let payload = [UInt8](repeating: 0xAB, count: MySQLFraming.maxChunk)
        var sequence: UInt8 = 0
        let frames = MySQLFraming.frame(payload, sequence: &sequence)
        #expect(frames.count == MySQLFraming.maxChunk + 8)
        #expect(Array(frames[0..<4]) == [0xFF, 0xFF, 0xFF, 0x00])
        #expect(Array(frames[(MySQLFraming.maxChunk + 4)...]) == [0x00, 0x00, 0x00, 0x01])
        #expect(sequence == 2)
    }

    @Test func payloadOver16MiBIsSplitAndReassembled() throws {
        let size = MySQLFraming.maxChunk * 2 + 10
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var sequence: UInt8 = 7
        let frames = MySQLFraming.frame(payload, sequence: &sequence)
        #expect(sequence == 10)
        #expect(frames.count == size + 12)
        // Headers: two full chunks, then 10 bytes; sequence ids 7, 8, 9.
        #expect(Array(frames[0..<4]) == [0xFF, 0xFF, 0xFF, 7])
        let second = MySQLFraming.maxChunk + 4
        #expect(Array(frames[second..<(second + 4)]) == [0xFF, 0xFF, 0xFF, 8])
        let third = 2 * (MySQLFraming.maxChunk + 4)
        #expect(Array(frames[third..<(third + 4)]) == [10, 0, 0, 9])

        var reader = MySQLPacketReader(maxPayload: 64 << 20, expectedSequence: 7)
        reader.append(frames)
        let packet = try #require(try reader.next())
        #expect(packet.sequence == 7)
        #expect(packet.payload == payload)
        #expect(packet.nextSequence == 10)
        #expect(try reader.next() == nil)
        #expect(reader.expectedSequence == 10)
    }

    @Test func readerWaitsForWholeFramesFedByteByByte() throws {
        var sequence: UInt8 = 0
        let bytes = MySQLFraming.frame([1, 2, 3], sequence: &sequence) + MySQLFraming.frame([4], sequence: &sequence)
        var reader = MySQLPacketReader(expectedSequence: 0)
        var packets: [MySQLPacket] = []
        for byte in bytes {
            reader.append([byte])
            while let packet = try reader.next() { packets.append(packet) }
        }
        #expect(packets == [MySQLPacket(sequence: 0, payload: [1, 2, 3]), MySQLPacket(sequence: 1, payload: [4])])
    }

    @Test func outOfOrderSequenceIsRefused() {
        var reader = MySQLPacketReader(expectedSequence: 2)
        reader.append([1, 0, 0, 5, 0x00])
        #expect(throws: MySQLFramingError.outOfOrder(expected: 2, received: 5)) { try reader.next() }
    }

    @Test func hugeAnnouncedLengthIsRefusedFromTheHeaderAlone() {
        var reader = MySQLPacketReader(maxPayload: 64 << 10, expectedSequence: 0)
        reader.append([0xFF, 0xFF, 0xFF, 0x00, 0x0A])
        #expect(throws: MySQLFramingError.tooLarge(announced: 0xFF_FFFF, limit: 64 << 10)) { try reader.next() }
    }

    @Test func truncatedFrameIsPending() throws {
        var reader = MySQLPacketReader(expectedSequence: 0)
        reader.append([0x10, 0x00, 0x00, 0x00, 0x0A, 0x35])
        #expect(try reader.next() == nil)
        #expect(reader.pendingFrame?.have == 2)
        #expect(reader.pendingFrame?.announced == 16)
    }

    @Test func lengthEncodedIntegersRoundTrip() throws {
        for value: UInt64 in [0, 250, 251, 0xFFFF, 0x10000, 0xFF_FFFF, 0x100_0000, 1 << 40] {
            var writer = MySQLPayloadWriter()
            writer.lengthEncoded(value)
            var reader = MySQLPayloadReader(writer.bytes)
            #expect(try reader.lengthEncoded("n") == value)
            #expect(reader.isAtEnd)
        }
        var null = MySQLPayloadReader([0xFB])
        #expect(try null.lengthEncoded("n") == nil)
        var short = MySQLPayloadReader([0xFC, 0x01])
        #expect(throws: MySQLPayloadReader.Truncated.self) { try short.lengthEncoded("n") }
    }
}
