import Foundation
import PreflightCore

/// What the read-only readiness commands observed. Nil fields were not observed.
public struct MongoObservations: Sendable, Equatable {
    /// Whether opening a change stream worked.
    public enum Outcome: Sendable, Equatable {
        case opened
        case failed(MongoCommandError)
        case notTried(String)
    }

    public var type: ConnectorType
    public var user: String?
    public var authSource: String
    /// The database the change stream is opened on; nil for the whole deployment.
    public var database: String?
    /// `buildInfo.version`.
    public var serverVersion: String?
    public var versionError: MongoCommandError?
    public var deployment: MongoDeployment?
    public var changeStream: Outcome?
    /// Newest minus oldest oplog entry, in seconds.
    public var oplogWindowSeconds: Double?
    /// When the oldest oplog entry was written (seconds since the epoch).
    public var oplogOldest: UInt32?
    public var oplogError: MongoCommandError?

    public init(type: ConnectorType, user: String?, authSource: String, database: String?) {
        self.type = type
        self.user = user
        self.authSource = authSource
        self.database = database
    }
}

/// Turns observations into readiness checks, all of them, with observed vs required and the fix. Pure.
public enum MongoReadiness {
    /// The oplog window below which a paused connector risks losing its place.
    public static let recommendedOplogHours = 24.0

    public static func checks(_ seen: MongoObservations) -> [ReadinessCheck] {
        var checks: [ReadinessCheck] = []
        let documentDB = seen.type == .documentdb
        let userLiteral = jsString(seen.user ?? "<user>")
        let grantOn = "db.getSiblingDB(\(jsString(seen.authSource))).grantRolesToUser(\(userLiteral), "

        // Server version: change streams arrived in 3.6 (collection level), database and deployment level in 4.0.
        if let version = seen.serverVersion {
            let parts = version.split(separator: ".").compactMap { Int($0.prefix { $0.isNumber }) }
            let major = parts.first ?? 0
            let minor = parts.count > 1 ? parts[1] : 0
            let number = major * 100 + minor
            let status: StepStatus = number >= 400 ? .passed : (number >= 306 ? .warning : .failed)
            checks.append(
                ReadinessCheck(
                    name: "server_version", status: status, observed: (documentDB ? "DocumentDB " : "") + version,
                    required: "4.0 or later (change streams on a database or a whole deployment)",
                    detail: status == .warning ? "3.6 only opens change streams on single collections" : nil,
                    fix: status == .passed
                        ? nil
                        : (documentDB
                            ? "upgrade the cluster to DocumentDB 4.0 or later"
                            : "upgrade to MongoDB 4.0 or later (6.0 or later recommended)"),
                    restartRequired: status == .passed ? nil : true))
        } else {
            checks.append(
                ReadinessCheck(
                    name: "server_version", status: .warning, observed: "unknown", required: "4.0 or later",
                    detail: seen.versionError.map { "buildInfo failed: \($0)" } ?? "buildInfo was not answered"))
        }

        // Deployment: change streams read the oplog, which only replica sets (and shards) have.
        if let deployment = seen.deployment {
            switch deployment {
            case .standalone:
                checks.append(
                    ReadinessCheck(
                        name: "deployment", status: .failed, observed: deployment.description,
                        required: "a replica set or a sharded cluster (change streams need the oplog)",
                        detail: "a standalone server has no oplog, so change streams cannot be opened",
                        fix:
                            "restart mongod with --replSet rs0 (replication.replSetName: rs0 in mongod.conf), then run rs.initiate() in mongosh; a single-member replica set is enough",
                        restartRequired: true))
            default:
                checks.append(
                    ReadinessCheck(
                        name: "deployment", status: .passed, observed: deployment.description,
                        required: "a replica set or a sharded cluster (change streams need the oplog)"))
            }
        }

        // Change stream: the user can open one where the connector will.
        let scope = seen.database.map { "database \"\($0)\"" } ?? "the whole deployment"
        let role =
            seen.database.map { "[{ role: \"read\", db: \(jsString($0)) }]" }
            ?? "[{ role: \"readAnyDatabase\", db: \"admin\" }]"
        switch seen.changeStream {
        case .opened:
            checks.append(
                ReadinessCheck(
                    name: "change_stream", status: .passed, observed: "opened on \(scope)",
                    required: "the user can open a change stream on \(scope)"))
        case .failed(let error):
            let standalone = seen.deployment == .standalone || error.code == 40573
            var fix: String
            if error.code == 13 {
                fix = grantOn + role + ")"
            } else if standalone {
                fix = "convert the server to a replica set (see the deployment check)"
            } else if documentDB {
                fix =
                    "db.adminCommand({ modifyChangeStreams: 1, database: \(jsString(seen.database ?? "")), collection: \"\", enable: true })  -- DocumentDB only streams what was enabled"
            } else {
                fix =
                    "check the error; the user needs the changeStream and find actions on \(scope) (the read role has both)"
            }
            if error.code == 13 && documentDB {
                fix += "  -- DocumentDB also needs change streams enabled with modifyChangeStreams"
            }
            checks.append(
                ReadinessCheck(
                    name: "change_stream", status: .failed,
                    observed: error.code == 13 ? "not authorized: \(error)" : "failed: \(error)",
                    required: "the user can open a change stream on \(scope)",
                    fix: fix, restartRequired: false))
        case .notTried(let reason):
            checks.append(
                ReadinessCheck(
                    name: "change_stream", status: .skipped, observed: "not tried",
                    required: "the user can open a change stream on \(scope)",
                    detail: reason))
        case nil:
            break
        }

        // How far back the oplog reaches: how long a connector may pause and still resume.
        let required = "\(Int(recommendedOplogHours)) hours or more, so that a paused connector can resume"
        if documentDB {
            checks.append(
                ReadinessCheck(
                    name: "change_stream_retention", status: .skipped,
                    observed: "not readable over the MongoDB protocol",
                    required: required,
                    detail:
                        "DocumentDB has no readable oplog; change events are kept for the cluster parameter change_stream_log_retention_duration (3 hours by default)",
                    fix:
                        "set change_stream_log_retention_duration to 86400 (24 h) or more in the cluster's parameter group",
                    restartRequired: false))
        } else if seen.deployment == .standalone {
            checks.append(
                ReadinessCheck(
                    name: "oplog_window", status: .skipped, observed: "no oplog (standalone)", required: required))
        } else if seen.deployment == .sharded || seen.deployment == .loadBalanced {
            checks.append(
                ReadinessCheck(
                    name: "oplog_window", status: .skipped, observed: "not measured through mongos", required: required,
                    detail:
                        "each shard has its own oplog; measure it on each shard's primary (rs.printReplicationInfo())"))
        } else if let seconds = seen.oplogWindowSeconds {
            let hours = seconds / 3600
            let ok = hours >= recommendedOplogHours
            var observed = formatWindow(seconds)
            if let oldest = seen.oplogOldest { observed += " (oldest entry \(formatDate(oldest)))" }
            checks.append(
                ReadinessCheck(
                    name: "oplog_window", status: ok ? .passed : .warning, observed: observed, required: required,
                    detail: ok
                        ? nil
                        : "measured from the oldest to the newest oplog entry; on a new or quiet server the oplog may not be full yet, and the window will grow",
                    fix: ok
                        ? nil
                        : "db.adminCommand({ replSetResizeOplog: 1, minRetentionHours: 24 })  -- MongoDB 4.4+; on Atlas set the minimum oplog window in the cluster's additional settings; otherwise raise the oplog size (replSetResizeOplog with size in MB)",
                    restartRequired: ok ? nil : false))
        } else if let error = seen.oplogError {
            checks.append(
                ReadinessCheck(
                    name: "oplog_window", status: .warning,
                    observed: error.code == 13
                        ? "not measured: the user cannot read local.oplog.rs" : "not measured: \(error)",
                    required: required,
                    detail: "change streams do not need this privilege; it only lets this check measure the window",
                    fix: error.code == 13 ? grantOn + "[{ role: \"read\", db: \"local\" }])" : nil,
                    restartRequired: error.code == 13 ? false : nil))
        }
        return checks
    }

    /// Whether the failed checks come down to a missing privilege (then a source ping fails as `permission`).
    public static func isPermissionProblem(_ seen: MongoObservations) -> Bool {
        if case .failed(let error) = seen.changeStream, error.code == 13, seen.deployment != .standalone { return true }
        return false
    }

    /// "26.5 hours", "45 minutes", "12 s".
    static func formatWindow(_ seconds: Double) -> String {
        if seconds >= 3600 { return String(format: "%.1f hours", seconds / 3600) }
        if seconds >= 60 { return "\(Int(seconds / 60)) minutes" }
        return "\(Int(seconds)) s"
    }

    static func formatDate(_ seconds: UInt32) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// A JavaScript string literal for mongosh statements.
    static func jsString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
