import PreflightCore
import PreflightDatabricks
import Testing

/// `DatabricksDestinationReadiness` without I/O: the answers' shapes, and each verdict.
@Suite("Databricks grants read into readiness checks")
struct DatabricksGrantsTests {
    static let volume = DatabricksSecurable.volume(try! DatabricksVolume.parse("main.raw.files"))
    static let dana = DatabricksIdentity(userName: "dana@example.com", groups: ["users"])

    @Test("SCIM Me and effective-permissions pages parse; principals compare without case")
    func parse() {
        let me = JSONValue.parse(
            Array(#"{"userName":"dana@example.com","groups":[{"display":"users","value":"1"},{"value":"2"}]}"#.utf8))
        let redactor = Redactor(secrets: ["dapi-planted-token-0123456789"])
        #expect(DatabricksIdentity.parse(me, redactor: redactor) == Self.dana)
        #expect(DatabricksIdentity.parse(JSONValue.parse(Array(#"{"id":"1"}"#.utf8)), redactor: redactor) == nil)
        let echoed = JSONValue.parse(
            Array(
                #"{"userName":"x dapi-planted-token-0123456789","groups":[{"display":"dapi-planted-token-0123456789"}]}"#
                    .utf8))
        let masked = DatabricksIdentity.parse(echoed, redactor: redactor)
        #expect(masked?.userName.contains("dapi-planted") == false)
        #expect(masked?.groups.first?.contains("dapi-planted") == false)
        var grants = DatabricksEffectiveGrants()
        let added = grants.add(
            page: JSONValue.parse(
                Array(
                    #"{"privilege_assignments":[{"principal":"Users","privileges":[{"privilege":"use_catalog","inherited_from_type":"CATALOG","inherited_from_name":"main"}]}]}"#
                        .utf8)))
        #expect(added)
        let refused = grants.add(page: JSONValue.parse(Array("[1]".utf8)))
        #expect(!refused)
        #expect(grants.held(by: Self.dana.holders) == ["USE_CATALOG"])
    }

    @Test("missing privileges: failed, one GRANT per object, to the principal")
    func missing() {
        let seen = DatabricksGrantObservation(
            securable: Self.volume, identity: Self.dana, grants: DatabricksEffectiveGrants(["users": ["READ_VOLUME"]]))
        let check = DatabricksDestinationReadiness.check(seen)
        #expect(check.status == StepStatus.failed)
        #expect(
            check.fix
                == "GRANT USE CATALOG ON CATALOG `main` TO `dana@example.com`; GRANT USE SCHEMA ON SCHEMA `main`.`raw` TO `dana@example.com`; GRANT WRITE VOLUME ON VOLUME `main`.`raw`.`files` TO `dana@example.com`;"
        )
        #expect(
            check.observed
                == "USE CATALOG, USE SCHEMA, WRITE VOLUME missing for dana@example.com (with its groups users); has READ VOLUME"
        )
    }

    @Test("grants that cannot be read, or an unknown principal: warnings that say how to check")
    func unproven() {
        let unreadable = DatabricksDestinationReadiness.check(
            DatabricksGrantObservation(
                securable: Self.volume, identity: Self.dana, grants: nil, error: "403 PERMISSION_DENIED: no"))
        #expect(unreadable.status == .warning)
        #expect(unreadable.observed.contains("403 PERMISSION_DENIED"))
        #expect(unreadable.fix?.hasPrefix("run SHOW GRANTS `dana@example.com` ON VOLUME `main`.`raw`.`files`") == true)
        let nobody = DatabricksDestinationReadiness.check(
            DatabricksGrantObservation(securable: Self.volume, identity: nil, grants: nil))
        #expect(nobody.status == .warning)
    }

    @Test("a schema name parses as catalog.schema, with backquotes; other shapes are refused")
    func schemaNames() throws {
        #expect(try DatabricksSecurable.parseSchema("`my-cat`.raw") == .schema(catalog: "my-cat", schema: "raw"))
        #expect(throws: InvalidConfig.self) { try DatabricksSecurable.parseSchema("main") }
        #expect(throws: InvalidConfig.self) { try DatabricksSecurable.parseSchema("a.b.c") }
        #expect(throws: InvalidConfig.self) { try DatabricksSecurable.parseSchema("a.b\u{7}") }
    }
}
