import PreflightCore
import PreflightNetwork

// TEMPORARY: free-text step names for modules not yet converted to `StepName`; removed in this change.
extension HTTPClient {
    @_disfavoredOverload
    public func send(
        _ request: HTTPRequest, to target: HTTPTarget, step: String, activity: String, timeoutHint: String? = nil
    ) async throws(ProbeFailure) -> HTTPResponse {
        try await send(
            request, to: target, step: StepName(rawValue: step), activity: activity, timeoutHint: timeoutHint)
    }
}
