import PreflightOracle

/// The scripted database's queries: EXECUTE and FETCH for the views the readiness queries read.
extension ScriptedOracleServer {
    /// EXECUTE (0x5E) as Oracle's clients send it for a query without binds: the options, the
    /// statement, the 13 al8i4 entries. Answers from the views a session can read.
    mutating func execute(_ reader: inout TTCReader) throws(TTCDecodeError) -> Reply {
        let options = try reader.ub4()
        let cursor = try reader.ub4()
        _ = try reader.uint8()
        let sqlLength = try reader.ub4()
        _ = try reader.uint8()
        guard try reader.ub4() == 13 else { return violate("an EXECUTE whose al8i4 array is not 13 entries") }
        _ = try reader.uint8()
        _ = try reader.uint8()
        _ = try reader.ub4()
        let prefetch = Int(try reader.ub4())
        _ = try reader.ub4()
        _ = try reader.uint8()
        guard try reader.ub4() == 0 else { return violate("an EXECUTE with binds (this server takes none)") }
        try reader.skip(5)
        _ = try reader.uint8()
        _ = try reader.ub4()
        _ = try reader.ub4()
        try reader.skip(3)
        _ = try reader.ub4()
        _ = try reader.uint8()
        _ = try reader.ub4()
        _ = try reader.ub4()
        _ = try reader.uint8()
        _ = try reader.ub4()
        _ = try reader.uint8()
        if fieldVersion >= TTCFieldVersion.v12_2 {
            _ = try reader.uint8()
            _ = try reader.ub4()
            _ = try reader.uint8()
            _ = try reader.ub4()
            _ = try reader.uint8()
            if fieldVersion > TTCFieldVersion.v12_2 {
                _ = try reader.uint8()
                _ = try reader.ub4()
            }
        }
        guard cursor == 0, let sqlBytes = try reader.bytesWithLength(), sqlBytes.count == sqlLength else {
            return violate("an EXECUTE without its statement (or of a length other than announced)")
        }
        for _ in 0..<13 { _ = try reader.ub4() }
        guard options & 0x20 != 0 else { return violate("an EXECUTE that does not execute (options \(options))") }
        let sql = String(decoding: sqlBytes, as: UTF8.self)
        queries.append(sql)
        log.append("EXECUTE")
        guard let (columns, rows) = answer(sql) else {
            return .send([
                data(
                    ScriptedOracleMessages.queryEnd(
                        code: 942, message: "ORA-00942: table or view does not exist", cursor: 0, rows: 0,
                        fieldVersion: fieldVersion))
            ])
        }
        let id = nextCursor
        nextCursor += 1
        let fetch = options & 0x40 != 0 ? prefetch : 0
        return .send([data(answerRows(rows, cursor: id, limit: fetch, describe: columns))])
    }

    /// Up to `limit` (and the rule's per-call limit) rows of a cursor, with its description first on
    /// an EXECUTE; ORA-01403 when none are left, else code 0 and the cursor kept for FETCH.
    mutating func answerRows(_ rows: [[String?]], cursor: UInt16, limit: Int, describe: [String]?) -> [UInt8] {
        var bytes = describe.map { ScriptedOracleMessages.describe($0, fieldVersion: fieldVersion) } ?? []
        let count = min(rows.count, limit, rules.rowsPerCall)
        for row in rows.prefix(count) { bytes += ScriptedOracleMessages.row(row) }
        let rest = Array(rows.dropFirst(count))
        if rest.isEmpty {
            cursors[cursor] = nil
            bytes += ScriptedOracleMessages.queryEnd(
                code: 1403, message: "ORA-01403: no data found", cursor: cursor, rows: count, fieldVersion: fieldVersion
            )
        } else {
            cursors[cursor] = rest
            bytes += ScriptedOracleMessages.queryEnd(code: 0, cursor: cursor, rows: count, fieldVersion: fieldVersion)
        }
        return bytes
    }

    /// The views the readiness queries read, as this session's user sees them; nil for anything else
    /// (ORA-00942, as Oracle says for a view the user may not read).
    func answer(_ sql: String) -> (columns: [String], rows: [[String?]])? {
        guard let user = sessionUser else { return nil }
        let normal = sql.uppercased().split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
            .joined(separator: " ")
        var privileges = user.privileges
        privileges.insert("CREATE SESSION")
        switch normal {
        case "SELECT LOG_MODE, SUPPLEMENTAL_LOG_DATA_MIN FROM V$DATABASE":
            let readable =
                !user.roles.isDisjoint(with: ["SELECT_CATALOG_ROLE", "DBA"])
                || privileges.contains("SELECT ANY DICTIONARY")
            guard readable else { return nil }
            return (["LOG_MODE", "SUPPLEMENTAL_LOG_DATA_MIN"], [[rules.logMode, rules.supplementalLogDataMin]])
        case "SELECT PRIVILEGE FROM SESSION_PRIVS":
            return (["PRIVILEGE"], privileges.sorted().map { [$0] })
        case "SELECT ROLE FROM SESSION_ROLES":
            return (["ROLE"], user.roles.sorted().map { [$0] })
        case "SELECT PRIVILEGE FROM USER_TAB_PRIVS WHERE TABLE_NAME = 'DBMS_LOGMNR'":
            return (["PRIVILEGE"], user.executeOnLogMiner ? [["EXECUTE"]] : [])
        default:
            return nil
        }
    }
}
