import NIOCore
import PreflightCore
import PreflightNetwork

/// Text-protocol queries and the result sets they return (read-only statements only).
extension MySQLProbe {
    enum QueryError: Error {
        case server(MySQLServerError)
        case wire(ProbeFailure)
    }

    /// Runs one text-protocol query and returns its rows (NULL as nil). Read-only statements only.
    func query(_ wire: MySQLWire, _ sql: String, context: ProbeContext) async throws(QueryError) -> [[String?]] {
        let answer: [MySQLPacket]
        do {
            answer = try await wire.request(
                MySQLClientMessages.query(sql), within: context.budget(), end: MySQLAnswerEnd())
        } catch {
            throw .wire(queryWireFailure(error))
        }
        return try rows(of: answer)
    }

    /// Runs several read-only queries sent in one write (one round trip instead of one each); each
    /// answer as ``query(_:_:context:)`` returns it. A failure of the connection fails them all.
    func queries(_ wire: MySQLWire, _ sqls: [String], context: ProbeContext) async throws(ProbeFailure)
        -> [Result<[[String?]], QueryError>]
    {
        let answers: [[MySQLPacket]]
        do {
            answers = try await wire.pipeline(sqls.map(MySQLClientMessages.query), within: context.budget())
        } catch {
            throw queryWireFailure(error)
        }
        return answers.map { answer in
            do throws(QueryError) {
                return .success(try rows(of: answer))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The rows of one answer (a result set, an OK, or the server's error).
    private func rows(of answer: [MySQLPacket]) throws(QueryError) -> [[String?]] {
        var packets = answer.makeIterator()
        func next() throws(QueryError) -> MySQLPacket {
            guard let packet = packets.next() else {
                throw QueryError.wire(
                    ProbeFailure(.protocolMismatch, "\(server) ended a result set before its end"))
            }
            return packet
        }
        let first = try next()
        if first.header == 0xFF {
            throw QueryError.server(
                MySQLServerError.parse(first.payload) ?? MySQLServerError(code: 0, message: "error"))
        }
        if first.header == 0x00 { return [] }
        var reader = MySQLPayloadReader(first.payload)
        guard let count = try? reader.lengthEncoded("column count"), let columns = Optional(Int(count)),
            (1...4096).contains(columns)
        else {
            throw QueryError.wire(
                ProbeFailure(.protocolMismatch, "\(server) answered a query with a malformed result set"))
        }
        for _ in 0..<columns {
            let definition = try next()
            if definition.header == 0xFF {
                throw QueryError.server(
                    MySQLServerError.parse(definition.payload) ?? MySQLServerError(code: 0, message: "error"))
            }
        }
        let eof = try next()
        var rows: [[String?]] = []
        if eof.header == 0xFF {
            throw QueryError.server(
                MySQLServerError.parse(eof.payload) ?? MySQLServerError(code: 0, message: "error"))
        }
        if !isEOF(eof.payload) { rows.append(try Self.row(eof.payload, columns: columns, server: server)) }
        while true {
            let packet = try next()
            if isEOF(packet.payload) { break }
            if packet.header == 0xFF {
                throw QueryError.server(
                    MySQLServerError.parse(packet.payload) ?? MySQLServerError(code: 0, message: "error"))
            }
            rows.append(try Self.row(packet.payload, columns: columns, server: server))
            guard rows.count <= 10_000 else {
                throw QueryError.wire(
                    ProbeFailure(
                        .protocolMismatch, "\(server) answered a readiness query with more than 10000 rows"))
            }
        }
        return rows
    }

    static func row(_ payload: [UInt8], columns: Int, server: @autoclosure () -> String) throws(QueryError)
        -> [String?]
    {
        var reader = MySQLPayloadReader(payload)
        var values: [String?] = []
        for _ in 0..<columns {
            let value: [UInt8]?
            do {
                value = try reader.lengthEncodedBytes("column value")
            } catch {
                throw QueryError.wire(ProbeFailure(.protocolMismatch, "\(server()) sent a malformed result row"))
            }
            values.append(value.map { String(decoding: $0, as: UTF8.self) })
        }
        return values
    }

    private func queryWireFailure(_ error: MySQLWireError) -> ProbeFailure {
        switch error {
        case .closed:
            return ProbeFailure(
                .serverUnavailable, "\(server) closed the connection during the readiness queries", transient: true)
        case .timedOut:
            return ProbeFailure(.timeout, "\(server) did not answer a readiness query in time")
        default:
            return ProbeFailure(
                .protocolMismatch, "\(server) answered a readiness query with malformed packets (\(error))")
        }
    }
}
