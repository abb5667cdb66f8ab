import Foundation
import PreflightProbeTesting
import PreflightProbes
import PreflightTestSupport
import Testing

/// The CLI's side of the leak check: for every probed type, planted secrets in a payload file never
/// appear on standard output or standard error, in any form, with or without `--json`.
struct CLIEveryTypeLeakTests {
    @Test func noPlantedSecretIsPrinted() throws {
        let port = closedPort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preflight-leak-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var codes: [String: Int32] = [:]
        for description in ProbeRegistry.descriptions where description.probed {
            let (json, secrets) = PlantedSecrets.payload(for: description, port: port)
            let file = directory.appendingPathComponent("\(description.type.rawValue).json")
            try Data(json.utf8).write(to: file)
            for extra in [[], ["--json"]] {
                let result = try CLI.run(["ping", "--payload", file.path, "--timeout", "3"] + extra)
                codes["\(description.type.rawValue)\(extra.first ?? "")"] = result.code
                for secret in secrets {
                    for form in ProbeTesting.forms(of: secret) {
                        #expect(
                            !result.stdout.contains(form) && !result.stderr.contains(form),
                            "\(description.type) \(extra): a form of a planted secret was printed:\n\(result.stdout)\n\(result.stderr)"
                        )
                    }
                }
            }
        }
        // Refused input (3), unreachable (2) or reached and refused (1); never a crash.
        #expect(codes.values.allSatisfy { [0, 1, 2, 3].contains($0) }, "\(codes)")
    }
}
