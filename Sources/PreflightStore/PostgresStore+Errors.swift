import PostgresNIO
import PreflightCore

extension PostgresStore {
    /// A `StoreError` for a PostgresNIO error. PSQLError hides its details from `description`, so this
    /// extracts the useful, non-secret parts (SQLSTATE and server message, or the network error), and
    /// masks the URL's password in case any part echoes it.
    static func storeError(_ error: any Error, action: String, url: PostgresURL, kind: StoreError.Kind = .databaseError)
        -> StoreError
    {
        if let error = error as? StoreError { return error }
        let (detail, isConnectionProblem) = describe(error)
        var resolvedKind = kind
        if isConnectionProblem, kind == .databaseError { resolvedKind = .connectionFailed }
        let redactor = Redactor(secrets: [url.password].compactMap { $0 })
        return StoreError(resolvedKind, redactor.redact("\(action): \(detail)"))
    }

    /// A safe description of `error`, and whether it means the server could not be reached or logged into.
    private static func describe(_ error: any Error) -> (String, Bool) {
        switch error {
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return describe(inner) }
            return ("the transaction failed", false)
        case let error as PSQLError:
            if error.code == .server, let info = error.serverInfo {
                let state = info[.sqlState] ?? "?????"
                let message = info[.message] ?? "no message"
                // Class 28: invalid authorization; 3D: invalid catalog (database) name; 08: connection exception.
                let isConnection = state.hasPrefix("28") || state.hasPrefix("3D") || state.hasPrefix("08")
                return ("\(message) (SQLSTATE \(state))", isConnection)
            }
            if error.code == .sslUnsupported {
                return (
                    "the server does not support TLS, which this sslmode requires (use sslmode=prefer or disable to allow an unencrypted connection)",
                    true
                )
            }
            var text = "\(error.code)"
            if let underlying = error.underlying { text += ": \(underlying)" }
            let isConnection = [
                .connectionError, .serverClosedConnection, .sslUnsupported, .failedToAddSSLHandler,
                .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError,
            ].contains(error.code)
            return (text, isConnection)
        case let error as PostgresDecodingError:
            return ("column \(error.columnName) could not be decoded (\(error.code))", false)
        default:
            return (String(describing: error), "\(type(of: error))".contains("ConnectionPool"))
        }
    }
}
