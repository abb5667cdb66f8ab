public import PreflightStore

/// The company whose API key authenticated the request being handled.
///
/// Bound by the authentication middleware around every authenticated OpenAPI operation, so the
/// generated handlers (which receive no request context) can scope resources such as SSH tunnels to
/// the caller's company. `nil` in operations that need no key (`/healthz`, `/openapi.yaml`, and
/// `/metrics` unless configured). The ping route gets its company as a value from ``APIKeyCheck``.
public enum AuthenticatedCompany {
    @TaskLocal public static var current: Company?
}
