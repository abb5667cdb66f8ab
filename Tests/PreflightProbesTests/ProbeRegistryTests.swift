import Foundation
import PreflightCore
import PreflightNetwork
import PreflightProbes
import Testing

/// The registry and the descriptions it serves are the one source for the README's connector table
/// and for openapi.yaml's list of types that are not probed yet: these tests keep them in step.
@Suite("ProbeRegistry: one list, one description per type")
struct ProbeRegistryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func everyTypeIsDescribedOnceAndEveryProbedTypeHasKeys() {
        let described = ProbeRegistry.descriptions
        #expect(described.map(\.type) == ConnectorType.allCases.sorted { $0.rawValue < $1.rawValue })
        let claimed = ProbeRegistry.builtIn.flatMap(\.types)
        #expect(claimed.count == Set(claimed).count, "two factories claim one type")
        for factory in ProbeRegistry.builtIn {
            #expect(
                Set(factory.descriptions.map(\.type)) == factory.types, "\(type(of: factory)) describes other types")
        }
        // `api` dials nothing, so it takes no keys (a non-empty one is a 400).
        for description in described where description.probed && description.type != .api {
            #expect(!description.keys.isEmpty, "\(description.type) has no keys")
            #expect(description.keys.contains { $0.required }, "\(description.type) requires nothing")
            let names = description.keys.map(\.name)
            #expect(names.count == Set(names).count, "\(description.type) lists a key twice")
        }
        #expect(ProbeRegistry.probedTypes.count + ProbeRegistry.unprobedTypes.count == ConnectorType.allCases.count)
    }

    @Test func everySecretKeyIsOneTheRedactorMasks() {
        for description in ProbeRegistry.descriptions {
            for key in description.keys where key.kind == .secret {
                #expect(
                    Redactor.isSecretKey(key.name), "\(description.type).\(key.name) is a secret the redactor ignores")
            }
        }
    }

    @Test func theReadmeTableListsEveryKeyOfEveryProbedType() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let rows = readme.split(separator: "\n").filter { $0.hasPrefix("| `") }
        for description in ProbeRegistry.descriptions where description.probed {
            let row = try #require(
                rows.first { $0.hasPrefix("| `\(description.type.rawValue)` |") },
                "the README has no row for \(description.type)")
            let keys = description.keys.filter { !$0.isExtension }.map(\.name)
            let sharesAnotherRow =
                row.contains("as postgresql") || row.contains("as mysql") || row.contains("as mongodb")
                || row.contains("credentials as s3")
            for key in keys where !sharesAnotherRow && !["port", "awsSessionToken", "endpointURL"].contains(key) {
                #expect(row.contains("`\(key)`"), "the README row of \(description.type) does not name \(key)")
            }
        }
    }

    @Test func openAPIListsExactlyTheTypesThatAreNotProbed() throws {
        let spec = try String(
            contentsOf: Self.root.appendingPathComponent("Sources/PreflightServer/openapi.yaml"), encoding: .utf8)
        let unprobed = ProbeRegistry.unprobedTypes.map(\.rawValue).joined(separator: ", ")
        // With every type probed, both say so instead of listing none.
        let inSpec = unprobed.isEmpty ? "Every type is probed" : "Types this service cannot probe yet (\(unprobed))"
        #expect(spec.contains(inSpec), "openapi.yaml's list of unprobed types is not (\(unprobed))")
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let inREADME = unprobed.isEmpty ? "Every type is probed" : "The others (\(unprobed)) answer"
        #expect(readme.contains(inREADME), "the README's list of unprobed types is not (\(unprobed))")
    }
}
