import Foundation
import HTTPTypes
import HummingbirdTesting
import PreflightCore
import PreflightProbes
import Testing

@testable import PreflightServer

/// `GET /connector-types`: the registry's descriptions, served without a key, in the spec's shape.
@Suite("GET /connector-types")
struct ConnectorTypesTests {
    @Test func everyTypeWithItsKeysInTheSpecsShape() async throws {
        try await withTestAPI(factories: ProbeRegistry.builtIn) { client, _ in
            let response = try await client.execute(uri: "/connector-types", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let data = Data(buffer: response.body)
            // The generated type of the spec's schema (additionalProperties: false) accepts it.
            let spec = try JSONDecoder().decode(Components.Schemas.ConnectorTypeList.self, from: data)
            #expect(spec.connectorTypes.map(\._type) == ConnectorType.allCases.map(\.rawValue).sorted())
            let served = try JSONDecoder().decode([String: [ConnectorDescription]].self, from: data)
            #expect(served["connectorTypes"] == ProbeRegistry.descriptions)

            let postgres = try #require(spec.connectorTypes.first { $0._type == "postgresql" })
            #expect(postgres.probed && postgres.defaultPort == 5432)
            let password = try #require(postgres.keys.first { $0.name == "password" })
            #expect(password.kind == .secret)
            #expect(postgres.keys.first { $0.name == "host" }?.required == true)
            #expect(postgres.keys.first { $0.name == "sslMode" }?.isExtension == true)
            #expect(spec.connectorTypes.filter { !$0.probed }.isEmpty)
        }
    }

    @Test func aTypeWithoutAProbeIsServedAsUnprobedWithoutKeys() async throws {
        try await withTestAPI { client, _ in
            let response = try await client.execute(uri: "/connector-types", method: .get)
            let spec = try JSONDecoder().decode(
                Components.Schemas.ConnectorTypeList.self, from: Data(buffer: response.body))
            let keyspaces = try #require(spec.connectorTypes.first { $0._type == "keyspaces" })
            #expect(!keyspaces.probed && keyspaces.keys.isEmpty)
        }
    }

    @Test func aWrongMethodIs405() async throws {
        try await withTestAPI { client, _ in
            let response = try await client.execute(uri: "/connector-types", method: .post)
            #expect(response.status == .methodNotAllowed, "\(response.text)")
            #expect(response.headers[.allow]?.contains("GET") == true)
        }
    }
}
