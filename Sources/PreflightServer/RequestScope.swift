import PreflightCore
public import PreflightStore

/// The company whose API key authenticated the request being handled.
///
/// Bound by the authentication middleware around every authenticated operation, so handlers (and
/// anything they call) can scope resources such as SSH tunnels to the caller's company. `nil` in
/// operations that need no key (`/healthz`, `/openapi.yaml`, and `/metrics` unless configured).
public enum AuthenticatedCompany {
    @TaskLocal public static var current: Company?
}

/// The ping payload as validated by ``ConnectorPayload/decode(json:)`` in ``PingBodyMiddleware``, so the
/// handler uses exactly what was validated rather than a re-decoding of the generated type.
enum ValidatedPing {
    @TaskLocal static var payload: ConnectorPayload?
}
