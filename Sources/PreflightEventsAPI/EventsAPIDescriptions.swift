import PreflightCore
import PreflightNetwork

extension EventsAPIProbeFactory {
    public var descriptions: [ConnectorDescription] {
        [
            ConnectorDescription(
                type: .api, keys: [],
                summary:
                    "nothing is dialled: applications push events to Artie's Events API; the ping checks that sharedConfig holds nothing and says so in one skipped step"
            )
        ]
    }
}
