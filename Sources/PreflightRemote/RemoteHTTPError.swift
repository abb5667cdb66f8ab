/// Why a remote request got no answer. Its description is one sentence for the command's output.
public enum RemoteHTTPError: Error, Equatable, CustomStringConvertible {
    /// A proxy variable that cannot be used.
    case badProxy(String)
    /// A URL the client cannot send to, or a header it will not write.
    case badURL(String)
    /// The connection (to the service, or to the proxy when `viaProxy`) could not be made.
    case connect(String, viaProxy: Bool)
    /// The proxy refused the tunnel: its status line.
    case proxyRefused(String)
    /// TLS failed: the reason.
    case tls(String)
    /// The peer closed the connection; `partial` says whether some of an answer had arrived.
    case closed(partial: Bool)
    /// The answer was not HTTP, or was larger than the limit.
    case badAnswer(String)
    /// The deadline passed first.
    case timedOut(seconds: Double)
    /// The request's task was cancelled.
    case cancelled

    public var description: String {
        switch self {
        case .badProxy(let text), .badURL(let text), .badAnswer(let text): return text
        case .connect(let text, let viaProxy): return viaProxy ? "could not connect to the proxy: \(text)" : text
        case .proxyRefused(let line): return "the proxy refused the tunnel: \(line)"
        case .tls(let text): return "TLS failed: \(text)"
        case .closed(let partial):
            return partial
                ? "the connection closed in the middle of the answer" : "the connection closed without an answer"
        case .timedOut(let seconds):
            let text = seconds == seconds.rounded() ? "\(Int(seconds))" : "\((seconds * 10).rounded() / 10)"
            return "no answer within \(text) s"
        case .cancelled: return "cancelled"
        }
    }
}
