import PreflightCore

/// Whether the session the ping opened can use the configured warehouse, from the row of
/// `SELECT CURRENT_ROLE(), CURRENT_WAREHOUSE(), CURRENT_VERSION()`. Pure.
///
/// Snowflake opens the session even when the requested warehouse does not exist or the role has no
/// USAGE on it; `CURRENT_WAREHOUSE()` is then NULL. That is the destination's readiness test: the
/// role must be able to use the warehouse.
public enum SnowflakeWarehouseVerdict {
    /// The step detail when the warehouse is usable, or the failure when it is not.
    public static func evaluate(_ row: SnowflakeSessionRow, context: SnowflakeFailureContext) -> Result<
        String, ProbeFailure
    > {
        let role = row.role ?? context.role ?? "the default role"
        guard let current = row.warehouse, !current.isEmpty else {
            return .failure(
                ProbeFailure(
                    .permission,
                    "warehouse \(context.warehouse) is not usable by role \(role): Snowflake opened the session without it (CURRENT_WAREHOUSE() is NULL), so it does not exist or the role has no USAGE on it",
                    hint:
                        "check sharedConfig.virtualDWH against SHOW WAREHOUSES, then GRANT USAGE ON WAREHOUSE \(context.warehouse) TO ROLE \(role)"
                ))
        }
        var detail = "role \(role) can use warehouse \(current)"
        if normalized(current) != normalized(context.warehouse) {
            detail += " (requested \(context.warehouse))"
        }
        if let version = row.version { detail += "; Snowflake \(version)" }
        return .success(detail)
    }

    /// An identifier as Snowflake resolves it: unquoted names are upper-cased, quoted ones kept as written.
    static func normalized(_ name: String) -> String {
        if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { return String(name.dropFirst().dropLast()) }
        return name.uppercased()
    }
}
