/// Where the answer to a text-protocol command ends, packet by packet: an OK or an error alone, or a
/// result set (column count, the column definitions, an EOF unless the server deprecated it, the rows,
/// then an EOF/OK or an error). Pure; ``MySQLWire/request(_:within:end:)`` feeds it on the event loop.
struct MySQLAnswerEnd: Sendable {
    private enum Phase: Sendable {
        case first
        case columns(left: Int)
        case afterColumns
        case rows(seen: Int)
    }

    private var phase = Phase.first
    /// The most rows read before the answer is cut short (the reader then says the result was too big).
    let maxRows: Int

    init(maxRows: Int = 10_000) { self.maxRows = maxRows }

    /// Whether `packet` is the answer's last one.
    mutating func isLast(_ packet: MySQLPacket) -> Bool {
        let payload = packet.payload
        switch phase {
        case .first:
            if payload.first == 0xFF || payload.first == 0x00 { return true }
            var reader = MySQLPayloadReader(payload)
            guard let count = try? reader.lengthEncoded("column count"), (1...4096).contains(count) else {
                return true  // malformed: the reader names it
            }
            phase = .columns(left: Int(count))
            return false
        case .columns(let left):
            if payload.first == 0xFF { return true }
            phase = left > 1 ? .columns(left: left - 1) : .afterColumns
            return false
        case .afterColumns:
            if payload.first == 0xFF { return true }
            // The intermediate EOF, or (CLIENT_DEPRECATE_EOF) the first row: rows follow either way.
            phase = .rows(seen: isEOF(payload) ? 0 : 1)
            return false
        case .rows(let seen):
            if isEOF(payload) || payload.first == 0xFF { return true }
            if seen + 1 > maxRows { return true }
            phase = .rows(seen: seen + 1)
            return false
        }
    }
}

extension MySQLAnswerEnd {
    /// Where the last of `count` answers sent back to back ends.
    struct Series: Sendable {
        private var ends: [MySQLAnswerEnd]
        private var current = 0

        init(count: Int) { ends = Array(repeating: MySQLAnswerEnd(), count: count) }

        /// Whether `packet` is the last packet of the last answer.
        mutating func isLast(_ packet: MySQLPacket) -> Bool {
            guard current < ends.count else { return true }
            if ends[current].isLast(packet) { current += 1 }
            return current == ends.count
        }
    }

    /// `packets` (the answers of `count` commands, back to back) cut into one list per answer; an answer
    /// missing at the end is empty (its reader then says the result set ended early).
    static func split(_ packets: [MySQLPacket], count: Int) -> [[MySQLPacket]] {
        var answers: [[MySQLPacket]] = []
        var current: [MySQLPacket] = []
        var end = MySQLAnswerEnd()
        for packet in packets {
            current.append(packet)
            if end.isLast(packet) {
                answers.append(current)
                current = []
                end = MySQLAnswerEnd()
            }
        }
        if !current.isEmpty { answers.append(current) }
        while answers.count < count { answers.append([]) }
        return answers
    }
}
