/// One read-only query on a logged-in session, without I/O: EXECUTE (parse, execute and fetch in one
/// call), then FETCH while the server says more rows follow, until ORA-01403 (no more rows) ends it.
/// A BREAK marker is answered with RESET and the error after it read, as in the login.
public struct OracleQuery: Sendable {
    public enum Action: Sendable, Equatable {
        case send(TNSPacket)
        case read
        /// The query's columns and rows.
        case done(columns: [TTCColumn], rows: [[String?]])
        /// The server's ORA- error for the query (ORA-00942: no such table or no privilege on it).
        case failed(TTCServerError)
        case broken(String)
    }

    /// Rows asked for per call; a readiness query returns a few dozen at most.
    static let rowsPerCall: UInt32 = 200
    /// More rows than this is not a readiness answer.
    static let rowLimit = 5000
    /// The most DATA packets one answer may take.
    static let packetLimit = 512

    public let sql: String
    private let fieldVersion: UInt8
    public private(set) var sequence: UInt8
    private var pending: [UInt8] = []
    private var columns: [TTCColumn] = []
    private var rows: [[String?]] = []
    private var markers = TNSBreakReset()
    /// DATA packets of the answer being read (each one re-reads the answer from its start).
    private var packetsInAnswer = 0
    private var fetches = 0

    public init(sql: String, fieldVersion: UInt8, after sequence: UInt8) {
        self.sql = sql
        self.fieldVersion = fieldVersion
        self.sequence = sequence
    }

    private mutating func nextSequence() -> UInt8 {
        sequence = sequence == 255 ? 1 : sequence + 1
        return sequence
    }

    public mutating func start() -> Action {
        .send(
            OracleLogin.data(
                TTCRequests.execute(
                    sql: sql, prefetch: Self.rowsPerCall, sequence: nextSequence(), fieldVersion: fieldVersion)))
    }

    public mutating func receive(_ packet: TNSPacket) -> Action {
        switch packet.type {
        case .marker:
            switch markers.marker(packet.payload) {
            case .read: return .read
            case .send(let reset):
                pending = []
                return .send(reset)
            case .malformed(let what): return .broken(what)
            }
        case .data: break
        case .control: return .read
        default: return .broken("a \(packet.type) packet in the answer to a query")
        }
        guard packet.payload.count >= 2 else { return .broken("a DATA packet without its flags") }
        if markers.resetting { return .read }
        let flags = UInt16(packet.payload[0]) << 8 | UInt16(packet.payload[1])
        pending += packet.payload.dropFirst(2)
        packetsInAnswer += 1
        guard packetsInAnswer <= Self.packetLimit else {
            return .broken("an answer in more than \(Self.packetLimit) packets")
        }
        if flags & 0x40 != 0, pending.isEmpty { return .broken("the server ended the session during a query") }
        guard pending.count <= OracleLogin.responseLimit else { return .broken("an answer of more than 1 MiB") }
        let response: TTCQueryResponse
        do throws(TTCDecodeError) {
            response = try TTCQueryResponse.decode(pending, fieldVersion: fieldVersion, columns: columns)
        } catch .truncated {
            return .read
        } catch {
            return .broken("\(error)")
        }
        pending = []
        packetsInAnswer = 0
        columns = response.columns
        rows += response.rows
        guard rows.count <= Self.rowLimit else { return .broken("a query answered more than \(Self.rowLimit) rows") }
        guard let end = response.end else { return .broken("an answer to a query without its end") }
        switch end.code {
        case 1403:
            return .done(columns: columns, rows: rows)
        case 0:
            // More rows follow; a server that says so without sending any is not followed further.
            guard end.cursorID != 0, !response.rows.isEmpty || fetches == 0 else {
                return .done(columns: columns, rows: rows)
            }
            fetches += 1
            return .send(
                OracleLogin.data(
                    TTCRequests.fetch(
                        cursor: end.cursorID, rows: Self.rowsPerCall, sequence: nextSequence(),
                        fieldVersion: fieldVersion)))
        default:
            return .failed(end)
        }
    }
}
