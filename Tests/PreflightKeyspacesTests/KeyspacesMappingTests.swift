import PreflightCore
import PreflightKeyspaces
import Testing

/// ERROR codes and CDC readiness, pure.
struct KeyspacesMappingTests {
    let situation = KeyspacesErrorMapping.Situation(
        server: "cassandra.us-east-1.amazonaws.com:9142", identity: "access key AKIAX (SigV4)", sigV4: true,
        region: "us-east-1", keyspace: "app")

    func map(_ code: Int32, _ message: String = "m") -> ProbeFailure {
        KeyspacesErrorMapping.failure(for: CQLServerError(code: code, message: message), request: "r", in: situation)
    }

    @Test func codesAreCategorised() {
        #expect(map(0x0100).category == .auth)
        #expect(map(0x0100).hint?.contains("us-east-1") == true)
        #expect(map(0x1001).category == .serverUnavailable && map(0x1001).transient == true)
        #expect(map(0x1002).category == .serverUnavailable && map(0x1002).transient == true)
        #expect(map(0x1200, "Operation timed out").transient == true)
        #expect(map(0x2100).category == .permission)
        #expect(map(0x2100).hint?.contains("/keyspace/app/") == true)
        #expect(map(0x2200, "Keyspace 'nope' does not exist").category == .databaseNotFound)
        #expect(map(0x2200, "unconfigured table x").category == .protocolMismatch)
        #expect(map(0x000A).category == .protocolMismatch)
        #expect(map(0x000A).message.contains("Protocol error 0x000A"))
    }

    @Test func cdcCheckNamesEveryTableAndTheFix() {
        let check = KeyspacesCDC.check(
            [
                .init(table: "a", status: "ENABLED", viewType: "NEW_AND_OLD_IMAGES"),
                .init(table: "b", status: nil, viewType: nil),
                .init(table: "c", status: "ENABLED", viewType: "KEYS_ONLY"),
            ], keyspace: "app", region: "us-east-1")
        #expect(check.status == .failed)
        #expect(check.observed.contains("1 of 3") && check.observed.contains("b (no cdc_specification)"))
        #expect(check.observed.contains("KEYS_ONLY on c"))
        #expect(
            check.fix?.contains(
                "ALTER TABLE app.b WITH cdc = true AND CUSTOM_PROPERTIES = {'cdc_specification': {'view_type': 'NEW_AND_OLD_IMAGES'}};"
            )
                == true)
        #expect(check.fix?.contains("ALTER TABLE app.c WITH cdc = false") == true)
        #expect(
            check.fix?.contains("aws keyspaces update-table --region us-east-1 --keyspace-name app --table-name b")
                == true)
        #expect(
            KeyspacesCDC.check(
                [.init(table: "a", status: "ENABLED", viewType: "NEW_AND_OLD_IMAGES")], keyspace: "app", region: nil
            ).status == .passed)
        #expect(KeyspacesCDC.check([], keyspace: "app", region: nil).status == .warning)
        #expect(
            KeyspacesCDC.check(
                [.init(table: "a", status: "ENABLING", viewType: "NEW_AND_OLD_IMAGES")], keyspace: "app", region: nil
            ).status == .warning)
    }
}
