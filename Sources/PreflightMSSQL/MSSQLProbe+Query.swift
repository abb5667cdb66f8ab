import NIOCore
import PreflightCore
import PreflightNetwork

/// SQL_BATCH queries and the rows they return (read-only statements only).
extension MSSQLProbe {
    enum QueryError: Error {
        case server(TDSServerMessage)
        case wire(ProbeFailure)
    }

    /// Runs one read-only batch and returns the rows of its first result set (NULL as nil).
    func query(_ wire: TDSWire, _ sql: String, server: String, context: ProbeContext) async throws(QueryError)
        -> [[String?]]
    {
        let answer: TDSMessage
        do throws(TDSWireError) {
            try await wire.send(TDSPacketType.sqlBatch, TDSSQLBatch.encode(sql))
            answer = try await wire.receive(within: context.budget())
        } catch {
            throw .wire(Self.wireFailure(error, server: server, during: "a readiness query"))
        }
        let tokens: [TDSToken]
        do { tokens = try TDSTokenReader.tokens(answer.payload) } catch {
            throw .wire(
                ProbeFailure(
                    .protocolMismatch, "\(server) answered a readiness query with a malformed result (\(error))"))
        }
        var rows: [[String?]] = []
        var sets = 0
        for token in tokens {
            switch token {
            case .error(let error): throw .server(error)
            case .columns: sets += 1
            case .row(let row) where sets == 1: rows.append(row)
            default: continue
            }
        }
        return rows
    }
}
