/// This build's version, shown by `preflight --version` and (later) in an agent's heartbeat.
public enum PreflightVersion {
    public static let current = "0.9.0"
}
