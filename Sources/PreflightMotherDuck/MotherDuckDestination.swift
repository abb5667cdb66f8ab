import PreflightCore
import PreflightNetwork

/// MotherDuck destination readiness: `token_type`. A Read Scaling token is read-only, so every write of
/// the pipeline would be refused; a read/write token is what a destination needs. What proves it: the
/// token's own claims when they say, else MotherDuck's REST API (which takes read/write tokens only)
/// accepting it. Pure, apart from recording.
enum MotherDuckDestination {
    enum Evidence {
        case readScalingClaim
        case readWriteClaim
        case acceptedByAPI
        case refusedByAPI(String)
        case unproven
    }

    static let required = "a Read/Write token (Read Scaling tokens are read-only)"
    static let fix =
        "create a Read/Write access token in MotherDuck (Settings > Access tokens > Create token, type Read/Write) and put it in sharedConfig.token"

    static func tokenCheck(_ evidence: Evidence, owner: String?) -> ReadinessCheck {
        let whose = owner.map { " of \($0)" } ?? ""
        switch evidence {
        case .readScalingClaim:
            return ReadinessCheck(
                name: "token_type", status: .failed, observed: "a Read Scaling token\(whose) (its claims say so)",
                required: required, detail: "Read Scaling tokens are read-only: every write of the pipeline is refused",
                fix: fix)
        case .readWriteClaim:
            return ReadinessCheck(
                name: "token_type", status: .passed, observed: "a Read/Write token\(whose) (its claims say so)",
                required: required)
        case .acceptedByAPI:
            return ReadinessCheck(
                name: "token_type", status: .passed,
                observed: "Read/Write: MotherDuck's REST API, which takes Read/Write tokens only, accepted it",
                required: required)
        case .refusedByAPI(let why):
            return ReadinessCheck(
                name: "token_type", status: .failed,
                observed: "refused by MotherDuck's REST API, as a Read Scaling token is", required: required,
                detail: why, fix: fix)
        case .unproven:
            return ReadinessCheck(
                name: "token_type", status: .warning, observed: "unknown: the token names no user to ask about",
                required: required, fix: fix)
        }
    }

    /// Records `check` as the `readiness` step; returns the ping's failure when it failed.
    @discardableResult
    static func record(_ check: ReadinessCheck, context: ProbeContext) -> ProbeFailure? {
        context.trace.check(check)
        let verdict = ReadinessVerdict.destinationStep(for: [check], writingTo: "MotherDuck")
        context.trace.note(.readiness, status: verdict.status, detail: verdict.detail, hint: verdict.hint)
        return ReadinessVerdict.destinationFailure(for: [check], server: "MotherDuck", target: "the token's databases")
    }
}
