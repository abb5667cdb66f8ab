import Foundation

/// The files of the target's resource bundle (openapi.yaml, Console/).
enum ServerResources {
    /// The bytes of `relativePath` inside the bundle, or nil.
    static func bytes(of relativePath: String) -> [UInt8]? {
        // Look beside the executable first so that a binary shipped with its resource bundle works
        // anywhere; `Bundle.module` knows the build directory (tests, `swift run`) but traps when it
        // finds nothing, so only use it when its build-time path is all there is left.
        let bundleName = "preflight_PreflightServer.resources"
        var candidates = [Bundle.main.bundleURL.appendingPathComponent(bundleName)]
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent(bundleName))
        }
        for directory in candidates {
            if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(relativePath).path) {
                return Array(data)
            }
        }
        guard let root = Bundle.module.resourceURL,
            let data = FileManager.default.contents(atPath: root.appendingPathComponent(relativePath).path)
        else { return nil }
        return Array(data)
    }
}
