import PreflightCore
import PreflightNetwork

/// An `api` source receives events over HTTPS from the customer's applications; Artie dials nothing.
/// The ping passes with one `connect` step, `skipped`, that says why: there is no fake connection.
struct EventsAPIProbe: Probe {
    var target: PingTarget { PingTarget(host: "", port: nil) }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        context.trace.note(
            .connect, status: .skipped,
            detail:
                "nothing to dial: an API source receives the events your applications send to Artie's Events API, so there is no server to reach from here",
            hint: "to check the pipeline end to end, send one test event to the Events API with this connector's token")
    }
}
