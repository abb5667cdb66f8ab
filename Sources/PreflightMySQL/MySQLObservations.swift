/// What the readiness queries observed. Optional fields stay nil when a query could not run.
public struct MySQLObservations: Sendable, Equatable {
    /// SHOW GLOBAL VARIABLES, names lower-cased.
    public var variables: [String: String]?
    /// SHOW GRANTS lines, as the server wrote them.
    public var grants: [String]?
    /// CURRENT_USER(): "user@host" of the account the server matched.
    public var currentUser: String?
    /// mysql.rds_configuration 'binlog retention hours': .some(nil) when the value is NULL; nil when not read.
    public var rdsBinlogRetentionHours: String??
    /// Why a query failed, by check name.
    public var queryErrors: [String: String] = [:]

    public init(
        variables: [String: String]? = nil, grants: [String]? = nil, currentUser: String? = nil,
        rdsBinlogRetentionHours: String?? = nil, queryErrors: [String: String] = [:]
    ) {
        self.variables = variables
        self.grants = grants
        self.currentUser = currentUser
        self.rdsBinlogRetentionHours = rdsBinlogRetentionHours
        self.queryErrors = queryErrors
    }
}
