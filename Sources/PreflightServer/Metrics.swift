import Metrics
public import Prometheus

/// The process's Prometheus registry, rendered by `GET /metrics`.
public enum PreflightMetrics {
    /// Every swift-metrics metric of the process lands here once ``bootstrapMetrics()`` has run.
    public static let registry = PrometheusCollectorRegistry()

    /// Runs at most once per process (a `static let` is initialised exactly once, thread-safely).
    fileprivate static let bootstrapOnce: Bool = {
        // swift-metrics traps on a second bootstrap; if someone else already installed a backend,
        // leave it alone (then `/metrics` only shows what lands in this registry directly).
        guard MetricsSystem.factory is NOOPMetricsHandler else { return false }
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return true
    }()
}

/// Points swift-metrics at ``PreflightMetrics/registry`` (the registry `GET /metrics` renders).
///
/// Call it once at start-up, before anything records a metric. Safe to call any number of times and
/// from several threads (tests do): only the first call bootstraps. If another metrics backend was
/// bootstrapped before, it is left in place and `/metrics` will not see swift-metrics values.
///
/// - Returns: The registry, for callers that want to render it themselves.
@discardableResult
public func bootstrapMetrics() -> PrometheusCollectorRegistry {
    _ = PreflightMetrics.bootstrapOnce
    return PreflightMetrics.registry
}
